"""Business KPIs from the orders frame, each with its period and the period before.

Periods are explicit so every figure can say what it compares: this calendar month
and quarter against the previous one and the same one last year; customer counts
over rolling 90/30-day windows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import purchase_occasions

ACTIVE_DAYS = 90
NEW_DAYS = 30


def _sum_between(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
    mask = (orders["ordered_at"] >= start) & (orders["ordered_at"] < end)
    return float(orders.loc[mask, "amount"].sum())


def _span_sum(orders: pd.DataFrame, start: pd.Timestamp, elapsed: pd.Timedelta, months: int) -> float:
    """Revenue over the first `elapsed` of the `months`-long period starting at `start`, never
    running into the next period (31 March's "previous month to date" is February, not 1-3 March)."""
    return _sum_between(orders, start, min(start + elapsed, start + pd.DateOffset(months=months)))


def _period(label: str, current: float, previous: float, last_year: float | None = None) -> dict:
    out = {"label": label, "value": current, "previous": previous,
           "change": (current - previous) / previous if previous else None}
    if last_year is not None:
        out["last_year"] = last_year
        out["change_vs_last_year"] = (current - last_year) / last_year if last_year else None
    return out


def revenue_periods(orders: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    """Month-to-date and quarter-to-date revenue vs the same span of the previous and last year's period."""
    as_of = pd.Timestamp(as_of)
    end = as_of + pd.Timedelta(seconds=1)
    month = as_of.to_period("M").start_time
    quarter = as_of.to_period("Q").start_time
    elapsed_m, elapsed_q = end - month, end - quarter
    prev_m = month - pd.DateOffset(months=1)
    prev_q = quarter - pd.DateOffset(months=3)
    year_ago_m, year_ago_q = month - pd.DateOffset(years=1), quarter - pd.DateOffset(years=1)
    return {
        "revenue_month": _period(f"{month:%b %Y} to date", _sum_between(orders, month, end),
                                 _span_sum(orders, prev_m, elapsed_m, 1),
                                 _span_sum(orders, year_ago_m, elapsed_m, 1)),
        "revenue_quarter": _period(f"Q{quarter.quarter} {quarter.year} to date", _sum_between(orders, quarter, end),
                                   _span_sum(orders, prev_q, elapsed_q, 3),
                                   _span_sum(orders, year_ago_q, elapsed_q, 3)),
    }


def customer_kpis(orders: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    as_of = pd.Timestamp(as_of)
    occ = purchase_occasions(orders, as_of)
    if occ.empty:
        return {}
    day = as_of.normalize()
    window = pd.Timedelta(days=ACTIVE_DAYS)

    def buyers(start, end) -> set:
        return set(occ.loc[(occ["day"] > start) & (occ["day"] <= end), "customer_id"])

    active, active_before = buyers(day - window, day), buyers(day - 2 * window, day - window)
    first = occ.groupby("customer_id")["day"].min()
    new_now = int(((first > day - pd.Timedelta(days=NEW_DAYS)) & (first <= day)).sum())
    new_before = int(((first > day - pd.Timedelta(days=2 * NEW_DAYS)) & (first <= day - pd.Timedelta(days=NEW_DAYS))).sum())
    retained = len(active & active_before)
    retention = retained / len(active_before) if active_before else None
    counts = occ.groupby("customer_id").size()
    gaps = occ.sort_values(["customer_id", "day"]).groupby("customer_id")["day"].diff().dt.days.dropna()
    recent = orders.loc[(orders["ordered_at"] > as_of - window) & (orders["ordered_at"] <= as_of), "amount"]
    return {
        "active_customers": _period(f"bought in the last {ACTIVE_DAYS} days", len(active), len(active_before)),
        "new_customers": _period(f"first order in the last {NEW_DAYS} days", new_now, new_before),
        "retention_rate": {"label": f"of the {len(active_before)} buyers of the previous {ACTIVE_DAYS} days, "
                                    f"share who bought again", "value": retention},
        "churn_rate": {"label": f"of the previous {ACTIVE_DAYS} days' buyers, share who did not buy again",
                       "value": None if retention is None else 1 - retention},
        "repeat_purchase_rate": {"label": "buyers with 2+ purchase days", "value": float((counts >= 2).mean())},
        "average_order_value": {"label": f"last {ACTIVE_DAYS} days", "value": float(recent.mean()) if len(recent) else None},
        "median_days_between_purchases": {"label": "all repeat purchases",
                                          "value": float(np.median(gaps)) if len(gaps) else None},
    }
