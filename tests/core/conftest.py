"""Fixtures for the core unit tests.

`core_db` and `t0` are the core tests' names for the project-wide `db_path` and
`now` (tests/conftest.py): every test gets its own database *file* (an in-memory
database would be invisible to the worker threads some tests start).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import pytest

from solocrm_tui.core.sales.orders import refresh_customer_totals
from solocrm_tui.core.storage.models import ALL_MODELS, Customer, Order, database


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


def seed_book(now: datetime) -> None:
    """400 buyers over two years with distinct, deterministic rhythms, and 20 leads."""
    rows = []
    with database.atomic():
        for i in range(420):
            cid = Customer.insert(name=f"C{i:03d}", created_at=now - timedelta(days=800), updated_at=now).execute()
            kind = i % 4 if i < 400 else None
            if kind == 0:    # frequent small buyers, up to the last days
                days = range(3 + i % 9, 730 - i % 20, 10 + i % 7)
            elif kind == 1:  # rare big buyers
                days = range(5 + i % 60, 700, 80 + i % 40)
            elif kind == 2:  # bought monthly, silent for more than a year
                days = range(380 + i % 40, 720, 25 + i % 10)
            elif kind == 3:  # one purchase long ago
                days = [400 + i % 200]
            else:
                days = []
            base = (3000, 45000, 6000, 5000)[kind] if kind is not None else 0
            rows += [(cid, base + (d * 37) % 1000, "EUR", now - timedelta(days=d)) for d in days]
        Order.insert_many(rows, fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
        refresh_customer_totals()
