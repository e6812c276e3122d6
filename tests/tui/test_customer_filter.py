"""The Customers filter box and list as a keyboard user meets them: Esc and Down leave the
box, a filter that can match nothing says why, the sorted column is marked, a new sort
starts at the top, and two customers with one name can be told apart."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from solocrm_tui.core.contacts import customers
from solocrm_tui.widgets.customer_table import CustomerTable

from .conftest import settle
from .test_layout import screen_lines

SIZE = (120, 35)


def status(app) -> str:
    return str(app.screen.query_one("#list-status", Static).render())


def header(table: CustomerTable, key: str) -> str:
    return str(table.columns[key].label)


def name_cells(table: CustomerTable) -> list[str]:
    return [str(table.get_cell_at((row, 1))) for row in range(table.row_count)]


async def test_esc_clears_the_filter_then_hands_focus_to_the_list(make_app, now):
    customers.create_customer(now, name="Ann Lee")
    customers.create_customer(now, name="Bob Ray")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        box, table = app.screen.query_one("#filter", Input), app.screen.query_one(CustomerTable)
        await pilot.press("f", *"ann")
        await settle(pilot)
        assert table.row_count == 1

        await pilot.press("escape")
        await settle(pilot)
        assert box.value == "" and app.focused is box
        assert table.row_count == 2

        await pilot.press("escape")
        assert app.focused is table


async def test_down_in_the_filter_moves_to_the_list(make_app, now):
    customers.create_customer(now, name="Ann Lee")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"ann", "down")
        assert app.focused is app.screen.query_one(CustomerTable)
        assert app.screen.query_one("#filter", Input).value == "ann"


async def test_a_filter_that_names_an_unknown_stage_or_field_says_what_is_valid(make_app, now):
    customers.create_customer(now, name="Ann Lee")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"stage:foo")
        await settle(pilot)
        assert status(app) == ' unknown stage "foo": use lead, new, active, loyal, at_risk, churned'

        await pilot.press(*["backspace"] * 9, *"colour:red")
        await settle(pilot)
        assert status(app).startswith(' unknown filter "colour:": use stage:, segment:, note:"…", is:archived or #tag · 0 customers')


async def test_the_sorted_column_shows_its_direction(make_app, now):
    customers.create_customer(now, name="Ann Lee")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        assert header(table, "name") == "Name▲"
        await pilot.press("s")
        await settle(pilot)
        assert (header(table, "name"), header(table, "company")) == ("Name", "Company▲")
        await pilot.press("S")
        await settle(pilot)
        assert header(table, "company") == "Company▼"


async def test_a_new_sort_starts_at_the_top_row(make_app, now):
    for i in range(40):
        customers.create_customer(now, name=f"Customer {i:02d}", company=f"Firm {39 - i:02d}")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        await pilot.press(*["down"] * 12)
        assert table.cursor_row == 12
        await pilot.press("s")
        await settle(pilot)
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert name_cells(table)[0] == "Customer 39"


async def test_two_customers_with_one_name_show_their_ids(make_app, now):
    first = customers.create_customer(now, name="Ann Lee", email="ann@one.example")
    second = customers.create_customer(now, name="Ann Lee", email="ann@two.example")
    customers.create_customer(now, name="Bob Ray")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        assert name_cells(table) == [f"Ann Lee #{first.id}", f"Ann Lee #{second.id}", "Bob Ray"]


@pytest.mark.parametrize("size", [(80, 24), SIZE])
async def test_every_sorted_column_shows_its_arrow_on_screen(make_app, now, size):
    """The arrow was set on the column but cut by narrow columns (Revenue, Contact, Churn)
    and the header kept its old drawing: ▼ never showed. Read what the terminal shows."""
    customers.create_customer(now, name="Ann Lee")
    app = make_app("customers")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        for _ in range(8):
            sort = app.screen.query_state.sort
            shown = {key for key, _, _ in table.fitted}
            header = next(line for line in screen_lines(app) if "Name" in line and "Stage" in line)
            if sort in shown:
                assert header.count("▲") + header.count("▼") == 1, (sort, header)
                assert ("▼" in header) == app.screen.query_state.is_descending, (sort, header)
            await pilot.press("s")
            await settle(pilot)
