"""Monthly revenue, its trend, and a short forecast shown as a range.

Deliberately simple: a least-squares line through monthly totals. A one-person
business has a few dozen months at best, too few to estimate seasonality
honestly, and stationary models miss Christmas-like peaks by 12-17 % (CDNOW), so
the forecast is a band (+/- 1.96 residual standard deviations) and always
carries a note that seasonality is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SEASONALITY_NOTE = "seasonality not modelled"


@dataclass(frozen=True)
class RevenueForecast:
    slope_per_month: float     # trend of the fitted line, currency per month
    intercept: float           # fitted value at the first month
    forecast: pd.DataFrame     # index month (month start); columns forecast, low, high
    residual_std: float
    n_months: int
    note: str


def _month_start(ts: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def monthly_revenue(orders: pd.DataFrame, as_of: pd.Timestamp, months: int = 24) -> pd.Series:
    """Revenue per full calendar month up to ``as_of``, zero-filled, at most ``months`` long.

    A month counts as full once ``as_of`` has reached its last day; the current,
    partial month is left out so it does not read as a collapse. The series
    starts no earlier than the month of the first order, so a young business
    does not get a run of zeros that would fake a growth trend. Index: month
    start timestamps.
    """
    as_of = pd.Timestamp(as_of)
    if as_of.tz is not None:
        as_of = as_of.tz_localize(None)
    day = as_of.normalize()
    is_last_day = (day + pd.Timedelta(days=1)).month != day.month
    boundary = _month_start(day) + pd.offsets.MonthBegin(1 if is_last_day else 0)  # exclusive
    end = boundary - pd.offsets.MonthBegin(1)  # start of the last full month
    when = orders["ordered_at"]
    if getattr(when.dt, "tz", None) is not None:
        when = when.dt.tz_localize(None)
    mask = (when <= as_of) & (when < boundary)
    if not mask.any():
        return pd.Series([], index=pd.DatetimeIndex([], name="month"), dtype=float, name="revenue")
    start = max(end - pd.offsets.MonthBegin(months - 1), _month_start(when[mask].min()))
    idx = pd.date_range(start, end, freq="MS")
    month = when[mask].dt.to_period("M").dt.to_timestamp()
    totals = orders.loc[mask, "amount"].astype(float).groupby(month).sum()
    return totals.reindex(idx, fill_value=0.0).rename("revenue").rename_axis("month")


def revenue_trend_and_forecast(series: pd.Series, horizon: int = 3) -> RevenueForecast:
    """Linear trend per month and a ``horizon``-month forecast with a low/high band.

    Low ends are floored at zero (revenue cannot be negative). With fewer than
    three months the line is flat at the mean and the band uses the spread of
    what there is.
    """
    y = series.astype(float).to_numpy()
    n = len(y)
    t = np.arange(n, dtype=float)
    if n >= 3:
        slope, intercept = np.polyfit(t, y, 1)
        resid = y - (intercept + slope * t)
        sd = float(np.sqrt((resid ** 2).sum() / (n - 2)))
    else:
        slope, intercept = 0.0, float(y.mean()) if n else 0.0
        sd = float(y.std(ddof=1)) if n == 2 else float("nan")
    future_t = np.arange(n, n + horizon, dtype=float)
    point = intercept + slope * future_t
    if isinstance(series.index, pd.DatetimeIndex) and n:
        months = pd.date_range(series.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    else:
        months = pd.RangeIndex(n, n + horizon)
    forecast = pd.DataFrame({"forecast": point, "low": np.maximum(point - 1.96 * sd, 0.0),
                             "high": point + 1.96 * sd}, index=months).rename_axis("month")
    return RevenueForecast(float(slope), float(intercept), forecast, sd, n, SEASONALITY_NOTE)
