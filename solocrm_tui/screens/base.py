"""What every screen has: the header, the composer and the footer around its body."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from solocrm_tui import work
from solocrm_tui.widgets.composer import Composer
from solocrm_tui.widgets.footer import CRMFooter
from solocrm_tui.work import ReportWorkerErrors


class CRMScreen(ReportWorkerErrors, Screen):
    _restyle_on_resume = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=True)
        yield from self.compose_body()
        yield Composer()
        yield CRMFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual restyles every node of a screen when it resumes. The first resume comes
        right after mounting styled them all, so that pass only repeats work: it was a
        quarter of the time to open a customer. Later resumes restyle as usual (the theme
        may have changed while the screen was hidden). Textual calls this before Screen's
        own handler of the same name."""
        if not self._restyle_on_resume:
            self._restyle_on_resume = True
            event.refresh_styles = False

    @on(events.ScreenResume)
    def catch_up_composer(self) -> None:
        """Coming back to a screen (mode switch, Esc from a pushed screen) sends no Show to
        its composer, so bring its log up to date with what was said on the other screens."""
        for composer in self.query(Composer):
            composer.catch_up()

    def action_search(self, text: str = "") -> None:
        """ctrl+f and /find: find anything over this screen; the search screen itself takes
        the new query instead of opening a second one."""
        self.app.action_search(text)

    def cannot(self, why: str) -> None:
        """A key that can do nothing here says why in one line, instead of nothing at all."""
        work.toast(self.app, why, severity="warning")

    def focus_main(self) -> None:
        """Give focus back to the screen's main widget (used by Esc in the composer)."""
        self.focus_next()

    def reload(self) -> None:
        """Read again what the screen shows: data changed (DataChanged reaches the visible screen)."""

    def focused_customer_id(self) -> int | None:
        """The customer the composer acts on when no @name is given."""
        return None
