"""Careless commands on the command line: an output path that is the database, its WAL
or a live database; restoring a crafted or lying file; reading a file that is not ours.
Each is refused in one line and leaves every file byte-identical."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from solocrm_tui.core.storage.schema import LATEST_VERSION

from .conftest import cli, counts, integrity, seed
from .test_hostile_files import digest, one_line_error


@pytest.fixture
def db(db_file: Path) -> Path:
    seed(db_file)
    return db_file


def _files(db: Path) -> list[str]:
    """Everything in the database, as SQL. (Not its bytes: opening and closing a database
    checkpoints its WAL, which rewrites the files without changing what they hold.)"""
    assert integrity(db) == "ok"
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# 3. outputs never land on the database ------------------------------------------------

@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_export_refuses_the_database_and_its_companions(db, suffix):
    target = db.with_name(db.name + suffix)
    holder = sqlite3.connect(db)  # a running app keeps the WAL and shared-memory files
    holder.execute("PRAGMA journal_mode=wal")
    holder.execute("UPDATE customer SET city = 'Bonn' WHERE id = 1")
    holder.commit()
    try:
        before = _files(db)
        done = cli("--db", db, "export", "customers", "-o", target)
        one_line_error(done, "database")
        assert _files(db) == before
    finally:
        holder.close()
    assert integrity(db) == "ok" and counts(db)["customer"] == 8


def test_export_refuses_any_sqlite_file(db, tmp_path):
    other = tmp_path / "other.db"
    cli("--db", other, "demo", "--customers", "3")
    before = digest(other)
    one_line_error(cli("--db", db, "export", "orders", "-o", other), "database")
    assert digest(other) == before


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_backup_refuses_the_database_and_its_companions(db, suffix):
    holder = sqlite3.connect(db)
    holder.execute("UPDATE customer SET city = 'Bonn' WHERE id = 1")
    holder.commit()
    try:
        before = _files(db)
        one_line_error(cli("--db", db, "backup", "-o", db.with_name(db.name + suffix)), "database")
        assert _files(db) == before
    finally:
        holder.close()
    assert integrity(db) == "ok"


def test_backup_refuses_another_live_database(db, tmp_path):
    live = tmp_path / "live.db"
    seed(live)
    holder = sqlite3.connect(live)
    holder.execute("UPDATE customer SET city = 'Bonn' WHERE id = 1")
    holder.commit()
    try:
        before = _files(live)
        one_line_error(cli("--db", db, "backup", "-o", live), "in use")
        assert _files(live) == before
    finally:
        holder.close()


def test_backup_may_replace_an_older_backup(db, tmp_path):
    target = tmp_path / "nightly.db"
    assert cli("--db", db, "backup", "-o", target).returncode == 0
    done = cli("--db", db, "backup", "-o", target)
    assert done.returncode == 0, done.stderr
    assert integrity(target) == "ok"


# 10. read commands refuse files that are not ours ------------------------------------

def _foreign(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipe (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO recipe (title) VALUES ('pancakes')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("command", [["today"], ["today", "--json"], ["doctor"], ["remind"], ["backup"],
                                     ["export", "customers"], ["import", "customers", "people.csv"]])
def test_commands_refuse_another_applications_database(tmp_path, command):
    other = _foreign(tmp_path / "recipes.db")
    (tmp_path / "people.csv").write_text("name\nAnn Lee\n", encoding="utf-8")
    before = digest(other)
    args = [tmp_path / word if word == "people.csv" else word for word in command]
    one_line_error(cli("--db", other, *args), "not a solocrm database")
    assert digest(other) == before
    assert not other.with_name("recipes.db-wal").exists()


@pytest.mark.parametrize("command", [["today"], ["doctor"], ["remind"], ["export", "customers"], ["backup"]])
def test_read_commands_refuse_an_empty_file(tmp_path, command):
    empty = tmp_path / "crm.db"
    empty.touch()
    one_line_error(cli("--db", empty, *command), "empty")
    assert empty.stat().st_size == 0


# 6. restore takes only a file with exactly our schema ---------------------------------

def _tampered(source: Path, target: Path, *statements: str) -> Path:
    target.write_bytes(source.read_bytes())
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode=delete")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return target


@pytest.fixture
def good_backup(db, tmp_path) -> Path:
    target = tmp_path / "good.bak.db"
    assert cli("--db", db, "backup", "-o", target).returncode == 0
    return target


SPY = ("CREATE TABLE stash (v TEXT)",
       "CREATE TRIGGER spy AFTER INSERT ON interaction BEGIN "
       "INSERT INTO stash SELECT name || ' ' || coalesce(email, '') FROM customer; "
       "UPDATE customer SET email = 'thief@example.com' WHERE id = 1; END")


@pytest.mark.parametrize("name, statements, words", [
    ("trigger", SPY, ("schema", "stash")),
    ("only a trigger", ("CREATE TRIGGER spy AFTER INSERT ON interaction BEGIN "
                        "UPDATE customer SET email = 'thief@example.com' WHERE id = 1; END",), ("schema", "spy")),
    ("view", ("CREATE VIEW everyone AS SELECT name, email FROM customer",), ("schema", "everyone")),
    ("dropped index", ("DROP INDEX customer_sort_name",), ("schema", "customer_sort_name")),
    ("lying version", ("DROP TABLE ticket", f"PRAGMA user_version = {LATEST_VERSION}"), ("schema", "ticket")),
    ("newer version", ("PRAGMA user_version = 99",), ("newer",)),
])
def test_restore_refuses_a_crafted_file_and_doctor_calls_it_unhealthy(db, good_backup, tmp_path, name,
                                                                       statements, words):
    crafted = _tampered(good_backup, tmp_path / "crafted.db", *statements)
    before = _files(db)
    one_line_error(cli("--db", db, "restore", crafted), *words)
    assert _files(db) == before
    if name != "newer version":
        done = cli("--db", crafted, "doctor")
        assert done.returncode == 1 and "PROBLEM" in done.stdout and "schema" in done.stdout, done.stdout


def test_doctor_calls_our_own_file_healthy(db):
    done = cli("--db", db, "doctor")
    assert done.returncode == 0 and "schema       ok: version" in done.stdout, done.stdout


def test_restore_that_fails_leaves_the_database_untouched_and_names_the_safety_copy(db, good_backup, tmp_path):
    """The swap is the last step: a failure before it (here, no room to stage the copy
    beside the database) changes nothing and says where the safety copy is."""
    before = _files(db)
    blocker = db.with_name(db.name + ".restore")
    blocker.mkdir()  # the staging file cannot be written
    done = cli("--db", db, "restore", good_backup)
    line = one_line_error(done, "restore")
    assert _files(db) == before
    safety = list((db.parent / "backups").glob("*before-restore*"))
    assert len(safety) == 1 and str(safety[0]) in line
    assert integrity(safety[0]) == "ok"


def test_restore_of_a_good_backup_still_works(db, good_backup):
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM customer WHERE id = 2")
    conn.commit()
    conn.close()
    done = cli("--db", db, "restore", good_backup)
    assert done.returncode == 0, done.stderr
    assert counts(db)["customer"] == 8 and cli("--db", db, "doctor").returncode == 0
