"""Follow-ups: the owner's reminders, and the once-only claim that notifies them.

`claim_due` marks a reminder notified with a conditional UPDATE, so whichever
process (app instance, second SSH session, `solocrm remind` from cron) claims it
first is the only one that tells the owner: a reminder fires exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from peewee import JOIN

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.recurrence import Recurrence, next_due
from solocrm_tui.core.contacts.timeline import system_entry
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import FollowUp as FollowUpModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import FollowUp

F, C = FollowUpModel, CustomerModel
CLOCK_SLACK = timedelta(minutes=5)  # claim stamps further ahead of now than this came from a wrong clock
_COLUMNS = (F.id, F.customer, C.name, F.deal, F.title, F.due_at, F.done_at, F.snoozes, F.notified_at,
            F.recurrence, F.recur_from, F.series_id)


def _select():
    return F.select(*_COLUMNS).join(C, join_type=JOIN.LEFT_OUTER, on=(F.customer == C.id))


def _records(query) -> list[FollowUp]:
    return [FollowUp(*row) for row in query.tuples()]


def create_followup(title: str, due_at: datetime, now: datetime, *, customer_id: int | None = None,
                    deal_id: int | None = None, recurrence: Recurrence | None = None) -> FollowUp:
    """A one-shot follow-up, or with `recurrence` the first occurrence of a series."""
    title = validate.text(title, "follow-up text", required=True)
    due_at = validate.moment(due_at, "due date")
    if due_at is None:
        raise ValidationError("a follow-up needs a due date")
    with database.atomic():
        if customer_id is not None and not C.select().where(C.id == customer_id).exists():
            raise NotFound(f"no customer #{customer_id}")
        if deal_id is not None and not DealModel.select().where(DealModel.id == deal_id).exists():
            raise NotFound(f"no deal #{deal_id}")
        new_id = F.insert(customer=customer_id, deal=deal_id, title=title, due_at=due_at, created_at=now,
                          **_series_fields(recurrence)).execute()
        if recurrence is not None:
            F.update(series_id=new_id, anchor_at=due_at).where(F.id == new_id).execute()
    return get_followup(new_id)


def _series_fields(recurrence: Recurrence | None) -> dict:
    if recurrence is None:
        return {"recurrence": None, "recur_from": None}
    return {"recurrence": recurrence.rule, "recur_from": recurrence.recur_from}


def get_followup(followup_id: int) -> FollowUp:
    rows = _records(_select().where(F.id == followup_id))
    if not rows:
        raise NotFound(f"no follow-up #{followup_id}")
    return rows[0]


def followups_by_ids(ids: list[int]) -> list[FollowUp]:
    """These follow-ups, soonest due first ([] for no ids)."""
    return _records(_select().where(F.id.in_(ids)).order_by(F.due_at)) if ids else []


def open_followups(until: datetime, limit: int = 500) -> list[FollowUp]:
    """Not done and due at or before `until`, most overdue first."""
    query = _select().where(F.done_at.is_null() & (F.due_at <= until)).order_by(F.due_at, F.id).limit(limit)
    return _records(query)


def upcoming_followups(now: datetime, days: int = 7, limit: int = 100) -> list[FollowUp]:
    query = (_select().where(F.done_at.is_null() & (F.due_at > now) & (F.due_at <= now + timedelta(days=days)))
             .order_by(F.due_at, F.id).limit(limit))
    return _records(query)


def customer_followups(customer_id: int, include_done: bool = False) -> list[FollowUp]:
    query = _select().where(F.customer == customer_id)
    if not include_done:
        query = query.where(F.done_at.is_null())
    return _records(query.order_by(F.due_at.desc(), F.id.desc()).limit(200))


def mark_done(ids: Iterable[int], now: datetime, *, done: bool = True) -> int:
    """Done (or open again); an open occurrence of a series that is done brings the next one,
    in the same transaction, so the undo of the done takes the next one back with it."""
    ids = list(ids)
    with database.atomic():
        rolling = _records(_select().where(F.id.in_(ids) & F.done_at.is_null() & F.recurrence.is_null(False))) \
            if done else []
        changed = F.update(done_at=now if done else None).where(F.id.in_(ids)).execute()
        for occurrence in rolling:
            _roll(occurrence, now)
        return changed


def _roll(occurrence: FollowUp, done_at: datetime) -> None:
    """The series' next occurrence: one row, even when it is already overdue (a weekly call
    done a month late brings one next call, not four missed ones); none once `until` is past."""
    series_id = occurrence.series_id or occurrence.id
    first = F.select(F.anchor_at, F.due_at).where(F.id == series_id).first()
    anchor = (first.anchor_at or first.due_at) if first is not None else occurrence.due_at
    due = next_due(occurrence.recurrence, occurrence.due_at, anchor=anchor, done_at=done_at,
                   recur_from=occurrence.recur_from or "due")
    if due is not None:
        F.insert(customer=occurrence.customer_id, deal=occurrence.deal_id, title=occurrence.title, due_at=due,
                 created_at=done_at, recurrence=occurrence.recurrence, recur_from=occurrence.recur_from,
                 series_id=series_id).execute()


def stop_series(followup_id: int) -> FollowUp:
    """No further occurrences: the open one stays, as a one-shot the owner can still do or delete."""
    with database.atomic():
        followup = get_followup(followup_id)
        if followup.recurrence is None:
            raise ValidationError(f"“{followup.title}” does not repeat: nothing to stop")
        F.update(recurrence=None, recur_from=None).where(
            (F.series_id == (followup.series_id or followup.id)) & F.done_at.is_null()).execute()
    return get_followup(followup_id)


def repeat(followup_id: int, first_due: datetime, rule: Recurrence, now: datetime,
           title: str | None = None) -> FollowUp:
    """Give an open follow-up a new rhythm (or its first): it becomes the first occurrence of a
    new series, due at the rule's first occurrence, so the new rhythm counts from it."""
    if title is not None:
        title = validate.text(title, "title", required=True)
    with database.atomic():
        changed = (F.update(due_at=first_due, anchor_at=first_due, notified_at=None, mailed_at=None,
                            series_id=followup_id,
                            **_series_fields(rule),
                            **({"title": title} if title is not None else {}))
                   .where((F.id == followup_id) & F.done_at.is_null()).execute())
        if not changed:
            raise ValidationError(f"follow-up #{followup_id} is done or gone: nothing to repeat")
    return get_followup(followup_id)


def snooze(ids: Iterable[int], until: datetime, now: datetime) -> int:
    """Move follow-ups to `until`; they become due again and will notify again then. On a
    series only this occurrence moves: the next one still follows the series' rhythm."""
    if until <= now:
        raise ValidationError("snooze needs a time in the future")
    ids = list(ids)
    with database.atomic():
        return (F.update(due_at=until, snoozes=F.snoozes + 1, notified_at=None, mailed_at=None)
                .where(F.id.in_(ids) & F.done_at.is_null()).execute())


def reschedule(followup_id: int, when: datetime, now: datetime, title: str | None = None) -> FollowUp:
    """Move one open follow-up to an exact future moment (it will remind again then), and
    give it a new title when one is given."""
    if title is not None:
        title = validate.text(title, "title", required=True)
    with database.atomic():
        if not snooze([followup_id], when, now):
            raise ValidationError(f"follow-up #{followup_id} is done or gone: nothing to reschedule")
        if title is not None:
            F.update(title=title).where(F.id == followup_id).execute()
    return get_followup(followup_id)


def delete_followup(followup_id: int) -> None:
    with database.atomic():
        if not F.delete().where(F.id == followup_id).execute():
            raise NotFound(f"no follow-up #{followup_id}")


def _unclaimed(now: datetime):
    """Not yet told: never claimed, or claimed by a clock that ran ahead of `now`.

    A claim stamped later than now + CLOCK_SLACK was made while the system clock was wrong
    (days ahead, then corrected); honouring it would swallow the reminder until the wrong
    date came round, so it counts as unclaimed and fires at its real time. Claimers whose
    clocks differ by less than the slack (cron a moment before the app) still see each
    other's claims, so the once-only rule holds between them.
    """
    return F.notified_at.is_null() | (F.notified_at > now + CLOCK_SLACK)


def _stamp_due(stamp, unclaimed, now: datetime, limit: int) -> list[int]:
    """Set `stamp` to now on due, open follow-ups still `unclaimed`, one conditional UPDATE
    each, so of two processes claiming at once only one gets each row; inside the caller's
    transaction."""
    claimed: list[int] = []
    candidates = (F.select(F.id).where(F.done_at.is_null() & unclaimed & (F.due_at <= now))
                  .order_by(F.due_at).limit(limit).tuples())
    for (fid,) in list(candidates):
        if F.update({stamp: now}).where((F.id == fid) & unclaimed).execute():
            claimed.append(fid)
    return claimed


def claim_due(now: datetime, limit: int = 50) -> list[FollowUp]:
    """Atomically claim due, unnotified, open follow-ups; each is returned to one caller only."""
    with database.atomic():
        rows = followups_by_ids(_stamp_due(F.notified_at, _unclaimed(now), now, limit))
        for row in rows:
            if row.customer_id is not None:
                system_entry(row.customer_id, f"reminder: {row.title}", now)
    return rows


def claim_due_for_mail(now: datetime, limit: int = 1000) -> list[FollowUp]:
    """As claim_due, on the mail channel's own stamp (mailed_at, migration 0014): the app's
    bell and the owner's mail each tell of a follow-up once, independently."""
    unmailed = F.mailed_at.is_null() | (F.mailed_at > now + CLOCK_SLACK)  # a wrong clock's claim, as _unclaimed
    with database.atomic():
        return followups_by_ids(_stamp_due(F.mailed_at, unmailed, now, limit))


def tell_in_digest(ids: Iterable[int], digest_id: int) -> None:
    """Point mail-claimed follow-ups at the digest that tells of them, inside the claim's transaction."""
    F.update(digest=digest_id).where(F.id.in_(list(ids))).execute()


def release_mail_claim(digest_id: int) -> int:
    """Undo the mail claim of a digest that did not leave, so the next run mails its follow-ups."""
    with database.atomic():
        return F.update(mailed_at=None, digest=None).where(F.digest == digest_id).execute()
