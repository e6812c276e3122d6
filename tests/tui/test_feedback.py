"""Every key answers: toasts name what they acted on, keys that can do nothing here say
why in one line, the timeline says what `o` loaded, and Today's keys behave like a list's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.core.sales.deals import create_deal, get_deal
from solocrm_tui.modals.confirm import Confirm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.widgets.customer_table import CustomerTable
from solocrm_tui.widgets.timeline import START, Timeline

from .conftest import Notes, settle, wait_until

SIZE = (120, 35)


@pytest.fixture
def ann(db_path, now):
    return customers.create_customer(now, name="Ann Lee", email="ann@example.com")


async def open_the_customer(pilot) -> None:
    """Enter on the customer list's first row, as the owner opens one."""
    await settle(pilot)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CustomerScreen), "the customer")
    await settle(pilot)


def footer(app) -> dict[str, str]:
    return {key.key: key.description for key in app.screen.query(FooterKey)}


# Today ---------------------------------------------------------------------------------

async def test_today_end_and_home_go_to_the_last_and_first_row_and_enter_reads_open(make_app, ann, now):
    for day in range(8):
        followups.create_followup(f"call {day} " + "about the very long proposal " * 4, now - timedelta(days=day),
                                  now, customer_id=ann.id)
    app = make_app("today")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert table.virtual_size.width <= table.size.width  # the fitted columns leave nothing to scroll to
        await pilot.press("end")
        assert table.cursor_row == 7 and table.scroll_x == 0
        await pilot.press("home")
        assert table.cursor_row == 0 and table.scroll_x == 0
        assert footer(app).get("enter") == "Open"
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert footer(app).get("enter") == "Open"


async def test_today_toasts_name_what_was_done_dismissed_and_snoozed(make_app, ann, now):
    followups.create_followup("call Ann back", now, now, customer_id=ann.id)
    followups.create_followup("send quote", now - timedelta(days=1), now, customer_id=ann.id)
    customers.update_customer(ann.id, now, birthday="1985-11-22")
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("s")  # the overdue quote comes first
        await settle(pilot)
        assert "snoozed “send quote” until tomorrow 10:30" in notes.texts()
        await pilot.press("d")
        await settle(pilot)
        assert "done: call Ann back" in notes.texts()
        await pilot.press("d")
        await settle(pilot)
        assert "dismissed until tomorrow: birthday of Ann Lee" in notes.texts()
        await pilot.press("d")  # nothing left
        await settle(pilot)
        assert notes.texts()[-1] == "nothing to do here: the queue is empty"


async def test_today_keys_on_an_empty_queue_say_so(make_app, ann):
    """A book with a customer but nothing due (an empty book shows the first steps instead)."""
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        for key in ("enter", "s", "S", "c", "space"):
            await pilot.press(key)
            await settle(pilot)
        assert notes.texts() == ["nothing to do here: the queue is empty"] * 5


# Customers -----------------------------------------------------------------------------

async def test_archive_and_tag_toasts_name_the_customer(make_app, ann, now):
    customers.create_customer(now, name="Bob Brown")
    notes = Notes()
    app = make_app("customers")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("t", *"vip", "enter")
        await settle(pilot)
        assert "tagged Ann Lee #vip" in notes.texts()
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm), "the confirmation")
        await pilot.press("y")
        await settle(pilot)
        assert "archived Ann Lee" in notes.texts()


async def test_customer_keys_with_no_row_say_so(make_app, db_path):
    notes = Notes()
    app = make_app("customers")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        for key in ("enter", "e", "x", "t", "F"):
            await pilot.press(key)
            await settle(pilot)
        assert notes.texts() == ["no customer selected: the list is empty"] * 5
        assert app.screen.query_one(CustomerTable).row_count == 0


# Pipeline ------------------------------------------------------------------------------

async def test_lost_toasts_like_won_and_moves_past_the_ends_say_why(make_app, ann, now):
    lead = create_deal(ann.id, "Website", "5000", now)
    late = create_deal(ann.id, "Shop", "900", now, stage="negotiation")
    notes = Notes()
    app = make_app("pipeline")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        assert notes.texts()[-1] == "“Website” is in lead, the first stage: x marks it lost"
        await pilot.press("l", "l", "l", "L")
        await settle(pilot)
        assert notes.texts()[-1] == "“Shop” is in negotiation, the last open stage: w marks it won, x lost"
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, Prompt), "the reason prompt")
        await pilot.press(*"price", "enter")
        await settle(pilot)
        assert get_deal(late.id).stage == "lost"
        assert notes.texts()[-1] == "lost: Shop (price)"
        for key in ("w", "x", "e", "enter", "H", "L"):  # negotiation is empty now
            await pilot.press(key)
            await settle(pilot)
        assert notes.texts()[-6:] == ["no deal in negotiation"] * 6
        assert get_deal(lead.id).stage == "lead"


# The timeline --------------------------------------------------------------------------

async def test_o_loads_older_entries_selects_the_first_and_marks_the_start(make_app, ann, now):
    for minute in range(70):
        timeline.add_interaction(ann.id, "note", f"note {minute}", datetime(2026, 11, 1, 9) + timedelta(minutes=minute))
    notes = Notes()
    app = make_app("customers")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await open_the_customer(pilot)
        view = app.screen.query_one(Timeline)
        assert app.focused is view and view.count == 50
        await pilot.press("o")
        await settle(pilot)
        assert view.count == 70
        assert notes.texts()[-1] == "20 older entries loaded: this is the start of the history"
        assert view.selected_entry.body == "note 19"  # the newest of the ones just loaded
        lines = ["".join(segment.text for segment in strip) for strip in view.lines]
        assert START in lines[0]
        await pilot.press("o")
        await settle(pilot)
        assert notes.texts()[-1] == "no older entries: this is the start of the history"


async def test_delete_with_nothing_selected_says_what_to_select(make_app, ann):
    notes = Notes()
    app = make_app("customers")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await open_the_customer(pilot)
        await pilot.press("delete")
        await settle(pilot)
        assert notes.texts() == ["nothing selected to delete: pick an entry with ↑/↓ first"]
        assert not isinstance(app.screen, Confirm)


async def test_enter_with_no_customer_row_on_insights_and_space_on_an_empty_list_say_so(make_app, db_path):
    notes = Notes()
    app = make_app("insights")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        app.screen.set_focus(None)  # the overview: no list has the focus
        await pilot.press("enter")
        await settle(pilot)
        assert notes.texts()[-1] == "no customer here: open a list tab ([ and ]) and pick a row"
        await pilot.press("2", "space")
        await settle(pilot)
        assert notes.texts()[-1] == "no customer selected: the list is empty"


async def test_insights_lists_open_a_customer_with_enter_and_say_so_in_the_footer(make_app, ann):
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#contact-table", DataTable).focus()
        await settle(pilot)
        assert footer(app).get("enter") == "Open"
