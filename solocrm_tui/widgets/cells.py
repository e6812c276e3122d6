"""The one markup-safe path for the owner's text into a table cell or a label.

DataTable parses a `str` cell as Rich markup and Static/Label parse their content, so a
follow-up titled `send quote [/] asap` crashed the tab that showed it. Every cell and
label that shows user or imported text is built here instead: a rich Text (never
parsed) of the sanitised text (text.visible), so it is shown as typed and any escape or
bidi character in it is shown, not sent.
"""

from __future__ import annotations

from rich.text import Text, TextType

from solocrm_tui.text.visible import visible


def cell(value: object, style: str = "", **options) -> Text:
    """One cell or label: `value` as plain, visible text (None is empty). `options` are
    Text's (justify, overflow, no_wrap)."""
    if isinstance(value, Text):
        return value
    return Text(visible("" if value is None else str(value)), style=style, **options)


def cells(*values: object) -> list[Text]:
    """A table row: each value as a cell; cells already built by `cell` (justified,
    styled) are kept as they are."""
    return [cell(value) for value in values]


def label(*parts: TextType | tuple[str, str]) -> Text:
    """A label of several parts: plain strings are the owner's text (made safe), (text,
    style) pairs are styled, Text parts are kept. Markup is never parsed."""
    return Text.assemble(*(cell(part) if isinstance(part, str) else
                           (visible(part[0]), part[1]) if isinstance(part, tuple) else part for part in parts))
