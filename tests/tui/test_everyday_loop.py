"""The everyday loop as the owner drives it, through the real keys and the real Input:
pre-filled commands keep their prefix, and a customer opened from any screen returns
there on Esc."""

from __future__ import annotations

from datetime import timedelta

import pytest

from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.today import TodayScreen

from .conftest import settle

SIZE = (120, 35)


@pytest.fixture
def ann(db_path, now):
    person = customers.create_customer(now, name="Ann Archer")
    followups.create_followup("renewal", now - timedelta(hours=1), now, customer_id=person.id)
    create_deal(person.id, "Website", "5000", now)
    return person


def newest_entry(customer_id: int):
    return page_timeline(customer_id, None, 1).rows[-1]


async def type_line(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_c_on_the_customer_screen_logs_a_call_with_what_is_typed_next(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        await pilot.press("c")
        await type_line(pilot, "talked about the renewal")
        entry = newest_entry(ann.id)
        assert (entry.kind, entry.body) == ("call", "talked about the renewal")


async def test_f_on_the_customer_screen_sets_a_follow_up(make_app, ann, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f")
        await type_line(pilot, "tomorrow send the quote")
        titles = [f.title for f in followups.customer_followups(ann.id)]
        assert "send the quote" in titles


async def test_c_on_today_logs_a_call_on_the_row_s_customer(make_app, ann):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await type_line(pilot, "left a voicemail")
        entry = newest_entry(ann.id)
        assert (entry.kind, entry.body) == ("call", "left a voicemail")


@pytest.mark.parametrize(("mode", "origin"), [("today", TodayScreen), ("customers", CustomersScreen),
                                              ("pipeline", PipelineScreen)])
async def test_esc_from_a_customer_returns_to_where_it_was_opened(make_app, ann, mode, origin):
    app = make_app(mode)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == ann.id
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_mode == mode and isinstance(app.screen, origin)
