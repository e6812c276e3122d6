"""A row of the Today queue and how urgent it is.

Every row comes from a *source* in sources.py; queue.py ranks them all on the one
scale defined here, so a new kind of suggestion is one more source, not a new ranking.

Urgency is a Taskwarrior-style sum of documented coefficients, all in `URGENCY`,
so the ranking can be reasoned about (and tuned) in one place:

    follow-up   = followup + overdue_day * min(days overdue, overdue_cap)
                  (+ past_due_time when due today at a time already passed) + extras
    birthday    = birthday + extras
    repurchase  = repurchase + repurchase_gap * min(silence / median gap - factor, cap) + extras
    stale deal  = stale_deal + stale_week * min(weeks past the threshold, cap) + value
    churn risk  = churn_risk + value_log10 * log10(1 + value at risk) + vip      (today.sources)
    old ticket  = old_ticket + ticket_day * min(days past the threshold, cap) + vip (today.sources)
    keep in touch = cadence + cadence_late * min(cadences late beyond the first, cap) + vip
    cross-sell  = cross_sell + cross_sell_lift * min(lift - minimum lift, cap) + extras
    extras      = vip (customer tagged vip) + value_log10 * log10(1 + money at stake)

Suggestions (every source but follow-ups) are capped per kind at
`MAX_SUGGESTIONS_PER_KIND` so a large book does not bury the owner's own tasks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from solocrm_tui.core.counts import count

URGENCY: dict[str, float] = {
    "followup": 10.0,        # any open follow-up due today or earlier: the owner's own promise
    "overdue_day": 1.0,      # + per calendar day overdue ...
    "overdue_cap": 14.0,     # ... counted up to this many days
    "past_due_time": 1.0,    # due today at a time that has already passed
    "birthday": 6.0,         # birthday today (only worth anything today)
    "repurchase": 3.0,       # overdue for their usual repurchase
    "repurchase_gap": 0.5,   # + per usual gap beyond the factor ...
    "repurchase_cap": 4.0,   # ... counted up to this many gaps
    "stale_deal": 3.0,       # open deal with no activity
    "stale_week": 0.5,       # + per week past the stale threshold ...
    "stale_cap": 6.0,        # ... counted up to this many weeks
    "value_log10": 0.5,      # + per order of magnitude of money at stake (revenue or deal value)
    "vip": 1.5,              # customer tagged vip
    "churn_risk": 4.0,       # valuable customer likely to leave, not contacted lately (today.sources)
    "old_ticket": 5.0,       # a ticket open longer than the configured days (today.sources) ...
    "ticket_day": 0.2,       # + per day beyond that ...
    "ticket_cap": 10.0,      # ... counted up to this many days
    "cadence": 3.0,          # silent longer than the keep-in-touch cadence (customer's or tag's)
    "cadence_late": 0.5,     # + per cadence late beyond the first ...
    "cadence_cap": 6.0,      # ... counted up to this many cadences
    "cross_sell": 2.0,       # bought X, not yet Y, which X's buyers often buy: an idea, not a duty
    "cross_sell_lift": 0.25, # + per unit of lift above the configured minimum ...
    "cross_sell_cap": 4.0,   # ... counted up to this much: at most 3 before extras, below a birthday
                             # and level with an overdue repurchase (a sale that may be, not one missed)
}
# With these numbers a due follow-up (>= 10) outranks every suggestion (< 10 unless a
# customer is worth millions): the owner's own promises come first.
MAX_SUGGESTIONS_PER_KIND = 10
REPURCHASE_MIN_ORDERS = 3
REPURCHASE_RECENT_GAPS = 12          # the median looks at this many latest gaps
REPURCHASE_MIN_SILENCE_DAYS = 14   # floor: below this nobody is "overdue" (keeps the scan small)
REPURCHASE_MAX_SILENCE_DAYS = 365  # beyond a year the customer has churned; that is another list
UNKNOWN_BIRTH_YEAR = 1900          # a birthday stored in this year or before has no known year


@dataclass(frozen=True, slots=True)
class QueueItem:
    kind: str  # "followup" | "birthday" | "repurchase" | "stale_deal" | "cadence" | …
    customer_id: int | None
    customer_name: str | None  # None for a personal to-do (a follow-up without a customer)
    title: str
    reasons: tuple[str, ...]
    urgency: float
    due_at: datetime | None = None
    followup_id: int | None = None
    deal_id: int | None = None
    silent_days: int | None = None  # keep in touch: days since the last contact ...
    cadence_days: int | None = None  # ... and the cadence it has passed


@dataclass(frozen=True)
class _Settings:
    """The knobs sources read; `config.Today` has the same attribute names."""

    stale_deal_days: int = 14
    repurchase_factor: float = 2.0


Source = Callable[[datetime, Any], Iterable[QueueItem]]


def _extras(tags: str | None, money_cents: int | None) -> float:
    score = URGENCY["vip"] if tags and " vip " in tags else 0.0
    if money_cents:
        score += URGENCY["value_log10"] * math.log10(1 + money_cents / 100)
    return score


def _vip_reason(tags: str | None) -> tuple[str, ...]:
    return ("VIP customer",) if tags and " vip " in tags else ()


def _days(n: int) -> str:
    return count(n, "day")


def item_key(item: QueueItem) -> str:
    """Stable identity of a row across reloads (its position and urgency change)."""
    if item.followup_id is not None:
        return f"followup:{item.followup_id}"
    return f"{item.kind}:{item.customer_id or ''}:{item.deal_id or ''}"
