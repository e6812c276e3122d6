"""The one sanitiser: control, escape and bidi characters are shown, never sent."""

from __future__ import annotations

import pytest

from solocrm_tui.core.validate import BIDI
from solocrm_tui.text.visible import visible


@pytest.mark.parametrize("raw, shown", [
    ("Ann Archer", "Ann Archer"),
    ("send quote [/] asap", "send quote [/] asap"),  # markup is not this function's business
    ("Zoë 日本 👩‍💻", "Zoë 日本 👩‍💻"),  # the zero-width joiner of an emoji stays
    ("\x1b]0;pwned\x07", "␛]0;pwned␇"),
    ("\x1b[2J", "␛[2J"),
    ("nul\x00", "nul␀"),
    ("del\x7f", "del␡"),
    ("c1\x9b31m", "c1�31m"),
    ("\x85next", "�next"),
    ("abc\u202edef", "abc�def"),
    ("\u2066isolate\u2069", "�isolate�"),
    ("\u200eLRM \u200fRLM \u061cALM", "�LRM �RLM �ALM"),
    ("one\ntwo\tthree\r", "one␊two␉three␍"),
])
def test_one_line_text(raw, shown):
    assert visible(raw) == shown


@pytest.mark.parametrize("raw, shown", [
    ("one\ntwo\tthree", "one\ntwo\tthree"),
    ("crlf\r\n", "crlf␍\n"),
    ("\x1b[31mred\x1b[0m\n\u202e", "␛[31mred␛[0m\n�"),
])
def test_lines_keep_newlines_and_tabs(raw, shown):
    assert visible(raw, lines=True) == shown


def test_every_bidi_control_and_no_other_character_changes():
    assert all(visible(c) == "\ufffd" for c in BIDI)
    untouched = [chr(c) for c in range(0x20, 0x3000) if chr(c).isprintable()]
    assert visible("".join(untouched)) == "".join(untouched)
    assert all(visible(chr(c)) != chr(c) for c in [*range(32), *range(0x7f, 0xa0)])
