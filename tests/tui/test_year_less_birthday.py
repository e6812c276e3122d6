"""Pilot test: a birthday without a year (Google's `--07-23`) reads "23 Jul" on the card and
survives an edit of the customer through the form."""

from __future__ import annotations

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.storage.models import database
from solocrm_tui.modals.customer_form import CustomerForm
from solocrm_tui.widgets.profile_card import ProfileCard

from .conftest import settle


async def test_year_less_birthday_is_shown_and_kept_by_the_form(make_app, now):
    ann = customers.create_customer(now, name="Ann Lee", birthday="--07-23")
    async with make_app("customers").run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "birthday     23 Jul" in pilot.app.screen.query_one(ProfileCard).text
        await pilot.press("e")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, CustomerForm)
        assert form.query_one("#field-birthday").value == "--07-23"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert database.execute_sql("SELECT birthday, birthday_md FROM customer WHERE id = ?",
                                (ann.id,)).fetchone() == (None, "07-23")
