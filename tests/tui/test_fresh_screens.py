"""Screens show what is true now (pilot): a change made on one screen reaches the screens
that were hidden when it was made, as they are shown again; a row done or dismissed leaves
the cursor where the owner was reading, not on the first row."""

from __future__ import annotations

import pytest

from solocrm_tui.core.contacts.customers import create_customer
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
