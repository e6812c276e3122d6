"""`/item` puts catalogue lines on the open deal and says its new value; `/won` turns the
deal into its order (or refuses a deal worth nothing without an amount); undo takes the
order back and revenue with it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.contacts.lifecycle import Rules
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import deal_lines, deals, orders, products
from solocrm_tui.core.storage import changes


@pytest.fixture
def cafe(core_db, t0) -> int:
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900")
    products.add_product("Barista training", t0, price="450")
    return create_customer(t0, name="Zoë Ærø").id


def run(line: str, focus: int, now):
    command = grammar.parse(line, now)
    return changes.record(lambda: execute.execute(command, execute.Context(now, focus, rules=Rules())), line)


def test_item_adds_lines_and_says_the_new_value(cafe, t0):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    outcome, _ = run("/item 2x EK43", cafe, t0)
    assert outcome.message == "✓ added 2× Grinder EK43 to “Café refit”: now 2,700.00 EUR, 1 line"
    outcome, _ = run("/item 1x barista at 400", cafe, t0)
    assert outcome.message == "✓ added 1× Barista training to “Café refit”: now 3,100.00 EUR, 2 lines"
    outcome, change = run("/item remove ek43", cafe, t0)
    assert outcome.message == "✓ took 2× Grinder EK43 off “Café refit”: now 400.00 EUR, 1 line"
    changes.undo(change, t0)
    assert (deals.get_deal(deal.id).value, len(deal_lines.deal_lines(deal.id))) == (Decimal("3100.00"), 2)


def test_item_without_an_open_deal_says_how_to_open_one(cafe, t0, unchanged):
    with unchanged(), pytest.raises(ValidationError, match="has no open deal: open one with /deal AMOUNT TITLE"):
        run("/item 2x EK43", cafe, t0)


def test_won_records_the_order_and_undo_takes_revenue_back(cafe, t0):
    deal = deals.create_deal(cafe, "Café refit", "0", t0)
    run("/item 2x EK43", cafe, t0)
    assert (get_customer(cafe).revenue, get_customer(cafe).order_count) == (Decimal(0), 0)
    outcome, change = run("/won", cafe, t0)
    assert outcome.message == "✓ deal “Café refit”: lead → won; order of 2,700.00 EUR recorded"
    assert (get_customer(cafe).revenue, get_customer(cafe).order_count) == (Decimal("2700.00"), 1)
    assert orders.deal_order(deal.id).description == "Café refit"
    changes.undo(change, t0)
    assert (get_customer(cafe).revenue, get_customer(cafe).order_count) == (Decimal(0), 0)
    assert deals.get_deal(deal.id).stage == "lead"


def test_won_on_a_deal_worth_nothing_asks_for_the_amount(cafe, t0, unchanged):
    deals.create_deal(cafe, "Consulting", "0", t0)
    with unchanged(), pytest.raises(ValidationError, match=r"^“Consulting” has no value and no lines: type /won AMOUNT"):
        run("/won", cafe, t0)
    outcome, _ = run("/won 1200", cafe, t0)
    assert outcome.message == "✓ deal “Consulting”: lead → won; order of 1,200.00 EUR recorded"
    assert get_customer(cafe).revenue == Decimal("1200.00")
