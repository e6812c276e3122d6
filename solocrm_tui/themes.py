"""Which theme the app starts with, the check of `theme` in config.toml, and keeping
the theme picked in the command palette there for the next start.

The default depends on the terminal's colours. On a 256-colour or true-colour terminal
"textual-dark" paints its own background, so it reads the same whatever the terminal's
background is. On a 16-colour terminal Textual can only ask for colours 0-15, which a
light profile often redefines (its "white" may be dark, its "black" the background), so
text meant to be light on dark can vanish; "ansi-dark" draws in the terminal's own
default foreground and background and uses the palette only for accents, so it stays
readable on light and dark 16-colour terminals alike.
"""

from __future__ import annotations

import difflib

from textual.theme import BUILTIN_THEMES, Theme

from solocrm_tui import paths, work
from solocrm_tui.config import Config, keep_theme
from solocrm_tui.core.errors import CRMError, ValidationError

FULL_COLOUR_THEME = "textual-dark"
SIXTEEN_COLOUR_THEME = "ansi-dark"


def default_theme(color_system: str | None) -> str:
    """The theme for a terminal with Rich's `color_system` ("standard" is 16 colours)."""
    return FULL_COLOUR_THEME if color_system in ("256", "truecolor") else SIXTEEN_COLOUR_THEME


def check_theme(name: str) -> None:
    if name not in BUILTIN_THEMES:
        close = difflib.get_close_matches(name, BUILTIN_THEMES, n=2)
        hint = f"did you mean {' or '.join(close)}?" if close else "ctrl+p → Change theme lists them"
        raise ValidationError(f'config: theme "{name}" is not a theme ({hint})')


class KeepsTheme:
    """App mixin: start on the configured (or default) theme, and write a new pick back."""

    config: Config
    kept_theme = ""  # what config.toml says (or the default), so a pick differs from it

    def start_theme(self) -> None:
        self.theme = self.kept_theme = self.config.theme or default_theme(self.console.color_system)
        self.theme_changed_signal.subscribe(self, self.remember_theme)

    def remember_theme(self, theme: Theme) -> None:
        if theme.name == self.kept_theme:
            return
        try:
            keep_theme(paths.config_path(), theme.name)
        except OSError as exc:
            work.toast(self, f"theme not kept: {exc.strerror or exc}", severity="error")
        except CRMError as exc:
            work.toast(self, f"theme not kept: {exc}", severity="error")
        else:
            self.kept_theme = theme.name
