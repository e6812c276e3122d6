"""Consistent online backups.

SQLite's backup API copies a live WAL database page-consistently while the app
keeps running, which a plain file copy cannot promise. Every copy is checked with
`PRAGMA integrity_check` and is readable by the owner only.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime
from pathlib import Path

from solocrm_tui.core.errors import DatabaseError
from solocrm_tui.core.storage.files import check_output


def private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def integrity_errors(path: Path) -> list[str]:
    """Empty when the file is a healthy SQLite database."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    except UnicodeDecodeError:  # damaged pages can surface as undecodable text
        return ["the file is damaged (unreadable text in its pages)"]
    return [] if rows == ["ok"] else rows


def backup_to(source: Path, target: Path) -> Path:
    """Copy `source` to `target` online; the copy is verified before we return."""
    source, target = Path(source), Path(target)
    if target.exists() and target.is_dir():
        raise DatabaseError(f"{target} is a directory; give a file name for the backup")
    check_output(target, source, backup=True)
    tmp = target.with_name(target.name + ".part")
    try:
        private_file(tmp)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=15)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
    except OSError as exc:
        raise DatabaseError(f"cannot write backup {target}: {exc.strerror}") from None
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        tmp.unlink(missing_ok=True)
        reason = "the file is damaged" if isinstance(exc, UnicodeDecodeError) else exc
        raise DatabaseError(f"backup of {source} failed: {reason}") from None
    problems = integrity_errors(tmp)
    if problems:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"backup failed its integrity check: {problems[0]}")
    os.replace(tmp, target)
    return target


def backup_name(db_path: Path, now: datetime) -> str:
    return f"{db_path.stem}-{now:%Y%m%d-%H%M%S}.db"


def rotate(folder: Path, stem: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` timestamped backups of `stem`; returns the deleted."""
    backups = sorted(folder.glob(f"{stem}-????????-??????.db"))
    doomed = backups[:-keep] if keep > 0 else backups
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
