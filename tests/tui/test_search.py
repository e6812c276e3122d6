"""Pilot tests: the search screen finds what the owner wrote, typed through the real
Input, grouped by customer with the matched words marked, and Enter opens the customer
at that entry."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input

from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.search import MATCH_STYLE, SearchScreen
from solocrm_tui.screens.today import TodayScreen
from solocrm_tui.widgets.fitted_table import FittedTable
from solocrm_tui.widgets.timeline import Timeline

from .conftest import settle, wait_until
from .test_layout import screen_lines

SIZE = (120, 35)
D = timedelta(days=1)


def rows(app) -> list[list[str]]:
    table = app.screen.query_one("#hits", FittedTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def status(app) -> str:
    return str(app.screen.query_one("#search-status").content)


async def test_ctrl_f_finds_a_phrase_in_notes_grouped_by_customer(make_app, now):
    ann = customers.create_customer(now - 400 * D, name="Ann Lee")
    bob = customers.create_customer(now - 400 * D, name="Bob Brown")
    timeline.add_interaction(ann.id, "note", "Wants the Barista Course in spring", now - 30 * D)
    timeline.add_interaction(ann.id, "call", "asked again about the barista course", now - 2 * D)
    timeline.add_interaction(bob.id, "note", "barista course for two staff", now - 5 * D)
    timeline.add_interaction(bob.id, "note", "course on roasting; barista later", now - 4 * D)
    async with make_app("today").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SearchScreen)
        await pilot.press(*'"barista course"')
        await settle(pilot)
        found = rows(pilot.app)
        assert [r[0] for r in found] == ["Ann Lee", "", "Bob Brown"]  # grouped, newest group first
        assert [r[3] for r in found] == ["asked again about the barista course",
                                         "Wants the Barista Course in spring", "barista course for two staff"]
        assert status(pilot.app) == " 3 hits · 2 customers"
        line = pilot.app.screen.query_one("#hits", FittedTable).get_row_at(0)[3]
        assert [line.plain[s.start:s.end] for s in line.spans if s.style == MATCH_STYLE] == ["barista course"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TodayScreen)


async def test_enter_opens_the_customer_at_the_matching_entry(make_app, now):
    ann = customers.create_customer(now - 400 * D, name="Ann Lee")
    for n in range(80):
        timeline.add_interaction(ann.id, "note", f"routine entry {n}", now - (200 - n) * D)
    old = timeline.add_interaction(ann.id, "note", "the grinder burr size was 64mm", now - 190 * D)
    async with make_app("today").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f", *"burr 64", "down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerScreen)
        assert pilot.app.screen.query_one(Timeline).selected == old.id
        assert any("the grinder burr size was 64mm" in line for line in screen_lines(pilot.app))


async def test_search_from_the_composer_and_narrowing_by_kind_and_person(make_app, now):
    ann = customers.create_customer(now - 400 * D, name="Ann Lee")
    bob = customers.create_customer(now - 400 * D, name="Bob Brown")
    timeline.add_interaction(ann.id, "call", "invoice question", now - 3 * D)
    timeline.add_interaction(bob.id, "email", "invoice attached", now - 2 * D)
    followups.create_followup("send the invoice again", now + D, now, customer_id=bob.id)
    async with make_app("customers").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"/find invoice kind:call", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SearchScreen)
        assert [r[3] for r in rows(pilot.app)] == ["invoice question"]
        box = pilot.app.screen.query_one("#search-box", Input)
        await pilot.press("end", *["backspace"] * len(" kind:call"), *" @Bob")  # the query opens selected
        await settle(pilot)
        assert box.value == "invoice @Bob"
        assert sorted(r[3] for r in rows(pilot.app)) == ["invoice attached", "send the invoice again"]


async def test_a_query_it_cannot_read_says_so_on_one_line_and_fast_typing_ends_on_the_last_query(make_app, now):
    ann = customers.create_customer(now - 400 * D, name="Ann Lee")
    timeline.add_interaction(ann.id, "note", "espresso machine service", now - D)
    timeline.add_interaction(ann.id, "note", "espresso beans order", now - 2 * D)
    async with make_app("today").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f", *"espresso before:someday")
        await settle(pilot)
        assert "\n" not in status(pilot.app) and "before: needs a date" in status(pilot.app)
        await pilot.press(*["backspace"] * len(" before:someday"), *" servi")
        await settle(pilot)
        assert [r[3] for r in rows(pilot.app)] == ["espresso machine service"]


async def test_find_lists_customers_by_name_first_and_enter_opens_one(make_app, now):
    """/find was the customer list's search: the search screen still finds people by name
    (above the entries that mention them), so nothing found by name before is lost."""
    ann = customers.create_customer(now - 400 * D, name="Ann Lee", company="Lee Consulting", email="ann@lee.example")
    bob = customers.create_customer(now - 400 * D, name="Bob Brown")
    timeline.add_interaction(bob.id, "note", "Ann recommended us", now - D)
    async with make_app("pipeline").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"/find ann", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SearchScreen)
        assert rows(pilot.app) == [["Ann Lee", "", "customer", "Lee Consulting · lead"],
                                   ["Bob Brown", "Sat 21 Nov", "note", "Ann recommended us"]]
        assert status(pilot.app) == " 1 customer by name · 1 hit · 1 customer"
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerScreen) and pilot.app.screen.customer_id == ann.id


async def test_the_palette_offers_find_anything(make_app, now):
    customers.create_customer(now, name="Ann Lee")
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"find anything")
        await wait_until(pilot, lambda: "Find anything" in str(
            app.screen.query("CommandList").first().get_option_at_index(0).prompt), "the command")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SearchScreen), "the search screen")
