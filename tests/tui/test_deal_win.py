"""Pipeline `w` on a deal with lines (pilot): the win is an order, so the customer's revenue
rises and the Orders tab lists it; a deal worth nothing asks what it was won for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import DataTable, Input

from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.sales import deal_lines, deals, products
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.widgets.profile_card import ProfileCard
from solocrm_tui.widgets.tab_bar import TabBar

from .conftest import open_first_customer, settle

SIZE = (120, 35)


@pytest.fixture
def cafe(db_path, now) -> dict:
    products.add_product("Grinder EK43", now, sku="EK43", price="1350", cost="900")
    customer = create_customer(now, name="Lucía Dvořák").id
    refit = deals.create_deal(customer, "Café refit", "0", now, stage="negotiation")
    deal_lines.add_lines(refit.id, products.resolve(products.parse_items("2x EK43")), now)
    return {"customer": customer, "refit": refit.id}


async def test_w_on_a_deal_with_lines_records_its_order(cafe, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert get_customer(cafe["customer"]).revenue == Decimal(0)
        await pilot.press("l", "l", "l", "w")  # negotiation: Café refit
        await settle(pilot)
        customer = get_customer(cafe["customer"])
        assert (customer.revenue, customer.order_count) == (Decimal("2700.00"), 1)

        await pilot.press("2")  # Customers: Lucía is the only one
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        table = app.screen.query_one("#tab-table", DataTable)
        # margin 2,700 − 2 × 900 of cost; the order's lines under its text
        assert [str(cell) for cell in table.get_row_at(0)][1:] == ["2,700.00 EUR", "900.00",
                                                                   "Café refit\n  2× Grinder EK43 · 2,700.00"]

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert (get_customer(cafe["customer"]).revenue, deals.get_deal(cafe["refit"]).stage) == (
            Decimal(0), "negotiation")
        assert app.screen.query_one("#tab-table", DataTable).row_count == 0


async def test_w_on_a_deal_worth_nothing_asks_for_the_amount(db_path, now, make_app):
    customer = create_customer(now, name="Zoë Ærø").id
    deals.create_deal(customer, "Consulting", "0", now)
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, Prompt)
        app.screen.query_one(Input).focus()
        await pilot.press(*"1200", "enter")
        await settle(pilot)
        assert get_customer(customer).revenue == Decimal("1200.00")


def card_lines(screen) -> list[str]:
    return [line.strip() for line in screen.query_one(ProfileCard).text.splitlines()]


async def test_a_win_on_the_pipeline_shows_on_the_customer_left_open(cafe, make_app):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_customer(pilot)
        assert "open deals   1" in card_lines(screen)
        assert screen.query_one(TabBar).labels["orders"] == "Orders (0)"

        await pilot.press("3")
        await settle(pilot)
        await pilot.press("l", "l", "l", "w")  # negotiation: Café refit
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)

        assert app.screen is screen
        assert "revenue      2,700 (1 order)" in card_lines(screen)
        assert not any(line.startswith("open deals") for line in card_lines(screen))
        assert screen.query_one(TabBar).labels["orders"] == "Orders (1)"


async def test_switching_screens_with_nothing_changed_does_not_read_the_customer_again(cafe, make_app,
                                                                                       monkeypatch):
    from solocrm_tui.screens import customer as customer_screen

    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_customer(pilot)
        reads = []
        real = customer_screen.read_detail
        monkeypatch.setattr(customer_screen, "read_detail", lambda *a: reads.append(a) or real(*a))
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.screen is screen and reads == []


async def test_the_composer_acts_on_the_selected_card_not_the_deal_last_worked_on(cafe, make_app, now):
    """Lucía has two deals in negotiation; the one made last is the one last worked on. With
    the Café refit card selected, /won wins the Café refit."""
    later = deals.create_deal(cafe["customer"], "Service plan", "480", now, stage="negotiation")
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "l", "l")  # negotiation: Café refit first (the earlier expected close)
        assert app.screen.focused_deal_id() == cafe["refit"]
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"/won", "enter")
        await settle(pilot)
        assert (deals.get_deal(cafe["refit"]).stage, deals.get_deal(later.id).stage) == ("won", "negotiation")
