"""open_database: pragmas, permissions, refusals and in-place migrations (SPEC §2, §9)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest
from peewee import IntegrityError

from solocrm_tui.core.contacts.search import page_customers, parse_filter
from solocrm_tui.core.errors import DatabaseError
from solocrm_tui.core.storage import db
from solocrm_tui.core.storage.db import (
    LATEST_VERSION,
    close_database,
    current_path,
    migration_scripts,
    open_database,
)
from solocrm_tui.core.storage.models import Customer, Interaction, database


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def pragma(name: str):
    return database.execute_sql(f"PRAGMA {name}").fetchone()[0]


def file_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _always_close():
    yield
    close_database()


# --- a fresh file -------------------------------------------------------------------


def test_latest_version_is_the_number_of_migration_scripts():
    scripts = migration_scripts()
    assert LATEST_VERSION == len(scripts) >= 2
    assert all(s.strip() for s in scripts)


def test_fresh_file_gets_wal_foreign_keys_and_latest_schema(tmp_path):
    path = open_database(tmp_path / "t.db")
    assert path == (tmp_path / "t.db").absolute()
    assert current_path() == path
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == db.BUSY_TIMEOUT_MS
    assert pragma("user_version") == LATEST_VERSION
    close_database()
    assert file_version(path) == LATEST_VERSION
    assert {"customer", "interaction", "orders", "deal", "followup", "customer_fts"} <= tables(path)


def test_foreign_keys_are_enforced(tmp_path):
    open_database(tmp_path / "t.db")
    with pytest.raises(IntegrityError):
        Interaction.insert(customer=999, kind="note", direction="out", body="x",
                           occurred_at=datetime(2026, 1, 1)).execute()
    assert Interaction.select().count() == 0


def test_pragmas_hold_on_every_thread_connection(tmp_path):
    open_database(tmp_path / "t.db")
    seen = {}

    def worker():
        database.connect(reuse_if_open=True)
        try:
            seen["fk"] = pragma("foreign_keys")
            seen["journal"] = pragma("journal_mode")
            seen["busy"] = pragma("busy_timeout")
        finally:
            database.close()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {"fk": 1, "journal": "wal", "busy": db.BUSY_TIMEOUT_MS}


def test_file_is_owner_only_and_created_parent_is_0700(tmp_path):
    old_umask = os.umask(0)  # even a permissive umask must not widen the permissions
    try:
        path = open_database(tmp_path / "new" / "dir" / "t.db")
    finally:
        os.umask(old_umask)
    Customer.insert(name="x", created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)).execute()
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    wal = Path(str(path) + "-wal")
    assert wal.exists()
    assert mode(wal) & 0o077 == 0


def test_reopening_keeps_data_and_makes_no_backup(tmp_path):
    path = open_database(tmp_path / "t.db")
    Customer.insert(name="Kept", created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)).execute()
    close_database()
    open_database(path)
    assert [c.name for c in Customer.select()] == ["Kept"]
    assert not (tmp_path / "backups").exists()


def test_empty_existing_file_is_treated_as_new(tmp_path):
    path = tmp_path / "t.db"
    path.touch()
    open_database(path)
    assert pragma("user_version") == LATEST_VERSION


# --- refusals -----------------------------------------------------------------------


def test_non_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.txt"
    content = b"these are my notes, not a database\n" * 50
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match="not"):
        open_database(path)
    assert path.read_bytes() == content


def test_corrupt_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "t.db"
    path.write_bytes(db.SQLITE_MAGIC + b"\xff" * 4080)
    with pytest.raises(DatabaseError):
        open_database(path)


def test_directory_is_refused(tmp_path):
    folder = tmp_path / "adir"
    folder.mkdir()
    with pytest.raises(DatabaseError, match="directory"):
        open_database(folder)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "t.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseError, match="newer"):
        open_database(path)
    assert file_version(path) == LATEST_VERSION + 1
    assert tables(path) == {"future"}


def test_create_false_on_missing_file_raises_and_creates_nothing(tmp_path):
    path = tmp_path / "sub" / "missing.db"
    with pytest.raises(DatabaseError, match="no database"):
        open_database(path, create=False)
    assert not path.exists()
    assert not path.parent.exists()


def test_create_false_opens_an_existing_file(tmp_path):
    path = open_database(tmp_path / "t.db")
    close_database()
    assert open_database(path, create=False) == path
    assert pragma("user_version") == LATEST_VERSION


# --- migrations ---------------------------------------------------------------------

V1_CUSTOMERS = [("Zebulon Quartz", "Quartz Ltd", "zeb@quartz.example"),
                ("Zelda Quince", None, "zelda@quince.example"),
                ("Other Person", "Acme", None)]


def build_v1(path: Path) -> None:
    """A version-1 database made with plain sqlite3, as an older SoloCRM would have left it."""
    conn = sqlite3.connect(path)
    conn.executescript(migration_scripts()[0])
    conn.execute("PRAGMA user_version = 1")
    for name, company, email in V1_CUSTOMERS:
        conn.execute(
            "INSERT INTO customer (name, company, email, email_norm, opt_out, tags, custom, created_at, "
            "updated_at, revenue_cents, order_count, stage) VALUES (?, ?, ?, ?, 0, ' vip ', '{}', "
            "'2025-01-01 09:00:00', '2025-01-01 09:00:00', 1234, 1, 'active')",
            (name, company, email, email.lower() if email else None),
        )
    conn.commit()
    conn.close()


def test_version_1_database_is_upgraded_in_place_after_a_backup(tmp_path):
    path = tmp_path / "t.db"
    build_v1(path)
    assert file_version(path) == 1
    assert "customer_fts" not in tables(path)

    open_database(path)

    assert pragma("user_version") == LATEST_VERSION
    rows = list(Customer.select(Customer.name, Customer.company, Customer.email, Customer.revenue_cents,
                                Customer.stage).order_by(Customer.id).tuples())
    assert rows == [(n, c, e, 1234, "active") for n, c, e in V1_CUSTOMERS]

    backup = tmp_path / "backups" / "t.schema1.bak.db"
    assert backup.is_file()
    assert file_version(backup) == 1
    assert "customer_fts" not in tables(backup)
    conn = sqlite3.connect(backup)
    assert [r[0] for r in conn.execute("SELECT name FROM customer ORDER BY id")] == [n for n, _, _ in V1_CUSTOMERS]
    conn.close()
    assert mode(backup) == 0o600

    found = {r.name for r in page_customers(parse_filter("Ze")).rows}
    assert found == {"Zebulon Quartz", "Zelda Quince"}
    assert [r.name for r in page_customers(parse_filter("quartz")).rows] == ["Zebulon Quartz"]
    assert [r.name for r in page_customers(parse_filter("acme")).rows] == ["Other Person"]
    assert [r.name for r in page_customers(parse_filter("zelda@quin")).rows] == ["Zelda Quince"]


def test_failing_migration_leaves_the_file_at_its_old_version(tmp_path, monkeypatch):
    path = tmp_path / "t.db"
    build_v1(path)
    real = migration_scripts()
    broken = "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    monkeypatch.setattr(db, "migration_scripts", lambda: [real[0], broken] + real[2:])

    with pytest.raises(DatabaseError):
        open_database(path)

    assert file_version(path) == 1
    assert "half_done" not in tables(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM customer ORDER BY id")] == [n for n, _, _ in V1_CUSTOMERS]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()

    monkeypatch.undo()  # the fixed release opens the very same file fine
    open_database(path)
    assert pragma("user_version") == LATEST_VERSION
    assert Customer.select().count() == len(V1_CUSTOMERS)
