"""Lifecycle stages from each customer's own purchase rhythm.

Fixed day counts mislabel both ends of a book: a weekly buyer silent for two months
is already slipping, while a customer who orders twice a year is fine after 90
days. So when a customer has a rhythm (a median gap between purchase days), the
limits scale with it; otherwise the configured day counts apply:

    lead     never bought
    new      first purchase within NEW_DAYS
    loyal    active, with at least `loyal_orders` purchase days
    active   last purchase within the active limit
    at_risk  past the active limit (or active but the churn model gives ≥ 80 %)
    churned  past the churned limit

    active limit  = rhythm_active_factor × gap, at least MIN_ACTIVE_DAYS (else active_days)
    churned limit = rhythm_churned_factor × gap, at least the active limit + 1 and at least
                    active_days (a frequent buyer gone for three weeks is slipping, not lost),
                    at most 2 × churned_days (else churned_days)

Every change is written to the stage history and the customer's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Iterator

from solocrm_tui.core.storage.models import (
    Customer,
    Interaction,
    Order,
    StageChange,
    database,
)
from solocrm_tui.core.validate import setting

NEW_DAYS = 30
MIN_ACTIVE_DAYS = 14
RISK_THRESHOLD = 0.8


@dataclass(frozen=True)
class Rules:
    active_days: int = setting(90, 1, 3650)
    churned_days: int = setting(365, 1, 3650)
    loyal_orders: int = setting(3, 1, 1000)
    rhythm_active_factor: float = setting(2.0, 1.0, 20.0)
    rhythm_churned_factor: float = setting(3.0, 1.0, 50.0)



def stage_for(days: list[date], today: date, rules: Rules, churn_risk: float | None = None) -> tuple[str, str]:
    """(stage, reason) for one customer from their distinct purchase days, oldest first."""
    if not days:
        return "lead", "no purchase yet"
    silence = (today - days[-1]).days
    if len(days) >= 2:
        gap = median((b - a).days for a, b in zip(days, days[1:]))
        active = max(rules.rhythm_active_factor * gap, MIN_ACTIVE_DAYS)
        churned = min(max(rules.rhythm_churned_factor * gap, active + 1, rules.active_days),
                      2 * rules.churned_days)
        rhythm = f"usually every {gap:.0f} days"
    else:
        active, churned, rhythm = rules.active_days, rules.churned_days, "one purchase so far"
    last = f"last bought {silence} days ago ({rhythm})"
    if silence > churned:
        return "churned", last
    if silence > active:
        return "at_risk", last
    if churn_risk is not None and churn_risk >= RISK_THRESHOLD:
        return "at_risk", f"churn risk {churn_risk:.0%}; {last}"
    if (today - days[0]).days <= NEW_DAYS and len(days) == 1:
        return "new", f"first purchase {silence} days ago"
    if len(days) >= rules.loyal_orders:
        return "loyal", f"{len(days)} purchases; {last}"
    return "active", last


def _purchase_days(now: datetime, customer_ids: list[int] | None = None) -> Iterator[tuple[int, list[date]]]:
    """(customer id, distinct purchase days oldest first), in customer id order, from one
    ordered scan: one customer's days at a time, never a million dates at once."""
    scope = Order.customer.is_null(False) if customer_ids is None else Order.customer.in_(customer_ids)
    rows = (Order.select(Order.customer, Order.ordered_at).where(scope & (Order.ordered_at <= now))
            .order_by(Order.customer, Order.ordered_at).tuples())
    current, days = None, []
    for customer_id, ordered_at in rows.iterator():
        if customer_id != current:
            if current is not None:
                yield current, days
            current, days = customer_id, []
        day = ordered_at.date() if isinstance(ordered_at, datetime) else date.fromisoformat(str(ordered_at)[:10])
        if not days or days[-1] != day:
            days.append(day)
    if current is not None:
        yield current, days


def compute_changes(now: datetime, rules: Rules,
                    customer_ids: list[int] | None = None) -> list[tuple[int, str, str, str]]:
    """(customer_id, old stage, new stage, reason) for every customer whose stage should change.

    With `customer_ids` only those are looked at (after an import touched a few), in
    chunks small enough for SQLite's parameter limit.
    """
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        return [c for start in range(0, len(ids), 500)
                for c in _changes(now, rules, ids[start:start + 500])]
    return _changes(now, rules, None)


def _changes(now: datetime, rules: Rules, ids: list[int] | None) -> list[tuple[int, str, str, str]]:
    purchases = _purchase_days(now, ids)  # merged with the customers, both in id order
    pending = next(purchases, None)
    changes = []
    scope = Customer.archived_at.is_null() if ids is None else (Customer.archived_at.is_null() & Customer.id.in_(ids))
    rows = Customer.select(Customer.id, Customer.stage, Customer.churn_risk).where(scope).order_by(Customer.id).tuples()
    for customer_id, stage, risk in rows.iterator():
        while pending is not None and pending[0] < customer_id:
            pending = next(purchases, None)
        days = pending[1] if pending is not None and pending[0] == customer_id else []
        new, reason = stage_for(days, now.date(), rules, risk)
        if new != stage:
            changes.append((customer_id, stage, new, reason))
    return changes


def restage(now: datetime, rules: Rules, customer_ids: list[int] | None = None) -> int:
    """Apply stage changes in one transaction; returns how many customers changed stage."""
    changes = compute_changes(now, rules, customer_ids)
    with database.atomic():
        for start in range(0, len(changes), 500):
            chunk = changes[start:start + 500]
            StageChange.insert_many([(cid, old, new, now, reason) for cid, old, new, reason in chunk],
                                    fields=[StageChange.customer, StageChange.from_stage, StageChange.to_stage,
                                            StageChange.at, StageChange.reason]).execute()
            Interaction.insert_many(
                [(cid, "system", "out", f"stage {old.replace('_', ' ')} → {new.replace('_', ' ')}: {reason}", now)
                 for cid, old, new, reason in chunk],
                fields=[Interaction.customer, Interaction.kind, Interaction.direction, Interaction.body,
                        Interaction.occurred_at]).execute()
            for cid, _old, new, _reason in chunk:
                Customer.update(stage=new, stage_changed_at=now).where(Customer.id == cid).execute()
    return len(changes)
