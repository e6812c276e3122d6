"""Ask for one line of text (a tag, a reason, a date), optionally validated before closing.

An empty answer cancels, like Esc, unless the question needs an answer (`empty` says why
in the prompt): then it stays open, so the keys typed next go into it, not to the screen behind.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from solocrm_tui.core.errors import CRMError
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.footer import CRMFooter


class Prompt(ModalScreen[str | None]):
    BINDINGS = [
        # a priority binding: the Input's own Enter would answer first and hide it from the footer
        Binding("enter", "answer", "OK", priority=True, id="prompt.answer"),
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(self, question: str, *, placeholder: str = "", value: str = "",
                 check: Callable[[str], object] | None = None, empty: str | None = None) -> None:
        super().__init__()
        self.question, self.placeholder, self.value, self.check = question, placeholder, value, check
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(cell(self.question))  # it often quotes a title or a name
            yield Input(value=visible(self.value, lines=True), placeholder=self.placeholder,  # as in FormScreen
                        id="prompt-input")
            yield Label("", id="prompt-error", classes="field-error")
        yield CRMFooter(compact=True)

    def action_answer(self) -> None:
        """A priority binding runs as the key arrives, while keys typed just before it may
        still wait in the Input's queue (a burst from tmux, or one SSH packet): the answer is
        read after them."""
        self.query_one("#prompt-input", Input).call_later(self._answer)

    def _answer(self) -> None:
        text = self.query_one("#prompt-input", Input).value.strip()
        if not text:
            if self.empty:
                self.query_one("#prompt-error", Label).update(self.empty)
            else:
                self.dismiss(None)
            return
        if self.check is not None:
            try:
                self.check(text)
            except CRMError as exc:
                self.query_one("#prompt-error", Label).update(cell(exc))  # it may quote what was typed
                return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
