"""Merging two marked customers (picking per field which value wins) and forgetting one, from the list."""

from __future__ import annotations

from textual.widgets import RadioSet

from solocrm_tui.core.contacts import customers, timeline
from solocrm_tui.core.errors import NotFound
from solocrm_tui.core.sales import orders
from solocrm_tui.core.storage.models import Erasure
from solocrm_tui.core.storage.models import Order as OrderModel
from solocrm_tui.modals.merge_form import MergeForm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.widgets.customer_table import CustomerTable

from .conftest import settle

SIZE = (120, 35)




def seed(now):
    a = customers.create_customer(now, name="Ann Lee", email="ann@work.example", phone="+49 30 1111111",
                                  city="Berlin", tags=["vip"])
    b = customers.create_customer(now, name="Ann Lee-Smith", email="ann@home.example", city="Hamburg",
                                  company="Lee Design", tags=["newsletter"])
    orders.add_order(a.id, "100", now)
    orders.add_order(b.id, "50", now)
    timeline.add_interaction(b.id, "call", "asked for a quote", now)
    return a, b


async def test_merge_two_marked_customers_with_per_field_choice(make_app, now):
    a, b = seed(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        await pilot.press("space", "space")  # marks Ann Lee, then Ann Lee-Smith (name order)
        assert table.marked == {a.id, b.id}
        await pilot.press("m")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, MergeForm)
        assert set(form.differing) == {"name", "email", "city"}  # company and phone: only one side has them
        city = form.query_one("#pick-city", RadioSet)
        city.query("RadioButton")[1].value = True  # take Hamburg from the other record
        await pilot.press("ctrl+s")
        await settle(pilot)
        kept = customers.get_customer(a.id)
        assert kept.city == "Hamburg" and kept.email == "ann@work.example" and kept.name == "Ann Lee"
        assert kept.company == "Lee Design" and kept.phone == "+49 30 1111111"  # empty fields filled
        assert set(kept.tags) == {"vip", "newsletter"}
        assert str(kept.revenue) == "150.00" and kept.order_count == 2
        assert any(e.body == "asked for a quote" for e in timeline.page_timeline(a.id).rows)
        try:
            customers.get_customer(b.id)
            raise AssertionError("the other record should be gone")
        except NotFound:
            pass
        assert table.row_count == 1

        # ctrl+z takes the merge back through its batch
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert app.session.lines[-1] == (f"↶ undid merging #{b.id} into #{a.id}", "answer")
        assert customers.get_customer(b.id).city == "Hamburg" and customers.get_customer(a.id).city == "Berlin"
        assert table.row_count == 2


async def test_names_and_values_in_the_merge_form_are_text_not_markup(make_app, now):
    # Emails can no longer hold brackets (email-validator refuses them): the company carries the markup.
    a = customers.create_customer(now, name="Ann [/] Lee", company="Acme [b]")
    b = customers.create_customer(now, name="Ann [b]Lee", company="[/] Co")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "m")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, MergeForm)
        assert app.focused is form.query_one("#keep", RadioSet)
        shown = {str(button.label) for button in form.query("RadioButton")}
        assert {f"#{a.id} Ann [/] Lee", f"#{b.id} Ann [b]Lee", "Acme [b]", "[/] Co"} <= shown
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert customers.get_customer(a.id).company == "Acme [b]"


async def test_merge_needs_exactly_two_marked(make_app, now):
    seed(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "m")
        await settle(pilot)
        assert not isinstance(app.screen, MergeForm)
        assert any("exactly two" in n.message for n in app._notifications)


async def test_forget_asks_for_the_word_then_erases(make_app, now):
    a, b = seed(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("F")
        assert isinstance(app.screen, Prompt)
        await pilot.press(*"yes", "enter")  # not the confirmation word: nothing happens
        assert isinstance(app.screen, Prompt)
        await pilot.press("ctrl+a", "ctrl+k", *"forget", "enter")
        await settle(pilot)
        try:
            customers.get_customer(a.id)
            raise AssertionError("the customer should be erased")
        except NotFound:
            pass
        assert OrderModel.select().where(OrderModel.customer.is_null()).count() == 1  # kept, anonymised
        assert Erasure.select().count() == 1
        assert [int(r.key.value) for r in app.screen.query_one(CustomerTable).ordered_rows] == [b.id]
