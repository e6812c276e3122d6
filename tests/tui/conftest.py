"""Fixtures for pilot tests: a seeded database file and an app with a controllable clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from solocrm_tui.app import SoloCRMApp
from solocrm_tui.config import Config


class Clock:
    """A clock tests can move forward; the app reads it through `now()`."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock(now) -> Clock:
    return Clock(now)


@pytest.fixture
def make_app(db_path, clock):
    """Build the app on the test database; jobs are off unless a test asks for them."""

    def build(start_mode: str = "customers", *, with_jobs: bool = False, config: Config | None = None):
        return SoloCRMApp(db_path, config or Config(), clock=clock, start_mode=start_mode, with_jobs=with_jobs)

    return build
