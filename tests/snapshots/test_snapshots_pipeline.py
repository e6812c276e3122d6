"""Snapshot of the pipeline board at 120x35 on fixed data (frozen clock, header clock hidden).

Update with `pytest tests/snapshots/test_snapshots_pipeline.py --snapshot-update` and look at the SVG.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets._header import HeaderClock

from solocrm_tui.cli import make_app
from solocrm_tui.config import Config
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.deals import create_deal, move_deal

from ..tui.conftest import settle

D = timedelta(days=1)


@pytest.fixture
def board_app(db_path, now):
    ann = create_customer(now, name="Ann Archer", company="Archer Ltd").id
    bob = create_customer(now, name="Bob Baker").id
    cy = create_customer(now, name="Cy Cole").id
    create_deal(ann, "Website relaunch", "1000", now, expected_close="2026-11-30")
    create_deal(bob, "Support plan", "500", now, probability=40)
    create_deal(cy, "Logo refresh", "2000", now - 20 * D, stage="qualified", expected_close="2026-10-15")
    create_deal(bob, "Shop integration", "4000", now, stage="proposal", expected_close="2026-12-01")
    create_deal(ann, "Annual retainer", "3000", now, stage="proposal", probability=60,
                expected_close="2027-01-05")
    create_deal(cy, "Data migration", "10000", now, stage="negotiation", expected_close="2026-12-31")
    won = create_deal(ann, "Audit", "1000", now - 40 * D)
    move_deal(won.id, "won", now - 10 * D)
    lost = create_deal(bob, "Hosting", "800", now - 20 * D)
    move_deal(lost.id, "lost", now - 5 * D, reason="price")
    return make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="pipeline")


async def _ready(pilot) -> None:
    await settle(pilot)
    for clock in pilot.app.screen.query(HeaderClock):
        clock.display = False  # the only thing on screen that reads the wall clock


def test_pipeline_board(board_app, snap_compare):
    assert snap_compare(board_app, terminal_size=(120, 35), run_before=_ready)


@pytest.mark.parametrize("size", [(120, 35), (80, 24)], ids=["120x35", "80x24"])
def test_pipeline_with_recently_won_and_lost(board_app, snap_compare, size):
    async def recent_on(pilot) -> None:
        await _ready(pilot)
        await pilot.press("r")
        await _ready(pilot)

    assert snap_compare(board_app, terminal_size=size, run_before=recent_on)


@pytest.mark.parametrize("size", [(120, 35), (80, 24)], ids=["120x35", "80x24"])
def test_empty_pipeline_says_how_to_add_a_deal(db_path, now, snap_compare, size):
    app = make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="pipeline")
    assert snap_compare(app, terminal_size=size, run_before=_ready)
