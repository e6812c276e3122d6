"""Tab completes template names (templates/*.md beside the config) in the composer's
/template and in /email's template argument, typed through the real Input."""

from __future__ import annotations

from solocrm_tui import paths

from .conftest import settle
from .test_composer import SIZE, composer_input, log_lines

ALL_THREE = ("follow-up  offer-spring  offer-winter", "hint")


async def test_tab_completes_template_names(make_app):
    folder = paths.templates_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("follow-up", "offer-spring", "offer-winter"):
        (folder / f"{name}.md").write_text(f"Subject: {name}\n\nHallo {{first_name}}\n", encoding="utf-8")
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        field = composer_input(app)
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)

        async def tab_after(typed: str) -> str:
            field.value = ""
            await pilot.press(*typed, "tab")
            await settle(pilot)
            return field.value

        assert await tab_after("/template fo") == "/template follow-up"
        assert app.focused is field
        assert await tab_after("/template ") == "/template "  # three templates: listed, nothing picked
        assert log_lines(app)[-1] == ALL_THREE
        assert await tab_after("/email @ann ") == "/email @ann "
        assert log_lines(app)[-1] == ALL_THREE
        assert await tab_after("/email @ann off") == "/email @ann off"
        assert log_lines(app)[-1] == ("offer-spring  offer-winter", "hint")
        assert await tab_after('/email @"Ann Lee" offer-w') == '/email @"Ann Lee" offer-winter'
        assert await tab_after("/template @ann F") == "/template @ann follow-up"
        assert await tab_after("/email< @ann fo") == "/email< @ann fo"  # inbound, logged by hand: no template
