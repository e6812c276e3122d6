"""What every screen has: the header, the composer and the footer around its body."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Header

from solocrm_tui import work
from solocrm_tui.messages import DataChanged
from solocrm_tui.widgets.composer import Composer
from solocrm_tui.widgets.footer import CRMFooter
from solocrm_tui.work import ReportWorkerErrors


class CRMScreen(ReportWorkerErrors, Screen):
    _restyle_on_resume = False
    _hidden = False  # suspended since last shown: the next resume is a return
    READ_ON_RETURN = False  # read again every time the screen is shown again, changed or not
    stale = False  # data changed while the screen was hidden: it reads again when shown

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

    @on(events.Mount)
    def listen_for_changes(self) -> None:
        self.app.data_changed.subscribe(self, self.data_changed, immediate=True)

    def data_changed(self, _changed: DataChanged) -> None:
        """Every screen hears of every change: the one showing reads again now, the hidden
        ones when they are shown (a customer left open under the Pipeline showed the revenue
        of before a win made there)."""
        if self.is_current:
            self.reload()
        else:
            self.stale = True

    @on(events.ScreenSuspend)
    def hidden(self) -> None:
        self._hidden = True

    @on(events.ScreenResume)
    def read_again_if_stale(self) -> None:
        """Shown again: read again only what changed meanwhile, so switching screens costs
        no reads. Screens with READ_ON_RETURN (the lists, cheap to read) read on every
        return: time moves their "due" and "days ago", and another app or the CLI may have
        written to the book. Never on the resumes of start-up, which follow the mount's own
        load: two loads side by side each ran twice as slow (one GIL)."""
        if self._hidden and (self.stale or self.READ_ON_RETURN):
            self.stale = False
            self.reload()
        self._hidden = False

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
        """Read again what the screen shows: data changed (see data_changed)."""

    def focused_customer_id(self) -> int | None:
        """The customer the composer acts on when no @name is given."""
        return None

    def focused_deal_id(self) -> int | None:
        """The deal selected here, which /won, /item, /quote and /reopen act on when it is the
        customer's (else the deal last worked on)."""
        return None
