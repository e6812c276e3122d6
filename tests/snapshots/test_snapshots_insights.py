"""Snapshots of the Insights screen on fixed data (frozen clock, header clock hidden):
every tab at 80x24 and at 120x35.

The figures come from a real refit on a small book: twelve buyers are too few for any
churn or purchase figure, so the contact list is honestly empty (the historic run-rate it
used to show extrapolated a few purchases to a year).
Update with `pytest tests/snapshots/test_snapshots_insights.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets._header import HeaderClock

from solocrm_tui.cli import make_app
from solocrm_tui.config import Config
from solocrm_tui.core.analytics import refit
from solocrm_tui.core.analytics.runs import Settings
from solocrm_tui.core.contacts import lifecycle
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.sales.orders import refresh_customer_totals
from solocrm_tui.core.storage.models import Order

from ..tui.conftest import settle

D = timedelta(days=1)
NAMES = ("Ada Archer", "Bo Brandt", "Cleo Carr", "Dan Dorn", "Eli Esser", "Fay Frost", "Gus Gray",
         "Hal Hart", "Ivy Ives", "Jo Jung", "Kai Kern", "Lu Lind")


@pytest.fixture
def insights_app(db_path, now):
    rows = []
    for i, name in enumerate(NAMES):
        cid = create_customer(now - 600 * D, name=name, company=f"{name.split()[1]} GmbH").id
        gap, amount = 20 + 7 * i, 40 + 15 * i
        first, last = 540 - 12 * i, 4 + 11 * i * (i % 3)
        rows += [(cid, (amount + 3 * k) * 100, "EUR", now - d * D) for k, d in enumerate(range(first, last, -gap))]
    for name in ("Mo Lead", "Nia Lead"):
        create_customer(now - 10 * D, name=name)
    Order.insert_many(rows, fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
    refresh_customer_totals()
    create_deal(1, "Annual retainer", "3000", now - 5 * D, stage="proposal", expected_close="2026-11-30")
    refit.refit(now, Settings())
    lifecycle.restage(now, lifecycle.Rules())
    return make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="insights")


async def _ready(pilot) -> None:
    await settle(pilot)
    for clock in pilot.app.screen.query(HeaderClock):
        clock.display = False  # the only thing on screen that reads the wall clock


def _on_tab(steps: int):
    async def run_before(pilot) -> None:
        await _ready(pilot)
        for _ in range(steps):
            await pilot.press("right_square_bracket")
            await _ready(pilot)
    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 35)], ids=["80x24", "120x35"])
@pytest.mark.parametrize("tab", ["overview", "contact", "top", "margin", "segments", "models", "campaigns", "tickets"])
def test_insights_tab(insights_app, snap_compare, tab, size):
    from solocrm_tui.screens.insights import InsightsScreen

    assert snap_compare(insights_app, terminal_size=size, run_before=_on_tab(InsightsScreen.TABS.index(tab)))
