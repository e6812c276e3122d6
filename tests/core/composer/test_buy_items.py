"""`/buy 2x EK43, beans`: an order from catalogue lines, found as the owner types them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import orders, products
from solocrm_tui.core.storage import changes


def _run(line: str, t0, focus: int | None = None):
    command = grammar.parse(line, t0)
    return changes.record(lambda: execute.execute(command, execute.Context(t0, focus)), line)


@pytest.fixture
def catalogue(core_db, t0):
    return {
        "ek43": products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900"),
        "beans": products.add_product("Espresso beans 1kg", t0, sku="BEAN-ESP-1KG", price="24.50", cost="11"),
        "jug": products.add_product("Milk jug", t0, price="18"),  # no cost known
        "decaf": products.add_product("Decaf 500g", t0, sku="DEC-500", price="12", cost="5", active=False),
    }


def test_an_order_of_lines_sums_them_and_keeps_what_each_cost(catalogue, t0):
    ann = customers.create_customer(t0, name="Ann").id
    outcome, _ = _run("/buy 2x ek43, 3 x BEAN-ESP-1KG", t0, focus=ann)
    # 2 × 1350 + 3 × 24.50 = 2773.50; cost 2 × 900 + 3 × 11 = 1833
    assert outcome.message == "✓ order of 2,773.50 EUR recorded for Ann: 2× Grinder EK43, 3× Espresso beans 1kg"
    [order] = orders.list_orders(ann)
    assert (order.amount, order.cost, order.description) == (
        Decimal("2773.50"), Decimal("1833.00"), "2× Grinder EK43, 3× Espresso beans 1kg")
    assert orders.order_lines(order.id) == [
        products.Line("Grinder EK43", 2, Decimal("1350.00"), Decimal("900.00"), "EK43", catalogue["ek43"].id),
        products.Line("Espresso beans 1kg", 3, Decimal("24.50"), Decimal("11.00"), "BEAN-ESP-1KG",
                      catalogue["beans"].id)]
    assert customers.get_customer(ann).revenue == Decimal("2773.50")


def test_one_line_without_a_cost_leaves_the_orders_cost_unknown(catalogue, t0):
    ann = customers.create_customer(t0, name="Ann").id
    _run("/buy ek43, milk", t0, focus=ann)
    [order] = orders.list_orders(ann)
    assert (order.amount, order.cost) == (Decimal("1368.00"), None)  # never "the jug was free"


def test_a_price_typed_with_at_wins_over_the_catalogues(catalogue, t0):
    ann = customers.create_customer(t0, name="Ann").id
    _run("/buy 2x ek43 at 1200", t0, focus=ann)
    [order] = orders.list_orders(ann)
    assert (order.amount, order.cost) == (Decimal("2400.00"), Decimal("1800.00"))


def test_undo_takes_the_order_and_its_lines_back(catalogue, t0):
    ann = customers.create_customer(t0, name="Ann").id
    _, change = _run("/buy 2x ek43", t0, focus=ann)
    [order] = orders.list_orders(ann)
    changes.undo(change, t0)
    assert orders.list_orders(ann) == [] and orders.order_lines(order.id) == []
    assert customers.get_customer(ann).revenue == Decimal("0")


@pytest.mark.parametrize("line, message", [
    ("/buy 2x grinder ek99", 'no product "grinder ek99" in the catalogue'),
    ("/buy 1x e", '"e" could be "Espresso beans 1kg"'),  # EK43's SKU also starts with e
    ("/buy decaf", '"Decaf 500g" is marked as no longer sold'),
    ("/buy lunch 12", "for an order of an amount, type the amount first: /buy 12 lunch"),
])
def test_a_product_not_found_or_not_sold_is_one_line_and_changes_nothing(catalogue, t0, line, message, unchanged):
    ann = customers.create_customer(t0, name="Ann").id
    with unchanged():
        with pytest.raises(ValidationError) as error:
            _run(line, t0, focus=ann)
    assert message in str(error.value)


def test_an_empty_catalogue_says_where_products_come_from(core_db, t0):
    ann = customers.create_customer(t0, name="Ann").id
    with pytest.raises(ValidationError, match="the catalogue is empty"):
        _run("/buy 2x ek43", t0, focus=ann)


def test_a_product_without_a_price_asks_for_one(core_db, t0):
    ann = customers.create_customer(t0, name="Ann").id
    products.add_product("Barista training day", t0)
    with pytest.raises(ValidationError, match="has no price in the catalogue: type one, e.g. 1x Barista"):
        _run("/buy training", t0, focus=ann)
    _run("/buy training at 450", t0, focus=ann)
    assert orders.list_orders(ann)[0].amount == Decimal("450.00")


def test_names_and_skus_are_unique_in_any_case(catalogue, t0):
    with pytest.raises(ValidationError, match='the name "grinder ek43" is already the product "Grinder EK43"'):
        products.add_product("grinder ek43", t0)
    with pytest.raises(ValidationError, match='the SKU "ek43" is already the product "Grinder EK43"'):
        products.update_product(catalogue["jug"].id, t0, sku="ek43")


def test_completion_finds_a_word_of_the_name_or_the_sku_and_leaves_inactive_ones_out(catalogue):
    assert [p.name for p in products.complete("ek")] == ["Grinder EK43"]
    assert [p.name for p in products.complete("bean")] == ["Espresso beans 1kg"]
    assert products.complete("dec") == []


def test_a_decimal_comma_after_at_is_a_price_not_the_next_item(catalogue, t0):
    ann = customers.create_customer(t0, name="Ann").id
    _run("/buy 2x EK43, espresso beans at 12,50", t0, focus=ann)
    _run("/buy 1x EK43 at 2500,00", t0, focus=ann)
    assert [o.amount for o in orders.list_orders(ann)] == [Decimal("2500.00"), Decimal("2712.50")]  # 2 × 1350 + 12.50


def test_an_amount_before_a_products_name_records_the_amount_and_says_how_to_buy_that_many(catalogue, t0):
    ann = customers.create_customer(t0, name="Ann").id
    outcome, _ = _run("/buy 3 milk jug", t0, focus=ann)
    assert outcome.message == ("✓ order of 3.00 EUR recorded for Ann — for 3 of the catalogue's Milk jug, "
                               "type /buy 3x milk jug (ctrl+z takes this one back)")
    assert "catalogue" not in _run("/buy 300 two chairs", t0, focus=ann)[0].message


def test_no_open_deal_names_the_closed_one_to_reopen(core_db, t0):
    from solocrm_tui.core.sales import deals

    ann = customers.create_customer(t0, name="Ann").id
    deals.move_deal(deals.create_deal(ann, "Café refit", "100", t0).id, "won", t0)
    with pytest.raises(ValidationError, match=r"Ann has no open deal: open one with /deal AMOUNT TITLE, "
                                              r"or /reopen “Café refit” \(won\)"):
        _run("/won", t0, focus=ann)


def test_deal_commands_act_on_the_deal_in_focus_when_the_customer_has_several(catalogue, t0):
    """On the Pipeline the selected card is in focus, on the customer's Deals tab the selected
    row: /item, /quote and /won act on it rather than on the deal last worked on."""
    from solocrm_tui.core.sales import deals

    ann = customers.create_customer(t0, name="Ann").id
    refit = deals.create_deal(ann, "Café refit", "0", t0)
    deals.create_deal(ann, "Empty deal", "0", t0)  # created last: the one last worked on

    def run(line: str):
        command = grammar.parse(line, t0)
        return changes.record(lambda: execute.execute(command, execute.Context(t0, ann, focus_deal_id=refit.id)),
                              line)[0]

    assert run("/item 2x ek43").message.startswith("✓ added 2× Grinder EK43 to “Café refit”")
    assert run("/won").message.startswith("✓ deal “Café refit”: lead → won")
    assert deals.get_deal(refit.id).stage == "won"
    assert run("/reopen").message.startswith("✓ deal “Café refit” reopened")
