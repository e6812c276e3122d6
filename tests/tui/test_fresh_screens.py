"""Screens show what is true now (pilot): a change made on one screen reaches the screens
that were hidden when it was made, as they are shown again; a row done or dismissed leaves
the cursor where the owner was reading, not on the first row."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.widgets import DataTable

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup
from solocrm_tui.widgets.timeline import Timeline

from .conftest import open_first_customer, settle

SIZE = (120, 35)


@pytest.fixture
def lucia(db_path, now) -> int:
    return create_customer(now, name="Lucía Dvořák").id


def timeline_text(screen) -> str:
    """What the timeline has laid out to draw, top to bottom."""
    return "\n".join(strip.text for strip in screen.query_one(Timeline).lines)


async def test_undoing_a_note_on_the_orders_tab_takes_it_off_the_timeline(lucia, make_app):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_customer(pilot)
        await pilot.press("slash", *"asked about a second grinder", "enter")
        await settle(pilot)
        assert "asked about a second grinder" in timeline_text(screen)

        await pilot.press("escape")
        screen.focus_main()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.active_tab == "orders"
        await pilot.press("ctrl+z")
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)

        assert screen.active_tab == "timeline"
        assert "asked about a second grinder" not in timeline_text(screen)


async def test_a_call_logged_on_the_orders_tab_is_on_the_timeline_when_it_is_shown(lucia, make_app):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_customer(pilot)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("slash", *"/call wants beans monthly", "enter")
        await settle(pilot)
        assert screen.active_tab == "orders"

        await pilot.press("escape")
        screen.focus_main()
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "wants beans monthly" in timeline_text(screen)


@pytest.fixture
def five_due(db_path, now) -> list[str]:
    """Five follow-ups due today, one customer each, in the queue's order (earliest first)."""
    names = ["Ada", "Ben", "Cleo", "Dan", "Eve"]
    for hour, name in enumerate(names, start=8):
        customer = create_customer(now, name=name).id
        create_followup(f"call {name}", datetime(now.year, now.month, now.day, hour, 0), now, customer_id=customer)
    return names


def cursor_who(app) -> str:
    table = app.screen.query_one("#queue", DataTable)
    return str(table.get_row_at(table.cursor_row)[3]).strip()


async def test_done_on_today_leaves_the_cursor_on_the_same_row_with_the_next_item(five_due, make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        assert cursor_who(app) == "Cleo"
        await pilot.press("d")
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert table.row_count == 4
        assert (table.cursor_row, cursor_who(app)) == (2, "Dan")

        await pilot.press("end", "d")  # the last row done: the cursor stays on the new last row
        await settle(pilot)
        assert (table.cursor_row, cursor_who(app)) == (2, "Dan")


async def test_a_row_that_stays_listed_keeps_the_cursor_wherever_it_moved(five_due, make_app, clock):
    """A snooze to later today keeps the follow-up in the queue, ranked anew: the cursor follows it."""
    from solocrm_tui.modals.prompt import Prompt

    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")  # Ben, 9:00
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, Prompt)
        until = clock() + timedelta(minutes=30)
        await pilot.press(*f"{until:%Y-%m-%d %H:%M}", "enter")
        await settle(pilot)
        assert cursor_who(app) == "Ben"


async def test_done_on_the_followups_tab_leaves_the_cursor_on_the_same_row(db_path, now, make_app):
    customer = create_customer(now, name="Lucía Dvořák").id
    for day in range(1, 5):
        create_followup(f"visit {day}", now + timedelta(days=day), now, customer_id=customer)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_customer(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert screen.active_tab == "followups"
        table = screen.query_one("#tab-table", DataTable)
        await pilot.press("down")  # newest due first: visit 4, visit 3, …
        assert str(table.get_row_at(table.cursor_row)[1]) == "visit 3"
        await pilot.press("d")
        await settle(pilot)
        assert table.cursor_row == 1
        assert [str(c) for c in table.get_row_at(1)[1:3]] == ["visit 3", "✓"]

        await pilot.press("down", "delete")  # visit 2 goes: visit 1 takes its row
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert table.row_count == 3
        assert (table.cursor_row, str(table.get_row_at(table.cursor_row)[1])) == (2, "visit 1")
