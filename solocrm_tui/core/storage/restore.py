"""Validated restores.

A restore takes only a file with exactly our schema for the version it claims (a
trigger smuggled into a backup would run inside every later transaction), and it
does all its work on a staging copy beside the database: the swap is one rename, so
a restore that fails leaves the database as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from solocrm_tui.core.errors import DatabaseError
from solocrm_tui.core.storage.backup import backup_to, integrity_errors, private_file
from solocrm_tui.core.storage.db import migrate
from solocrm_tui.core.storage.models import SQLITE_MAGIC
from solocrm_tui.core.storage.schema import LATEST_VERSION, schema_differences


def check_backup_file(path: Path) -> int:
    """Refuse a restore source that is not exactly a SoloCRM database; returns its schema version."""
    path = Path(path)
    if not path.is_file():
        raise DatabaseError(f"no backup file at {path}")
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise DatabaseError(f"{path} is not a SoloCRM backup (not an SQLite file)")
    try:
        conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > LATEST_VERSION:
                raise DatabaseError(f"{path} was made by a newer SoloCRM (schema {version}; this version knows "
                                    f"up to {LATEST_VERSION}): upgrade solocrm to restore it")
            problems = schema_differences(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot read {path}: {exc}") from None
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DatabaseError(f"{path} does not have SoloCRM's schema: {problems[0]}{more}; nothing was restored")
    problems = integrity_errors(path)
    if problems:
        raise DatabaseError(f"{path} failed its integrity check: {problems[0]}")
    return version


def restore_from(backup: Path, db_path: Path, now: datetime) -> Path | None:
    """Replace the database with `backup`; returns the safety copy of the database it replaced.

    In order: the backup is validated; the current database is copied to the backups
    folder; the backup is staged beside the database, upgraded to our schema and checked
    again; only then are the old WAL files removed and the staging copy renamed over the
    database. A failure before the rename leaves the database untouched and names the
    safety copy.
    """
    backup, db_path = Path(backup), Path(db_path)
    check_backup_file(backup)
    safety = _safety_copy(db_path, now) if db_path.exists() else None
    kept = f" (the current database is unchanged; a safety copy is at {safety})" if safety else ""
    tmp = db_path.with_name(db_path.name + ".restore")
    try:
        private_file(tmp)
        shutil.copyfile(backup, tmp)
        migrate(tmp, backup=False)
        conn = sqlite3.connect(tmp)
        try:
            problems = schema_differences(conn) + integrity_errors(tmp)
        finally:
            conn.close()
        if problems:
            raise DatabaseError(problems[0])
    except (OSError, sqlite3.Error, DatabaseError) as exc:
        if tmp.is_file():
            tmp.unlink()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise DatabaseError(f"restore failed while staging {tmp}: {reason}{kept}") from None
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, db_path)
    return safety


def _safety_copy(db_path: Path, now: datetime) -> Path:
    safety = db_path.parent / "backups" / f"{db_path.stem}-before-restore-{now:%Y%m%d-%H%M%S}.db"
    try:
        backup_to(db_path, safety)
    except DatabaseError:  # the database being replaced is damaged: keep its bytes as they are
        private_file(safety)
        shutil.copyfile(db_path, safety)
    return safety
