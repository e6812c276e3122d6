"""The theme in config.toml: checked against Textual's themes at start, kept by a one-line
edit that leaves the owner's other settings and comments as they were."""

from __future__ import annotations

import tomllib

import pytest

from solocrm_tui import themes
from solocrm_tui.cli import main
from solocrm_tui.config import keep_theme, load_config, parse_config
from solocrm_tui.core.errors import ValidationError

OWNERS_FILE = """\
# my settings
currency = "USD"   # we bill in dollars

[notifications]
bell = false  # quiet please
"""


def test_theme_is_a_top_level_setting(tmp_path):
    assert parse_config({}).theme is None
    assert parse_config({"theme": "nord"}).theme == "nord"
    with pytest.raises(ValidationError, match="config: theme must be str"):
        parse_config({"theme": 3})


def test_an_unknown_theme_is_one_line_naming_the_choices():
    with pytest.raises(ValidationError) as caught:
        themes.check_theme("nrod")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith('config: theme "nrod" is not a theme (did you mean nord?')
    themes.check_theme("textual-light")


def test_the_cli_refuses_an_unknown_theme_in_one_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "config.toml"
    path.write_text('theme = "no-such-theme"\n', encoding="utf-8")
    monkeypatch.setenv("SOLOCRM_CONFIG", str(path))
    assert main(["--db", str(tmp_path / "crm.db"), "today"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'theme "no-such-theme" is not a theme' in err


def test_keeping_a_theme_adds_one_line_above_the_tables_and_keeps_the_rest(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(OWNERS_FILE, encoding="utf-8")
    keep_theme(path, "nord")
    text = path.read_text(encoding="utf-8")
    assert text == OWNERS_FILE.replace("\n[notifications]", 'theme = "nord"\n\n[notifications]', 1)
    assert load_config(path).theme == "nord"
    assert load_config(path).currency == "USD" and load_config(path).notifications.bell is False

    keep_theme(path, "gruvbox")  # a second pick changes that line only
    assert path.read_text(encoding="utf-8") == text.replace('"nord"', '"gruvbox"')


def test_keeping_a_theme_keeps_a_comment_on_its_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("theme = 'nord'  # picked in the palette\n[jobs]\nbackups_kept = 3\n", encoding="utf-8")
    keep_theme(path, "dracula")
    assert path.read_text(encoding="utf-8") == 'theme = "dracula"  # picked in the palette\n[jobs]\nbackups_kept = 3\n'


def test_keeping_a_theme_creates_a_missing_file(tmp_path):
    path = tmp_path / "new" / "config.toml"
    keep_theme(path, "nord")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {"theme": "nord"}


def test_a_file_that_is_not_toml_is_left_alone(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("currency = \n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid TOML"):
        keep_theme(path, "nord")
    assert path.read_text(encoding="utf-8") == "currency = \n"


@pytest.mark.parametrize("color_system, theme", [("truecolor", "textual-dark"), ("256", "textual-dark"),
                                                 ("standard", "ansi-dark"), (None, "ansi-dark")])
def test_the_default_theme_follows_the_terminals_colours(color_system, theme):
    assert themes.default_theme(color_system) == theme
