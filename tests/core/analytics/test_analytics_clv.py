"""BG/NBD and Gamma-Gamma against the published CDNOW results (see /work/shared/data/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics import clv
from solocrm_tui.core.analytics.features import customer_features, summary_for_btyd

CALIBRATION_END = pd.Timestamp("1997-09-30")  # end of the 39-week calibration period

PUBLISHED = clv.BgNbdParams(r=0.2425982, alpha=4.413684, a=0.7929899, b=2.426167, loglik=-9582.429, n=2357)


@pytest.fixture(scope="module")
def features(cdnow_calibration):
    return customer_features(cdnow_calibration, CALIBRATION_END)


@pytest.fixture(scope="module")
def summary(features):
    return summary_for_btyd(features, time_unit_days=7)


@pytest.fixture(scope="module")
def fitted(summary):
    return clv.fit_bgnbd(summary["x"], summary["t_x"], summary["T"])


def test_bgnbd_matches_published_parameters(fitted):
    got = (fitted.r, fitted.alpha, fitted.a, fitted.b)
    want = (PUBLISHED.r, PUBLISHED.alpha, PUBLISHED.a, PUBLISHED.b)
    assert got == pytest.approx(want, abs=0.002)
    assert fitted.loglik == pytest.approx(-9582.43, abs=0.01)
    assert fitted.n == 2357


def test_weights_equal_repeated_rows(summary):
    head = summary.iloc[:400]
    w = np.arange(400) % 3 + 1
    weighted = clv.fit_bgnbd(head["x"], head["t_x"], head["T"], weights=w)
    rep = head.loc[head.index.repeat(w)]
    expanded = clv.fit_bgnbd(rep["x"], rep["t_x"], rep["T"])
    assert (weighted.r, weighted.alpha, weighted.a, weighted.b) == pytest.approx(
        (expanded.r, expanded.alpha, expanded.a, expanded.b), rel=1e-4)


def test_loglik_edge_cases_need_log_sum_exp():
    p = clv.BgNbdParams(0.25, 4.0, 0.8, 2.5, 0.0, 0)
    ll = clv.bgnbd_loglik_per_customer(p, [0, 200], [0, 38], [40, 40])
    assert ll == pytest.approx([-0.59947, 100.7957], abs=0.005)


def test_unconditional_expectation():
    got = clv.expected_transactions(PUBLISHED, [1, 3, 32, 78])
    assert got == pytest.approx([0.0532, 0.1506, 1.0437, 1.8576], abs=0.001)


def test_conditional_expectation_and_p_alive(fitted):
    assert clv.conditional_expected_transactions(fitted, 39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=0.001)
    assert clv.conditional_expected_transactions(fitted, 52, 26, 30.857, 31) == pytest.approx(25.757, abs=0.005)
    assert clv.p_alive(fitted, 26, 30.857, 31) == pytest.approx(0.9689, abs=0.0005)


def test_heavy_buyers_stay_finite():
    x = np.array([0, 50, 500, 5000.0])
    e = clv.conditional_expected_transactions(PUBLISHED, 52, x, x / 10 * 9, x / 10 + 1)
    assert np.all(np.isfinite(e)) and np.all(np.diff(e) > 0)


def test_p_no_purchase_closed_form(fitted):
    """Zero-horizon means certainty; one-timers' P(alive) = 1 yet they can still stay silent."""
    x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 10.0]), np.array([30.0, 30.0])
    assert clv.p_no_purchase(fitted, 0.0, x, t_x, T) == pytest.approx([1.0, 1.0])
    p = clv.p_no_purchase(fitted, 39.0, x, t_x, T)
    assert np.all((p > 0) & (p < 1))
    # Monte Carlo of the model for one history: posterior draw of (alive, lambda) then silence.
    rng = np.random.default_rng(0)
    pa = clv.p_alive(fitted, 3.0, 10.0, 30.0)
    lam = rng.gamma(fitted.r + 3, 1 / (fitted.alpha + 30), 400_000)
    alive = rng.random(lam.size) < pa
    silent = ~alive | (rng.poisson(lam * 39) == 0)
    assert p[1] == pytest.approx(silent.mean(), abs=0.003)


def test_holdout_table(features, summary, cdnow_holdout_counts):
    hold = cdnow_holdout_counts.reindex(summary.index).fillna(0)
    cond = clv.conditional_expected_transactions(PUBLISHED, 39, summary["x"], summary["t_x"], summary["T"])
    bucket = summary["x"].clip(upper=7)
    table = pd.DataFrame({"n": 1, "actual": hold, "model": cond}).groupby(bucket.to_numpy()).agg(
        n=("n", "sum"), actual=("actual", "mean"), model=("model", "mean"))
    assert table["n"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert table["actual"].tolist() == pytest.approx(
        [0.2367, 0.6970, 1.3925, 1.5600, 2.5323, 2.9474, 3.8621, 6.3594], abs=0.005)
    assert table["model"].tolist() == pytest.approx(
        [0.2251, 0.5231, 1.0441, 1.5203, 2.1638, 2.6538, 3.5040, 6.1570], abs=0.005)
    assert hold.sum() == 1882


def test_gamma_gamma_matches_published(features):
    rep = features[features["frequency"] > 0]
    gg = clv.fit_gamma_gamma(rep["frequency"], rep["repeat_monetary_mean"])
    assert (gg.p, gg.q, gg.gamma) == pytest.approx((6.25, 3.74, 15.44), abs=0.02)
    assert gg.loglik == pytest.approx(-4055.92, abs=0.05)
    assert gg.n == 946
    # Shrinkage: one-timers get the population mean, heavy repeaters nearly their own mean.
    pop = gg.p * gg.gamma / (gg.q - 1)
    assert clv.expected_spend(gg, 0, np.nan) == pytest.approx(pop)
    assert clv.expected_spend(gg, 100, 80.0) == pytest.approx(80.0, rel=0.01)


def test_discounted_clv(fitted):
    gg = clv.GammaGammaParams(6.25, 3.74, 15.44, 0.0, 0)
    x, t_x, T, m = np.array([2.0]), np.array([30.43]), np.array([38.86]), np.array([35.0])
    spend = clv.expected_spend(gg, x, m)
    undiscounted = clv.discounted_clv(fitted, gg, x, t_x, T, m, 39, 0.0)
    assert undiscounted == pytest.approx(1.226 * spend, rel=0.001)
    discounted = clv.discounted_clv(fitted, gg, x, t_x, T, m, 39, 0.01)
    coarse = clv.discounted_clv(fitted, gg, x, t_x, T, m, 39, 0.01, step=13)
    assert discounted < undiscounted and coarse < discounted


def test_expected_purchases_stay_finite_when_dropout_is_nearly_fixed():
    """Small books can fit a, b in the hundreds of thousands (p almost fixed): 2F1 then
    overflows, and the fixed-p limit (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p takes over."""
    huge = clv.BgNbdParams(r=0.24, alpha=4.9, a=29635.0, b=162755.0, loglik=0.0, n=250)
    moderate = clv.BgNbdParams(r=0.24, alpha=4.9, a=296.35, b=1627.55, loglik=0.0, n=250)
    x, t_x, T = np.array([0.0, 1, 5]), np.array([0.0, 10, 30]), np.array([38.0, 38, 38])
    got = clv.conditional_expected_transactions(huge, 13, x, t_x, T)
    assert np.isfinite(got).all()
    assert got == pytest.approx(clv.conditional_expected_transactions(moderate, 13, x, t_x, T), rel=0.01)


def test_purchase_range_quantiles_match_the_expectation(summary, fitted):
    """The predictive distribution of next-period purchases (closed form) has the model's mean,
    and its P10-P90 holds the 39-week holdout counts of at least 80 % of CDNOW customers."""
    x, t_x, T = (summary[c].to_numpy()[:, None] for c in ("x", "t_x", "T"))
    tail = clv.purchase_tail(fitted, 39, np.arange(1, 400)[None, :], x, t_x, T)
    mean = clv.conditional_expected_transactions(fitted, 39, summary["x"], summary["t_x"], summary["T"])
    assert tail.sum(axis=1) == pytest.approx(mean, rel=0.01, abs=1e-4)  # E[X] = sum of P(X >= k)
    low, high = clv.purchase_quantiles(fitted, 39, summary["x"], summary["t_x"], summary["T"])
    assert (low <= mean + 1e-9).all() and (high >= np.floor(mean)).all()
    assert (low == 0).mean() > 0.9  # most CDNOW customers may well not buy again


def test_purchase_range_covers_the_holdout(summary, fitted, cdnow_holdout_counts):
    low, high = clv.purchase_quantiles(fitted, 39, summary["x"], summary["t_x"], summary["T"])
    actual = cdnow_holdout_counts.reindex(summary.index).fillna(0).to_numpy()
    covered = ((actual >= low) & (actual <= high)).mean()
    assert covered >= 0.8
