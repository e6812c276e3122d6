"""Who deserves attention: value at risk and top customers by predicted value.

Value at risk = churn risk × predicted 12-month value (CLV): a likely-to-leave
customer who would spend little matters less than a somewhat-at-risk big one.
Each row explains itself with the customer's own rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median

from solocrm_tui.core.dates import days_ago, every_days
from solocrm_tui.core.storage.models import Customer, Order
from solocrm_tui.core.storage.records import cents_to_decimal


@dataclass(frozen=True)
class AtRisk:
    customer_id: int
    name: str
    churn_risk: float
    clv: float
    value_at_risk: float
    last_order_at: datetime | None
    last_contact_at: datetime | None
    usual_gap_days: float | None
    reason: str


@dataclass(frozen=True)
class TopCustomer:
    customer_id: int
    name: str
    clv: float | None
    revenue: Decimal
    order_count: int
    segment: str | None


def usual_gap(customer_id: int) -> float | None:
    days = sorted({(o if isinstance(o, datetime) else datetime.fromisoformat(str(o))).date()
                   for (o,) in Order.select(Order.ordered_at).where(Order.customer == customer_id).tuples()})
    gaps = [(b - a).days for a, b in zip(days, days[1:])]
    return float(median(gaps)) if gaps else None


def at_risk(now: datetime, limit: int = 20, *, not_contacted_days: int = 0, min_risk: float = 0.3) -> list[AtRisk]:
    C = Customer
    query = (C.select(C.id, C.name, C.churn_risk, C.clv, C.last_order_at, C.last_contact_at)
             .where(C.archived_at.is_null() & C.churn_risk.is_null(False) & C.clv.is_null(False)
                    & (C.churn_risk >= min_risk) & (C.clv > 0))
             .order_by((C.churn_risk * C.clv).desc()).limit(limit))
    if not_contacted_days:
        query = query.where(C.last_contact_at.is_null() | (C.last_contact_at < now - timedelta(days=not_contacted_days)))
    out = []
    for cid, name, risk, clv, last_order, last_contact in query.tuples():
        gap = usual_gap(cid)
        silent = f"last bought {days_ago((now - last_order).days)}" if last_order else "never bought"
        rhythm = f"; usually {every_days(gap)}" if gap else ""
        out.append(AtRisk(cid, name, risk, clv, risk * clv, last_order, last_contact, gap,
                          f"{silent}{rhythm}; churn risk {risk:.0%}, {clv:,.0f} predicted value"))
    return out


def top_by_clv(limit: int = 20) -> list[TopCustomer]:
    C = Customer
    query = (C.select(C.id, C.name, C.clv, C.revenue_cents, C.order_count, C.segment)
             .where(C.archived_at.is_null() & C.clv.is_null(False)).order_by(C.clv.desc()).limit(limit))
    return [TopCustomer(cid, name, clv, cents_to_decimal(rev), n, seg) for cid, name, clv, rev, n, seg in query.tuples()]


def stage_counts() -> dict[str, int]:
    C = Customer
    from peewee import fn

    return dict(C.select(C.stage, fn.COUNT(C.id)).where(C.archived_at.is_null()).group_by(C.stage).tuples())
