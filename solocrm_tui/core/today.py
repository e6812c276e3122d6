"""The daily queue: what the owner should do today, ranked, each row with its reasons.

Every row comes from a *source*: a function `(now, settings) -> Iterable[QueueItem]`.
`build_queue` concatenates the sources in `SOURCES` and sorts by urgency, so a later
source (e.g. the analytics' "valuable customer at churn risk") is one more function
appended to that tuple, ranked on the same scale.

Urgency is a Taskwarrior-style sum of documented coefficients, all in `URGENCY`,
so the ranking can be reasoned about (and tuned) in one place:

    follow-up   = followup + overdue_day * min(days overdue, overdue_cap)
                  (+ past_due_time when due today at a time already passed) + extras
    birthday    = birthday + extras
    repurchase  = repurchase + repurchase_gap * min(silence / median gap - factor, cap) + extras
    stale deal  = stale_deal + stale_week * min(weeks past the threshold, cap) + value
    churn risk  = churn_risk + value_log10 * log10(1 + value at risk) + vip      (core.signals)
    old ticket  = old_ticket + ticket_day * min(days past the threshold, cap) + vip (core.signals)
    extras      = vip (customer tagged vip) + value_log10 * log10(1 + money at stake)

Suggestions (every source but follow-ups) are capped per kind at
`MAX_SUGGESTIONS_PER_KIND` so a large book does not bury the owner's own tasks.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from peewee import JOIN

from solocrm_tui.core.models import Customer as C
from solocrm_tui.core.models import Deal as D
from solocrm_tui.core.models import FollowUp as F
from solocrm_tui.core.models import database
from solocrm_tui.core.records import OPEN_DEAL_STAGES

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
    "churn_risk": 4.0,       # valuable customer likely to leave, not contacted lately (core.signals)
    "old_ticket": 5.0,       # a ticket open longer than the configured days (core.signals) ...
    "ticket_day": 0.2,       # + per day beyond that ...
    "ticket_cap": 10.0,      # ... counted up to this many days
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
    kind: str  # "followup" | "birthday" | "repurchase" | "stale_deal" | …
    customer_id: int | None
    customer_name: str
    title: str
    reasons: tuple[str, ...]
    urgency: float
    due_at: datetime | None = None
    followup_id: int | None = None
    deal_id: int | None = None


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
    return f"{n} day" if n == 1 else f"{n} days"


def followup_reason(due_at: datetime, now: datetime) -> str:
    overdue = (now.date() - due_at.date()).days
    if overdue == 1:
        return "follow-up due yesterday"
    if overdue > 1:
        return f"follow-up due {overdue} days ago"
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
        yield QueueItem("followup", cid, name or "", title,
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


SOURCES: tuple[Source, ...] = (followup_items, birthday_items, repurchase_items, stale_deal_items)
UNCAPPED_KINDS = frozenset({"followup"})


def build_queue(now: datetime, config_today: Any = None,
                sources: tuple[Source, ...] = SOURCES) -> list[QueueItem]:
    """Every source's items, suggestions capped per kind, most urgent first."""
    settings = config_today or _Settings()
    items: list[QueueItem] = []
    for source in sources:
        produced = sorted(source(now, settings), key=_sort_key)
        if produced and produced[0].kind not in UNCAPPED_KINDS:
            produced = produced[:MAX_SUGGESTIONS_PER_KIND]
        items.extend(produced)
    return sorted(items, key=_sort_key)


def _sort_key(item: QueueItem) -> tuple:
    return (-item.urgency, item.due_at or datetime.max, item.customer_name.lower(), item.customer_id or 0)


def _sql_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


KIND_LABELS = {"followup": "follow-up", "birthday": "birthday", "repurchase": "repurchase",
               "stale_deal": "stale deal"}


def format_table(items: list[QueueItem], width: int = 32) -> str:
    """A plain aligned table for `solocrm today` (a login shell or a cron mail)."""
    if not items:
        return "Nothing in today's queue."

    def cut(text: str) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    rows = [(f"{i.urgency:.1f}", KIND_LABELS.get(i.kind, i.kind.replace("_", " ")),
             cut(i.customer_name or "—"), cut(i.title), "; ".join(i.reasons)) for i in items]
    header = ("URG", "KIND", "WHO", "WHAT", "WHY")
    widths = [max(len(r[n]) for r in rows + [header]) for n in range(4)]
    lines = []
    for row in [header] + rows:
        cells = [row[0].rjust(widths[0])] + [row[n].ljust(widths[n]) for n in (1, 2, 3)] + [row[4]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def to_json(items: list[QueueItem]) -> str:
    def encode(value: Any) -> Any:
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value

    return json.dumps([{k: encode(v) for k, v in asdict(i).items()} for i in items],
                      ensure_ascii=False, indent=2)
