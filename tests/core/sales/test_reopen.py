"""Reopening a closed deal: back to the stage it was in before it closed (from its stage
history), the win's order removed, and one undo bringing the order and its lines back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import deal_lines, deals, orders, products
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import OrderLine

H = timedelta(hours=1)


@pytest.fixture
def refit(core_db, t0) -> int:
    """“Café refit”: two EK43 grinders, moved lead → proposal, then won for 2,700.00 EUR."""
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900")
    customer = create_customer(t0, name="Café Lumen").id
    deal = deals.create_deal(customer, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, products.resolve(products.parse_items("2x EK43")), t0)
    deals.move_deal(deal.id, "proposal", t0 + H)
    deals.move_deal(deal.id, "won", t0 + 2 * H)
    return deal.id


def test_reopening_goes_back_to_the_stage_before_the_close_and_removes_the_order(refit, t0):
    plan = deals.reopening(refit)
    assert (plan.stage, plan.order.amount) == ("proposal", Decimal("2700.00"))
    reopened = deals.reopen_deal(refit, t0 + 3 * H)
    assert (reopened.stage, reopened.closed_at) == ("proposal", None)
    assert orders.deal_order(refit) is None
    assert get_customer(reopened.customer_id).revenue == Decimal("0")


def test_a_lost_deal_reopens_where_it_was_without_an_order(core_db, t0):
    customer = create_customer(t0, name="Bar Nord").id
    deal = deals.create_deal(customer, "Beans contract", "480", t0)
    deals.move_deal(deal.id, "negotiation", t0 + H)
    deals.move_deal(deal.id, "lost", t0 + 2 * H, reason="price")
    assert deals.reopening(deal.id).order is None
    reopened = deals.reopen_deal(deal.id, t0 + 3 * H)
    assert (reopened.stage, reopened.lost_reason) == ("negotiation", None)


def test_an_open_deal_is_not_reopened(core_db, t0, unchanged):
    customer = create_customer(t0, name="Bar Nord").id
    deal = deals.create_deal(customer, "Beans contract", "480", t0, stage="qualified")
    with unchanged(), pytest.raises(ValidationError, match="“Beans contract” is open \\(qualified\\): "
                                                          "only a won or lost deal reopens"):
        deals.reopen_deal(deal.id, t0 + H)


def test_reopen_in_the_composer_takes_the_latest_closed_deal_and_undo_brings_the_order_back(refit, t0):
    customer = deals.get_deal(refit).customer_id
    ctx = execute.Context(t0 + 3 * H, customer)
    outcome, change = changes.record(lambda: execute.execute(grammar.parse("/reopen", t0), ctx), "/reopen")
    assert outcome.message == "✓ deal “Café refit” reopened: won → proposal; its order of 2,700.00 EUR removed"
    assert orders.deal_order(refit) is None and OrderLine.select().count() == 0
    changes.undo(change, t0 + 4 * H)
    assert deals.get_deal(refit).stage == "won"
    assert orders.deal_order(refit).amount == Decimal("2700.00") and OrderLine.select().count() == 1


def test_reopen_without_a_closed_deal_says_so(core_db, t0, unchanged):
    customer = create_customer(t0, name="Bar Nord").id
    deals.create_deal(customer, "Beans contract", "480", t0)
    with unchanged(), pytest.raises(ValidationError, match="Bar Nord has no won or lost deal to reopen"):
        execute.execute(grammar.parse("/reopen", t0), execute.Context(t0, customer))
    with pytest.raises(ValidationError, match="/reopen takes nothing after it"):
        grammar.parse("/reopen now", t0)
