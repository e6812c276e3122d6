"""Fixtures for the core unit tests.

`core_db` and `t0` are the core tests' names for the project-wide `db_path` and
`now` (tests/conftest.py): every test gets its own database *file* (an in-memory
database would be invisible to the worker threads some tests start).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Callable

import pytest

from solocrm_tui.core.models import ALL_MODELS, database

@pytest.fixture
def t0(now: datetime) -> datetime:
    return now


@pytest.fixture
def core_db(db_path: Path) -> Path:
    return db_path


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
