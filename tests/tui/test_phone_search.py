"""A phone number typed into the Customers filter or find anything finds the customer with
that number however either side wrote it: the query's key is looked up in the phone keys."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from solocrm_tui.core import validate
from solocrm_tui.core.contacts import customers
from solocrm_tui.screens.search import SearchScreen
from solocrm_tui.widgets.customer_table import CustomerTable

from .conftest import settle
from .test_customer_filter import name_cells
from .test_search import rows

SIZE = (120, 35)


@pytest.fixture
def book(now, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    customers.create_customer(now, name="Ann Lee", phone="+49 (0)170 1234567")
    customers.create_customer(now, name="Bob Ray", phone="+49 30 7654321")
    customers.create_customer(now, name="Cid 0170", company="Tel 1234567")


@pytest.mark.parametrize("typed", ["0170 1234567", "+491701234567", "0049 170 123 45 67"])
async def test_the_customers_filter_finds_a_phone_however_it_was_written(make_app, book, typed):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *typed)
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == typed
        assert "Ann Lee" in name_cells(app.screen.query_one(CustomerTable))
        assert "Bob Ray" not in name_cells(app.screen.query_one(CustomerTable))


async def test_the_filter_keeps_finding_the_words_of_a_number(make_app, book):
    """The text search stays: a name or company holding the digits is found too."""
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"0170 1234567")
        await settle(pilot)
        assert sorted(name_cells(app.screen.query_one(CustomerTable))) == ["Ann Lee", "Cid 0170"]


@pytest.mark.parametrize("typed", ["+491701234567", "0170 1234567"])
async def test_find_anything_lists_the_customer_with_that_phone_first(make_app, book, typed):
    async with make_app("today").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SearchScreen)
        await pilot.press(*typed)
        await settle(pilot)
        found = rows(pilot.app)
        assert found[0][:3] == ["Ann Lee", "", "customer"]
        assert "Bob Ray" not in [r[0] for r in found]


async def test_find_anything_shows_the_phones_customer_before_name_matches(make_app, book, now):
    """More customers hold the digits in their names than find anything lists by name: the
    customer whose phone it is still comes first."""
    for n in range(6):
        customers.create_customer(now, name=f"Aaron {n}", company="Tel 0170 1234567")
    async with make_app("today").run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f", *"0170 1234567")
        await settle(pilot)
        assert [r[0] for r in rows(pilot.app)][:2] == ["Ann Lee", "Aaron 0"]
