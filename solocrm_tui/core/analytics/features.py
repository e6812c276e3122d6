"""Per-customer features from raw orders: the one table every other model reads.

Orders are merged into *purchase occasions* (one per customer per calendar day)
because buy-till-you-die models count occasions, not lines: three items bought
in one visit are one decision to buy. Everything is measured at day resolution
relative to an explicit ``as_of`` so that the same code builds features at a past
cut-off (for training) and today (for scoring) without leaking the future.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INTERACTION_WINDOW_DAYS = 90
#: Ticket statuses that count as resolved; anything else is still open work.
CLOSED_TICKET_STATUSES = frozenset({"closed", "resolved", "done", "cancelled"})

FEATURE_COLUMNS = [
    "first_order", "last_order", "recency_days", "frequency", "occasions",
    "monetary_total", "monetary_mean", "repeat_monetary_mean", "tenure_days",
    "t_x_days", "median_gap_days", "days_overdue",
]


def align_tz(as_of: pd.Timestamp, column: pd.Series) -> pd.Timestamp:
    """Make ``as_of`` comparable with a (possibly tz-aware) datetime column."""
    as_of = pd.Timestamp(as_of)
    col_tz = getattr(column.dt, "tz", None)
    if col_tz is not None and as_of.tz is None:
        return as_of.tz_localize(col_tz)
    if col_tz is None and as_of.tz is not None:
        return as_of.tz_convert(None)
    return as_of


def purchase_occasions(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Orders up to ``as_of`` merged per customer and day: columns customer_id, day, amount."""
    as_of = align_tz(as_of, orders["ordered_at"])
    o = orders.loc[orders["ordered_at"] <= as_of, ["customer_id", "ordered_at", "amount"]]
    day = o["ordered_at"].dt.normalize()
    if getattr(day.dt, "tz", None) is not None:
        day = day.dt.tz_localize(None)
    occ = (
        o.assign(day=day, amount=o["amount"].astype(float))
        .groupby(["customer_id", "day"], sort=True, observed=True)["amount"]
        .sum()
        .reset_index()
    )
    return occ


def customer_features(
    orders: pd.DataFrame,
    as_of: pd.Timestamp,
    customers: pd.DataFrame | None = None,
    interactions: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """RFM, tenure and rhythm features per customer, as seen on ``as_of``.

    ``days_overdue`` (recency minus the customer's own median gap) measures
    lateness against each customer's rhythm: a weekly buyer silent for a month
    is more worrying than a quarterly buyer silent for a month.
    """
    occ = purchase_occasions(orders, as_of)
    as_day = pd.Timestamp(as_of)
    as_day = (as_day.tz_localize(None) if as_day.tz is not None else as_day).normalize()

    g = occ.groupby("customer_id", sort=True)
    first = g["day"].min()
    last = g["day"].max()
    n = g.size().astype(float)
    total = g["amount"].sum()
    first_amount = g["amount"].first()  # occasions are sorted by day within customer
    same = occ["customer_id"].eq(occ["customer_id"].shift())
    gaps = (occ["day"] - occ["day"].shift()).dt.days.where(same)
    median_gap = gaps.groupby(occ["customer_id"]).median().reindex(first.index)

    f = pd.DataFrame(index=first.index)
    f["first_order"] = first
    f["last_order"] = last
    f["recency_days"] = (as_day - last).dt.days.astype(float)
    f["frequency"] = n - 1.0
    f["occasions"] = n
    f["monetary_total"] = total
    f["monetary_mean"] = total / n
    with np.errstate(invalid="ignore", divide="ignore"):
        f["repeat_monetary_mean"] = ((total - first_amount) / (n - 1.0)).where(n > 1)
    f["tenure_days"] = (as_day - first).dt.days.astype(float)
    f["t_x_days"] = (last - first).dt.days.astype(float)
    f["median_gap_days"] = median_gap.astype(float)
    f["days_overdue"] = f["recency_days"] - f["median_gap_days"]
    f.index.name = "customer_id"

    if customers is not None and len(customers):
        extra = pd.Index(customers["customer_id"]).difference(f.index)
        if len(extra):
            f = f.reindex(f.index.append(extra))
            f.loc[extra, "occasions"] = 0.0
            f.index.name = "customer_id"
    if interactions is not None:
        f = f.join(_interaction_counts(interactions, as_of, f.index))
    if tickets is not None:
        f["open_tickets"] = _open_tickets(tickets, as_of, f.index)
        f["complaints_90d"] = _recent_tickets(tickets, as_of, f.index)
    return f


def _interaction_counts(interactions: pd.DataFrame, as_of, index: pd.Index) -> pd.DataFrame:
    """Counts per kind over the last 90 days as ``n_<kind>_90d`` columns (0 when none)."""
    as_of = align_tz(as_of, interactions["occurred_at"])
    start = as_of - pd.Timedelta(days=INTERACTION_WINDOW_DAYS)
    when = interactions["occurred_at"]
    recent = interactions.loc[(when > start) & (when <= as_of)]
    counts = pd.crosstab(recent["customer_id"], recent["kind"])
    counts.columns = [f"n_{kind}_90d" for kind in counts.columns]
    counts.columns.name = None
    return counts.reindex(index, fill_value=0).astype(int)


def _open_tickets(tickets: pd.DataFrame, as_of, index: pd.Index) -> pd.Series:
    """Tickets open on ``as_of``: opened by then and not closed by then.

    With a ``closed_at`` column the state is the one on ``as_of`` (a ticket closed
    later was still open at a past cut-off, so training does not see the future);
    without it, the current status is all there is.
    """
    as_of = align_tz(as_of, tickets["opened_at"])
    opened = tickets["opened_at"] <= as_of
    if "closed_at" in tickets:
        closed_at = pd.to_datetime(tickets["closed_at"])
        is_open = opened & (closed_at.isna() | (closed_at > as_of))
    else:
        status = tickets["status"].astype(str).str.lower()
        is_open = opened & ~status.isin(CLOSED_TICKET_STATUSES)
    counts = tickets.loc[is_open].groupby("customer_id").size()
    return counts.reindex(index, fill_value=0).astype(int)


def _recent_tickets(tickets: pd.DataFrame, as_of, index: pd.Index) -> pd.Series:
    """Service requests and complaints opened in the 90 days up to ``as_of``."""
    as_of = align_tz(as_of, tickets["opened_at"])
    when = tickets["opened_at"]
    recent = tickets.loc[(when > as_of - pd.Timedelta(days=INTERACTION_WINDOW_DAYS)) & (when <= as_of)]
    return recent.groupby("customer_id").size().reindex(index, fill_value=0).astype(int)


def summary_for_btyd(features: pd.DataFrame, time_unit_days: float = 7) -> pd.DataFrame:
    """The (x, t_x, T) summary buy-till-you-die models fit on, in ``time_unit_days`` units.

    Only customers with at least one purchase: BTYD models start a customer's
    clock at the first purchase.
    """
    buyers = features.loc[features["occasions"] >= 1]
    return pd.DataFrame(
        {
            "x": buyers["frequency"].astype(float),
            "t_x": buyers["t_x_days"] / time_unit_days,
            "T": buyers["tenure_days"] / time_unit_days,
        },
        index=buyers.index,
    )
