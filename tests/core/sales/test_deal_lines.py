"""Deals with lines: the value follows the lines; winning creates the order (lines or value),
in the same change set as the stage move; leaving won removes that order again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import deal_lines, deals, orders, products
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import Interaction, Order, OrderLine

H = timedelta(hours=1)


@pytest.fixture
def cafe(core_db, t0) -> int:
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900")
    products.add_product("Barista training", t0, price="450")
    products.add_product("Espresso beans 1kg", t0, sku="BEANS1", price="24.50", cost="11.20")
    return create_customer(t0, name="Lucía Dvořák").id


def system_lines() -> list[str]:
    return [body for (body,) in Interaction.select(Interaction.body).where(Interaction.kind == "system").tuples()]


def items(text: str):
    return products.resolve(products.parse_items(text))


def test_the_value_is_the_lines_sum_on_every_change(cafe, t0):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, items("2x EK43, 1x barista at 400"), t0 + H)
    assert deals.get_deal(deal.id).value == Decimal("3100.00")  # 2 × 1350 + 400
    deal_lines.add_lines(deal.id, items("1x ek43"), t0 + H)  # same product and price: one line of 3
    assert [(line.name, line.quantity) for line in deal_lines.deal_lines(deal.id)] == [
        ("Grinder EK43", 3), ("Barista training", 1)]
    assert deals.get_deal(deal.id).value == Decimal("4450.00")
    deal_lines.set_quantity(deal.id, "EK43", 1, t0 + 2 * H)
    assert deals.get_deal(deal.id).value == Decimal("1750.00")
    deal_lines.remove_line(deal.id, "barista training", t0 + 3 * H)
    assert deals.get_deal(deal.id).value == Decimal("1350.00")
    assert deal_lines.line_counts([deal.id]) == {deal.id: 1}


def test_a_line_the_deal_has_not_is_refused_and_nothing_changes(cafe, t0, unchanged):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, items("2x EK43"), t0)
    with unchanged(), pytest.raises(ValidationError, match="no line for “Espresso beans 1kg”: its lines are Grinder"):
        deal_lines.remove_line(deal.id, "beans", t0 + H)
    with unchanged(), pytest.raises(ValidationError, match="whole number"):
        deal_lines.set_quantity(deal.id, "EK43", -1, t0 + H)


def test_a_closed_deal_keeps_its_lines(cafe, t0, unchanged):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, items("2x EK43"), t0)
    deals.move_deal(deal.id, "won", t0 + H)
    with unchanged(), pytest.raises(ValidationError, match="is won: its lines are what was won"):
        deal_lines.add_lines(deal.id, items("1x beans"), t0 + 2 * H)


def test_winning_a_deal_with_lines_creates_its_order_and_undo_takes_it_back(cafe, t0):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, items("2x EK43, 3x beans"), t0)
    deals.move_deal(deal.id, "negotiation", t0 + H)
    before = get_customer(cafe)
    assert (before.revenue, before.order_count) == (Decimal(0), 0)

    _, change = changes.record(lambda: deals.move_deal(deal.id, "won", t0 + 2 * H), "win")
    after = get_customer(cafe)
    assert (after.revenue, after.order_count) == (Decimal("2773.50"), 1)  # 2 × 1350 + 3 × 24.50
    order = orders.deal_order(deal.id)
    assert (order.amount, order.cost, order.description, order.ordered_at) == (
        Decimal("2773.50"), Decimal("1833.60"), "Café refit", t0 + 2 * H)  # cost 2 × 900 + 3 × 11.20
    assert [(line.name, line.quantity, line.unit_price, line.unit_cost, line.product_id is not None)
            for line in orders.order_lines(order.id)] == [
        ("Grinder EK43", 2, Decimal("1350.00"), Decimal("900.00"), True),
        ("Espresso beans 1kg", 3, Decimal("24.50"), Decimal("11.20"), True)]
    assert "deal Café refit: negotiation → won; order 2,773.50 EUR" in system_lines()

    changes.undo(change, t0 + 3 * H)
    back = get_customer(cafe)
    assert (back.revenue, back.order_count) == (Decimal(0), 0)
    assert (Order.select().count(), OrderLine.select().count()) == (0, 0)
    assert deals.get_deal(deal.id).stage == "negotiation"


def test_a_deal_without_lines_is_won_for_its_value_or_the_amount_given(cafe, t0):
    valued = deals.create_deal(cafe, "Service plan", "480", t0)
    deals.move_deal(valued.id, "won", t0 + H)
    assert orders.deal_order(valued.id).amount == Decimal("480.00")
    unvalued = deals.create_deal(cafe, "Consulting", "0", t0)
    deals.move_deal(unvalued.id, "won", t0 + H, amount="1200")
    assert (orders.deal_order(unvalued.id).amount, deals.get_deal(unvalued.id).value) == (
        Decimal("1200.00"), Decimal("1200.00"))
    assert get_customer(cafe).revenue == Decimal("1680.00")


def test_a_win_without_value_lines_or_amount_is_refused(cafe, t0, unchanged):
    deal = deals.create_deal(cafe, "Consulting", "0", t0)
    with unchanged(), pytest.raises(ValidationError, match="no value and no lines: say what it was won for"):
        deals.move_deal(deal.id, "won", t0 + H)
    deal_lines.add_lines(deal.id, items("1x EK43"), t0)
    with unchanged(), pytest.raises(ValidationError, match="has lines worth 1,350.00 EUR"):
        deals.move_deal(deal.id, "won", t0 + H, amount="1000")


def test_leaving_won_removes_only_the_order_the_win_created(cafe, t0):
    orders.add_order(cafe, "99", t0)  # bought before, unrelated to the deal
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, items("2x EK43"), t0)
    deals.move_deal(deal.id, "won", t0 + H)
    assert get_customer(cafe).revenue == Decimal("2799.00")
    deals.move_deal(deal.id, "negotiation", t0 + 2 * H)
    assert (get_customer(cafe).revenue, get_customer(cafe).order_count) == (Decimal("99.00"), 1)
    assert orders.deal_order(deal.id) is None
    assert "deal Café refit: won → negotiation; order 2,700.00 EUR removed" in system_lines()


def test_the_value_of_a_deal_with_lines_is_not_typed_over(cafe, t0, unchanged):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, items("2x EK43"), t0)
    with unchanged(), pytest.raises(ValidationError, match="the deal has lines: its value is their sum"):
        deals.update_deal(deal.id, t0 + H, value="1000")
    assert deals.update_deal(deal.id, t0 + H, title="Café Lumen refit", value="2700").value == Decimal("2700.00")
