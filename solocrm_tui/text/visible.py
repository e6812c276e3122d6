"""The one sanitiser for user and imported text on its way to a terminal.

A terminal obeys what it is sent: an escape sequence in an imported value can retitle
the window or clear the screen, and a bidi override (U+202E) makes a line read
differently from what it holds. Whatever the TUI draws or the CLI prints of the
owner's data passes `visible` first, so such characters are shown, never sent: C0
controls as their Unicode pictures (ESC as ␛, BEL as ␇), DEL as ␡, and C1 controls and
bidi controls as �. It is pure and cheap on the common, printable case.
"""

from __future__ import annotations

from solocrm_tui.core.validate import BIDI

STAND_IN = "\ufffd"

_ONE_LINE = {code: 0x2400 + code for code in range(32)} | {0x7F: 0x2421} \
    | {code: STAND_IN for code in range(0x80, 0xA0)} | {ord(c): STAND_IN for c in BIDI}
_LINES = {code: shown for code, shown in _ONE_LINE.items() if chr(code) not in "\n\t"}


def visible(text: str, *, lines: bool = False) -> str:
    """`text` with every control, escape and bidi character replaced by a visible stand-in.
    With `lines`, newlines and tabs are kept: the text goes to a place that lays out several
    lines (a note in the timeline, a report on stdout)."""
    if text.isprintable():
        return text
    return text.translate(_LINES if lines else _ONE_LINE)
