"""The everyday loop as the owner drives it, through the real keys and the real Input:
pre-filled commands keep their prefix, and a customer opened from any screen returns
there on Esc."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input

from solocrm_tui.core.composer import execute
from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.sales import orders
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.service import tickets
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.today import TodayScreen
from solocrm_tui.widgets.timeline import Timeline

from .conftest import settle, wait_until

SIZE = (120, 35)


@pytest.fixture
def ann(db_path, now):
    person = customers.create_customer(now, name="Ann Archer", tags=["vip"])
    followups.create_followup("renewal", now - timedelta(hours=1), now, customer_id=person.id)
    create_deal(person.id, "Website", "5000", now)
    return person


def newest_entry(customer_id: int):
    return page_timeline(customer_id, None, 1).rows[-1]


async def open_ann(pilot) -> None:
    """From the Customers list (Ann is its only row), open her detail screen."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerScreen)


async def type_line(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_c_on_the_customer_screen_logs_a_call_with_what_is_typed_next(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await pilot.press("c")
        await type_line(pilot, "talked about the renewal")
        entry = newest_entry(ann.id)
        assert (entry.kind, entry.body) == ("call", "talked about the renewal")


async def test_f_on_the_customer_screen_sets_a_follow_up(make_app, ann, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await pilot.press("f")
        await type_line(pilot, "tomorrow send the quote")
        titles = [f.title for f in followups.customer_followups(ann.id)]
        assert "send the quote" in titles


async def test_c_on_today_logs_a_call_on_the_row_s_customer(make_app, ann):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await type_line(pilot, "left a voicemail")
        entry = newest_entry(ann.id)
        assert (entry.kind, entry.body) == ("call", "left a voicemail")


@pytest.mark.parametrize(("mode", "origin"), [("today", TodayScreen), ("customers", CustomersScreen),
                                              ("pipeline", PipelineScreen)])
async def test_esc_from_a_customer_returns_to_where_it_was_opened(make_app, ann, mode, origin):
    app = make_app(mode)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == ann.id
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == mode and isinstance(app.screen, origin)


# --- the composer is a queue ------------------------------------------------------------------


def burst(app, text: str) -> None:
    """Keys as a terminal delivers a fast paste or fast typing: all sent at once, none waiting
    for the app (Pilot.press waits for the app to go idle after every key)."""
    for ch in text:
        if ch == "\n":
            key, char = "enter", "\r"
        else:
            key = ch if ch.isalnum() else _character_to_key(ch)
            char = ch
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


def orders_of(customer_id: int) -> list[tuple[str, str]]:
    return [(str(o.amount), o.description) for o in sorted(orders.list_orders(customer_id), key=lambda o: o.id)]


async def test_fast_typed_lines_each_land_once_in_order(make_app, ann, monkeypatch):
    """30 /buy lines typed faster than the composer answers: 30 orders, in order, none glued,
    doubled or lost. The first command is held until every key has been sent."""
    release = threading.Event()
    real = execute.execute

    def held(command, ctx):
        assert release.wait(60)
        return real(command, ctx)

    monkeypatch.setattr(execute, "execute", held)
    app = make_app("customers")
    lines = [f"/buy {n}.00 item {n}" for n in range(1, 31)]
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)  # the composer acts on her
        await pilot.press("slash")
        burst(app, "\n".join(lines) + "\n")
        await pilot.pause()
        release.set()
        await wait_until(pilot, lambda: len(app.session.lines) >= 60, "30 echoes and 30 answers")
        await settle(pilot)
        assert orders_of(ann.id) == [(f"{n}.00", f"item {n}") for n in range(1, 31)]
        answers = [text for text, kind in app.session.lines if kind == "answer"]
        assert len(answers) == 30 and all(a.startswith("✓ order of") for a in answers)
        assert composer_value(app) == ""


async def test_a_pasted_block_runs_line_by_line_and_keeps_an_unfinished_last_line(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await pilot.press("slash")
        await pilot.press(*"/buy 5")  # typed before the paste: the first pasted line joins it
        field = app.screen.query_one("#composer-input", Input)
        field.post_message(events.Paste(".00 espresso\n/call< asked about beans\r\n/buy 7.50 filters\n/note draft"))
        await settle(pilot)
        await settle(pilot)
        assert orders_of(ann.id) == [("5.00", "espresso"), ("7.50", "filters")]
        calls = [e for e in page_timeline(ann.id, None, 50).rows if e.kind == "call"]
        assert [(c.direction, c.body) for c in calls] == [("in", "asked about beans")]
        assert field.value == "/note draft"  # no newline after it: left to finish


def composer_value(app) -> str:
    return app.screen.query_one("#composer-input", Input).value


async def test_keys_act_on_the_highlighted_row_right_after_returning_to_a_filtered_list(make_app, ann, now):
    customers.create_customer(now, name="Bob Baker")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"bob", "enter")
        await settle(pilot)
        await pilot.press("enter")  # Bob's detail
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert type(form).__name__ == "CustomerForm"
        assert form.query_one("#field-name", Input).value == "Bob Baker"


async def test_x_right_after_returning_to_a_filtered_list_archives_that_row(make_app, ann, now):
    bob = customers.create_customer(now, name="Bob Baker")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"bob")
        await settle(pilot)
        await pilot.press("enter", "enter")  # leave the filter, open Bob
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert type(app.screen).__name__ == "Confirm"
        await pilot.press("y")
        await settle(pilot)
        assert customers.get_customer(bob.id).archived_at is not None
        assert customers.get_customer(ann.id).archived_at is None


# --- undo of every key action -----------------------------------------------------------------


def log_lines(app) -> list[str]:
    return [text for text, _ in app.session.lines]


async def undo(pilot) -> str:
    await pilot.press("ctrl+z")
    await settle(pilot)
    return log_lines(pilot.app)[-1]


async def test_ctrl_z_takes_back_done_and_snooze_on_today(make_app, ann, now):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (follow,) = followups.customer_followups(ann.id)
        await pilot.press("d")
        await settle(pilot)
        assert followups.get_followup(follow.id).done_at == now
        assert await undo(pilot) == "↶ undid “renewal” done"
        assert followups.get_followup(follow.id).done_at is None
        await pilot.press("s")
        await settle(pilot)
        assert followups.get_followup(follow.id).due_at > now
        assert await undo(pilot) == "↶ undid snoozing “renewal”"
        assert followups.get_followup(follow.id).due_at == now - timedelta(hours=1)


async def test_ctrl_z_takes_back_archive_tag_and_edit_on_the_customer_list(make_app, ann, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"b2b", "enter")
        await settle(pilot)
        assert "b2b" in customers.get_customer(ann.id).tags
        assert await undo(pilot) == "↶ undid tagging 1 customer #b2b"
        assert "b2b" not in customers.get_customer(ann.id).tags
        await pilot.press("x", "y")
        await settle(pilot)
        assert customers.get_customer(ann.id).archived_at is not None
        assert await undo(pilot) == "↶ undid archiving 1 customer"
        assert customers.get_customer(ann.id).archived_at is None


async def test_ctrl_z_takes_back_pipeline_moves_and_wins(make_app, ann):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        (deal,) = [d for d in deals_of(ann.id)]
        await pilot.press("L")
        await settle(pilot)
        assert deals_of(ann.id)[0].stage == "qualified"
        assert await undo(pilot) == "↶ undid moving “Website” to qualified"
        assert deals_of(ann.id)[0].stage == "lead"
        await pilot.press("h", "w")  # back to the Lead column, where the card is again
        await settle(pilot)
        assert deals_of(ann.id)[0].stage == "won"
        assert await undo(pilot) == "↶ undid moving “Website” to won"
        assert deals_of(ann.id)[0].stage == "lead"
        assert deal.id == deals_of(ann.id)[0].id


async def test_an_undo_is_refused_when_a_later_change_touched_the_rows(make_app, ann, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x", "y")
        await settle(pilot)
        customers.update_customer(ann.id, now, city="Leeds")  # another window edits her meanwhile
        answer = await undo(pilot)
        assert answer == ("✗ cannot undo archiving 1 customer: the customer it wrote was changed since (here or in "
                          "another window); nothing was undone")
        assert customers.get_customer(ann.id).archived_at is not None
        assert customers.get_customer(ann.id).city == "Leeds"


def deals_of(customer_id: int):
    from solocrm_tui.core.sales.deals import customer_deals

    return customer_deals(customer_id)


async def test_undo_list_names_what_can_be_undone_newest_first(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await pilot.press("slash")
        await type_line(pilot, "first note")
        await type_line(pilot, "/buy 12 beans")
        await type_line(pilot, "/undo list")
        assert log_lines(app)[-3:] == ["ctrl+z or /undo takes back, newest first (2):", "  order of 12.00 EUR",
                                       "  note for Ann Archer"]
        assert len(orders.list_orders(ann.id)) == 1  # listing undid nothing


async def test_x_on_the_archived_list_unarchives_and_unarchive_in_the_composer(make_app, ann, now):
    bob = customers.create_customer(now, name="Bob Baker")
    customers.archive_customers([ann.id, bob.id], now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"is:archived ann", "enter")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "Unarchive 1 customer?" in str(app.screen.query_one("Label").render())
        await pilot.press("y")
        await settle(pilot)
        assert customers.get_customer(ann.id).archived_at is None
        assert await undo(pilot) == "↶ undid unarchiving 1 customer"
        assert customers.get_customer(ann.id).archived_at is not None
        app.open_customer(bob.id)
        await settle(pilot)
        await pilot.press("slash")
        await type_line(pilot, "/unarchive")
        assert log_lines(app)[-1] == "✓ Bob Baker is back on the customer list"
        assert customers.get_customer(bob.id).archived_at is None
        await type_line(pilot, "/unarchive")
        assert log_lines(app)[-1] == "✗ Bob Baker is not archived"


async def show_tab(pilot, key: str) -> None:
    screen = pilot.app.screen
    await screen.show_tab(key)
    await settle(pilot)
    assert screen.focused is screen.query_one("#tab-table")


async def test_del_on_a_tab_row_deletes_that_row_and_ctrl_z_brings_it_back(make_app, ann, now):
    orders.add_order(ann.id, "42.50", now, description="espresso")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await show_tab(pilot, "orders")
        await pilot.press("delete")
        await settle(pilot)
        assert "Delete the order" in str(app.screen.query_one("Label").render())
        await pilot.press("y")
        await settle(pilot)
        assert orders.list_orders(ann.id) == []
        assert customers.get_customer(ann.id).order_count == 0
        answer = await undo(pilot)
        assert answer.startswith("↶ undid deleting the order ") and "42.50" in answer
        (back,) = orders.list_orders(ann.id)
        assert (str(back.amount), back.description) == ("42.50", "espresso")
        assert customers.get_customer(ann.id).order_count == 1


async def test_e_on_a_follow_up_reschedules_it_to_an_exact_time(make_app, ann, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await show_tab(pilot, "followups")
        (follow,) = followups.customer_followups(ann.id)
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one("#prompt-input", Input)
        assert field.value == f"{follow.due_at:%Y-%m-%d %H:%M} renewal"
        field.value = ""
        await pilot.press(*"2026-12-03 14:30 renewal call", "enter")
        await settle(pilot)
        moved = followups.get_followup(follow.id)
        assert (moved.due_at, moved.title) == (datetime(2026, 12, 3, 14, 30), "renewal call")
        assert await undo(pilot) == "↶ undid rescheduling “renewal”"
        back = followups.get_followup(follow.id)
        assert (back.due_at, back.title) == (follow.due_at, "renewal")


async def test_select_a_timeline_entry_then_rewrite_or_delete_it_and_undo_both(make_app, ann, now):
    timeline.add_interaction(ann.id, "note", "likes the dark roast", now - timedelta(hours=2))
    timeline.add_interaction(ann.id, "call", "asked for a quote", now - timedelta(hours=1), direction="in")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        view = app.screen.query_one(Timeline)
        assert app.focused is view
        await pilot.press("up")  # the newest of her entries
        assert view.selected_entry.body == "asked for a quote"
        await pilot.press("up")
        assert view.selected_entry.body == "likes the dark roast"
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one("#prompt-input", Input)
        assert field.value == "likes the dark roast"
        field.value = ""
        await pilot.press(*"prefers the light roast", "enter")
        await settle(pilot)
        bodies = [e.body for e in page_timeline(ann.id, None, 50).rows if e.kind != "system"]
        assert bodies == ["asked for a quote", "prefers the light roast"]
        assert await undo(pilot) == "↶ undid rewriting the note"
        bodies = [e.body for e in page_timeline(ann.id, None, 50).rows if e.kind != "system"]
        assert bodies == ["asked for a quote", "likes the dark roast"]

        app.screen.query_one(Timeline).focus()
        assert view.selected_entry.body == "likes the dark roast"  # the selection outlives the reload
        await pilot.press("down")
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [e.body for e in page_timeline(ann.id, None, 50).rows if e.kind != "system"] == ["likes the dark roast"]
        assert await undo(pilot) == "↶ undid deleting the entry call · asked for a quote"
        assert [e.body for e in page_timeline(ann.id, None, 50).rows if e.kind == "call"] == ["asked for a quote"]


async def test_t_with_a_minus_removes_a_tag_and_ctrl_z_puts_it_back(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"-vip", "enter")
        await settle(pilot)
        assert "vip" not in customers.get_customer(ann.id).tags
        assert await undo(pilot) == "↶ undid untagging 1 customer #vip"
        assert "vip" in customers.get_customer(ann.id).tags
        app.action_undo_list()
        await settle(pilot)
        assert log_lines(app)[-1] == "nothing to undo"


async def test_e_corrects_an_order_and_renames_a_ticket_both_undoable(make_app, ann, now):
    orders.add_order(ann.id, "42.50", now, description="espresso")
    ticket = tickets.open_ticket(ann.id, "Grinder brokn", now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await show_tab(pilot, "orders")
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one("#prompt-input", Input)
        assert field.value == "42.50 espresso"
        field.value = ""
        await pilot.press(*"45 espresso beans", "enter")
        await settle(pilot)
        (order,) = orders.list_orders(ann.id)
        assert (str(order.amount), order.description) == ("45.00", "espresso beans")
        assert str(customers.get_customer(ann.id).revenue) == "45.00"
        assert await undo(pilot) == "↶ undid correcting the order"
        (order,) = orders.list_orders(ann.id)
        assert (str(order.amount), order.description) == ("42.50", "espresso")

        await show_tab(pilot, "tickets")
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one("#prompt-input", Input)
        field.value = ""
        await pilot.press(*"Grinder broken", "enter")
        await settle(pilot)
        assert tickets.get_ticket(ticket.id).subject == "Grinder broken"


async def test_ctrl_z_takes_back_a_form_edit_and_a_ticket_status(make_app, ann, now):
    ticket = tickets.open_ticket(ann.id, "Grinder broken", now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        field = app.screen.query_one("#field-city", Input)
        field.focus()
        await pilot.press(*"Leeds", "enter")
        await settle(pilot)
        assert customers.get_customer(ann.id).city == "Leeds"
        assert await undo(pilot) == "↶ undid editing Ann Archer"
        assert customers.get_customer(ann.id).city is None

        await pilot.press("4")
        await settle(pilot)
        insights = app.screen
        insights.query_one("#insights-tabs").active = "tickets"
        await settle(pilot)
        insights.query_one("#tickets-table").focus()
        await pilot.press("p")
        await settle(pilot)
        assert tickets.get_ticket(ticket.id).status == "pending"
        assert await undo(pilot) == "↶ undid setting “Grinder broken” to pending"
        assert tickets.get_ticket(ticket.id).status == "open"


async def test_a_long_block_of_refused_lines_queued_behind_a_command_is_answered_line_by_line(make_app, ann,
                                                                                               monkeypatch):
    """1,200 lines the grammar refuses, waiting behind a slow command: each gets its ✗
    (the queue once recursed per refused line and overflowed the stack)."""
    release = threading.Event()
    real = execute.execute

    def held(command, ctx):
        assert release.wait(60)
        return real(command, ctx)

    monkeypatch.setattr(execute, "execute", held)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_ann(pilot)
        await pilot.press("slash")
        field = app.screen.query_one("#composer-input", Input)
        field.post_message(events.Paste("/buy 3 beans\n" + "/bogus\n" * 1200))
        await pilot.pause()
        release.set()
        await wait_until(pilot, lambda: sum(kind == "error" for _, kind in app.session.lines) >= 60,
                         "the refusals")
        await settle(pilot)
        assert [str(o.amount) for o in orders.list_orders(ann.id)] == ["3.00"]
        errors = [text for text, kind in app.session.lines if kind == "error"]
        assert errors and all(text.startswith("✗ unknown command /bogus") for text in errors)
        assert composer_value(app) == ""
