"""Recurring follow-ups through the real widgets: typed into the composer, completed with d
on the Follow-ups tab (the next occurrence appears), undone with ctrl+z, and stopped with x."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.widgets import DataTable, Input

from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.core.contacts.recurrence import Recurrence
from solocrm_tui.screens.customer import CustomerScreen

from .conftest import settle

SIZE = (120, 35)


@pytest.fixture
def ann(db_path, now):
    return customers.create_customer(now, name="Ann Lee")


async def open_ann(pilot, ann) -> CustomerScreen:
    await settle(pilot)
    pilot.app.open_customer(ann.id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerScreen)
    return pilot.app.screen


async def type_line(pilot, text: str) -> str:
    """Type a composer line key by key and send it; the composer's answer."""
    await pilot.press("slash")
    field = pilot.app.screen.query_one("#composer-input", Input)
    assert pilot.app.focused is field
    await pilot.press(*text, "enter")
    await settle(pilot)
    return pilot.app.session.lines[-1][0]


def followup_rows(screen) -> list[list[str]]:
    table = screen.query_one("#tab-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_follow_every_friday_typed_in_the_composer_sets_a_series(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot, ann)
        answer = await type_line(pilot, "/follow every fri 9:00 weekly call")
        assert answer == "✓ follow-up set for Fri 27 Nov, then every Friday 9:00: weekly call (Ann Lee)"
        [f] = followups.customer_followups(ann.id)
        assert (f.due_at, f.recurrence, f.series_id) == (datetime(2026, 11, 27, 9, 0), "FREQ=WEEKLY;BYDAY=FR", f.id)


async def test_nonsense_rhythm_answers_one_line_and_sets_nothing(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot, ann)
        answer = await type_line(pilot, "/follow every month on the 32nd pay")
        assert "no 32nd day" in answer and "\n" not in answer
        assert followups.customer_followups(ann.id) == []


async def test_d_on_a_series_brings_the_next_x_stops_it(make_app, ann, now):
    first = followups.create_followup("weekly call", datetime(2026, 11, 20, 9, 0), now, customer_id=ann.id)
    rule = followups.Recurrence("FREQ=WEEKLY;BYDAY=FR")
    followups.repeat(first.id, datetime(2026, 11, 20, 9, 0), rule, now)  # last Friday's, overdue
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ann(pilot, ann)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert screen.active_tab == "followups"
        assert followup_rows(screen) == [["Fri 20 Nov", "weekly call", "", "every Friday 9:00"]]

        await pilot.press("d")
        await settle(pilot)
        assert followup_rows(screen) == [["Fri 27 Nov", "weekly call", "", "every Friday 9:00"],
                                         ["Fri 20 Nov", "weekly call", "✓", ""]]

        await pilot.press("ctrl+z")  # the done and the next occurrence go back together
        await settle(pilot)
        assert followup_rows(screen) == [["Fri 20 Nov", "weekly call", "", "every Friday 9:00"]]

        await pilot.press("x")
        await settle(pilot)
        assert followup_rows(screen) == [["Fri 20 Nov", "weekly call", "", ""]]
        await pilot.press("d")
        await settle(pilot)
        assert followup_rows(screen) == [["Fri 20 Nov", "weekly call", "✓", ""]]  # no next one


async def test_e_on_a_series_starts_from_its_rhythm_and_changes_it(make_app, ann, now):
    first = followups.create_followup("weekly call", datetime(2026, 11, 27, 9, 0), now, customer_id=ann.id)
    followups.repeat(first.id, datetime(2026, 11, 27, 9, 0), followups.Recurrence("FREQ=WEEKLY;BYDAY=FR"), now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_ann(pilot, ann)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one(Input)
        assert field.value == "every fri 09:00 weekly call"
        await pilot.press("end", *" now", "enter")  # the same rhythm, a new title: the occurrence stays
        await settle(pilot)
        assert followup_rows(screen) == [["Fri 27 Nov", "weekly call now", "", "every Friday 9:00"]]

        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+u", *"every month on the 1st invoice until 2027-06-30", "enter")
        await settle(pilot)
        assert followup_rows(screen) == [["Tue 1 Dec", "invoice", "", "every month on the 1st, until 30 Jun 2027"]]


async def test_d_on_today_rolls_a_series_and_ctrl_z_takes_both_back(make_app, ann, now):
    first = followups.create_followup("weekly call", now.replace(hour=9, minute=0), now, customer_id=ann.id,
                                      recurrence=Recurrence("FREQ=WEEKLY;BYDAY=" + "MOTUWETHFRSASU"[now.weekday() * 2:][:2]))
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one("#queue", DataTable)
        assert queue.row_count == 1
        await pilot.press("d")
        await settle(pilot)
        series = followups.customer_followups(ann.id, include_done=True)
        assert sorted((f.due_at, f.done_at is not None) for f in series) == [
            (first.due_at, True), (first.due_at + timedelta(days=7), False)]
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert [(f.id, f.done_at) for f in followups.customer_followups(ann.id, include_done=True)] == [(first.id, None)]
