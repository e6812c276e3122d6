"""Fixtures for the core unit tests.

Named `core_db` / `t0` so they never collide with the project-wide fixtures in
tests/conftest.py. Every test gets its own database *file* (an in-memory database
would be invisible to the worker threads some tests start).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest

from solocrm_tui.core.db import close_database, open_database
from solocrm_tui.core.models import ALL_MODELS, database

T0 = datetime(2026, 11, 22, 10, 30)


@pytest.fixture
def t0() -> datetime:
    """The fixed `now` of the core tests (a Sunday)."""
    return T0


@pytest.fixture
def core_db(tmp_path: Path):
    """A fresh, migrated database file bound to the models; yields its path."""
    path = open_database(tmp_path / "t.db")
    try:
        yield path
    finally:
        close_database()


def table_dump() -> dict[str, list[tuple]]:
    """Every row of every table, so a failure path can prove it changed nothing."""
    out = {}
    for model in ALL_MODELS:
        table = model._meta.table_name
        out[table] = [tuple(r) for r in database.execute_sql(f'SELECT * FROM "{table}" ORDER BY rowid')]
    return out


def row_counts() -> dict[str, int]:
    return {model._meta.table_name: model.select().count() for model in ALL_MODELS}


@pytest.fixture
def unchanged(core_db) -> Callable:
    """`with unchanged(): call_that_must_fail()` asserts the database is byte-for-byte the same.

    Compares both the row counts and every row of every table before and after.
    """
    from contextlib import contextmanager

    @contextmanager
    def check():
        counts, rows = row_counts(), table_dump()
        yield
        assert row_counts() == counts
        assert table_dump() == rows

    return check
