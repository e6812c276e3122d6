"""Every screen and dialog at the smallest supported terminal (80x24) and a common one
(120x35), on the seeded book with the clock fixed: a layout that stops degrading
gracefully (a cut footer, question or column) shows up as a changed SVG.

Update with `pytest tests/snapshots/test_snapshots_layout.py --snapshot-update` and look at them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from solocrm_tui.cli import make_app
from solocrm_tui.config import Config

from ..tui.conftest import settle

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 35)], ids=["80x24", "120x35"])


def build(db_path, now, mode: str):
    return make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode=mode)


async def ready(pilot) -> None:
    """Workers done, no blinking cursor, no toast left from getting there."""
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


def keys(*pressed: str):
    async def run_before(pilot) -> None:
        await ready(pilot)
        for key in pressed:
            await pilot.press(key)
            await ready(pilot)
    return run_before


SCREENS = {
    "today": ("today", ()),
    "customers": ("customers", ()),
    "pipeline": ("pipeline", ()),
    "detail_timeline": ("customers", ("enter",)),  # Alice, first by name
    "detail_orders": ("customers", ("enter", "right_square_bracket")),
    "detail_deals": ("customers", ("enter", *["right_square_bracket"] * 2)),
    "detail_followups": ("customers", ("enter", *["right_square_bracket"] * 3)),
    "detail_tickets": ("customers", ("enter", *["right_square_bracket"] * 4)),
    "search": ("today", ("ctrl+f", *"the")),  # find anything: hits grouped by customer, words marked
}

DIALOGS = {
    "customer_form": ("customers", ("a",)),
    "deal_form": ("pipeline", ("n",)),
    "campaign_form": ("insights", (*["right_square_bracket"] * 6, "n")),
    "merge_form": ("customers", ("space", "space", "m")),  # Alice and Bob marked
    "forget_prompt": ("customers", ("F",)),
    "tag_prompt": ("customers", ("t",)),
    "archive_confirm": ("customers", ("x",)),
    "lost_prompt": ("pipeline", ("right", "right", "x")),  # the proposal column
    "snooze_prompt_with_an_error": ("today", ("S", *"someday", "enter")),
    "ticket_close_prompt": ("insights", (*["right_square_bracket"] * 7, "down", "c")),
    "delete_confirm": ("customers", ("enter", "right_square_bracket", "delete")),
}


@SIZES
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, db_path, seeded, frozen, name, size):
    mode, pressed = SCREENS[name]
    assert snap_compare(build(db_path, frozen, mode), terminal_size=size, run_before=keys(*pressed))


@SIZES
@pytest.mark.parametrize("name", list(DIALOGS))
def test_dialog(snap_compare, db_path, seeded, frozen, name, size):
    mode, pressed = DIALOGS[name]
    assert snap_compare(build(db_path, frozen, mode), terminal_size=size, run_before=keys(*pressed))


@SIZES
@pytest.mark.parametrize("pressed", [(), ("i",)], ids=["first_steps", "import_prompt"])
def test_empty_book(snap_compare, db_path, frozen, pressed, size):
    """A new owner's first screen: the first steps (add, import, demo), and the import's question."""
    assert snap_compare(build(db_path, frozen, "today"), terminal_size=size, run_before=keys(*pressed))
