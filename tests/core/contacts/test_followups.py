"""Follow-ups: due / overdue / upcoming, snooze, done, and reminders that fire exactly once."""

from __future__ import annotations

import inspect
import multiprocessing
import textwrap
import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import (
    claim_due,
    create_followup,
    customer_followups,
    delete_followup,
    get_followup,
    mark_done,
    open_followups,
    snooze,
    upcoming_followups,
)
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import FollowUp as FollowUpModel
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import FollowUp

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def alice(core_db, t0) -> int:
    return create_customer(t0, name="Alice").id


def ids(rows) -> list[int]:
    return [r.id for r in rows]


def reminder_entries(customer_id=None) -> list[str]:
    q = InteractionModel.select(InteractionModel.body).where(InteractionModel.kind == "system")
    if customer_id is not None:
        q = q.where(InteractionModel.customer == customer_id)
    return [b for (b,) in q.order_by(InteractionModel.id).tuples() if b.startswith("reminder: ")]


# --- create / get ---------------------------------------------------------------------


def test_create_with_customer_and_deal(alice, t0):
    deal = create_deal(alice, "Website", "5000", t0)
    f = create_followup("  send   quote ", t0 + D, t0, customer_id=alice, deal_id=deal.id)
    assert f == FollowUp(f.id, alice, "Alice", deal.id, "send quote", t0 + D, None, 0, None)
    assert get_followup(f.id) == f
    assert FollowUpModel.get_by_id(f.id).created_at == t0


def test_create_without_customer(core_db, t0):
    f = create_followup("renew domain", "2026-12-01 14:30", t0)
    assert (f.customer_id, f.customer_name, f.deal_id, f.due_at) == (None, None, None, datetime(2026, 12, 1, 14, 30))


def test_due_at_drops_microseconds(alice, t0):
    f = create_followup("x", t0 + timedelta(microseconds=123), t0, customer_id=alice)
    assert f.due_at == t0


@pytest.mark.parametrize("title, due, message", [
    ("", "2026-12-01", "follow-up text is required"),
    ("   ", "2026-12-01", "follow-up text is required"),
    ("x" * 256, "2026-12-01", "too long"),
    ("call", "2026-02-30", "not a real date"),
    ("call", "someday", "not a real date"),
    ("call", None, "needs a due date"),
    ("call", "", "needs a due date"),
])
def test_invalid_followups_change_nothing(alice, t0, unchanged, title, due, message):
    create_followup("existing", t0, t0, customer_id=alice)
    with unchanged(), pytest.raises(ValidationError, match=message):
        create_followup(title, due, t0, customer_id=alice)


def test_unknown_customer_or_deal(alice, t0, unchanged):
    with unchanged(), pytest.raises(NotFound, match="no customer #999"):
        create_followup("x", t0, t0, customer_id=999)
    with unchanged(), pytest.raises(NotFound, match="no deal #999"):
        create_followup("x", t0, t0, customer_id=alice, deal_id=999)


def test_get_missing(core_db):
    with pytest.raises(NotFound, match="#5"):
        get_followup(5)


# --- queues -------------------------------------------------------------------------


@pytest.fixture
def queue(alice, t0):
    bob = create_customer(t0, name="Bob").id
    made = {
        "overdue_2d": create_followup("overdue 2d", t0 - 2 * D, t0, customer_id=alice),
        "overdue_1h": create_followup("overdue 1h", t0 - H, t0, customer_id=bob),
        "now": create_followup("due now", t0, t0),
        "later_today": create_followup("later today", t0 + 3 * H, t0, customer_id=alice),
        "in_7d": create_followup("in 7 days", t0 + 7 * D, t0, customer_id=bob),
        "in_8d": create_followup("in 8 days", t0 + 8 * D, t0, customer_id=alice),
        "done": create_followup("done", t0 - D, t0, customer_id=alice),
    }
    mark_done([made["done"].id], t0)
    return {k: v.id for k, v in made.items()} | {"alice": alice, "bob": bob}


def test_open_followups_until(queue, t0):
    q = queue
    assert ids(open_followups(t0)) == [q["overdue_2d"], q["overdue_1h"], q["now"]]
    end_of_day = t0.replace(hour=23, minute=59, second=59)
    assert ids(open_followups(end_of_day)) == [q["overdue_2d"], q["overdue_1h"], q["now"], q["later_today"]]
    assert ids(open_followups(t0, limit=2)) == [q["overdue_2d"], q["overdue_1h"]]
    assert ids(open_followups(t0 - 3 * D)) == []


def test_open_followups_tie_on_due_at_orders_by_id(alice, t0):
    made = [create_followup(f"f{i}", t0, t0, customer_id=alice).id for i in range(5)]
    assert ids(open_followups(t0)) == made


def test_upcoming(queue, t0):
    q = queue
    assert ids(upcoming_followups(t0)) == [q["later_today"], q["in_7d"]]
    assert ids(upcoming_followups(t0, days=8)) == [q["later_today"], q["in_7d"], q["in_8d"]]
    assert ids(upcoming_followups(t0, days=1)) == [q["later_today"]]
    assert ids(upcoming_followups(t0, days=30, limit=1)) == [q["later_today"]]


def test_customer_followups(queue, t0):
    q = queue
    assert ids(customer_followups(q["alice"])) == [q["in_8d"], q["later_today"], q["overdue_2d"]]
    assert ids(customer_followups(q["alice"], include_done=True)) == [
        q["in_8d"], q["later_today"], q["done"], q["overdue_2d"]]
    assert ids(customer_followups(q["bob"])) == [q["in_7d"], q["overdue_1h"]]
    assert customer_followups(12345) == []
    assert {r.customer_name for r in customer_followups(q["bob"])} == {"Bob"}


def test_mark_done_and_reopen(queue, t0):
    q = queue
    later = t0 + H
    assert mark_done([q["overdue_2d"], q["now"], 999], later) == 2
    assert get_followup(q["overdue_2d"]).done_at == later
    assert ids(open_followups(t0)) == [q["overdue_1h"]]
    assert mark_done([q["overdue_2d"]], later, done=False) == 1
    assert get_followup(q["overdue_2d"]).done_at is None
    assert ids(open_followups(t0)) == [q["overdue_2d"], q["overdue_1h"]]
    assert mark_done([], later) == 0


def test_snooze_moves_and_counts(queue, t0):
    q = queue
    until = t0 + D
    assert snooze([q["overdue_2d"], q["overdue_1h"]], until, t0) == 2
    f = get_followup(q["overdue_2d"])
    assert (f.due_at, f.snoozes) == (until, 1)
    assert ids(open_followups(t0)) == [q["now"]]
    assert snooze([q["overdue_2d"]], until + D, t0) == 1
    assert get_followup(q["overdue_2d"]).snoozes == 2


def test_snooze_skips_done_followups(queue, t0, unchanged):
    with unchanged():
        assert snooze([queue["done"]], t0 + D, t0) == 0


@pytest.mark.parametrize("offset", [timedelta(0), -H, -10 * D])
def test_snooze_into_the_past_changes_nothing(queue, t0, unchanged, offset):
    with unchanged(), pytest.raises(ValidationError, match="future"):
        snooze([queue["overdue_2d"]], t0 + offset, t0)


def test_delete(queue, t0, unchanged):
    delete_followup(queue["now"])
    with pytest.raises(NotFound):
        get_followup(queue["now"])
    with unchanged(), pytest.raises(NotFound, match="#999"):
        delete_followup(999)


def test_deleting_customer_or_deal(alice, t0):
    deal = create_deal(alice, "D", "1", t0)
    loose = create_followup("loose", t0, t0, deal_id=deal.id)
    DealModel.delete().where(DealModel.id == deal.id).execute()
    assert get_followup(loose.id).deal_id is None
    create_followup("about alice", t0, t0, customer_id=alice)
    CustomerModel.delete().where(CustomerModel.id == alice).execute()
    assert ids(open_followups(t0 + D)) == [loose.id]


# --- claim_due: a reminder fires exactly once ------------------------------------------


def test_claim_due_claims_each_once(queue, t0):
    q = queue
    claimed = claim_due(t0)
    assert ids(claimed) == [q["overdue_2d"], q["overdue_1h"], q["now"]]
    assert all(r.notified_at == t0 for r in claimed)
    assert claim_due(t0) == []
    assert claim_due(t0 + H) == []
    later = claim_due(t0 + 3 * H)
    assert ids(later) == [q["later_today"]]
    assert claim_due(t0 + 30 * D) != []  # the far ones come due in time
    assert claim_due(t0 + 30 * D) == []


def test_claim_due_writes_one_timeline_entry_per_customer_reminder(queue, t0):
    claim_due(t0)
    claim_due(t0)
    assert reminder_entries(queue["alice"]) == ["reminder: overdue 2d"]
    assert reminder_entries(queue["bob"]) == ["reminder: overdue 1h"]
    assert len(reminder_entries()) == 2  # the customer-less one writes no entry
    assert CustomerModel.get_by_id(queue["alice"]).last_contact_at is None  # a reminder is not a contact


def test_claim_due_ignores_done(queue, t0):
    assert queue["done"] not in ids(claim_due(t0 + 60 * D))


def test_claim_due_limit_takes_the_oldest_first(alice, t0):
    made = [create_followup(f"f{i}", t0 - i * H, t0, customer_id=alice).id for i in range(10)]
    first = claim_due(t0, limit=3)
    assert ids(first) == list(reversed(made))[:3]
    rest = claim_due(t0, limit=100)
    assert sorted(ids(first) + ids(rest)) == sorted(made)


def test_snoozed_reminder_fires_again_once(queue, t0):
    fid = queue["overdue_2d"]
    assert fid in ids(claim_due(t0))
    snooze([fid], t0 + D, t0)
    assert get_followup(fid).notified_at is None
    assert fid not in ids(claim_due(t0 + H))
    assert fid in ids(claim_due(t0 + D))
    assert fid not in ids(claim_due(t0 + 2 * D))
    assert reminder_entries(queue["alice"]).count("reminder: overdue 2d") == 2


def test_claim_survives_a_restart(queue, t0, core_db):
    claimed = ids(claim_due(t0))
    close_database()
    open_database(core_db)
    assert claim_due(t0) == []
    assert {r.id for r in open_followups(t0)} == set(claimed)


def test_clock_that_jumped_ahead_does_not_consume_a_reminder(alice, t0):
    """The system clock ran two days ahead, then was corrected: the reminder claimed at the
    wrong time still fires at its real time, once."""
    fid = create_followup("call about renewal", t0 + D, t0, customer_id=alice).id
    assert claim_due(t0) == []
    assert ids(claim_due(t0 + 2 * D)) == [fid]  # the clock jumped ahead: claimed too early
    assert claim_due(t0 + 10 * MINUTE) == []  # corrected: not due yet
    assert ids(claim_due(t0 + D)) == [fid]  # its real time
    assert get_followup(fid).notified_at == t0 + D
    assert claim_due(t0 + D + MINUTE) == []
    assert claim_due(t0 + 2 * D) == []  # the wrong clock's time comes round: told once already


def test_claims_a_few_seconds_apart_still_tell_a_reminder_once(alice, t0):
    """Two claimers whose clocks read slightly differently (cron started a moment before the
    app's job) are not a clock jump: the later stamp does not reopen the reminder."""
    fid = create_followup("call", t0 - H, t0, customer_id=alice).id
    assert ids(claim_due(t0 + 30 * SECOND)) == [fid]
    assert claim_due(t0) == []


def test_reopened_followup_does_not_fire_twice(queue, t0):
    fid = queue["overdue_2d"]
    claim_due(t0)
    mark_done([fid], t0)
    mark_done([fid], t0, done=False)
    assert fid not in ids(claim_due(t0 + H))


def _seed_due(n: int, t0: datetime) -> list[int]:
    customers = [create_customer(t0, name=f"C{i}").id for i in range(5)]
    return [create_followup(f"r{i}", t0 - timedelta(minutes=i), t0, customer_id=customers[i % 5]).id
            for i in range(n)]


def test_claim_due_race_between_threads(core_db, t0):
    made = _seed_due(120, t0)
    threads_n = 8
    barrier = threading.Barrier(threads_n)
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker():
        database.connect(reuse_if_open=True)  # peewee: one connection per thread
        try:
            barrier.wait(timeout=30)
            while True:
                rows = claim_due(t0, limit=3)
                if not rows:
                    return
                with lock:
                    claimed.extend(ids(rows))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    counts = Counter(claimed)
    assert set(counts) == set(made)
    assert max(counts.values()) == 1
    assert len(reminder_entries()) == len(made)
    assert FollowUpModel.select().where(FollowUpModel.notified_at.is_null()).count() == 0


def _claim_in_process(path: str, now_iso: str, barrier, results) -> None:
    """Body of one spawned process: open the shared file and claim until nothing is left.

    Self-contained (imports inside) because the child runs it from its source: a spawned
    process cannot import this test module under pytest's importlib import mode.
    """
    from datetime import datetime

    from solocrm_tui.core.contacts.followups import claim_due
    from solocrm_tui.core.storage.db import close_database, open_database

    got, error = [], None
    try:
        open_database(path, create=False)
        barrier.wait(timeout=60)
        now = datetime.fromisoformat(now_iso)
        while True:
            rows = claim_due(now, limit=2)
            if not rows:
                break
            got.extend(r.id for r in rows)
    except BaseException as exc:  # noqa: BLE001 - sent back to the test
        error = repr(exc)
    finally:
        close_database()
    results.put((got, error))


@pytest.mark.slow
def test_claim_due_race_between_processes(core_db, t0):
    made = _seed_due(80, t0)
    close_database()  # the parent holds no connection while the children race
    ctx = multiprocessing.get_context("spawn")
    n = 2
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    source = textwrap.dedent(inspect.getsource(_claim_in_process))
    source += "\n_claim_in_process(path, now_iso, barrier, results)\n"
    procs = [ctx.Process(target=exec, args=(source, {"path": str(core_db), "now_iso": t0.isoformat(),
                                                     "barrier": barrier, "results": results}))
             for _ in range(n)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert [error for _, error in outcomes] == [None] * n
    claimed = [fid for got, _ in outcomes for fid in got]
    counts = Counter(claimed)
    assert set(counts) == set(made)
    assert max(counts.values()) == 1
    open_database(core_db)
    assert len(reminder_entries()) == len(made)
    assert claim_due(t0) == []
