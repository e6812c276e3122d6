"""Revenue: calendar months, zero-filling, and a trend with a known slope."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics.revenue import (
    SEASONALITY_NOTE,
    monthly_revenue,
    revenue_trend_and_forecast,
)


def _orders(rows):
    return pd.DataFrame({"customer_id": range(len(rows)),
                         "ordered_at": pd.to_datetime([d for d, _ in rows]),
                         "amount": [a for _, a in rows]})


def test_full_calendar_months_zero_filled():
    orders = _orders([("2023-11-15", 10.0), ("2023-11-20", 5.0), ("2024-01-05", 20.0),
                      ("2024-03-31", 30.0), ("2024-04-02", 40.0)])
    mid_april = monthly_revenue(orders, pd.Timestamp("2024-04-15"))
    assert mid_april.index[0] == pd.Timestamp("2023-11-01")  # starts at the first order, not 24 months back
    assert mid_april.tolist() == [15.0, 0.0, 20.0, 0.0, 30.0]  # April is not over yet
    assert monthly_revenue(orders, pd.Timestamp("2024-04-30")).iloc[-1] == 40.0
    assert monthly_revenue(orders, pd.Timestamp("2024-04-30"), months=2).tolist() == [30.0, 40.0]
    assert monthly_revenue(orders.iloc[:0], pd.Timestamp("2024-04-30")).empty


def test_known_slope_and_band():
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    noise = np.tile([3.0, -3.0], 12)
    series = pd.Series(1000 + 25 * np.arange(24) + noise, index=months)
    fc = revenue_trend_and_forecast(series, horizon=3)
    assert fc.slope_per_month == pytest.approx(25.0, abs=0.2)
    assert fc.forecast.index[0] == pd.Timestamp("2024-01-01")
    assert fc.forecast["forecast"].iloc[0] == pytest.approx(1000 + 25 * 24, abs=3)
    assert np.all(fc.forecast["low"] < fc.forecast["forecast"])
    assert (fc.forecast["high"] - fc.forecast["forecast"]).tolist() == pytest.approx([1.96 * fc.residual_std] * 3)
    assert fc.note == SEASONALITY_NOTE and fc.n_months == 24


def test_band_is_floored_at_zero_and_short_series_are_flat():
    months = pd.date_range("2024-01-01", periods=6, freq="MS")
    fc = revenue_trend_and_forecast(pd.Series([50.0, 0, 60, 0, 40, 0], index=months))
    assert (fc.forecast["low"] >= 0).all()
    short = revenue_trend_and_forecast(pd.Series([10.0, 20.0], index=months[:2]), horizon=2)
    assert short.slope_per_month == 0.0 and short.forecast["forecast"].tolist() == [15.0, 15.0]
