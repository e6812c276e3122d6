"""Purchase prediction lab: the metrics on hand-made frames with known answers, and every
candidate against BG/NBD + Gamma-Gamma on the CDNOW sample and books sub-sampled from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics.purchase_lab import (
    CANDIDATES,
    compare_purchase_models,
    error_metrics,
    mae_intervals,
    next_period,
    top_decile_share,
)

ACTUAL = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90], dtype=float)


def test_error_metrics_on_a_known_answer():
    predicted = np.array([5, 10, 20, 30, 40, 50, 60, 70, 80, 100], dtype=float)
    m = error_metrics(ACTUAL, predicted)
    assert m["mae"] == pytest.approx(1.5)  # (5 + 10) / 10
    assert m["bias"] == pytest.approx(15 / 450)  # 465 predicted for 450 bought
    assert m["rank"] == pytest.approx(1.0)
    backwards = error_metrics(ACTUAL, predicted[::-1])
    assert backwards["rank"] == pytest.approx(-1.0)


def test_rank_and_bias_are_none_when_they_mean_nothing():
    flat = error_metrics(ACTUAL, np.full(10, 45.0))
    assert flat["rank"] is None and flat["bias"] == pytest.approx(0.0)  # one ranking for everyone: no order
    nobody = error_metrics(np.zeros(10), np.ones(10))
    assert nobody["bias"] is None and nobody["mae"] == pytest.approx(1.0)  # no purchases to be biased against


def test_top_decile_share_on_a_known_answer():
    assert top_decile_share(ACTUAL, ACTUAL) == pytest.approx(90 / 450)
    assert top_decile_share(ACTUAL, ACTUAL[::-1]) == pytest.approx(0.0)
    twenty = np.arange(20, dtype=float)  # two customers in the top tenth: 19 + 18 of 190
    assert top_decile_share(twenty, twenty) == pytest.approx(37 / 190)
    assert top_decile_share(np.zeros(10), ACTUAL) is None


def test_mae_interval_is_zero_for_the_same_predictions_and_below_zero_for_a_clearly_better_one():
    rng = np.random.default_rng(3)
    actual = rng.poisson(2.0, 500).astype(float)
    baseline = actual + rng.normal(0, 2.0, 500)
    intervals = mae_intervals(actual, baseline, {"same": baseline.copy(), "exact": actual.copy()}, random_state=0)
    assert intervals["same"] == (0.0, 0.0)
    low, high = intervals["exact"]
    assert low < high < 0


def test_next_period_counts_purchase_days_and_spend_after_the_cutoff():
    day = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 3],
        "ordered_at": [day, day + pd.Timedelta(days=5), day + pd.Timedelta(days=5, hours=3),
                       day + pd.Timedelta(days=40), day + pd.Timedelta(days=8), day + pd.Timedelta(days=1)],
        "amount": [10.0, 20.0, 5.0, 7.0, 30.0, 1.0],
    })
    out = next_period(orders, day + pd.Timedelta(days=2), 30, pd.Index([1, 2, 3, 4]))
    # 1: two orders on day 5 are one purchase (25); day 40 is after the window. 3 bought before it.
    assert out["purchases"].to_dict() == {1: 1, 2: 1, 3: 0, 4: 0}
    assert out["spend"].to_dict() == {1: 25.0, 2: 30.0, 3: 0.0, 4: 0.0}


@pytest.fixture(scope="module")
def cdnow_lab(cdnow_orders):
    return compare_purchase_models(cdnow_orders, pd.Timestamp("1998-06-30"), horizon_days=90)


def test_every_candidate_is_compared_with_bgnbd_on_cdnow(cdnow_lab):
    lab = cdnow_lab
    assert [c["model"] for c in lab.candidates] == list(CANDIDATES)
    assert lab.n_holdout == 2357 and lab.n_train == 2357
    for c in lab.candidates:
        assert c["purchases_mae"] > 0 and c["spend_mae"] > 0 and c["fit_seconds"] >= 0
        assert -1 < c["purchases_bias"] < 1 and 0 < c["purchases_rank"] <= 1
        assert 0.3 < c["top_decile_share"] < 1  # a tenth of the customers bring far more than a tenth
        if c["model"] == "bgnbd+gamma_gamma":
            assert "purchases_mae_diff" not in c
        else:
            for target in ("purchases", "spend"):
                low, diff, high = (c[f"{target}_mae_diff{end}"] for end in ("_low", "", "_high"))
                assert low <= diff <= high
    better = [c for c in lab.candidates[1:] if c["purchases_mae_diff_high"] < 0 and c["spend_mae_diff_high"] < 0]
    assert lab.in_use == (min(better, key=lambda c: c["spend_mae"])["model"] if better else "bgnbd+gamma_gamma")
    assert lab.in_use in lab.reason


@pytest.mark.parametrize("seed", range(3))
def test_a_small_book_says_it_is_too_small_instead_of_ranking_noise(cdnow_orders, seed):
    ids = np.random.default_rng(seed).choice(cdnow_orders["customer_id"].unique(), 250, replace=False)
    lab = compare_purchase_models(cdnow_orders[cdnow_orders["customer_id"].isin(ids)],
                                  pd.Timestamp("1998-06-30"), horizon_days=90)
    assert lab.candidates == [] and lab.in_use == "bgnbd+gamma_gamma"
    assert "250 customers" in lab.reason and "not enough data" in lab.reason


def test_one_customer_and_no_orders_give_an_empty_lab(cdnow_orders):
    one = cdnow_orders[cdnow_orders["customer_id"] == 1]
    for orders in (one, one.iloc[:0]):
        lab = compare_purchase_models(orders, pd.Timestamp("1998-06-30"), horizon_days=90)
        assert lab.candidates == [] and lab.in_use == "none" and "not enough data" in lab.reason


def test_the_models_tab_lists_every_candidate_with_its_interval(cdnow_lab):
    from solocrm_tui.core.analytics.summary import PurchaseLab
    from solocrm_tui.text.insights import purchase_lab_lines

    lab = PurchaseLab.from_run({"parameters": {"horizon_days": 90, "model": cdnow_lab.in_use},
                                "metrics": {"reason": cdnow_lab.reason, "candidates": cdnow_lab.candidates,
                                            "n_train": cdnow_lab.n_train, "n_holdout": cdnow_lab.n_holdout}})
    text = "\n".join(purchase_lab_lines(lab))
    assert f"in use: {cdnow_lab.in_use}" in text and cdnow_lab.reason in text
    for row in cdnow_lab.candidates[1:]:
        line = next(t for t in text.splitlines() if t.startswith(row["model"] + " "))
        assert f"{row['spend_mae_diff_low']:+,.2f} to {row['spend_mae_diff_high']:+,.2f}" in line
