"""Pilot tests of the customer detail screen: profile card, the chat-like timeline
with its paging, and the orders / deals / follow-ups / tickets tabs.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from textual.widgets import DataTable, TabbedContent

from solocrm_tui.core import customers, followups, orders, pipeline, tickets
from solocrm_tui.core.models import Interaction as InteractionModel
from solocrm_tui.core.models import database
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.widgets.customer_table import CustomerTable
from solocrm_tui.widgets.profile_card import ProfileCard
from solocrm_tui.widgets.timeline import Bubble, DaySeparator, Timeline

SIZE = (120, 35)
TOTAL = 120


async def settle(pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def expected_side(kind: str, direction: str) -> str:
    return "system" if kind == "system" else ("inbound" if direction == "in" else "outbound")


@pytest.fixture
def alice(db_path, now):
    """Alice with 2 orders, 2 deals (one won), 2 follow-ups, a ticket and 120 timeline entries."""
    a = customers.create_customer(now, name="Alice Anderson", email="alice@example.com", company="Anderson Ltd",
                                  tags=["vip"])
    customers.create_customer(now, name="Bob Brown")
    orders.add_order(a.id, "1000", now - timedelta(days=40), description="first order")
    orders.add_order(a.id, "234", now - timedelta(days=3), description="refill")
    won = pipeline.create_deal(a.id, "Old project", "800", now - timedelta(days=60))
    pipeline.move_deal(won.id, "won", now - timedelta(days=50))
    pipeline.create_deal(a.id, "Website", "5000", now - timedelta(days=2))
    followups.create_followup("send quote", now + timedelta(days=2), now, customer_id=a.id)
    done = followups.create_followup("call back", now - timedelta(days=5), now, customer_id=a.id)
    followups.mark_done([done.id], now)
    tickets.open_ticket(a.id, "Login broken", now - timedelta(days=1))
    existing = InteractionModel.select().where(InteractionModel.customer == a.id).count()
    rows = []
    for i in range(TOTAL - existing):  # four entries a day going back from two days ago
        kind, direction = [("call", "out"), ("email", "in"), ("note", "out"), ("meeting", "in"),
                           ("system", "out")][i % 5]
        rows.append({"customer": a.id, "kind": kind, "direction": direction, "body": f"entry {i:03d}",
                     "occurred_at": now - timedelta(days=2, hours=6 * (i + 1))})
    with database.atomic():
        InteractionModel.insert_many(rows).execute()
    return a


def timeline_order(customer_id: int) -> list[int]:
    """Every entry id, newest first, as the timeline pages them."""
    I = InteractionModel
    return [i for (i,) in I.select(I.id).where(I.customer == customer_id)
            .order_by(I.occurred_at.desc(), I.id.desc()).tuples()]


async def open_alice(pilot, alice) -> CustomerScreen:
    await settle(pilot)
    table = pilot.app.screen.query_one(CustomerTable)
    assert table.current_id == alice.id  # sorted by name, Alice is first
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerScreen) and screen.customer_id == alice.id
    return screen


def bubble_ids(screen) -> list[int]:
    return [b.entry.id for b in screen.query(Bubble)]


async def test_profile_card_then_escape_back_to_the_list(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        text = screen.query_one(ProfileCard).visual.plain
        assert "Alice Anderson" in text
        assert "Anderson Ltd" in text
        assert "alice@example.com" in text
        assert "#vip" in text
        assert "1,234 (2 orders)" in text
        assert "3d ago" in text  # last order
        assert screen.sub_title == "Alice Anderson"
        assert app.focused is screen.query_one(Timeline)

        await pilot.press("escape")  # back to the list, on Alice's row
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert app.screen.query_one(CustomerTable).current_id == alice.id


async def test_timeline_shows_the_newest_page_and_o_loads_older(make_app, alice):
    order = timeline_order(alice.id)
    assert len(order) == TOTAL
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        assert len(screen.query(Bubble)) == 50
        assert bubble_ids(screen) == order[:50][::-1]  # newest at the bottom
        assert timeline.has_older and timeline.scroll_y > 0  # scrolled to the newest

        await pilot.press("o")
        await settle(pilot)
        assert len(screen.query(Bubble)) == 100
        assert bubble_ids(screen) == order[:100][::-1]

        await pilot.press("o")
        await settle(pilot)
        assert len(screen.query(Bubble)) == TOTAL
        assert bubble_ids(screen) == order[::-1]
        assert not timeline.has_older

        await pilot.press("o")  # nothing older: nothing happens
        await settle(pilot)
        assert len(screen.query(Bubble)) == TOTAL


async def test_scrolling_to_the_top_loads_older_entries(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        assert timeline.scroll_y > 0
        timeline.scroll_home(animate=False)
        await settle(pilot)
        assert len(screen.query(Bubble)) == 100
        assert timeline.scroll_y > 0  # kept in place: the entry the owner looked at did not jump


async def test_sides_classes_and_day_separators(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        await pilot.press("o")
        await settle(pilot)
        sides = set()
        for bubble in screen.query(Bubble):
            side = expected_side(bubble.entry.kind, bubble.entry.direction)
            sides.add(side)
            assert bubble.has_class("bubble-row", side)
            assert [s for s in ("outbound", "inbound", "system") if bubble.has_class(s)] == [side]
            inner = bubble.query_one(".bubble")
            assert inner.has_class(side)
        assert sides == {"outbound", "inbound", "system"}

        # one separator per day, each right before that day's first entry, none duplicated by paging
        children = list(screen.query_one(Timeline).children)
        days = [c.day for c in children if isinstance(c, DaySeparator)]
        bubble_days = [b.entry.occurred_at.date() for b in screen.query(Bubble)]
        assert days == sorted(set(bubble_days))
        assert isinstance(children[0], DaySeparator)
        for before, after in pairwise(children):
            if isinstance(after, Bubble) and isinstance(before, Bubble):
                assert before.entry.occurred_at.date() == after.entry.occurred_at.date()
            if isinstance(before, DaySeparator):
                assert isinstance(after, Bubble) and after.entry.occurred_at.date() == before.day


async def test_tabs_show_orders_deals_followups_and_tickets(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        tabs = screen.query_one("#tabs", TabbedContent)
        expected = {"orders": 2, "deals": 2, "followups": 2, "tickets": 1}
        for key, count in expected.items():
            assert screen.query_one(f"#table-{key}", DataTable).row_count == count
            assert str(tabs.get_tab(f"tab-{key}").label).endswith(f"({count})")
        orders_table = screen.query_one("#table-orders", DataTable)
        assert [orders_table.get_row_at(i)[1:] for i in range(2)] == [["234.00 EUR", "refill"],
                                                                       ["1000.00 EUR", "first order"]]
        deals_table = screen.query_one("#table-deals", DataTable)
        assert {tuple(deals_table.get_row_at(i)[:2]) for i in range(2)} == {("Website", "lead"),
                                                                             ("Old project", "won")}
        tickets_table = screen.query_one("#table-tickets", DataTable)
        assert tickets_table.get_row_at(0)[1:3] == ["Login broken", "open"]

        assert tabs.active == "tab-timeline"
        await pilot.press("right_square_bracket")
        assert tabs.active == "tab-orders"
        await pilot.press("left_square_bracket", "left_square_bracket")  # wraps round
        assert tabs.active == "tab-tickets"
