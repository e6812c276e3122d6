"""Pilot tests: `/cadence` typed into the composer, and the keep-in-touch row on Today."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable

from solocrm_tui.core.contacts import cadence, customers
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.widgets.profile_card import ProfileCard

from .conftest import settle
from .test_composer import db_state, open_detail, send

SIZE = (120, 35)


async def test_cadence_typed_on_a_customer_shows_on_the_card_and_undoes(make_app, db_path, now):
    ann = customers.create_customer(now, name="Ann", tags=["vip"])
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, ann)
        assert await send(pilot, "/cadence 30d") == ("✓ keep in touch with Ann every 30 days", "answer")
        await settle(pilot)
        assert cadence.cadence_of(ann.id) == cadence.CustomerCadence(30, None)
        assert "in touch     every 30 days" in screen.query_one(ProfileCard).text.splitlines()

        assert await send(pilot, "/cadence #vip 2w") == (
            "✓ keep in touch with everyone tagged #vip every 14 days", "answer")
        assert await send(pilot, "/cadence off") == ("✓ no cadence for Ann any more", "answer")
        await settle(pilot)
        assert "in touch     every 14 days (#vip)" in screen.query_one(ProfileCard).text.splitlines()

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert cadence.cadence_of(ann.id) == cadence.CustomerCadence(30, None)


async def test_cadence_nonsense_is_one_line_and_changes_nothing(make_app, db_path, now):
    ann = customers.create_customer(now, name="Ann")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, ann)
        before = db_state()
        assert await send(pilot, "/cadence 10y") == (
            '✗ a cadence is a period such as 30d, 4w or 2m, got "10y"', "error")
        assert await send(pilot, "/cadence 0d") == ("✗ keep in touch every 1 to 730 days, got 0", "error")
        assert await send(pilot, "/cadence off") == ("✗ Ann has no cadence of their own", "error")
        assert db_state() == before


async def test_today_shows_who_is_behind_their_cadence(make_app, db_path, now):
    ann = customers.create_customer(now - timedelta(days=400), name="Ann")
    add_interaction(ann.id, "call", "hello", now - timedelta(days=45))
    cadence.set_cadence(30, now, customer_id=ann.id)
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[2:] == ["cadence", "Ann", "no contact for 45 days (keep in touch every 30)"]

        assert await send(pilot, "/call") == ("✓ outbound call logged for Ann", "answer")
        await settle(pilot)
        assert table.row_count == 0
