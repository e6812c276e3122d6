"""Opening the database: file checks, pragmas, schema version and migrations.

Every entry point (CLI, TUI, jobs, tests) goes through `open_database`, so the
rules of SPEC §9 hold everywhere: WAL so readers never block the writer, a busy
timeout so a second instance waits instead of failing, foreign keys on, owner-only
file permissions, and an older schema upgraded in one transaction after a backup.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from peewee import PeeweeException

from solocrm_tui.core import validate
from solocrm_tui.core.errors import DatabaseBusy, DatabaseError
from solocrm_tui.core.storage.models import SQLITE_MAGIC, database
from solocrm_tui.core.storage.schema import (
    LATEST_VERSION,
    migration_scripts,
    split_statements,
)

BUSY_TIMEOUT_MS = 15000
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": BUSY_TIMEOUT_MS,
    "synchronous": "normal",
    "cache_size": -32000,
    "temp_store": "memory",
}
# The app keeps a pool of connections (one per busy worker) and each keeps its page cache:
# a smaller cache each keeps the app under SPEC §8's 400 MB; one-shot commands keep the big one.
APP_CACHE_KIB = 8000
# What the storage layer can raise besides CRMError: the CLI turns these into one line.
STORAGE_ERRORS = (sqlite3.Error, PeeweeException)
BUSY = ("database is locked", "database is busy", "database table is locked")

T = TypeVar("T")


def _check_file(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise DatabaseError(f"{path} is a directory, not a database file")
    if not create and path.exists() and not path.stat().st_size:
        # Opening it would make it a database; a command that only reads must not.
        raise DatabaseError(f"{path} is empty, not a SoloCRM database (run `solocrm demo` or open the app "
                            "to start one there)")
    if path.exists() and path.stat().st_size:
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseError(f"cannot read {path}: {exc.strerror}") from None
        if head != SQLITE_MAGIC:
            raise DatabaseError(f"{path} is not a SoloCRM database (not an SQLite file)")


def _create_private(path: Path) -> None:
    """Create the parent folder (0700 if we make it) and an empty 0600 database file."""
    parent = path.parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise DatabaseError(f"cannot create {parent}: {exc.strerror}") from None
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise DatabaseError(f"cannot create {path}: {exc.strerror}") from None


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _refuse_foreign(conn: sqlite3.Connection, path: Path, version: int) -> None:
    """Never add our schema to another application's SQLite file: without our version
    stamp it must be empty, with one it must hold our customer table."""
    if version:
        ours = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer'").fetchone()
    else:
        ours = not conn.execute("SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()
    if not ours:
        raise DatabaseError(f"{path} is not a SoloCRM database (an SQLite file of another application): "
                            "nothing was changed")


def _backup_before_upgrade(path: Path, version: int) -> Path:
    from solocrm_tui.core.storage.backup import backup_to

    target = path.parent / "backups" / f"{path.stem}.schema{version}.bak.db"
    backup_to(path, target)
    return target


def migrate(path: Path, *, backup: bool = True) -> None:
    """Bring the file to LATEST_VERSION, all scripts in one IMMEDIATE transaction; an older
    schema is backed up first unless `backup` is off (a restore's staging copy)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        version = schema_version(conn)
        _refuse_foreign(conn, path, version)
        if version > LATEST_VERSION:
            raise DatabaseError(
                f"{path} was made by a newer SoloCRM (schema {version}; this version knows "
                f"up to {LATEST_VERSION}): upgrade solocrm to open it"
            )
        if version == LATEST_VERSION:
            return
        if version > 0 and backup:
            _backup_before_upgrade(path, version)
        scripts = migration_scripts()
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) == version:  # another process may have migrated meanwhile
                for number in range(version + 1, LATEST_VERSION + 1):
                    for statement in split_statements(scripts[number - 1]):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {LATEST_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def open_database(path: Path | str, *, create: bool = True, cache_kib: int | None = None,
                  busy_ms: int = BUSY_TIMEOUT_MS) -> Path:
    """Bind the models to `path`, creating and migrating it as needed; `cache_kib` sets each
    connection's page cache (default: PRAGMAS), `busy_ms` how long a write waits for another
    writer before it gives up (tests make it short)."""
    path = Path(path).expanduser().absolute()
    close_database()
    _check_file(path, create=create)
    fresh = not path.exists() or not path.stat().st_size
    if not path.exists():
        if not create:
            raise DatabaseError(f"no database at {path} (run `solocrm demo` or open the app to create one)")
        _create_private(path)
    try:
        migrate(path)
        pragmas = {**PRAGMAS, "busy_timeout": busy_ms}
        if cache_kib is not None:
            pragmas["cache_size"] = -cache_kib
        database.init(str(path), pragmas=pragmas, timeout=busy_ms / 1000)
        database.adopt_file()
        database.connect(reuse_if_open=True)
        chosen, region = validate.chosen_phone_region()
        if fresh:  # no phones yet: keyed in any region, recorded as this process's
            database.execute_sql("INSERT OR IGNORE INTO setting (key, value) VALUES ('phone_keys', ?)",
                                 (region or "",))
        elif chosen:
            key_phones(region or "")
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    except UnicodeDecodeError:  # a damaged page can make a PRAGMA answer garbage bytes
        raise DatabaseError(f"cannot open {path}: the file is damaged") from None
    return path


def key_phones(region: str) -> None:
    """Make every stored phone key one of `region` ("" for none), unless the database says
    its keys already are: one SELECT when nothing changed.

    A national number's key depends on the region (0170 1234567 is +491701234567 in DE and
    its digits without one), so keys made under another region would match nothing.
    All keys change in one transaction, checked again inside it in case another process
    re-keyed meanwhile. It is no user's change: not a change set, nothing to undo."""
    made_with = "SELECT value FROM setting WHERE key = 'phone_keys'"
    if database.execute_sql(made_with).fetchone() == (region,) or not os.access(database.database, os.W_OK):
        return  # a read-only file is read with the keys it has: reading must not need a write
    with database.atomic():
        if database.execute_sql(made_with).fetchone() == (region,):
            return
        rows = database.execute_sql("SELECT id, phone, phone_norm, country FROM customer "
                                    "WHERE phone IS NOT NULL").fetchall()
        changed = [(key, cid) for cid, phone, old, country in rows
                   if (key := validate.stored_phone_key(phone, country) or None) != old]
        database.cursor().executemany("UPDATE customer SET phone_norm = ? WHERE id = ?", changed)
        database.execute_sql("INSERT OR REPLACE INTO setting (key, value) VALUES ('phone_keys', ?)", (region,))


def close_database() -> None:
    """Close every connection, the pooled idle ones too (a restore or another file may follow)."""
    if database.database:
        database.close_all()
        database.release_file()


def current_path() -> Path:
    if not database.database:
        raise DatabaseError("no database is open")
    return Path(database.database)


def db_call(fn: Callable[..., T], *args, **kwargs) -> T:
    """Run a core call on a worker thread and give the thread's connection back after it.

    Peewee keeps one SQLite connection per thread, and Textual's thread workers and the
    job runner run on long-lived pooled threads: a connection left open on an idle one
    would keep its file handle and page cache for nothing. Inside a transaction the
    connection is left alone; the transaction's owner closes it.

    A database kept busy past the timeout by another writer becomes DatabaseBusy, a
    CRMError: the owner is told in one line and tries again, and a job waits for its next
    turn, instead of "database is locked" arriving as a failure.
    """
    try:
        return fn(*args, **kwargs)
    except STORAGE_ERRORS as exc:
        if not any(words in str(exc) for words in BUSY):
            raise
        raise DatabaseBusy("the database stayed busy (another SoloCRM or an import is writing to it): "
                           "nothing was changed; try again") from exc
    finally:
        if not database.in_transaction():
            database.close()
