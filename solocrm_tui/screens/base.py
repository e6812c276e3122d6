"""What every screen has: the header, the composer and the footer around its body."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from solocrm_tui.widgets.composer import Composer


class CRMScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield from self.compose_body()
        yield Composer()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def focus_main(self) -> None:
        """Give focus back to the screen's main widget (used by Esc in the composer)."""
        self.focus_next()

    def focused_customer_id(self) -> int | None:
        """The customer the composer acts on when no @name is given."""
        return None
