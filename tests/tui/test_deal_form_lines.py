"""The deal form (Pipeline `e`) on a deal with lines: the lines are listed, the value is
their sum and cannot be typed over; the card says how many lines the deal has."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Label

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales import deal_lines, deals, products
from solocrm_tui.modals.deal_form import DealForm
from solocrm_tui.widgets.deal_card import DealCard

from .conftest import settle, wait_until


async def test_e_shows_the_lines_and_keeps_the_value_read_only(db_path, now, make_app):
    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    products.add_product("Barista training", now, price="450")
    customer = create_customer(now, name="Lucía Dvořák").id
    deal = deals.create_deal(customer, "Café refit", "0", now)
    deal_lines.add_lines(deal.id, products.resolve(products.parse_items("2x EK43, 1x barista")), now)
    app = make_app("pipeline")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        card = app.screen.query_one(DealCard)
        assert "Lucía Dvořák · 3.2k · 10% · 2 lines" in str(card.content)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, DealForm)
        lines = app.screen.query_one("#deal-lines", Label)
        await wait_until(pilot, lambda: lines.display, "the lines shown")
        assert str(lines.content).splitlines() == [
            "Lines (the value is their sum; change them with /item):",
            "2× Grinder EK43 at 1,350.00 = 2,700.00", "1× Barista training at 450.00 = 450.00"]
        value = app.screen.query_one("#field-value", Input)
        assert value.disabled and value.value == "3150.00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert deals.get_deal(deal.id).value == 3150


async def test_the_customers_deals_tab_lists_each_deals_lines(db_path, now, make_app):
    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    customer = create_customer(now, name="Lucía Dvořák").id
    refit = deals.create_deal(customer, "Café refit", "0", now)
    deal_lines.add_lines(refit.id, products.resolve(products.parse_items("2x EK43")), now)
    deals.create_deal(customer, "Service plan", "480", now)
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        table = app.screen.query_one("#tab-table", DataTable)
        assert [str(column.label) for column in table.columns.values()] == ["Title", "Stage", "Value", "Prob.", "Close"]
        titles = sorted(str(table.get_row_at(i)[0]) for i in range(table.row_count))
        # each line under the title, as the Orders tab lists an order's: a column cut them off
        assert titles == ["Café refit\n  2× Grinder EK43 · 2,700.00", "Service plan"]
