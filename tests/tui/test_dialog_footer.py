"""Dialogs (pilot): each one's footer says how to answer it (its own keys), not the keys of
the screen behind it, and a form taller than 80x24 scrolls to the field being typed in."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.storage.models import Deal as DealModel

from .conftest import settle
from .test_layout import screen_lines

SMALL = (80, 24)


@pytest.fixture
def book(now):
    ann = create_customer(now, name="Ann Lee").id
    create_deal(ann, "Website relaunch", "12500", now)


async def footer_after(app, *keys: str) -> str:
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        return screen_lines(app)[-1]


@pytest.mark.parametrize(("mode", "keys", "shown", "behind"), [
    ("pipeline", ("n",), ("^s Save", "esc Cancel"), ("Column", "Won", "Lost", "Quit")),
    ("pipeline", ("x",), ("⏎ OK", "esc Cancel"), ("Column", "Won", "Quit")),
    ("customers", ("x",), ("y Yes", "n No"), ("Archive", "Quit")),
    ("customers", ("question_mark",), ("esc Close",), ("Archive", "Quit")),
], ids=["deal_form", "lost_prompt", "archive_confirm", "help"])
async def test_a_dialog_footer_shows_its_own_keys(make_app, book, mode, keys, shown, behind):
    footer = await footer_after(make_app(mode), *keys)
    assert all(key in footer for key in shown), footer
    assert not any(word in footer for word in behind), footer


@pytest.mark.parametrize(("keys", "shown"), [(("a",), "^s Save"), (("i",), "⏎ OK")], ids=["add", "import"])
async def test_first_steps_dialogs_do_not_offer_the_first_steps(make_app, keys, shown):
    footer = await footer_after(make_app("today"), *keys)
    assert shown in footer and "esc Cancel" in footer
    assert not any(word in footer for word in ("Add customer", "Import CSV", "Try the demo")), footer


async def test_the_new_deal_form_at_80x24_scrolls_to_each_field_and_saves_by_keys(make_app, book):
    app = make_app("pipeline")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        fields = list(app.screen.query(Input))
        for field in fields:
            field.value = {"field-customer": "Ann Lee", "field-title": "Hosting", "field-value": "900"}.get(field.id, "")
        for _ in fields[1:]:
            await pilot.press("tab")
            await settle(pilot)
            focused = app.screen.focused
            assert 0 <= focused.region.y and focused.region.bottom <= SMALL[1] - 1, focused.id  # above the footer
        assert app.screen.focused.id == "field-expected_close"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert DealModel.select().where(DealModel.title == "Hosting").count() == 1
