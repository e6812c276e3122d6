"""Two customers can share a name: @#id picks one, and a deal opened from a card keeps its customer."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input

from solocrm_tui.core.composer.execute import Context, resolve_customer
from solocrm_tui.core.contacts import customers, timeline
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import deals
from solocrm_tui.modals.deal_form import DealForm
from solocrm_tui.widgets.composer import ComposerLog

from .conftest import settle

SIZE = (120, 35)




def twins(now):
    first = customers.create_customer(now, name="Julia Kowalski", email="julia@one.example")
    second = customers.create_customer(now, name="Julia Kowalski", email="julia@two.example")
    return first, second


def test_an_ambiguous_name_lists_the_ids_to_use(db_path, now):
    first, second = twins(now)
    try:
        resolve_customer("julia kowalski", Context(now))
        raise AssertionError("two customers share the name: the mention is ambiguous")
    except ValidationError as exc:
        assert f"@#{first.id}" in str(exc) and f"@#{second.id}" in str(exc)
    assert resolve_customer(f"#{second.id}", Context(now)) == (second.id, f"Julia Kowalski #{second.id}")  # answers say which one


async def test_composer_targets_by_id_and_tab_completes_ids_for_shared_names(make_app, now):
    first, second = twins(now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *f"@#{second.id} met at the fair", "enter")
        await settle(pilot)
        assert [e.body for e in timeline.page_timeline(second.id).rows] == ["met at the fair"]
        assert timeline.page_timeline(first.id).rows == ()
        await pilot.press(*"/call @julia", "tab")
        await settle(pilot)
        log = " ".join(text for text, _ in app.screen.query_one(ComposerLog).items)
        assert f"@#{first.id}" in log and f"@#{second.id}" in log  # both offered, by id


async def test_new_deal_from_a_card_goes_to_that_customer_even_if_the_name_is_shared(make_app, now):
    first, second = twins(now)
    deals.create_deal(second.id, "Grinder", "900", now - timedelta(days=1))
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DealForm)
        assert form.query_one("#field-customer", Input).value == "Julia Kowalski"
        await pilot.press("tab", *"Beans", "tab", *"300", "enter")
        await settle(pilot)
        assert [d.title for d in deals.customer_deals(second.id)] == ["Beans", "Grinder"]
        assert deals.customer_deals(first.id) == []
