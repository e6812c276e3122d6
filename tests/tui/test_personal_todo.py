"""Pilot tests: a personal to-do (a follow-up without a customer) on Today: the row says
whose it is, Enter and c explain instead of doing nothing, d and s work as on any row,
and /follow typed with no customer in focus sets one."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from solocrm_tui.core.contacts import followups

from .conftest import Notes, settle
from .test_composer import ok, send

SIZE = (120, 35)


async def test_a_personal_to_do_on_today(make_app, db_path, now):
    todo = followups.create_followup("renew the domain", now - timedelta(hours=1), now)
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[3] == "personal to-do" and row[4].startswith("renew the domain")

        await pilot.press("enter")
        await pilot.press("c")
        await settle(pilot)
        assert notes.texts() == ["“renew the domain” is a personal to-do: d marks it done, s snoozes it",
                                 "“renew the domain” is a personal to-do: there is no customer to call"]

        await pilot.press("s")
        await settle(pilot)
        assert followups.get_followup(todo.id).due_at == now + timedelta(days=1)


async def test_follow_typed_with_no_customer_in_focus_is_a_personal_to_do(make_app, db_path, now):
    app = make_app("today")  # an empty queue: no row, so no customer in focus
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert ok(await send(pilot, "/follow today 9:00 renew the domain")) == (
            "✓ personal to-do set for today 09:00: renew the domain (no customer)")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[3]) == "personal to-do"
        await pilot.press("escape")
        await pilot.press("d")
        await settle(pilot)
        assert followups.open_followups(now + timedelta(days=1)) == []
