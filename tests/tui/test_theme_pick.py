"""Theme (pilot): the configured theme is applied at start; a theme picked in the command
palette is written back to config.toml, the owner's other settings untouched."""

from __future__ import annotations

from solocrm_tui import paths
from solocrm_tui.config import Config, load_config

from .conftest import settle, wait_until

SIZE = (120, 35)


async def test_the_configured_theme_is_applied_at_start(make_app):
    app = make_app("today", config=Config(theme="nord"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
    assert not paths.config_path().exists()  # starting writes nothing


async def test_a_theme_picked_in_the_palette_is_kept_in_config(make_app):
    config = paths.config_path()
    config.write_text('currency = "USD"  # dollars\n', encoding="utf-8")
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await wait_until(pilot, lambda: "theme" in str(app.screen.query("CommandList").first().get_option_at_index(0).prompt).lower(),
                         "the theme command")
        await pilot.press("enter")
        await pilot.press(*"gruvbox")
        await wait_until(pilot, lambda: "gruvbox" in str(app.screen.query("CommandList").first().get_option_at_index(0).prompt),
                         "gruvbox in the list")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "gruvbox", "the picked theme")
        await settle(pilot)
    assert config.read_text(encoding="utf-8") == 'currency = "USD"  # dollars\ntheme = "gruvbox"\n'
    assert load_config(config).theme == "gruvbox"


async def test_a_sixteen_colour_terminal_starts_on_the_terminals_own_colours(make_app, monkeypatch):
    monkeypatch.delenv("COLORTERM")
    monkeypatch.setenv("TERM", "xterm")
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "ansi-dark"
    assert not paths.config_path().exists()
