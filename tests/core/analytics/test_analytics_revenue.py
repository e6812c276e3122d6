"""Revenue: calendar months, zero-filling, and a forecast that cannot go negative, chosen
against naive baselines in a rolling-origin backtest, on CDNOW and on series with a known shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics.revenue import (
    SEASONALITY_NOTE,
    backtest,
    forecast_revenue,
    monthly_revenue,
    trend_per_month,
)


def _orders(rows):
    return pd.DataFrame({"customer_id": range(len(rows)),
                         "ordered_at": pd.to_datetime([d for d, _ in rows]),
                         "amount": [a for _, a in rows]})


def _months(values, start="2022-01-01"):
    return pd.Series(np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS"))


@pytest.fixture(scope="module")
def cdnow_months(cdnow_orders) -> pd.Series:
    """18 months of the CDNOW sample: a cohort bought in its first quarter, then declined."""
    return monthly_revenue(cdnow_orders, pd.Timestamp("1998-06-30"))


def test_full_calendar_months_zero_filled():
    orders = _orders([("2023-11-15", 10.0), ("2023-11-20", 5.0), ("2024-01-05", 20.0),
                      ("2024-03-31", 30.0), ("2024-04-02", 40.0)])
    mid_april = monthly_revenue(orders, pd.Timestamp("2024-04-15"))
    assert mid_april.index[0] == pd.Timestamp("2023-11-01")  # starts at the first order, not 24 months back
    assert mid_april.tolist() == [15.0, 0.0, 20.0, 0.0, 30.0]  # April is not over yet
    assert monthly_revenue(orders, pd.Timestamp("2024-04-30")).iloc[-1] == 40.0
    assert monthly_revenue(orders, pd.Timestamp("2024-04-30"), months=2).tolist() == [30.0, 40.0]
    assert monthly_revenue(orders.iloc[:0], pd.Timestamp("2024-04-30")).empty


def test_trend_is_the_least_squares_slope():
    series = _months(1000 + 25 * np.arange(24) + np.tile([3.0, -3.0], 12))
    assert trend_per_month(series) == pytest.approx(25.0, abs=0.2)
    assert trend_per_month(series.iloc[:2]) is None


def test_cdnow_no_negative_forecast_at_any_origin_and_beats_last_month(cdnow_months):
    """Before: a straight line through CDNOW's first-quarter burst put 23 of 39 rolling
    forecasts below zero, with 133 % error against 41 % for "same as last month"."""
    assert len(cdnow_months) == 18
    for origin in range(3, len(cdnow_months) + 1):
        fc = forecast_revenue(cdnow_months.iloc[:origin], horizon=3)
        assert (fc.forecast[["forecast", "low", "high"]].to_numpy() >= 0).all(), origin
        assert (fc.forecast["low"] <= fc.forecast["forecast"]).all()
        assert (fc.forecast["forecast"] <= fc.forecast["high"]).all()
    fc = forecast_revenue(cdnow_months, horizon=3)
    assert fc.backtest_error <= fc.candidates["last_month"]
    assert fc.backtest_error < 0.35
    assert fc.method in fc.candidates and fc.candidates[fc.method] == fc.backtest_error
    assert "seasonal_naive" not in fc.candidates  # 18 months: no year to repeat yet
    assert fc.coverage is not None and 0.5 <= fc.coverage <= 1.0
    assert fc.forecast.index[0] == pd.Timestamp("1998-07-01") and fc.note == SEASONALITY_NOTE


def test_steady_decline_never_forecast_below_zero_and_beats_last_month():
    rng = np.random.default_rng(7)
    series = _months(20000 * 0.85 ** np.arange(30) * rng.lognormal(0, 0.1, 30))
    for origin in range(3, 31):
        fc = forecast_revenue(series.iloc[:origin], horizon=6)
        assert (fc.forecast.to_numpy() >= 0).all(), origin
    fc = forecast_revenue(series, horizon=6)
    assert fc.backtest_error <= fc.candidates["last_month"]
    assert fc.forecast["forecast"].is_monotonic_decreasing


def test_stable_book_ships_a_method_no_worse_than_the_mean_of_three_months():
    rng = np.random.default_rng(11)
    series = _months(5000 + rng.normal(0, 600, 24))
    fc = forecast_revenue(series, horizon=3)
    assert fc.backtest_error <= min(fc.candidates.values()) + 1e-12
    assert fc.backtest_error <= fc.candidates["mean_3_months"]
    assert fc.forecast["forecast"].between(4000, 6000).all()
    assert fc.candidates.keys() >= {"last_month", "mean_3_months", "seasonal_naive"}  # 24 months: a year to repeat


def test_seasonal_book_with_two_years_ships_seasonal_naive():
    season = np.array([1, 1, 1.2, 1, 1, 1, 0.8, 0.8, 1, 1.3, 2.5, 3.0])
    rng = np.random.default_rng(3)
    series = _months(np.tile(season, 3)[:34] * 4000 * rng.lognormal(0, 0.03, 34))  # January 2022 to October 2024
    fc = forecast_revenue(series, horizon=3)
    assert fc.method == "seasonal_naive" and fc.note == "same month last year"
    november, december, january = fc.forecast["forecast"]
    assert november > 2 * january and december > 2 * january  # the year-end peak comes back


def test_backtest_scores_each_method_on_months_it_did_not_see():
    series = _months([100.0, 100, 100, 200, 200, 200])
    errors, misses = backtest(series, horizon=1, first_origin=3)
    assert errors["last_month"] == pytest.approx((100 + 0 + 0) / 600)  # forecasts 100, 200, 200 vs 200, 200, 200
    assert misses["last_month"] == pytest.approx([np.log1p(200) - np.log1p(100), 0.0, 0.0])


def test_short_and_empty_series_are_honest():
    short = forecast_revenue(_months([10.0, 20.0, 30.0]), horizon=2)
    assert short.backtest_error is None and short.coverage is None and "too little history" in short.note
    assert short.forecast.to_numpy().tolist() == [[30.0, 10.0, 30.0]] * 2  # last month, no pretend trend
    zeros = forecast_revenue(_months([0.0] * 8), horizon=3)
    assert zeros.forecast.to_numpy().tolist() == [[0.0, 0.0, 0.0]] * 3
    assert forecast_revenue(_months([]), horizon=3).forecast.empty
