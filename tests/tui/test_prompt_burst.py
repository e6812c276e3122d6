"""Keys that arrive in one burst (tmux, an SSH packet carrying several keystrokes) are
handled in the order they were typed: the Enter after a typed path answers with it, the
Tab after a typed product name completes it."""

from __future__ import annotations

from textual import events

from solocrm_tui.core.sales import products
from solocrm_tui.modals.prompt import Prompt

from .conftest import settle
from .test_composer import composer_input


def burst(app, text: str, *then: str) -> None:
    """Every key posted to the app before any is handled, as one read of the terminal delivers them."""
    for character in text:
        app.post_message(events.Key(character, character))
    for key in then:
        app.post_message(events.Key(key, None))


async def test_enter_right_after_typed_text_answers_with_that_text(make_app):
    app = make_app("today")
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(Prompt("Import which file?"), answers.append)
        await settle(pilot)
        burst(app, "/tmp/products.csv", "enter")
        await settle(pilot)
        assert answers == ["/tmp/products.csv"]


async def test_tab_right_after_typed_text_completes_that_text(make_app, now):
    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    app = make_app("today")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        burst(app, "/buy 2x ek", "tab")
        await settle(pilot)
        assert composer_input(app).value == "/buy 2x Grinder EK43"
