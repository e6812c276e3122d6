"""Pipeline `o` (pilot): in the won/lost list (`r`) a closed deal is selected with j/k and
reopened to the stage it closed from; removing a win's order is asked first, and ctrl+z
brings the win and its order back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from textual.widgets import Label, Static

from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.sales import deal_lines, deals, orders, products
from solocrm_tui.modals.confirm import Confirm

from .conftest import settle

D = timedelta(days=1)
SIZE = (120, 35)


@pytest.fixture
def closed(db_path, now) -> dict:
    """“Café refit” won 2 days ago from proposal (2× EK43); “Beans contract” lost 5 days ago
    from negotiation; an open deal keeps the board."""
    products.add_product("Grinder EK43", now, sku="EK43", price="1350", cost="900")
    cafe = create_customer(now - 30 * D, name="Café Lumen").id
    refit = deals.create_deal(cafe, "Café refit", "0", now - 20 * D, stage="proposal")
    deal_lines.add_lines(refit.id, products.resolve(products.parse_items("2x EK43")), now - 20 * D)
    deals.move_deal(refit.id, "won", now - 2 * D)
    bar = create_customer(now - 30 * D, name="Bar Nord").id
    beans = deals.create_deal(bar, "Beans contract", "480", now - 20 * D, stage="negotiation")
    deals.move_deal(beans.id, "lost", now - 5 * D, reason="price")
    deals.create_deal(bar, "Tasting day", "300", now - D)
    return {"cafe": cafe, "refit": refit.id, "beans": beans.id}


def recent_lines(app) -> list[str]:
    return str(app.screen.query_one("#recent", Static).render()).splitlines()[1:]


def footer_keys(app) -> set[str]:
    return {binding.id for _, binding, enabled, _ in app.screen.active_bindings.values() if enabled and binding.id}


async def test_o_reopens_the_selected_won_deal_after_asking_and_ctrl_z_wins_it_again(closed, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "pipeline.reopen" not in footer_keys(app)  # only in the won/lost list
        await pilot.press("r")
        await settle(pilot)
        assert "pipeline.reopen" in footer_keys(app)
        assert "Café refit" in recent_lines(app)[0]
        await pilot.press("j", "k", "o")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "Reopening “Café refit” removes its order of 2,700.00 EUR" in str(
            app.screen.query_one(Label).render())
        await pilot.press("y")
        await settle(pilot)
        assert deals.get_deal(closed["refit"]).stage == "proposal"
        assert get_customer(closed["cafe"]).revenue == Decimal(0) and orders.deal_order(closed["refit"]) is None
        assert "Café refit" not in "\n".join(recent_lines(app))

        await pilot.press("ctrl+z")
        await settle(pilot)
        assert deals.get_deal(closed["refit"]).stage == "won"
        assert get_customer(closed["cafe"]).revenue == Decimal("2700.00")
        assert len(orders.order_lines(orders.deal_order(closed["refit"]).id)) == 1


async def test_a_lost_deal_reopens_without_a_question(closed, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert "Beans contract" in recent_lines(app)[1]
        await pilot.press("o")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        assert deals.get_deal(closed["beans"]).stage == "negotiation"


async def test_n_keeps_the_win(closed, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert deals.get_deal(closed["refit"]).stage == "won" and orders.deal_order(closed["refit"]) is not None
