"""Pilot test: the profile card shows the customer's margin and contribution share, and
says how many of their orders have no cost (those are left out, not read as free)."""

from __future__ import annotations

from datetime import timedelta

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.sales import orders
from solocrm_tui.widgets.profile_card import ProfileCard

from .conftest import settle


async def test_profile_card_shows_margin_and_contribution_share(make_app, db_path, now):
    """Alice: 1,000 − 600 and 234 without a cost (margin 400). Bob: 200 − 100. Book margin 500."""
    alice = customers.create_customer(now, name="Alice Anderson")
    bob = customers.create_customer(now, name="Bob Brown")
    orders.add_order(alice.id, "1000", now, ordered_at=now - timedelta(days=40), cost="600")
    orders.add_order(alice.id, "234", now, ordered_at=now - timedelta(days=3))
    orders.add_order(bob.id, "200", now, ordered_at=now - timedelta(days=5), cost="100")
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # sorted by name, Alice is first
        await settle(pilot)
        text = pilot.app.screen.query_one(ProfileCard).text
        assert "margin       400 (40% rate)" in text  # of the sales with a cost
        assert "contribution 80.0% of book" in text
        assert "no cost      1 order left out of the margin" in text
