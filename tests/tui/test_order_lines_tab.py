"""The customer's Orders tab shows each order's lines under it and the order's margin
(amount − cost; "cost unknown" when none). Hand-worked: 2 × 1,350.00 + 3 × 24.50 = 2,773.50,
cost 2 × 900 + 3 × 9 = 1,827.00, margin 946.50."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from textual.widgets import DataTable

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.sales import deal_lines, deals, orders
from solocrm_tui.core.sales.products import Line
from solocrm_tui.screens.customer import CustomerScreen

from .conftest import settle, wait_until


async def orders_tab(app, pilot) -> DataTable:
    """The first customer's Orders tab, opened from the list as the owner does."""
    await settle(pilot)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, CustomerScreen), "the customer")
    await pilot.press("right_square_bracket")
    await settle(pilot)
    return app.screen.query_one("#tab-table", DataTable)


async def test_orders_tab_shows_lines_and_margin(make_app, now):
    ann = customers.create_customer(now, name="Ann [b]Lee[/b]")
    orders.add_order(ann.id, None, now - timedelta(days=2), lines=[
        Line("Grinder EK43", 2, Decimal("1350.00"), Decimal("900.00"), "EK43"),
        Line("Espresso beans 1kg", 3, Decimal("24.50"), Decimal("9.00"))])
    orders.add_order(ann.id, "40", now - timedelta(days=9), description="[red]gift[/red] card")
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        table = await orders_tab(app, pilot)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[1:] for row in rows] == [
            ["2,773.50 EUR", "946.50", "2× Grinder EK43, 3× Espresso beans 1kg\n  2× Grinder EK43 · 2,700.00\n"
                             "  3× Espresso beans 1kg · 73.50"],
            ["40.00 EUR", "cost unknown", "[red]gift[/red] card"]]
        assert table.rows[table.coordinate_to_cell_key((0, 0)).row_key].height == 3


async def test_at_80_columns_each_order_and_deal_is_one_readable_cell(make_app, now):
    """At 80×24 the profile leaves the tab ~46 columns: four columns cut the lines to "1× B".
    Each order (and deal) is then one cell, its figures on the first line and its text and
    lines under them."""
    ann = customers.create_customer(now, name="Ann Lee")
    orders.add_order(ann.id, None, now - timedelta(days=2), lines=[
        Line("Grinder EK43", 2, Decimal("1350.00"), Decimal("900.00"), "EK43")])
    deals.create_deal(ann.id, "Café refit and a second espresso bar on the first floor", "90", now - timedelta(days=1))
    deal = deals.create_deal(ann.id, "Café refit", "0", now)
    deal_lines.add_lines(deal.id, [Line("Grinder EK43", 1, Decimal("1350.00"))], now)
    app = make_app("customers")
    async with app.run_test(size=(80, 24)) as pilot:
        table = await orders_tab(app, pilot)
        assert [str(column.label) for column in table.columns.values()] == ["Order"]
        assert str(table.get_row_at(0)[0]) == ("Fri 20 Nov · 2,700.00 EUR · margin 900.00\n"
                                               "2× Grinder EK43\n  2× Grinder EK43 · 2,700.00")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert [str(column.label) for column in table.columns.values()] == ["Deal"]
        assert str(table.get_row_at(0)[0]) == "Café refit\nlead · 1,350.00 EUR · 10%\n  1× Grinder EK43 · 1,350.00"
        width = app.screen.query_one("#tab-content").size.width - 2
        long_title = str(table.get_row_at(1)[0]).split("\n")[0]  # cut where it is cut, and saying so
        assert long_title.endswith("…") and len(long_title) == width
