"""Parameter recovery on customers simulated from known BG/NBD and Gamma-Gamma processes.

Run this file directly for timings at 100k customers (a manual check, not a timed test):
    .venv/bin/python tests/core/analytics/test_analytics_simulated.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics import clv
from solocrm_tui.core.analytics.features import customer_features, summary_for_btyd

START = pd.Timestamp("2022-01-01")
TRUE_BGNBD = (0.6, 40 / 7, 0.8, 4.0)  # r, alpha (weeks), a, b
TRUE_GG = (6.25, 3.7, 15.4)           # p, q, gamma


def simulate(n: int, seed: int = 0, span_days: int = 1100) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Orders from the BG/NBD story: Poisson buying, dropout only after a repeat purchase."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = TRUE_BGNBD
    birth = rng.uniform(0, span_days * 0.7, n)
    lam = rng.gamma(r, 1 / (alpha * 7), n)  # purchases per day
    drop = rng.beta(a, b, n)
    ids, days = [np.arange(n)], [birth]
    t, alive = birth.copy(), np.ones(n, bool)
    while alive.any():
        t = t + rng.exponential(1 / np.maximum(lam, 1e-12))
        alive &= t < span_days
        ids.append(np.flatnonzero(alive))
        days.append(t[alive])
        alive &= rng.random(n) >= drop
    ids, days = np.concatenate(ids), np.concatenate(days)
    p, q, gamma = TRUE_GG
    nu = rng.gamma(q, 1 / gamma, n)
    orders = pd.DataFrame({"customer_id": ids, "ordered_at": START + pd.to_timedelta(days, unit="D"),
                           "amount": rng.gamma(p, 1 / nu[ids])})
    return orders, START + pd.Timedelta(days=span_days)


@pytest.fixture(scope="module")
def simulated():
    orders, as_of = simulate(20_000, seed=1)
    return customer_features(orders, as_of)


def test_bgnbd_recovers_simulated_parameters(simulated):
    s = summary_for_btyd(simulated)
    fit = clv.fit_bgnbd(s["x"], s["t_x"], s["T"])
    assert (fit.r, fit.alpha, fit.a, fit.b) == pytest.approx(TRUE_BGNBD, rel=0.2)


def test_gamma_gamma_recovers_simulated_parameters(simulated):
    rep = simulated[simulated["frequency"] > 0]
    fit = clv.fit_gamma_gamma(rep["frequency"], rep["repeat_monetary_mean"])
    assert (fit.p, fit.q, fit.gamma) == pytest.approx(TRUE_GG, rel=0.2)


if __name__ == "__main__":
    from solocrm_tui.core.analytics.churn import compare_models
    from solocrm_tui.core.analytics.segments import kmeans_segments

    def timed(label, fn):
        t0 = time.perf_counter()
        out = fn()
        print(f"{label:<28} {time.perf_counter() - t0:6.2f} s")
        return out

    orders, as_of = timed("simulate 100k customers", lambda: simulate(100_000))
    print(f"{len(orders):,} orders")
    f = timed("customer_features", lambda: customer_features(orders, as_of))
    s = summary_for_btyd(f)
    print(timed("fit_bgnbd", lambda: clv.fit_bgnbd(s["x"], s["t_x"], s["T"])))
    rep = f[f["frequency"] > 0]
    print(timed("fit_gamma_gamma", lambda: clv.fit_gamma_gamma(rep["frequency"], rep["repeat_monetary_mean"])))
    res = timed("compare_models (H=90)", lambda: compare_models(orders, as_of, 90))
    print(res.model, res.reason)
    timed("kmeans_segments", lambda: kmeans_segments(f))
