"""Snapshot tests of the customer list, the customer detail and the customer form.

Deterministic on purpose: a fixed 120x35 terminal, a small database seeded with
fixed data, the app's clock fixed (relative dates such as "3d ago"), the header
clock frozen to the same moment, and the cursor blink off.
Update the baselines with `pytest tests/snapshots --snapshot-update` and look at them.
"""

from __future__ import annotations

from textual.widgets import Input

from solocrm_tui.cli import make_app
from solocrm_tui.config import Config

from ..tui.conftest import settle

SIZE = (120, 35)


def build(db_path, now):
    return make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="customers")


async def ready(pilot) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_customer_list(snap_compare, db_path, seeded, frozen):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("j")  # Bob's row selected

    assert snap_compare(build(db_path, frozen), terminal_size=SIZE, run_before=run_before)


def test_customer_detail(snap_compare, db_path, seeded, frozen):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("enter")  # Alice, first by name
        await ready(pilot)

    assert snap_compare(build(db_path, frozen), terminal_size=SIZE, run_before=run_before)


def test_customer_form_with_an_error(snap_compare, db_path, seeded, frozen):
    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("a")
        await ready(pilot)
        pilot.app.screen.query_one("#field-name", Input).value = "Gina Green"
        pilot.app.screen.query_one("#field-email", Input).value = "gina(at)example"
        await pilot.press("ctrl+s")
        await ready(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(build(db_path, frozen), terminal_size=SIZE, run_before=run_before)
