"""Change sets: undo puts back exactly what one action wrote, refuses when a later change
touched those rows, and never touches rows another connection wrote."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import deals, orders
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.core.today import dismissals
from solocrm_tui.core.today.queue import todays_queue

from ..conftest import table_dump

H = timedelta(hours=1)


@pytest.fixture
def ann(core_db, t0):
    person = customers.create_customer(t0, name="Ann Archer", tags=["vip"])
    orders.add_order(person.id, "100", t0 - 48 * H)
    return person


@pytest.mark.parametrize("action", ["note", "order", "archive", "tag", "deal", "move", "followup_done"])
def test_undo_restores_every_table_exactly(ann, t0, action):
    deal = deals.create_deal(ann.id, "Website", "5000", t0)
    follow = followups.create_followup("call", t0 - H, t0, customer_id=ann.id)
    writes = {
        "note": lambda: timeline.add_interaction(ann.id, "note", "hello", t0),
        "order": lambda: orders.add_order(ann.id, "42.50", t0),
        "archive": lambda: customers.archive_customers([ann.id], t0),
        "tag": lambda: customers.change_tags([ann.id], t0, add=["b2b"], remove=["vip"]),
        "deal": lambda: deals.create_deal(ann.id, "Audit", "900", t0),
        "move": lambda: deals.move_deal(deal.id, "won", t0),
        "followup_done": lambda: dismissals.done_or_dismiss(todays_queue(t0), t0),
    }
    before = table_dump()
    _, change = changes.record(writes[action], action)
    assert change.rows and table_dump() != before
    changes.undo(change, t0)
    assert table_dump() == before
    assert followups.get_followup(follow.id).done_at is None


def test_undo_refuses_when_a_later_change_touched_the_same_rows(ann, t0, unchanged):
    _, change = changes.record(lambda: customers.change_tags([ann.id], t0, add=["b2b"]), "tagging Ann")
    customers.update_customer(ann.id, t0 + H, city="Leeds")
    with unchanged():
        with pytest.raises(ValidationError, match="cannot undo tagging Ann: the customer it wrote was changed"):
            changes.undo(change, t0 + 2 * H)


def test_rows_another_connection_writes_meanwhile_are_never_undone(ann, t0):
    """The marker-based undo deleted every entry with a higher id: other writers' too."""
    mine, change = changes.record(lambda: timeline.add_interaction(ann.id, "note", "mine", t0), "note")
    theirs = []

    def other_writer():  # another thread: its own connection, as another instance would have
        for n in range(5):
            theirs.append(db_call(timeline.add_interaction, ann.id, "note", f"theirs {n}", t0 + H).id)

    worker = threading.Thread(target=other_writer)
    worker.start()
    worker.join(60)
    changes.undo(change, t0 + 2 * H)
    bodies = [e.body for e in timeline.page_timeline(ann.id, None, 50).rows if e.kind == "note"]
    assert "mine" not in bodies and sorted(bodies) == [f"theirs {n}" for n in range(5)]
    assert customers.get_customer(ann.id).last_contact_at == t0 + H  # recomputed from what is left


def test_derived_figures_are_recomputed_not_restored(ann, t0):
    _, change = changes.record(lambda: orders.add_order(ann.id, "50", t0), "order")
    assert customers.get_customer(ann.id).order_count == 2
    changes.undo(change, t0)
    restored = customers.get_customer(ann.id)
    assert (restored.order_count, str(restored.revenue)) == (1, "100.00")


def test_nothing_recorded_outside_an_action_and_no_trigger_left_behind(ann, t0):
    _, change = changes.record(lambda: timeline.add_interaction(ann.id, "note", "x", t0), "note")
    timeline.add_interaction(ann.id, "note", "not recorded", t0)
    from solocrm_tui.core.storage.models import database

    temp = database.execute_sql("SELECT name FROM sqlite_temp_master WHERE type = 'trigger'").fetchall()
    assert temp == [] and len(change.rows) == 1


def test_a_row_replaced_by_the_action_comes_back_on_undo(core_db, t0):
    """A REPLACE removes the old row without a DELETE statement: it is still part of the change."""
    from solocrm_tui.core.storage.models import QueueDismissal

    QueueDismissal.insert(item_key="birthday:1:", until=t0 + 5 * H).execute()
    _, change = changes.record(lambda: QueueDismissal.insert(item_key="birthday:1:", until=t0 + 24 * H)
                               .on_conflict_replace().execute(), "dismissing")
    changes.undo(change, t0)
    assert list(QueueDismissal.select().tuples()) == [("birthday:1:", t0 + 5 * H)]
