"""Lifecycle stages: where each customer stands, in words that mean the same on every book.

    lead     never bought
    new      first purchase within `new_days` (default 30)
    loyal    active, with at least `loyal_orders` purchase days
    active   neither at risk nor churned
    at_risk  churn risk at or above the book's base rate (odds ≥ AT_RISK_ODDS × the book's)
    churned  odds of buying nothing ≥ CHURNED_ODDS × the book's (core/stages.py)

Active, at risk and churned are bands of ONE increasing quantity, the churn risk the
last refit stored (the calibrated P(no purchase in the next H days)), so the order holds
by construction: a churned customer can never be likelier to buy than an at-risk one.
Separate day limits for one-time and repeat buyers broke that on CDNOW (1997-09-30):
"churned" repeat buyers bought again within 90 days at 17 %, "at risk" one-time buyers at
9 %. The lines are relative to the book's base rate (the mean stored risk), because an
absolute 0.8 called nearly everyone at risk where 85 % of customers buy nothing in 90 days.

Without a usable score (no refit yet, or a purchase since the last one made the stored
score stale) the stage falls back to the customer's own rhythm: the limits scale with
the median gap between purchase days, else the configured day counts apply:

    active limit  = rhythm_active_factor × gap, at least MIN_ACTIVE_DAYS (else active_days)
    churned limit = rhythm_churned_factor × gap, at least the active limit + 1 and at least
                    active_days (a frequent buyer gone for three weeks is slipping, not lost),
                    at most 2 × churned_days (else churned_days)

analytics.segments.validate_states checks the order on the owner's own book.
Every change is written to the stage history and the customer's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import Iterator

from peewee import fn

from solocrm_tui.core.dates import days_ago, every_days
from solocrm_tui.core.stages import RISK_LEVELS, risk_level
from solocrm_tui.core.storage.models import (
    Customer,
    Interaction,
    ModelRun,
    Order,
    StageChange,
    database,
)
from solocrm_tui.core.validate import setting

MIN_ACTIVE_DAYS = 14


@dataclass(frozen=True)
class Rules:
    active_days: int = setting(90, 1, 3650)
    churned_days: int = setting(365, 1, 3650)
    loyal_orders: int = setting(3, 1, 1000)
    rhythm_active_factor: float = setting(2.0, 1.0, 20.0)
    rhythm_churned_factor: float = setting(3.0, 1.0, 50.0)
    new_days: int = setting(30, 1, 365)


def stage_for(days: list[date], today: date, rules: Rules, churn_risk: float | None = None,
              base_rate: float | None = None) -> tuple[str, str]:
    """(stage, reason) for one customer from their distinct purchase days, oldest first.

    `churn_risk` decides between active, at risk and churned only together with the
    book's `base_rate` it is judged against (see the module docstring)."""
    if not days:
        return "lead", "no purchase yet"
    silence = (today - days[-1]).days
    if len(days) >= 2:
        gap = median((b - a).days for a, b in zip(days, days[1:]))
        rhythm = f"usually {every_days(gap)}"
    else:
        rhythm = "one purchase so far"
    last = f"last bought {days_ago(silence)} ({rhythm})"
    if (today - days[0]).days <= rules.new_days:
        return "new", f"first purchase {days_ago((today - days[0]).days)}"
    if churn_risk is not None and base_rate is not None and 0 < base_rate < 1:
        level = RISK_LEVELS[risk_level(churn_risk, base_rate)]
        if level != "active":
            return level, f"churn risk {churn_risk:.0%} (book {base_rate:.0%}); {last}"
    else:
        level = _rhythm_level(days, silence, rules)
        if level != "active":
            return level, last
    if len(days) >= rules.loyal_orders:
        return "loyal", f"{len(days)} purchases; {last}"
    return "active", last


def _rhythm_level(days: list[date], silence: int, rules: Rules) -> str:
    """Active, at risk or churned from the silence against the customer's own rhythm."""
    if len(days) >= 2:
        gap = median((b - a).days for a, b in zip(days, days[1:]))
        active = max(rules.rhythm_active_factor * gap, MIN_ACTIVE_DAYS)
        churned = min(max(rules.rhythm_churned_factor * gap, active + 1, rules.active_days),
                      2 * rules.churned_days)
    else:
        active, churned = rules.active_days, rules.churned_days
    return "churned" if silence > churned else "at_risk" if silence > active else "active"


def _purchase_days(now: datetime, customer_ids: list[int] | None = None
                   ) -> Iterator[tuple[int, list[date], datetime]]:
    """(customer id, distinct purchase days oldest first, the last order's moment), in
    customer id order, from one ordered scan: one customer's days at a time, never a
    million dates at once."""
    scope = Order.customer.is_null(False) if customer_ids is None else Order.customer.in_(customer_ids)
    rows = (Order.select(Order.customer, Order.ordered_at).where(scope & (Order.ordered_at <= now))
            .order_by(Order.customer, Order.ordered_at).tuples())
    current, days, last = None, [], None
    for customer_id, ordered_at in rows.iterator():
        if customer_id != current:
            if current is not None:
                yield current, days, last
            current, days = customer_id, []
        last = ordered_at if isinstance(ordered_at, datetime) else datetime.fromisoformat(str(ordered_at))
        if not days or days[-1] != last.date():
            days.append(last.date())
    if current is not None:
        yield current, days, last


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


def scored_as_of() -> datetime | None:
    """The moment the stored churn risks were computed as of (None before the first refit)."""
    as_of = ModelRun.select(fn.MAX(ModelRun.as_of)).where(ModelRun.kind == "churn").scalar()
    if as_of is None:
        return None
    return as_of if isinstance(as_of, datetime) else datetime.fromisoformat(str(as_of))


def score_is_current(last_purchase: datetime | None, as_of: datetime | None) -> bool:
    """Whether a customer's stored churn risk still stands: a purchase after the moment it
    was computed as of makes it stale (it still counts the silence the purchase ended), so
    the stage comes from their rhythm and the card waits for the next refit. Moments, not
    days: an order on the afternoon of a morning refit is after it."""
    return as_of is not None and (last_purchase is None or last_purchase <= as_of)


def _scores() -> tuple[datetime | None, float | None]:
    """(the moment the stored churn risks were computed as of, the book's base rate: their mean)."""
    as_of = scored_as_of()
    if as_of is None:
        return None, None
    base_rate = (Customer.select(fn.AVG(Customer.churn_risk))
                 .where(Customer.archived_at.is_null() & Customer.churn_risk.is_null(False)).scalar())
    return as_of, base_rate


def _changes(now: datetime, rules: Rules, ids: list[int] | None) -> list[tuple[int, str, str, str]]:
    as_of, base_rate = _scores()
    purchases = _purchase_days(now, ids)  # merged with the customers, both in id order
    pending = next(purchases, None)
    changes = []
    scope = Customer.archived_at.is_null() if ids is None else (Customer.archived_at.is_null() & Customer.id.in_(ids))
    rows = Customer.select(Customer.id, Customer.stage, Customer.churn_risk).where(scope).order_by(Customer.id).tuples()
    for customer_id, stage, risk in rows.iterator():
        while pending is not None and pending[0] < customer_id:
            pending = next(purchases, None)
        days, last = (pending[1], pending[2]) if pending is not None and pending[0] == customer_id else ([], None)
        fresh = risk is not None and days and score_is_current(last, as_of)
        new, reason = stage_for(days, now.date(), rules, risk if fresh else None, base_rate)
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
