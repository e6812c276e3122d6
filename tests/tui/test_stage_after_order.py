"""Pilot test: an order typed in the composer re-stages the customer on the spot, and the
card does not put the last refit's churn risk beside it: that score still counts the
silence the order just ended, so it waits for the next refit."""

from __future__ import annotations

from datetime import timedelta

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.lifecycle import Rules, restage
from solocrm_tui.core.sales import orders
from solocrm_tui.core.storage.models import Customer, ModelRun
from solocrm_tui.widgets.profile_card import ProfileCard

from .conftest import settle
from .test_composer import ok, send

D = timedelta(days=1)


async def test_buying_today_turns_an_at_risk_card_active_with_the_risk_pending(make_app, db_path, now):
    gina = customers.create_customer(now - 500 * D, name="Gina Gone")
    orders.add_order(gina.id, "80", now - 400 * D)
    ModelRun.insert(kind="churn", trained_at=now - D, as_of=now - D, sample_size=1).execute()
    Customer.update(churn_risk=0.95, churn_why="400 days since the last order").where(
        Customer.id == gina.id).execute()
    restage(now, Rules())
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        card = pilot.app.screen.query_one(ProfileCard)
        assert "churn risk   95% no buy in 90d" in card.text
        assert "stage        at risk" in card.text

        ok(await send(pilot, "/buy 50 espresso"))
        await settle(pilot)
        text = card.text
        assert "stage        active" in text
        assert "churn risk   refit pending: bought since the last fit" in text
        assert "95%" not in text and "400 days since" not in text
