"""Where the rows of the Today queue come from: one function per kind of row.

Each source is `(now, settings) -> Iterable[QueueItem]` and scores its rows with the
URGENCY table in items.py, so adding a kind of suggestion is one function appended
to SOURCES. Follow-ups, birthdays, repurchases and stale deals come from the data
itself; churn risk and old tickets depend on the figures the refit job stores (until
a refit has run, churn risk is empty and the repurchase rule carries the recency
signal alone).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from peewee import JOIN

from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.analytics import attention
from solocrm_tui.core.contacts import cadence
from solocrm_tui.core.counts import count
from solocrm_tui.core.dates import days_ago
from solocrm_tui.core.sales import cross_sell
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Customer as C
from solocrm_tui.core.storage.models import Deal as D
from solocrm_tui.core.storage.models import FollowUp as F
from solocrm_tui.core.storage.models import Ticket, database
from solocrm_tui.core.today.items import (
    MAX_SUGGESTIONS_PER_KIND,
    REPURCHASE_MAX_SILENCE_DAYS,
    REPURCHASE_MIN_ORDERS,
    REPURCHASE_MIN_SILENCE_DAYS,
    REPURCHASE_RECENT_GAPS,
    UNKNOWN_BIRTH_YEAR,
    URGENCY,
    QueueItem,
    Source,
    _days,
    _extras,
    _vip_reason,
)


def followup_reason(due_at: datetime, now: datetime) -> str:
    overdue = (now.date() - due_at.date()).days
    if overdue >= 1:
        return f"follow-up due {days_ago(overdue)}"
    if due_at.time() == datetime.min.time():
        return "due today"
    return f"due today {due_at:%H:%M}"


def followup_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    """Open follow-ups due today or earlier (the owner's own list: never capped)."""
    end_of_today = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
    query = (F.select(F.id, F.customer, C.name, C.tags, C.revenue_cents, F.deal, F.title, F.due_at)
             .join(C, JOIN.LEFT_OUTER, on=(F.customer == C.id))
             .where(F.done_at.is_null() & (F.due_at < end_of_today)))
    for fid, cid, name, tags, revenue, deal_id, title, due_at in query.tuples():
        overdue = max(0, (now.date() - due_at.date()).days)
        urgency = URGENCY["followup"] + URGENCY["overdue_day"] * min(overdue, URGENCY["overdue_cap"])
        if not overdue and due_at <= now:
            urgency += URGENCY["past_due_time"]
        urgency += _extras(tags, revenue)
        yield QueueItem("followup", cid, name, title,
                        (followup_reason(due_at, now),) + _vip_reason(tags),
                        round(urgency, 2), due_at=due_at, followup_id=fid, deal_id=deal_id)


def birthday_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    days = [now.strftime("%m-%d")]
    if days == ["02-28"] and not _is_leap(now.year):
        days.append("02-29")  # leap-day birthdays are celebrated on the 28th in other years
    query = (C.select(C.id, C.name, C.birthday, C.tags, C.revenue_cents)
             .where(C.birthday_md.in_(days) & C.archived_at.is_null()))
    for cid, name, birthday, tags, revenue in query.tuples():
        reason = "birthday today"
        if isinstance(birthday, date) and birthday.year > UNKNOWN_BIRTH_YEAR:
            reason += f" (turns {now.year - birthday.year})"
        yield QueueItem("birthday", cid, name, f"wish {name} a happy birthday",
                        (reason,) + _vip_reason(tags),
                        round(URGENCY["birthday"] + _extras(tags, revenue), 2))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# One row per candidate with its latest order times (epoch seconds, newest first) packed
# by group_concat, so SQLite walks the (customer_id, ordered_at) index and Python only
# takes a median of a dozen numbers. Candidates are bounded by order count and by a
# floor and ceiling on silence, which keeps the scan to a fraction of a large book.
_REPURCHASE_SQL = """
SELECT c.id, c.name, c.tags, c.revenue_cents,
       (SELECT group_concat(t) FROM (SELECT strftime('%s', o.ordered_at) AS t FROM orders o
         WHERE o.customer_id = c.id ORDER BY o.ordered_at DESC LIMIT ?))
FROM customer c
WHERE c.archived_at IS NULL AND c.order_count >= ? AND c.last_order_at < ? AND c.last_order_at >= ?
"""


def median_gap_days(epochs_newest_first: list[float]) -> float:
    """Median of the gaps between consecutive orders, in days."""
    gaps = sorted((a - b) / 86400 for a, b in pairwise(epochs_newest_first))
    n = len(gaps)
    return (gaps[(n - 1) // 2] + gaps[n // 2]) / 2


def repurchase_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    """Customers with >= 3 orders silent for more than `factor` x their own median gap.

    The median is over the last REPURCHASE_RECENT_GAPS gaps: the customer's current
    rhythm, and a bounded cost for a wholesale customer with thousands of orders.
    """
    factor = float(settings.repurchase_factor)
    floor = now - timedelta(days=REPURCHASE_MIN_SILENCE_DAYS)
    ceiling = now - timedelta(days=REPURCHASE_MAX_SILENCE_DAYS)
    now_epoch = now.replace(tzinfo=UTC).timestamp()  # SQLite's %s reads naive times as UTC
    params = (REPURCHASE_RECENT_GAPS + 1, REPURCHASE_MIN_ORDERS, _sql_time(floor), _sql_time(ceiling))
    for cid, name, tags, revenue, packed in database.execute_sql(_REPURCHASE_SQL, params):
        epochs = [float(t) for t in (packed or "").split(",") if t]
        if len(epochs) < REPURCHASE_MIN_ORDERS:  # stored order_count out of step: skip, don't crash
            continue
        median = median_gap_days(epochs)
        silence_days = (now_epoch - epochs[0]) / 86400
        if silence_days <= factor * max(median, 1):
            continue
        last = datetime.fromtimestamp(epochs[0], UTC).replace(tzinfo=None)
        silence, usual = (now.date() - last.date()).days, max(1, round(median))
        excess = min(silence_days / max(median, 1) - factor, URGENCY["repurchase_cap"])
        urgency = URGENCY["repurchase"] + URGENCY["repurchase_gap"] * excess + _extras(tags, revenue)
        reason = f"usually buys every {_days(usual)}; last bought {_days(silence)} ago"
        yield QueueItem("repurchase", cid, name, "reorder overdue", (reason,) + _vip_reason(tags),
                        round(urgency, 2), due_at=last)


def stale_deal_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    threshold = int(settings.stale_deal_days)
    cutoff = now - timedelta(days=threshold)
    query = (D.select(D.id, D.customer, C.name, C.tags, D.title, D.stage, D.value_cents, D.last_activity_at)
             .join(C, on=(D.customer == C.id))
             .where(D.stage.in_(OPEN_DEAL_STAGES) & (D.last_activity_at < cutoff) & C.archived_at.is_null()))
    for did, cid, name, tags, title, stage, value, activity in query.tuples():
        idle = (now - activity).days
        weeks = min((idle - threshold) / 7, URGENCY["stale_cap"])
        urgency = URGENCY["stale_deal"] + URGENCY["stale_week"] * weeks + _extras(tags, value)
        reason = f"no activity on deal {title} for {_days(idle)} ({stage})"
        yield QueueItem("stale_deal", cid, name, title, (reason,) + _vip_reason(tags),
                        round(urgency, 2), due_at=activity, deal_id=did)


def churn_risk_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    days = int(getattr(settings, "no_contact_days", 30))
    for row in attention.at_risk(now, 10, not_contacted_days=days, min_risk=0.5):
        contact = f"no contact for {count((now - row.last_contact_at).days, 'day')}" if row.last_contact_at else "never contacted"
        urgency = URGENCY["churn_risk"] + URGENCY["value_log10"] * math.log10(1 + row.value_at_risk)
        yield QueueItem("churn_risk", row.customer_id, row.name, "valuable customer slipping away",
                        (f"churn risk {row.churn_risk:.0%}, {format_money(row.clv)} predicted 12-month value", contact,
                         row.reason.split("; churn")[0]), round(urgency, 2), due_at=row.last_order_at)


def old_ticket_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    days = int(getattr(settings, "old_ticket_days", 7))
    query = (Ticket.select(Ticket.id, Ticket.customer, C.name, C.tags, Ticket.subject, Ticket.opened_at)
             .join(C, on=(Ticket.customer == C.id))
             .where((Ticket.status != "closed") & (Ticket.opened_at < now - timedelta(days=days))
                    & C.archived_at.is_null()))
    for _tid, cid, name, tags, subject, opened in query.tuples():
        age = (now - opened).days
        urgency = (URGENCY["old_ticket"] + URGENCY["ticket_day"] * min(age - days, URGENCY["ticket_cap"])
                   + (URGENCY["vip"] if tags and " vip " in tags else 0.0))
        yield QueueItem("ticket", cid, name, subject, (f"ticket open for {age} days: {subject}",),
                        round(urgency, 2), due_at=opened)


# More than the queue shows of a kind: some are dismissed, some merged into a churn row.
CADENCE_ROWS = 10 * MAX_SUGGESTIONS_PER_KIND


def cadence_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    """Customers silent past their keep-in-touch cadence, leads and non-buyers too."""
    for row in cadence.overdue(now, CADENCE_ROWS):
        late = min(row.silent_days / row.days - 1, URGENCY["cadence_cap"])
        urgency = URGENCY["cadence"] + URGENCY["cadence_late"] * late + _extras(row.tags, None)
        yield QueueItem("cadence", row.customer_id, row.customer_name, "keep in touch",
                        (cadence.reason(row),) + _vip_reason(row.tags), round(urgency, 2),
                        due_at=row.last_contact_at, silent_days=row.silent_days, cadence_days=row.days)


CROSS_SELL_ROWS = CADENCE_ROWS  # spare rows for the same reason: dismissed ones leave their places


def cross_sell_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    """Customers who bought X and not yet Y, where X's buyers buy Y `cross_sell_min_lift`
    times as often as everyone: one row per customer, their strongest pair."""
    min_lift = float(getattr(settings, "cross_sell_min_lift", 2.0))
    for row in cross_sell.suggestions(now, min_lift, CROSS_SELL_ROWS):
        pair = row.pair
        urgency = (URGENCY["cross_sell"] + URGENCY["cross_sell_lift"] * min(pair.lift - min_lift, URGENCY["cross_sell_cap"])
                   + _extras(row.tags, row.revenue_cents))
        yield QueueItem("cross_sell", row.customer_id, row.name, f"suggest {pair.consequent}",
                        (cross_sell.reason(pair),) + _vip_reason(row.tags), round(urgency, 2), due_at=row.last_order_at)


def _sql_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


SOURCES: tuple[Source, ...] = (followup_items, birthday_items, repurchase_items, stale_deal_items,
                               churn_risk_items, old_ticket_items, cadence_items, cross_sell_items)
