"""The [keys] check: every declared binding id is known, typos and stolen keys are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import solocrm_tui
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.keymap import binding_ids, check_keymap


def test_every_binding_id_in_the_source_is_known():
    source = Path(solocrm_tui.__file__).parent
    declared = {match for path in source.rglob("*.py") for line in path.read_text(encoding="utf-8").splitlines()
                if "Binding(" in line for match in re.findall(r'\bid="([^"]+)"', line)}
    assert len(declared) > 60
    assert declared <= binding_ids()


def test_remaps_and_swaps_pass():
    check_keymap({"pipeline.lost": "X", "today.done": "D,ctrl+d"})
    check_keymap({"pipeline.lost": "w", "pipeline.won": "x"})
    check_keymap({"help": "?"})  # the same key, written the short way


@pytest.mark.parametrize("keymap, words", [
    ({"pipeline.lots": "X"}, ["keys.pipeline.lots is not a key binding id", "did you mean pipeline.lost"]),
    ({"nothing.like.it": "X"}, ["keys.nothing.like.it is not a key binding id"]),
    ({"today.done": " "}, ["keys.today.done must name a key"]),
    ({"pipeline.lost": "w"}, ['keys.pipeline.lost = "w" is already the key of pipeline.won (Won)']),
    ({"customers.archive": "question_mark"}, []),  # screen vs app: the screen's key wins, by design
    ({"timeline.older": "j"}, ["timeline.down"]),
    ({"form.save": "escape"}, ["form.cancel"]),
])
def test_bad_keymaps_are_one_line(keymap, words):
    if not words:
        check_keymap(keymap)
        return
    with pytest.raises(ValidationError) as info:
        check_keymap(keymap)
    message = str(info.value)
    assert message.startswith("config: ") and "\n" not in message
    for word in words:
        assert word in message
