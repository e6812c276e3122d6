"""Recurring follow-ups: the composer's words as a rule, the next occurrence across DST
changes and month ends, rolling on done (from the due date or from completion), until,
stopping a series, the undo of a done, and reminders once per occurrence."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from solocrm_tui.core.contacts import followups
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.recurrence import (
    describe,
    next_due,
    phrase,
    split_every,
    suffix,
)
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import FollowUp as FollowUpModel
from solocrm_tui.core.storage.models import database

BERLIN = ZoneInfo("Europe/Berlin")
WED = datetime(2027, 3, 24, 11, 0)  # the Wednesday before Berlin's spring change (Sun 28 Mar 2027)


def utc(local: datetime) -> datetime:
    return local.replace(tzinfo=BERLIN).astimezone(timezone.utc)


def every(text: str, now: datetime):
    first, rule, title = split_every(text.split(), now)
    return first, rule, " ".join(title)


# --- the words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "first", "rule", "title"), [
    ("every 2w check in", datetime(2027, 4, 7, 9, 0), "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", "check in"),
    ("every fri 9:00 weekly call", datetime(2027, 3, 26, 9, 0), "FREQ=WEEKLY;BYDAY=FR", "weekly call"),
    ("every wed 10:00 early", datetime(2027, 3, 31, 10, 0), "FREQ=WEEKLY;BYDAY=WE", "early"),  # 10:00 today has passed
    ("every wed 12:00 later today", datetime(2027, 3, 24, 12, 0), "FREQ=WEEKLY;BYDAY=WE", "later today"),
    ("weekdays 8:30 standup", datetime(2027, 3, 25, 8, 30), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "standup"),
    ("every weekday standup", datetime(2027, 3, 25, 9, 0), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "standup"),
    ("every month on the 1st invoice", datetime(2027, 4, 1, 9, 0), "FREQ=MONTHLY;BYMONTHDAY=1", "invoice"),
    ("every month on the 31st rent", datetime(2027, 3, 31, 9, 0),
     "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1", "rent"),
    ("every month report", datetime(2027, 4, 24, 9, 0), "FREQ=MONTHLY;BYMONTHDAY=24", "report"),
    ("every year renew", datetime(2028, 3, 24, 9, 0), "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=24", "renew"),
    ("every day 7:00 water plants", datetime(2027, 3, 25, 7, 0), "FREQ=DAILY", "water plants"),
    ("every 3d ping until 2027-06-30", datetime(2027, 3, 27, 9, 0), "FREQ=DAILY;INTERVAL=3;UNTIL=20270630T235959",
     "ping"),
])
def test_words_become_a_rule_and_a_first_occurrence(text, first, rule, title):
    assert every(text, WED) == (first, followups.Recurrence(rule, "due"), title)


def test_from_done_and_until_follow_the_title_in_either_order():
    _, rule, title = every("every 2w water from done until 2027-06-30", WED)
    assert (rule.recur_from, title) == ("done", "water")
    assert rule.rule.endswith("UNTIL=20270630T235959")
    assert every("every 2w water until 2027-06-30 from done", WED)[1] == rule


@pytest.mark.parametrize(("text", "problem"), [
    ("every 0d nothing", "at least 1"),
    ("every month on the 32nd pay", "no 32nd day"),
    ("every 2w x until 2027-01-01", "in the past"),
    ("every 2w x until 2027-04-01", "before the first occurrence"),
    ("every 2w x until someday", "YYYY-MM-DD"),
    ("every blursday x", 'unknown rhythm "every blursday"'),
    ("every fri 25:00 x", "bad time"),
    ("every", "every what?"),
])
def test_nonsense_is_one_clear_line(text, problem):
    with pytest.raises(ValidationError, match=problem) as error:
        split_every(text.split(), WED)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(("text", "words"), [
    ("every 2w x", "every 2 weeks"),
    ("every fri 9:00 x", "every Friday 9:00"),
    ("weekdays 8:30 x", "weekdays 8:30"),
    ("every month on the 1st x until 2027-06-30", "every month on the 1st, until 30 Jun 2027"),
    ("every month on the 31st x", "every month on the 31st"),
    ("every day x from done", "every day, from done"),
])
def test_a_rule_in_words(text, words):
    first, rule, _ = every(text, WED)
    assert describe(rule.rule, rule.recur_from, first) == words


@pytest.mark.parametrize("text", ["every 2w", "every fri 09:00", "weekdays 08:30", "every month on the 31st 09:00",
                                  "every mon,thu 14:00", "every 3d 09:00"])
def test_the_phrase_of_a_rule_reads_back_as_the_same_rule(text):
    first, rule, _ = every(f"{text} x until 2027-06-30 from done", WED)
    again = every(f"{phrase(rule.rule, rule.recur_from, first)} x {suffix(rule.rule, rule.recur_from)}", WED)
    assert again[1] == rule


# --- the next occurrence: DST, month ends --------------------------------------------------------


def test_every_friday_9_stays_9_local_across_both_dst_changes():
    first, rule, _ = every("every fri 9:00 call", datetime(2027, 3, 22, 12, 0))
    after_spring = next_due(rule.rule, first, anchor=first)
    assert (first, after_spring) == (datetime(2027, 3, 26, 9, 0), datetime(2027, 4, 2, 9, 0))
    gap = utc(after_spring) - utc(first)
    assert gap == timedelta(days=7, hours=-1)  # a real DST change lies between: the wall clock kept 9:00
    autumn = datetime(2026, 10, 23, 9, 0)  # Berlin falls back on Sun 25 Oct 2026
    after_autumn = next_due(rule.rule, autumn, anchor=autumn)
    assert (after_autumn, utc(after_autumn) - utc(autumn)) == (datetime(2026, 10, 30, 9, 0), timedelta(days=7, hours=1))


def test_every_2_weeks_keeps_its_hour_over_the_spring_change():
    first, rule, _ = every("every 2w 9:00 review", datetime(2027, 3, 17, 12, 0))
    assert first == datetime(2027, 3, 31, 9, 0)
    assert next_due(rule.rule, datetime(2027, 3, 17, 9, 0), anchor=datetime(2027, 3, 17, 9, 0)) == first


def test_the_31st_clamps_to_short_months_and_comes_back():
    first, rule, _ = every("every month on the 31st rent", datetime(2027, 1, 10, 12, 0))
    seen = [first]
    for _ in range(3):
        seen.append(next_due(rule.rule, seen[-1], anchor=first))
    assert [d.date().isoformat() for d in seen] == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]
    leap = next_due(rule.rule, datetime(2028, 1, 31, 9, 0), anchor=first)
    assert leap == datetime(2028, 2, 29, 9, 0)


def test_every_month_from_a_31st_is_the_month_end_after():
    first, rule, _ = every("every month report", datetime(2026, 12, 31, 8, 0))
    assert first == datetime(2027, 1, 31, 9, 0)
    assert next_due(rule.rule, first, anchor=first) == datetime(2027, 2, 28, 9, 0)


def test_every_month_on_the_1st():
    first, rule, _ = every("every month on the 1st invoice", datetime(2027, 1, 31, 10, 0))
    assert first == datetime(2027, 2, 1, 9, 0)
    assert next_due(rule.rule, first, anchor=first) == datetime(2027, 3, 1, 9, 0)


def test_until_ends_the_series():
    first, rule, _ = every("every 3d ping until 2027-04-01", WED)
    assert next_due(rule.rule, datetime(2027, 3, 30, 9, 0), anchor=first) is None


# --- rolling in the database ---------------------------------------------------------------------


@pytest.fixture
def ann(core_db, t0) -> int:
    return create_customer(t0, name="Ann").id


def series(ann: int, text: str, now: datetime) -> followups.FollowUp:
    first, rule, title = every(text, now)
    return followups.create_followup(title, first, now, customer_id=ann, recurrence=rule)


def open_rows(ann: int) -> list[tuple[str, datetime]]:
    return [(f.title, f.due_at) for f in reversed(followups.customer_followups(ann))]


def test_a_series_row_stores_its_rule_and_is_its_own_series(ann):
    first = series(ann, "every fri 9:00 weekly call", WED)
    assert (first.recurrence, first.recur_from, first.series_id) == ("FREQ=WEEKLY;BYDAY=FR", "due", first.id)


def test_done_brings_the_next_occurrence_from_the_due_date(ann):
    first = series(ann, "every fri 9:00 weekly call", WED)
    followups.mark_done([first.id], datetime(2027, 3, 29, 16, 0))  # done on Monday, after the DST change
    assert open_rows(ann) == [("weekly call", datetime(2027, 4, 2, 9, 0))]
    nxt = followups.customer_followups(ann)[0]
    assert (nxt.recurrence, nxt.series_id, nxt.notified_at) == (first.recurrence, first.id, None)


def test_done_counts_from_completion_when_the_series_says_so(ann):
    first = series(ann, "every 2w 10:00 water from done", WED)
    followups.mark_done([first.id], datetime(2027, 4, 12, 18, 0))  # five days late
    assert open_rows(ann) == [("water", datetime(2027, 4, 26, 10, 0))]


def test_a_month_from_done_on_the_31st_is_the_next_month_end(ann):
    first = series(ann, "every month pay from done", datetime(2026, 12, 20, 10, 0))
    followups.mark_done([first.id], datetime(2027, 1, 31, 12, 0))
    assert open_rows(ann) == [("pay", datetime(2027, 2, 28, 9, 0))]


def test_done_very_late_brings_the_next_one_to_come_not_the_missed_ones(ann):
    first = series(ann, "every fri 9:00 weekly call", WED)
    followups.mark_done([first.id], datetime(2027, 5, 1, 12, 0))  # five Fridays missed
    assert open_rows(ann) == [("weekly call", datetime(2027, 5, 7, 9, 0))]


def test_snoozing_the_first_occurrence_leaves_the_series_time_alone(ann):
    first = series(ann, "weekdays 22:00 wrap up", WED)  # Wed 24 Mar 22:00
    followups.snooze([first.id], datetime(2027, 3, 25, 3, 30), WED)
    followups.mark_done([first.id], datetime(2027, 3, 25, 8, 0))
    assert open_rows(ann) == [("wrap up", datetime(2027, 3, 25, 22, 0))]


def test_every_month_set_on_the_31st_keeps_the_months_end(ann):
    first = series(ann, "every month rent", datetime(2027, 1, 31, 10, 0))
    assert first.due_at == datetime(2027, 2, 28, 9, 0)
    followups.mark_done([first.id], datetime(2027, 2, 28, 10, 0))
    [second] = followups.customer_followups(ann)
    assert second.due_at == datetime(2027, 3, 31, 9, 0)


def test_a_series_from_done_finished_early_moves_on(ann):
    first = series(ann, "every fri 9:00 call from done", WED)  # Fri 26 Mar
    followups.mark_done([first.id], datetime(2027, 3, 23, 17, 0))  # done on the Tuesday before
    assert open_rows(ann) == [("call", datetime(2027, 4, 2, 9, 0))]


def test_a_snoozed_occurrence_keeps_the_rhythm_of_its_series(ann):
    first = series(ann, "every 2w call", WED)  # Wed 7 Apr 9:00, then 21 Apr
    followups.snooze([first.id], datetime(2027, 4, 9, 9, 0), datetime(2027, 4, 7, 9, 5))
    followups.mark_done([first.id], datetime(2027, 4, 9, 10, 0))
    assert open_rows(ann) == [("call", datetime(2027, 4, 21, 9, 0))]


def test_the_last_occurrence_before_until_ends_the_series(ann):
    first = series(ann, "every 3d ping until 2027-03-29", WED)  # Sat 27 Mar, then 30 Mar is past until
    followups.mark_done([first.id], datetime(2027, 3, 27, 9, 30))
    assert open_rows(ann) == []


def test_done_twice_rolls_once(ann):
    first = series(ann, "every fri 9:00 call", WED)
    followups.mark_done([first.id], datetime(2027, 3, 26, 9, 30))
    followups.mark_done([first.id], datetime(2027, 3, 26, 9, 31))
    assert len(open_rows(ann)) == 1


def test_undo_of_done_takes_the_next_occurrence_back(ann):
    first = series(ann, "every fri 9:00 call", WED)
    before = open_rows(ann)
    _, change = changes.record(lambda: followups.mark_done([first.id], datetime(2027, 3, 26, 9, 30)), "done")
    assert len(open_rows(ann)) == 1 and open_rows(ann) != before
    changes.undo(change, datetime(2027, 3, 26, 9, 31))
    assert open_rows(ann) == before
    assert FollowUpModel.select().count() == 1


def test_stop_series_keeps_the_open_occurrence_as_a_one_shot(ann):
    first = series(ann, "every fri 9:00 call", WED)
    stopped = followups.stop_series(first.id)
    assert (stopped.recurrence, stopped.due_at) == (None, first.due_at)
    followups.mark_done([first.id], datetime(2027, 3, 26, 9, 30))
    assert open_rows(ann) == []
    with pytest.raises(ValidationError, match="does not repeat"):
        followups.stop_series(first.id)


def test_repeat_gives_an_open_follow_up_a_new_rhythm(ann, t0):
    one = followups.create_followup("call", datetime(2027, 3, 26, 9, 0), WED, customer_id=ann)
    first, rule, _ = every("every month on the 1st x", WED)
    changed = followups.repeat(one.id, first, rule, WED)
    assert (changed.due_at, changed.recurrence, changed.series_id) == (first, rule.rule, one.id)


# --- reminders, once per occurrence --------------------------------------------------------------


def test_each_occurrence_is_reminded_once_even_with_two_claimers(ann, core_db):
    first = series(ann, "every fri 9:00 call", WED)
    friday = datetime(2027, 3, 26, 9, 1)
    claims: list[list[int]] = []
    barrier = threading.Barrier(2)

    def claimer():
        database.connect(reuse_if_open=True)
        try:
            barrier.wait(timeout=30)
            claims.append([f.id for f in followups.claim_due(friday)])
        finally:
            database.close()

    threads = [threading.Thread(target=claimer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claims, key=len) == [[], [first.id]]
    followups.mark_done([first.id], datetime(2027, 3, 26, 10, 0))
    next_friday = datetime(2027, 4, 2, 9, 1)
    assert followups.claim_due(next_friday - timedelta(days=1)) == []
    told = followups.claim_due(next_friday)
    assert [(f.title, f.due_at) for f in told] == [("call", datetime(2027, 4, 2, 9, 0))]
    assert followups.claim_due(next_friday) == []
