"""Churn: out-of-time model choice, the rule fallback, and the CDNOW lesson about P(alive)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from solocrm_tui.core.analytics import clv
from solocrm_tui.core.analytics.churn import (
    CANDIDATES,
    churn_reasons,
    compare_models,
    make_training_frame,
)
from solocrm_tui.core.analytics.features import customer_features, summary_for_btyd

CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_WEEKS = 39


def _holdout_churn(index, holdout_counts) -> np.ndarray:
    """1 = no purchase at all in the 39-week holdout."""
    return (holdout_counts.reindex(index).fillna(0) == 0).astype(int).to_numpy()


def test_make_training_frame_labels():
    day = pd.Timestamp("2024-01-01")
    orders = pd.DataFrame({
        "customer_id": [1, 1, 2, 3, 4],
        "ordered_at": [day, day + pd.Timedelta(days=40), day, day + pd.Timedelta(days=100), day + pd.Timedelta(days=5)],
        "amount": 10.0,
    })
    f = make_training_frame(orders, day + pd.Timedelta(days=10), horizon_days=30)
    # 3 had not bought by the cut-off; 1 came back on day 40 (inside (10, 40]); 2 and 4 did not.
    assert f["churned"].to_dict() == {1: 0, 2: 1, 4: 1}


def test_one_minus_p_alive_would_invert_but_shipped_score_does_not(cdnow_calibration, cdnow_holdout_counts):
    """39-week horizon: the calibration period is too short for out-of-time validation, so
    the fallback ships: BG/NBD's P(no purchase in H), which ranks well; 1 - P(alive) would
    have ranked backwards."""
    result = compare_models(cdnow_calibration, CALIBRATION_END, horizon_days=7 * HOLDOUT_WEEKS)
    assert result.rule_based and result.model == "bgnbd"
    assert "validate" in result.reason
    y = _holdout_churn(result.scores.index, cdnow_holdout_counts)
    shipped_auc = roc_auc_score(y, result.scores)
    assert shipped_auc >= 0.74
    assert result.scores.between(0, 1).all() and len(result.scores) == 2357

    s = summary_for_btyd(customer_features(cdnow_calibration, CALIBRATION_END))
    params = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    not_alive = 1 - clv.p_alive(params, s["x"], s["t_x"], s["T"])
    assert roc_auc_score(_holdout_churn(s.index, cdnow_holdout_counts), not_alive) < 0.5
    quiet = clv.p_no_purchase(params, HOLDOUT_WEEKS, s["x"], s["t_x"], s["T"])
    assert roc_auc_score(_holdout_churn(s.index, cdnow_holdout_counts), quiet) >= 0.74
    # The shipped score is not (a monotone transform of) 1 - P(alive).
    assert abs(shipped_auc - roc_auc_score(y, not_alive)) > 0.2


def test_models_compete_out_of_time_on_cdnow(cdnow_calibration, cdnow_holdout_counts):
    """Each candidate carries a bootstrap interval on its AUC gain over the rule; a model
    ships only if the interval's lower bound is above 0, and then it is the best such one."""
    result = compare_models(cdnow_calibration, CALIBRATION_END, horizon_days=91)
    by_name = {c["model"]: c for c in result.candidates}
    assert list(by_name) == ["rule_recency", *CANDIDATES]
    assert all(0.65 < c["auc"] < 0.9 and 0 < c["brier"] < 0.25 for c in result.candidates)
    assert result.n_train == result.n_valid == 2357
    rule_auc = by_name["rule_recency"]["auc"]
    for c in result.candidates[1:]:
        assert c["gain"] == pytest.approx(c["auc"] - rule_auc)
        assert c["gain_low"] < c["gain"] < c["gain_high"] and c["gain_high"] - c["gain_low"] < 0.1
    winners = [c for c in result.candidates[1:] if c["gain_low"] > 0]
    if result.rule_based:
        assert not winners and result.model == "rule_recency"
    else:
        assert result.model == max(winners, key=lambda c: c["auc"])["model"]
    assert result.auc == by_name[result.model]["auc"]
    y = _holdout_churn(result.scores.index, cdnow_holdout_counts)
    assert roc_auc_score(y, result.scores) >= 0.74


def test_the_shipped_risk_reports_its_reliability(cdnow_calibration):
    """Per-decile predicted vs observed churn on the validation cut: calibrated within 5 points."""
    result = compare_models(cdnow_calibration, CALIBRATION_END, horizon_days=91)
    bins = result.reliability
    assert len(bins) == 10 and sum(b["n"] for b in bins) == result.n_valid
    assert [b["predicted"] for b in bins] == sorted(b["predicted"] for b in bins)
    assert max(abs(b["predicted"] - b["observed"]) for b in bins) < 0.08
    weighted = sum(b["n"] * (b["predicted"] - b["observed"]) for b in bins) / result.n_valid
    assert abs(weighted) < 0.03


@pytest.mark.parametrize("seed", range(6))
def test_small_noisy_books_ship_the_rule_or_a_model_that_really_helps(cdnow_orders, seed):
    """300 customers sub-sampled from CDNOW, cut on 1998-03-31 so the next 90 days are known.
    Shipping on the point gain (the old rule) sent a model on 6 of 8 such books, three of them
    worse than the rule on what happened next (real gain -0.118, -0.035, -0.006). With the four
    lab candidates (SVM, k-NN, tree, forest) the random forest clears the interval on book 2,
    and it really was better there (+0.011 AUC on the next 90 days); the rule stays on the rest."""
    cut = pd.Timestamp("1998-03-31")
    ids = np.random.default_rng(seed).choice(cdnow_orders["customer_id"].unique(), 300, replace=False)
    book = cdnow_orders[cdnow_orders["customer_id"].isin(ids)]
    result = compare_models(book[book["ordered_at"] <= cut], cut, horizon_days=90)
    assert result.n_valid == 300 and len(result.candidates) == 1 + len(CANDIDATES)
    if result.rule_based:
        assert result.model == "rule_recency" and seed != 2
        assert all(c["gain_low"] <= 0 for c in result.candidates[1:])
        return
    later = cdnow_orders[(cdnow_orders["ordered_at"] > cut) & (cdnow_orders["ordered_at"] <= cut + pd.Timedelta(days=90))]
    f = customer_features(book, cut)
    y = (~f.index.isin(later["customer_id"])).astype(int)
    assert roc_auc_score(y, result.scores.reindex(f.index)) > roc_auc_score(y, f["recency_days"])


def test_the_whole_cdnow_book_ships_a_model_that_really_helps(cdnow_orders):
    """On all 2,357 customers the logistic model's interval clears 0 and it ships; on the
    90 days after the cut it does rank churners better than the rule."""
    cut = pd.Timestamp("1998-03-31")
    result = compare_models(cdnow_orders[cdnow_orders["ordered_at"] <= cut], cut, horizon_days=90)
    assert not result.rule_based
    shipped = next(c for c in result.candidates if c["model"] == result.model)
    assert shipped["gain_low"] > 0
    later = cdnow_orders[(cdnow_orders["ordered_at"] > cut)
                         & (cdnow_orders["ordered_at"] <= cut + pd.Timedelta(days=90))]
    f = customer_features(cdnow_orders, cut)
    y = (~f.index.isin(later["customer_id"])).astype(int)
    assert roc_auc_score(y, result.scores.reindex(f.index)) > roc_auc_score(y, f["recency_days"])


def test_future_orders_do_not_leak(cdnow_orders, cdnow_calibration):
    a = compare_models(cdnow_calibration, CALIBRATION_END, horizon_days=91)
    b = compare_models(cdnow_orders, CALIBRATION_END, horizon_days=91)
    without_timing = lambda r: [{k: v for k, v in c.items() if k != "fit_seconds"} for c in r.candidates]  # noqa: E731
    assert without_timing(a) == without_timing(b)
    pd.testing.assert_series_equal(a.scores, b.scores)


def test_a_small_base_falls_back_to_a_calibrated_bgnbd(cdnow_orders, cdnow_calibration):
    """Too few customers to validate out of time: BG/NBD's P(no purchase in H), which needs
    no labels, is calibrated on what these customers did in the next 91 days."""
    few = cdnow_calibration[cdnow_calibration["customer_id"] <= 200]
    result = compare_models(few, CALIBRATION_END, horizon_days=91)
    assert result.rule_based and result.model == "bgnbd" and result.candidates == []
    assert "200" in result.reason and "BG/NBD" in result.reason
    s = summary_for_btyd(customer_features(few, CALIBRATION_END))
    params = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    expected = clv.p_no_purchase(params, 13, s["x"], s["t_x"], s["T"])
    assert result.scores.reindex(s.index).to_numpy() == pytest.approx(expected)
    later = cdnow_orders[(cdnow_orders["ordered_at"] > CALIBRATION_END)
                         & (cdnow_orders["ordered_at"] <= CALIBRATION_END + pd.Timedelta(days=91))]
    churned = ~s.index.isin(later["customer_id"])
    assert abs(result.scores.mean() - churned.mean()) < 0.05  # the rule said 0.70 where 0.83 churned
    # its reliability is checked on the book's own past (fit at as_of - H, outcome by as_of)
    assert result.reliability and np.isfinite(result.brier) and result.brier < 0.2


def test_short_history_falls_back_to_bgnbd(cdnow_calibration):
    early = pd.Timestamp("1997-05-01")
    result = compare_models(cdnow_calibration, early, horizon_days=30)
    assert result.rule_based and result.model == "bgnbd" and "history" in result.reason
    assert result.scores.between(0, 1).all()


@pytest.mark.parametrize("as_of, customers", [("1997-03-15", 2357), ("1997-09-30", 1), ("1997-09-30", 0)])
def test_too_little_data_gives_no_churn_figure(cdnow_calibration, as_of, customers):
    """Under about three months of history or a handful of buyers there is nothing honest
    to say: no scores, a reason, and no exception."""
    book = cdnow_calibration[cdnow_calibration["customer_id"] <= customers]
    result = compare_models(book, pd.Timestamp(as_of), horizon_days=90)
    assert result.model == "none" and result.rule_based
    assert result.scores.isna().all() and "not enough" in result.reason


def test_churn_reasons_name_the_biggest_drivers():
    f = pd.DataFrame({"recency_days": [94.0, 10.0, 200.0], "median_gap_days": [21.0, 7.0, np.nan],
                      "occasions": [3.0, 12.0, 1.0], "open_tickets": [0, 2, 0]}, index=[1, 2, 3])
    assert churn_reasons(f).to_dict() == {
        1: "silent 94 days, usually every 21; 3 purchases",
        2: "silent 10 days, usually every 7; 12 purchases; 2 open tickets",
        3: "silent 200 days, bought only once",
    }
