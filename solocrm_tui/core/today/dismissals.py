"""Acting on Today-queue rows: follow-ups are done or snoozed, suggestions dismissed.

A suggestion (birthday, repurchase, stale deal…) is recomputed from the data every
time, so "dismiss for today" has to be remembered: each dismissal is stored with
the moment it expires, shared by every instance on the database.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Iterable

from solocrm_tui.core.contacts import followups
from solocrm_tui.core.storage.models import QueueDismissal, database
from solocrm_tui.core.today.items import QueueItem, item_key


def hidden_keys(now: datetime) -> set[str]:
    """Rows dismissed until a moment still in the future."""
    return {key for (key,) in QueueDismissal.select(QueueDismissal.item_key)
            .where(QueueDismissal.until > now).tuples()}


def dismiss(items: Iterable[QueueItem], until: datetime) -> int:
    rows = [{"item_key": item_key(i), "until": until} for i in items if i.followup_id is None]
    if rows:
        with database.atomic():
            QueueDismissal.insert_many(rows).on_conflict_replace().execute()
    return len(rows)


def done_or_dismiss(items: list[QueueItem], now: datetime) -> int:
    """`d` on the Today screen: follow-ups are done; suggestions go away until tomorrow."""
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time.min)
    with database.atomic():
        done = followups.mark_done([i.followup_id for i in items if i.followup_id is not None], now)
        QueueDismissal.delete().where(QueueDismissal.until <= now).execute()
        return done + dismiss(items, tomorrow)


def snooze_items(items: list[QueueItem], until: datetime, now: datetime) -> int:
    with database.atomic():
        ids = [i.followup_id for i in items if i.followup_id is not None]
        snoozed = followups.snooze(ids, until, now) if ids else 0
        return snoozed + dismiss(items, until)
