"""Which files belong to a database, and the one guard every output path passes.

An export or a backup written over the database, its WAL or a database another
program has open destroys data without a word, so `export`, `backup` and the jobs
all ask `check_output` first.
"""

from __future__ import annotations

from pathlib import Path

from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.models import SQLITE_MAGIC, database

_COMPANIONS = ("-wal", "-shm", "-journal")


def check_output(target: Path, source: Path | None = None, *, backup: bool = False) -> None:
    """Refuse an output path that would overwrite a database (SPEC §9: nothing the owner types
    loses data). Never the database itself or its -wal/-shm/-journal; an export never
    replaces any SQLite file; a backup may replace an older backup, but not a database that
    is in use (in WAL mode, or with a WAL beside it).

    `source` is the database being written out (default: the one that is open).
    """
    target = Path(target).expanduser().absolute()
    if source is None and database.database:
        source = Path(database.database)
    source = Path(source).absolute() if source is not None else None
    for suffix in _COMPANIONS:
        owner = target.with_name(target.name.removesuffix(suffix))
        if target.name.endswith(suffix) and (owner == source or _same_file(owner, source) or _is_sqlite(owner)):
            raise ValidationError(f"{target} belongs to the database {owner}: choose another file name")
    if source is not None and (target == source or _same_file(target, source)):
        raise ValidationError(f"{target} is the database itself: choose another file name")
    if not _is_sqlite(target):
        return
    if not backup:
        raise ValidationError(f"{target} is an SQLite database, not an earlier export: choose another file name")
    with open(target, "rb") as fh:
        in_wal_mode = fh.read(20)[18:20] == b"\x02\x02"
    if in_wal_mode or any(target.with_name(target.name + s).exists() for s in _COMPANIONS):
        raise ValidationError(f"{target} is a database in use, not an earlier backup: choose another file name")


def _is_sqlite(path: Path) -> bool:
    """Never call it on the open database: closing a descriptor of it drops SQLite's locks."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _same_file(a: Path, b: Path | None) -> bool:
    if b is None:
        return False
    try:
        return a.samefile(b)
    except OSError:
        return False
