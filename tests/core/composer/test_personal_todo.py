"""`/follow` with no customer in focus and no @name sets a personal to-do (a follow-up
without a customer), and every place follow-ups go carries it without one."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.core.data_io import exporting
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.backup import backup_to, integrity_errors
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.today.queue import to_json, todays_queue

H = timedelta(hours=1)


def _run(line: str, t0, focus: int | None = None):
    command = grammar.parse(line, t0)
    return changes.record(lambda: execute.execute(command, execute.Context(t0, focus)), line)


def test_follow_without_a_customer_is_a_personal_to_do_and_undo_takes_it_back(core_db, t0):
    outcome, change = _run("/follow today 17:00 renew the domain", t0)
    assert outcome.message == "✓ personal to-do set for today 17:00: renew the domain (no customer)"
    assert outcome.undo_label == "to-do renew the domain"
    (todo,) = followups.open_followups(t0 + 24 * H)
    assert (todo.customer_id, todo.customer_name, todo.title) == (None, None, "renew the domain")

    changes.undo(change, t0)
    assert followups.open_followups(t0 + 24 * H) == []


def test_a_customer_in_focus_or_named_still_gets_the_follow_up(core_db, t0):
    ann = customers.create_customer(t0, name="Ann Archer")
    assert _run("/follow tomorrow send quote", t0, focus=ann.id)[0].message.endswith("send quote (Ann Archer)")
    assert _run("/follow @ann tomorrow call back", t0)[0].message.endswith("call back (Ann Archer)")
    assert {f.customer_id for f in followups.open_followups(t0 + 48 * H)} == {ann.id}


def test_todo_is_personal_even_with_a_customer_in_focus(core_db, t0, unchanged):
    ann = customers.create_customer(t0, name="Ann Archer")
    assert _run("/todo fri renew the domain", t0, focus=ann.id)[0].message.startswith("✓ personal to-do set for")
    assert [f.customer_id for f in followups.open_followups(t0 + 7 * 24 * H)] == [None]
    with unchanged(), pytest.raises(ValidationError, match="/todo is your own to-do"):
        _run("/todo @ann fri call", t0)


def test_a_personal_to_do_is_on_today_in_json_reminders_and_exports(core_db, t0, tmp_path):
    followups.create_followup("renew the domain", t0 - H, t0)
    (item,) = todays_queue(t0)
    assert (item.kind, item.customer_id, item.customer_name, item.title) == ("followup", None, None,
                                                                             "renew the domain")
    (row,) = json.loads(to_json([item]))
    assert row["customer_id"] is None and row["customer_name"] is None

    (claimed,) = followups.claim_due(t0)
    assert claimed.title == "renew the domain"

    ics = tmp_path / "todo.ics"
    exporting.write_file("followups", "ics", ics, t0)
    assert "SUMMARY:renew the domain" in ics.read_text() and "No customer" in ics.read_text()


def test_the_schema_has_always_allowed_a_follow_up_without_a_customer(core_db, t0, tmp_path):
    """No migration: 0001 created followup.customer_id without NOT NULL, so every database
    (an 0007 one included) holds personal to-dos as they are, and a backup keeps them."""
    columns = {row[1]: row[3] for row in database.execute_sql("PRAGMA table_info(followup)")}
    assert columns["customer_id"] == 0  # notnull flag
    followups.create_followup("renew the domain", t0, t0)
    copy = backup_to(core_db, tmp_path / "copy.db")
    assert integrity_errors(copy) == []
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT title, customer_id FROM followup").fetchall() == [("renew the domain", None)]
