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
#: The lifecycle stage's `loyal` rule at its defaults (core/contacts/lifecycle.py): at least
#: this many purchase days, the last within ACTIVE_DAYS, the first over NEW_DAYS ago. Stated on
#: the orders alone, so the same rule gives the previous period's rate; the stored stage also
#: uses the refit's churn risk, which no one can re-run for a past date.
LOYAL_PURCHASE_DAYS = 3


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
        "loyalty_rate": _period(f"of buyers: {LOYAL_PURCHASE_DAYS}+ purchase days, the last within {ACTIVE_DAYS} days",
                                _loyalty(occ, day), _loyalty(occ, day - window)),
    }


def _loyalty(occ: pd.DataFrame, day: pd.Timestamp) -> float | None:
    """Loyal customers / customers who had bought by `day` (see LOYAL_PURCHASE_DAYS)."""
    days = occ.loc[occ["day"] <= day].groupby("customer_id")["day"].agg(["size", "min", "max"])
    if days.empty:
        return None
    loyal = ((days["size"] >= LOYAL_PURCHASE_DAYS) & (days["max"] > day - pd.Timedelta(days=ACTIVE_DAYS))
             & (days["min"] <= day - pd.Timedelta(days=NEW_DAYS)))
    return float(loyal.mean())


def margin_kpis(orders: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    """Margin (amount − cost) over the last ACTIVE_DAYS against the ACTIVE_DAYS before, over
    the orders with a cost only: an order without one is counted in the label, never read as
    free. Nothing before the first order (like the customer KPIs) or without a cost column."""
    if "cost" not in orders or orders.empty:
        return {}
    as_of = pd.Timestamp(as_of)
    window = pd.Timedelta(days=ACTIVE_DAYS)

    def between(start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
        return orders.loc[(orders["ordered_at"] > start) & (orders["ordered_at"] <= end)]

    now, before = between(as_of - window, as_of), between(as_of - 2 * window, as_of - window)
    costed, costed_before = now.loc[now["cost"].notna()], before.loc[before["cost"].notna()]
    if costed.empty and costed_before.empty:
        return {"gross_margin": {"label": f"no order in the last {2 * ACTIVE_DAYS} days has a cost", "value": None,
                                 "previous": None}}
    missing = int(now["cost"].isna().sum())
    label = (f"last {ACTIVE_DAYS} days, {len(costed):,} order{'' if len(costed) == 1 else 's'} with a cost"
             + (f" ({missing:,} without, left out)" if missing else ""))
    return {"gross_margin": _period(label, float((costed["amount"] - costed["cost"]).sum()),
                                    float((costed_before["amount"] - costed_before["cost"]).sum()))}


def segment_margins(orders: pd.DataFrame, labels: pd.Series) -> dict[str, float]:
    """Margin per segment over its members' orders with a cost; a segment none of whose
    orders has a cost is absent (no figure), not 0."""
    if "cost" not in orders or labels.empty:
        return {}
    costed = orders.loc[orders["cost"].notna()]
    segment = costed["customer_id"].map(labels)
    margin = (costed["amount"] - costed["cost"]).groupby(segment).sum()
    return {str(name): float(value) for name, value in margin.items()}
