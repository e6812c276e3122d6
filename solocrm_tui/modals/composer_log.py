"""The full composer log (ctrl+l or /log): everything said this session, to scroll back
through from the keyboard. The few lines under each screen show only the recent tail."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from solocrm_tui.widgets.composer import ComposerLog
from solocrm_tui.widgets.footer import CRMFooter


class FullLog(ComposerLog, can_focus=True):
    """The composer's log, focusable, so ↑/↓, PgUp/PgDn and Home/End scroll it."""


class LogScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,ctrl+l", "dismiss", "Close", id="log.close")]

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="log-dialog"):
            yield Label("Composer log · ↑↓ PgUp PgDn Home End scroll · Esc closes", classes="dialog-title")
            yield FullLog(id="full-log")
        yield CRMFooter(compact=True)

    def on_mount(self) -> None:
        log = self.query_one(FullLog)
        log.show(self.lines or [("nothing said yet: type a note or a /command below", "hint")])
        log.focus()
