"""Monthly revenue, its trend, and a short forecast shown as a range that cannot go negative.

A one-person business has a few dozen months at best, and its revenue is often a
cohort that bought in a burst and then settled (CDNOW: three strong months, then a
long decline). A straight line through such a series forecasts below zero, so the
forecast is chosen, not assumed: a damped trend on log revenue (never negative, a
decline slows instead of crossing zero) competes with the naive answers an owner
would give ("same as last month", "the mean of the last three", "same month last
year" once two years exist) in a rolling-origin backtest, and the method with the
lowest backtest error ships, with that error next to it.

The range is the shipped method's own backtest misses (10th to 90th percentile on the
log scale) put around the point, and its coverage is measured honestly: each past
forecast's range is built only from misses known at the time it was made. Seasonality
beyond "same month last year" is not modelled, and the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

SEASONALITY_NOTE = "seasonality not modelled"
SEASONAL_NOTE = "same month last year"
RANGE = (0.10, 0.90)  # an 80 % range: wide enough to hold most months, narrow enough to mean something
FIRST_ORIGIN = 4  # months of history the earliest backtest forecast is allowed to see
MIN_ORIGINS = 3  # fewer backtest forecasts than this would pick a method by luck
MIN_MISSES = 3  # a range needs at least this many past misses to be drawn from them
SEASONAL_MONTHS = 24  # two years before "same month last year" is a candidate (one to learn, one to test)
DAMPING, TREND_SMOOTHING, LEVEL_SMOOTHING = 0.8, 0.1, (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True)
class RevenueForecast:
    method: str                    # the method shipped: lowest backtest error
    forecast: pd.DataFrame         # index month (month start); columns forecast, low, high, all >= 0
    backtest_error: float | None   # shipped method's error: sum |miss| / sum revenue over backtest months
    candidates: dict[str, float]   # every method's backtest error, the shipped one included
    coverage: float | None         # share of backtest months inside the range as it stood then
    backtest_months: int           # forecasts compared with what happened, per method
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


def trend_per_month(series: pd.Series) -> float | None:
    """Least-squares slope of monthly revenue: a description of the past, not the forecast.
    None with under three months."""
    y = series.astype(float).to_numpy()
    if len(y) < 3:
        return None
    return float(np.polyfit(np.arange(len(y), dtype=float), y, 1)[0])


def _last_month(y: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(y[-1], horizon)


def _mean_3_months(y: np.ndarray, horizon: int) -> np.ndarray:
    return np.repeat(y[-3:].mean(), horizon)


def _seasonal_naive(y: np.ndarray, horizon: int) -> np.ndarray:
    return np.array([y[len(y) - 12 + step % 12] for step in range(horizon)])


def _damped_trend(y: np.ndarray, horizon: int) -> np.ndarray:
    """Holt's damped trend on log(1 + revenue): the level follows the months, the trend
    fades by DAMPING a month, and back on the money scale nothing can go below zero.
    The level smoothing is the one with the smallest one-step error on the history."""
    z = np.log1p(y)
    best = None
    for alpha in LEVEL_SMOOTHING:
        level, trend, sse = z[0], (z[1] - z[0]) if len(z) > 1 else 0.0, 0.0
        for value in z[1:]:
            expected = level + DAMPING * trend
            sse += (value - expected) ** 2
            new_level = alpha * value + (1 - alpha) * expected
            trend = TREND_SMOOTHING * (new_level - level) + (1 - TREND_SMOOTHING) * DAMPING * trend
            level = new_level
        if best is None or sse < best[0]:
            best = (sse, level, trend)
    _, level, trend = best
    steps = np.cumsum(DAMPING ** np.arange(1, horizon + 1))
    return np.maximum(np.expm1(level + steps * trend), 0.0)


METHODS: dict[str, Callable[[np.ndarray, int], np.ndarray]] = {
    # the naive answers first, so a tie ships the simpler one
    "last_month": _last_month,
    "mean_3_months": _mean_3_months,
    "seasonal_naive": _seasonal_naive,
    "damped_trend": _damped_trend,
}


def _candidates(n_months: int) -> list[str]:
    return [name for name in METHODS if name != "seasonal_naive" or n_months >= SEASONAL_MONTHS]


def _first_origin(n_months: int, first_origin: int) -> int:
    """All candidates are scored on the same months; "same month last year" needs a year behind it."""
    return max(first_origin, 12) if n_months >= SEASONAL_MONTHS else first_origin


def _records(y: np.ndarray, method: str, horizon: int, first_origin: int) -> list[tuple[int, int, float, float]]:
    """(origin, target month, forecast, actual) for every forecast made from each past month."""
    out = []
    for origin in range(first_origin, len(y)):
        points = METHODS[method](y[:origin], min(horizon, len(y) - origin))
        out.extend((origin, origin + step, float(p), float(y[origin + step])) for step, p in enumerate(points))
    return out


def _error(records) -> float:
    actual = sum(a for *_, a in records)
    missed = sum(abs(p - a) for *_, p, a in records)
    return missed / actual if actual > 0 else (0.0 if missed == 0 else float("inf"))


def _miss(forecast: float, actual: float) -> float:
    return float(np.log1p(actual) - np.log1p(forecast))


def backtest(series: pd.Series, horizon: int, first_origin: int = FIRST_ORIGIN) -> tuple[dict[str, float], dict]:
    """Each candidate's error (sum of absolute misses over sum of revenue) forecasting up to
    ``horizon`` months from every past month, and its log misses in the order they were made."""
    y = series.astype(float).to_numpy()
    first = _first_origin(len(y), first_origin)
    errors, misses = {}, {}
    for name in _candidates(len(y)):
        records = _records(y, name, horizon, first)
        errors[name] = _error(records)
        misses[name] = [_miss(p, a) for _, _, p, a in records]
    return errors, misses


def _band(points: np.ndarray, misses: list[float]) -> tuple[np.ndarray, np.ndarray]:
    low_q, high_q = np.quantile(misses, RANGE)
    base = np.log1p(points)
    low = np.minimum(np.maximum(np.expm1(base + low_q), 0.0), points)
    high = np.maximum(np.expm1(base + high_q), points)
    return low, high


def _coverage(records) -> float | None:
    """Share of backtest months inside the range built from the misses known when each
    forecast was made (target months up to its origin), so the figure is not flattered
    by the months it is checked on."""
    inside = checked = 0
    for origin, _, point, actual in records:
        known = [_miss(p, a) for _, target, p, a in records if target < origin]
        if len(known) < MIN_MISSES:
            continue
        low, high = _band(np.array([point]), known)
        checked += 1
        inside += bool(low[0] <= actual <= high[0])
    return inside / checked if checked else None


def forecast_revenue(series: pd.Series, horizon: int = 3) -> RevenueForecast:
    """The next ``horizon`` months by the method with the lowest backtest error, each with an
    80 % range from that method's own misses.

    With too little history to backtest (fewer than FIRST_ORIGIN + MIN_ORIGINS months)
    the forecast is last month's revenue (a young book is often still settling after its
    first burst, where older months mislead most) and the range spans the last three
    months: nothing is claimed about accuracy that has not been measured.
    """
    y = series.astype(float).to_numpy()
    n = len(y)
    if isinstance(series.index, pd.DatetimeIndex) and n:
        months = pd.date_range(series.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    else:
        months = pd.RangeIndex(n, n + horizon)
    if n == 0:
        empty = pd.DataFrame(columns=["forecast", "low", "high"], dtype=float).rename_axis("month")
        return RevenueForecast("none", empty, None, {}, None, 0, 0, "no revenue yet")
    first = _first_origin(n, FIRST_ORIGIN)
    if n - first < MIN_ORIGINS:
        recent = y[-3:]
        frame = pd.DataFrame({"forecast": np.repeat(y[-1], horizon), "low": np.repeat(recent.min(), horizon),
                              "high": np.repeat(recent.max(), horizon)}, index=months).rename_axis("month")
        return RevenueForecast("last_month", frame, None, {}, None, 0, n,
                               f"too little history to backtest; {SEASONALITY_NOTE}")
    records = {name: _records(y, name, horizon, first) for name in _candidates(n)}
    errors = {name: _error(rows) for name, rows in records.items()}
    method = min(errors, key=errors.get)  # dicts keep order: ties go to the simpler method
    points = METHODS[method](y, horizon)
    low, high = _band(points, [_miss(p, a) for _, _, p, a in records[method]])
    frame = pd.DataFrame({"forecast": points, "low": low, "high": high}, index=months).rename_axis("month")
    note = SEASONAL_NOTE if method == "seasonal_naive" else SEASONALITY_NOTE
    return RevenueForecast(method, frame, errors[method], errors, _coverage(records[method]),
                           len(records[method]), n, note)
