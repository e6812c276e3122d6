"""Acting on Today rows: `d` finishes follow-ups and hides suggestions until tomorrow; snoozing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import claim_due, create_followup, get_followup
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.storage.models import QueueDismissal
from solocrm_tui.core.today import dismissals
from solocrm_tui.core.today.items import item_key
from solocrm_tui.core.today.queue import todays_queue

MIN = timedelta(minutes=1)


@pytest.fixture
def book(db_path, now):
    """A due follow-up, a birthday today and a stale deal (three kinds of row)."""
    ada = create_customer(now, name="Ada").id
    cleo = create_customer(now, name="Cleo", birthday="1985-11-22").id
    gus = create_customer(now, name="Gus").id
    followup = create_followup("send quote", datetime(2026, 11, 21, 9, 0), now, customer_id=ada)
    deal = create_deal(gus, "Website", "5000", now - timedelta(days=30), stage="proposal")
    return {"ada": ada, "cleo": cleo, "gus": gus, "followup": followup.id, "deal": deal.id}


def kinds(queue) -> list[tuple[str, str]]:
    return [(i.kind, i.customer_name) for i in queue]


def item(queue, kind: str):
    return next(i for i in queue if i.kind == kind)


def test_the_book_has_one_row_of_each_kind(book, now):
    assert kinds(todays_queue(now)) == [("followup", "Ada"), ("birthday", "Cleo"),
                                                   ("stale_deal", "Gus")]


def test_item_keys_are_stable_identities(book, now):
    queue = todays_queue(now)
    assert [item_key(i) for i in queue] == [
        f"followup:{book['followup']}", f"birthday:{book['cleo']}:", f"stale_deal:{book['gus']}:{book['deal']}"]
    # the same rows an hour later (different urgency) keep their keys
    later = todays_queue(now + timedelta(hours=1))
    assert [item_key(i) for i in later] == [item_key(i) for i in queue]


def test_done_on_a_followup_marks_it_done(book, now):
    row = item(todays_queue(now), "followup")
    assert dismissals.done_or_dismiss([row], now) == 1
    assert get_followup(book["followup"]).done_at == now
    assert "followup" not in [i.kind for i in todays_queue(now)]
    assert QueueDismissal.select().count() == 0  # follow-ups are done, not dismissed
    # and it stays gone tomorrow: done is done
    assert "followup" not in [i.kind for i in todays_queue(now + timedelta(days=1))]


def test_done_on_a_suggestion_hides_it_until_tomorrow_midnight(book, now):
    row = item(todays_queue(now), "stale_deal")
    assert dismissals.done_or_dismiss([row], now) == 1
    assert QueueDismissal.get_by_id(item_key(row)).until == datetime(2026, 11, 23, 0, 0)
    assert kinds(todays_queue(now)) == [("followup", "Ada"), ("birthday", "Cleo")]
    assert "stale_deal" not in [i.kind for i in todays_queue(datetime(2026, 11, 22, 23, 59))]
    assert "stale_deal" in [i.kind for i in todays_queue(datetime(2026, 11, 23, 0, 1))]


def test_done_on_a_birthday_hides_it_for_the_rest_of_the_day(book, now):
    row = item(todays_queue(now), "birthday")
    dismissals.done_or_dismiss([row], now)
    assert "birthday" not in [i.kind for i in todays_queue(now)]
    assert "birthday" not in [i.kind for i in todays_queue(datetime(2026, 11, 22, 23, 59))]
    # the follow-up is untouched
    assert get_followup(book["followup"]).done_at is None


def test_done_on_a_mixed_selection(book, now):
    queue = todays_queue(now)
    assert dismissals.done_or_dismiss(queue, now) == 3
    assert todays_queue(now) == []
    assert get_followup(book["followup"]).done_at == now
    assert QueueDismissal.select().count() == 2


def test_expired_dismissals_are_cleaned_up(book, now):
    row = item(todays_queue(now), "stale_deal")
    dismissals.done_or_dismiss([row], now)
    tomorrow = datetime(2026, 11, 23, 10, 0)
    birthday_free = todays_queue(tomorrow)
    assert "stale_deal" in [i.kind for i in birthday_free]
    dismissals.done_or_dismiss([item(birthday_free, "followup")], tomorrow)
    assert QueueDismissal.select().count() == 0  # yesterday's dismissal expired and was removed


def test_snoozing_a_followup_moves_due_at_and_resets_notified_at(book, now):
    assert [f.id for f in claim_due(now)] == [book["followup"]]
    assert get_followup(book["followup"]).notified_at == now
    row = item(todays_queue(now), "followup")
    until = datetime(2026, 11, 24, 9, 0)
    assert dismissals.snooze_items([row], until, now) == 1
    f = get_followup(book["followup"])
    assert (f.due_at, f.notified_at, f.snoozes, f.done_at) == (until, None, 1, None)
    assert "followup" not in [i.kind for i in todays_queue(now)]
    assert claim_due(until - MIN) == []
    assert [r.id for r in claim_due(until)] == [book["followup"]]  # it will remind again, once
    assert "followup" in [i.kind for i in todays_queue(until)]


def test_snoozing_a_suggestion_hides_it_until_then(book, now):
    row = item(todays_queue(now), "stale_deal")
    until = datetime(2026, 11, 25, 9, 0)
    assert dismissals.snooze_items([row], until, now) == 1
    assert "stale_deal" not in [i.kind for i in todays_queue(until - MIN)]
    assert "stale_deal" in [i.kind for i in todays_queue(until)]


def test_snoozing_into_the_past_changes_nothing(book, now):
    from solocrm_tui.core.errors import ValidationError

    queue = todays_queue(now)
    with pytest.raises(ValidationError):
        dismissals.snooze_items(queue, now - MIN, now)
    assert get_followup(book["followup"]).due_at == datetime(2026, 11, 21, 9, 0)
    assert QueueDismissal.select().count() == 0
