"""The help screen (`?`, `/help`): this screen's keys first, then the keys that work
everywhere, then every composer command with its syntax.

The keys are read from the bindings active on the screen beneath (with the owner's
keymap applied), and the commands from the composer's grammar, so the list cannot drift
from what the app really answers to. Textual's own widget keys (a table's cursor keys)
are summed up in one line at the end instead of crowding out the app's.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from solocrm_tui.core.composer.grammar import COMMANDS
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.footer import CRMFooter

KEY_WIDTH = 12
MOVING = "↑ ↓ PgUp PgDn Home End move in lists and tables; Tab moves between fields; Esc goes back."


def key_rows(screen: Screen) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(keys, description) of the screen's own bindings and of the app's global ones, the
    ones in the footer first. Only bindings with an id are the app's (house rule: every
    binding has one); Textual's widget keys have none."""
    own: dict[tuple[int, str], list[str]] = {}
    described: dict[tuple[int, str], tuple[bool, str]] = {}
    chain = sorted(screen.active_bindings.items(), key=lambda pair: not pair[1].binding.show)
    for key, active in chain:
        binding = active.binding
        if not binding.id or not binding.description:
            continue
        slot = (id(active.node), binding.id)
        own.setdefault(slot, []).append(screen.app.get_key_display(binding) or key)
        described[slot] = (active.node is screen.app, binding.description)
    screen_keys, global_keys = [], []
    for slot, keys in own.items():
        is_global, description = described[slot]
        (global_keys if is_global else screen_keys).append(("/".join(keys), description))
    palette = Binding(screen.app.COMMAND_PALETTE_BINDING, "command_palette")
    global_keys.append((screen.app.get_key_display(palette), "Command palette: every action by name"))
    return screen_keys, global_keys


def help_text(screen: Screen) -> list[str]:
    """The help screen's lines, plain text."""
    screen_keys, global_keys = key_rows(screen)
    lines = []
    if screen.HELP:
        lines += [screen.HELP, ""]
    lines.append("Keys on this screen")
    lines += [f"  {keys:<{KEY_WIDTH}} {what}" for keys, what in screen_keys] or ["  (none of its own)"]
    lines += ["", "Keys everywhere"]
    lines += [f"  {keys:<{KEY_WIDTH}} {what}" for keys, what in global_keys]
    lines += ["", "Composer commands (/ to type; Tab completes; @name picks a customer)"]
    for usage in COMMANDS.values():
        syntax, _, what = usage.partition(" — ")
        lines += [f"  {syntax}", f"      {what}"]
    lines += ["", MOVING]
    return lines


def _styled(lines: list[str]) -> Text:
    """Headings (lines not indented) in bold; a keymap's key names are the owner's text,
    so nothing here is parsed as markup."""
    return Text("\n").join(Text(visible(line), style="" if line.startswith(" ") else "bold") for line in lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, beneath: Screen) -> None:
        super().__init__()
        self.lines = help_text(beneath)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label("Help · ↑↓ PgUp PgDn scroll · Esc or ? closes", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(_styled(self.lines), id="help-text")
        yield CRMFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
