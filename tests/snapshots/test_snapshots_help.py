"""Snapshots of the help screen and the full composer log at 80x24 and 120x35 (frozen
clock, header clock hidden): both must fit the smallest terminal and scroll inside it.

Update with `pytest tests/snapshots/test_snapshots_help.py --snapshot-update` and look at the SVG.
"""

from __future__ import annotations

import pytest
from textual.widgets._header import HeaderClock

from solocrm_tui.cli import make_app
from solocrm_tui.config import Config
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup

from ..tui.conftest import settle

SIZES = [(80, 24), (120, 35)]


@pytest.fixture
def today_app(db_path, now):
    ann = create_customer(now, name="Ann Archer", company="Archer Ltd").id
    create_followup("call Ann back", now, now, customer_id=ann)
    return make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="today")


async def _hide_clock(pilot) -> None:
    for clock in pilot.app.screen.query(HeaderClock):
        clock.display = False  # the only thing on screen that reads the wall clock


async def _help(pilot) -> None:
    await settle(pilot)
    await _hide_clock(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def _log(pilot) -> None:
    await settle(pilot)
    await _hide_clock(pilot)
    await pilot.press("slash", *"@Ann_Archer sent the quote", "enter")
    await settle(pilot)
    await pilot.press(*"/lost", "enter")
    await settle(pilot)
    await pilot.press("escape", "ctrl+l")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen_on_today(today_app, snap_compare, size):
    assert snap_compare(today_app, terminal_size=size, run_before=_help)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_full_composer_log(today_app, snap_compare, size):
    assert snap_compare(today_app, terminal_size=size, run_before=_log)
