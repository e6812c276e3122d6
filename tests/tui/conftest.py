"""Pilot-test fixtures and helpers: a seeded database file, an app with a controllable
clock, and the waits every pilot test shares.

Waits are on conditions, never on the wall clock's speed: `settle` waits for the
workers the app started (and the work their callbacks start), `wait_until` polls a
condition with a deadline generous enough for a loaded machine.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from textual.notifications import Notify
from textual.worker import WorkerCancelled

from solocrm_tui.cli import make_app as build_app
from solocrm_tui.config import Config
from solocrm_tui.screens.customer import CustomerScreen

DEADLINE = 60.0  # seconds; only reached when something is broken


class Clock:
    """A clock tests can move forward; the app reads it through `now()`."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


class Notes(list):
    """message_hook keeping every notification the app posted."""

    def __call__(self, message) -> None:
        if isinstance(message, Notify):
            self.append(message.notification)

    def texts(self, severity: str | None = None) -> list[str]:
        return [n.message for n in self if severity is None or n.severity == severity]

    def pairs(self) -> list[tuple[str, str]]:
        return [(n.title, n.message) for n in self]


async def wait_for_workers(app) -> None:
    """Wait until no worker is running.

    A worker superseded by an exclusive one (a newer search, a newer page) ends
    cancelled, and `Worker.wait()` raises WorkerCancelled for it: that is the app
    working as designed, so it is not an error here. Failures still propagate.
    """
    while workers := [worker for worker in app.workers if not worker.is_finished]:
        for worker in workers:
            try:
                await worker.wait()
            except WorkerCancelled:
                pass


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and the messages they post (DataChanged → reloads → more workers) run."""
    for _ in range(rounds):
        await wait_for_workers(pilot.app)
        await pilot.pause()


async def wait_until(pilot, predicate, what: str = "condition", timeout: float = DEADLINE) -> None:
    """Poll `predicate` while the app runs; fail with `what` if it never holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        await pilot.pause(0.02)


@pytest.fixture
def clock(now) -> Clock:
    return Clock(now)


@pytest.fixture
def make_app(db_path, clock):
    """Build the app on the test database; jobs are off unless a test asks for them."""

    def build(start_mode: str = "customers", *, with_jobs: bool = False, config: Config | None = None):
        return build_app(db_path, config or Config(), clock=clock, jobs=with_jobs, start_mode=start_mode)

    return build


async def open_first_customer(pilot):
    """Enter on the customer list's first row: its customer screen, once loaded."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerScreen)
    return pilot.app.screen
