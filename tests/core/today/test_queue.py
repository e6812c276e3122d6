"""The daily queue: which rows appear, in which order, and why."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta

import pytest

from solocrm_tui.config import Today
from solocrm_tui.core.contacts.customers import archive_customers, create_customer
from solocrm_tui.core.contacts.followups import create_followup, mark_done
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.today import queue as today_queue
from solocrm_tui.core.today.items import URGENCY, QueueItem
from solocrm_tui.core.today.queue import build_queue, to_json
from solocrm_tui.core.today.sources import SOURCES, followup_reason
from solocrm_tui.text.today import format_table


def _orders(customer_id: int, now: datetime, days_ago: list[int], amount: str = "100") -> None:
    for days in days_ago:
        add_order(customer_id, amount, now, ordered_at=now - timedelta(days=days))


@pytest.fixture
def book(db_path, now):
    """A tiny seeded book with one case of everything the queue looks at (and decoys)."""
    c = {name: create_customer(now, name=name, **extra).id for name, extra in (
        ("Ada Overdue", {}), ("Ben Today", {}), ("Cleo Birthday", {"birthday": "1985-11-22"}),
        ("Dan Rhythm", {}), ("Eve Steady", {}), ("Fay Twice", {}), ("Gus Deal", {"tags": ["vip"]}),
        ("Hal Uneven", {}), ("Ivy Archived", {"birthday": "1990-11-22"}), ("Jo Noyear", {"birthday": "1900-11-22"}),
    )}
    create_followup("send quote", datetime(2026, 11, 20, 9, 0), now, customer_id=c["Ada Overdue"])
    create_followup("call back", datetime(2026, 11, 22, 14, 30), now, customer_id=c["Ben Today"])
    create_followup("confirm order", datetime(2026, 11, 22, 9, 0), now, customer_id=c["Ben Today"])
    create_followup("not yet", datetime(2026, 11, 23, 9, 0), now, customer_id=c["Ada Overdue"])
    done = create_followup("already done", datetime(2026, 11, 1, 9, 0), now, customer_id=c["Eve Steady"])
    mark_done([done.id], now)
    _orders(c["Dan Rhythm"], now, [95, 135, 175, 215])        # every 40 days, silent 95 > 2 x 40
    _orders(c["Eve Steady"], now, [50, 90, 130])               # every 40 days, silent 50: fine
    _orders(c["Fay Twice"], now, [300, 400])                   # only two orders: no rhythm yet
    _orders(c["Hal Uneven"], now, [30, 40, 50, 150])           # gaps 10, 10, 100: median 10 (mean 40)
    stale = create_deal(c["Gus Deal"], "Website relaunch", "5000", now - timedelta(days=21), stage="proposal")
    create_deal(c["Gus Deal"], "Fresh deal", "100", now - timedelta(days=5))
    won = create_deal(c["Eve Steady"], "Old won deal", "100", now - timedelta(days=60))
    move_deal(won.id, "won", now - timedelta(days=40))
    archive_customers([c["Ivy Archived"]], now)
    return c | {"stale_deal": stale.id}


def test_queue_order_and_reasons(book, now):
    queue = build_queue(now)
    assert [(i.kind, i.customer_name, i.reasons) for i in queue] == [
        ("followup", "Ada Overdue", ("follow-up due 2 days ago",)),
        ("followup", "Ben Today", ("due today 09:00",)),
        ("followup", "Ben Today", ("due today 14:30",)),
        ("stale_deal", "Gus Deal", ("no activity on deal Website relaunch for 21 days (proposal)", "VIP customer")),
        ("birthday", "Cleo Birthday", ("birthday today (turns 41)",)),
        ("birthday", "Jo Noyear", ("birthday today",)),
        # Hal is 3 usual gaps late, Dan under 2.4: Hal is more urgent
        ("repurchase", "Hal Uneven", ("usually buys every 10 days; last bought 30 days ago",)),
        ("repurchase", "Dan Rhythm", ("usually buys every 40 days; last bought 95 days ago",)),
    ]
    assert queue == sorted(queue, key=lambda i: -i.urgency)


def test_items_carry_ids_and_documented_urgency(book, now):
    queue = build_queue(now)
    ada = queue[0]
    assert ada.followup_id is not None and ada.due_at == datetime(2026, 11, 20, 9, 0)
    assert ada.customer_id == book["Ada Overdue"] and ada.title == "send quote"
    assert ada.urgency == URGENCY["followup"] + 2 * URGENCY["overdue_day"]
    ben_early = queue[1]
    assert ben_early.urgency == URGENCY["followup"] + URGENCY["past_due_time"]
    assert queue[2].urgency == URGENCY["followup"]
    stale = next(i for i in queue if i.kind == "stale_deal")
    assert stale.deal_id == book["stale_deal"] and stale.title == "Website relaunch"
    assert all(isinstance(i, QueueItem) for i in queue)
    with pytest.raises(FrozenInstanceError):
        ada.urgency = 0


def test_settings_from_config(book, now):
    kinds = [i.kind for i in build_queue(now, Today(stale_deal_days=30, repurchase_factor=3.0))]
    assert "stale_deal" not in kinds
    names = [i.customer_name for i in build_queue(now, Today(repurchase_factor=2.3)) if i.kind == "repurchase"]
    assert sorted(names) == ["Dan Rhythm", "Hal Uneven"]  # 95 > 2.3 x 40 and 30 > 2.3 x 10
    names = [i.customer_name for i in build_queue(now, Today(repurchase_factor=3.0)) if i.kind == "repurchase"]
    assert names == []  # Hal: 30 days is exactly 3 x 10, not more; Dan: 95 < 120


def test_suggestions_are_capped_per_kind_but_followups_are_not(db_path, now, monkeypatch):
    monkeypatch.setattr(today_queue, "MAX_SUGGESTIONS_PER_KIND", 2)
    for n in range(4):
        cid = create_customer(now, name=f"Person {n}", birthday="1980-11-22").id
        create_followup(f"task {n}", now - timedelta(days=n), now, customer_id=cid)
    queue = build_queue(now)
    assert sum(i.kind == "birthday" for i in queue) == 2
    assert sum(i.kind == "followup" for i in queue) == 4


def test_leap_day_birthdays_show_on_28_february_in_other_years(db_path):
    create_customer(datetime(2027, 1, 1), name="Leap Baby", birthday="2000-02-29")
    assert [i.reasons for i in build_queue(datetime(2027, 2, 28, 9))] == [("birthday today (turns 27)",)]
    assert build_queue(datetime(2028, 2, 28, 9)) == []


def test_extra_sources_plug_in(db_path, now):
    def churn_source(now, settings):
        yield QueueItem("churn_risk", 1, "Zed", "win back", ("valuable customer at risk",), 99.0)

    queue = build_queue(now, sources=SOURCES + (churn_source,))
    assert queue[0].kind == "churn_risk"


def test_followup_reason_wording(now):
    assert followup_reason(datetime(2026, 11, 21, 16, 0), now) == "follow-up due yesterday"
    assert followup_reason(datetime(2026, 11, 22, 0, 0), now) == "due today"
    assert followup_reason(datetime(2026, 11, 22, 17, 5), now) == "due today 17:05"


def test_table_and_json(book, now):
    queue = build_queue(now)
    table = format_table(queue).splitlines()
    assert table[0].split() == ["URG", "KIND", "WHO", "WHAT", "WHY"]
    assert len(table) == len(queue) + 1
    assert table[1].index("Ada Overdue") == table[0].index("WHO")  # columns line up
    assert "follow-up due 2 days ago" in table[1]
    data = json.loads(to_json(queue))
    assert data[0]["kind"] == "followup" and data[0]["reasons"] == ["follow-up due 2 days ago"]
    assert data[0]["due_at"] == "2026-11-20 09:00:00"
    assert format_table([]) == "Nothing in today's queue."


def test_empty_database(db_path, now):
    assert build_queue(now) == []


def test_birthday_not_for_other_days(db_path, now):
    create_customer(now, name="Tomorrow", birthday=date(1980, 11, 23))
    assert build_queue(now) == []
