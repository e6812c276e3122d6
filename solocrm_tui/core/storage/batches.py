"""Undoable batches (imports, merges): short ids a person can type, and the change log.

Every row a batch inserts is logged as (table, row_id, "insert"); every row it changes
as (table, row_id, "update"|"move", JSON of the previous values); every row it deletes
as (table, row_id, "delete", JSON of the whole row). Undo replays that log backwards.
The log is written with executemany on the thread's sqlite3 connection, inside the
caller's transaction, so a 100k-row import logs its changes in a fraction of a second.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from solocrm_tui.core.storage.models import database

CHUNK = 900  # well under SQLite's bound-parameter limit
Change = tuple[str, int, str, str | None]  # table, row_id, action, before (JSON)


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def marks(count: int) -> str:
    return ",".join("?" * count)


def plain(value: Any) -> Any:
    """What Peewee stores for a value, so raw executemany needs no adapters."""
    if isinstance(value, (datetime, date)):
        return str(value)
    return int(value) if isinstance(value, bool) else value


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def new_batch_id(prefix: str, now: datetime) -> str:
    """`imp-20261122-1030-7f3a`: sortable by time, short enough to type."""
    conn = database.connection()
    while True:
        candidate = f"{prefix}-{now:%Y%m%d-%H%M}-{secrets.token_hex(2)}"
        if conn.execute("SELECT 1 FROM batch WHERE id = ?", (candidate,)).fetchone() is None:
            return candidate


def create_batch(batch_id: str, kind: str, description: str, now: datetime, summary: dict) -> None:
    database.connection().execute(
        "INSERT INTO batch (id, kind, description, created_at, undone_at, summary) VALUES (?, ?, ?, ?, NULL, ?)",
        (batch_id, kind, description, str(now), dumps(summary)))


def update_summary(batch_id: str, summary: dict) -> None:
    database.connection().execute("UPDATE batch SET summary = ? WHERE id = ?", (dumps(summary), batch_id))


def record(batch_id: str, changes: Iterable[Change]) -> None:
    database.connection().executemany(
        'INSERT INTO batch_change (batch_id, "table", row_id, action, before) VALUES (?, ?, ?, ?, ?)',
        ((batch_id, table, row_id, action, before) for table, row_id, action, before in changes))


def columns(table: str) -> set[str]:
    """Real column names, so names read back from a change log are never trusted as SQL."""
    return {row[1] for row in database.connection().execute(f'PRAGMA table_info("{table}")')}


def fetch_rows(table: str, ids: Sequence[int], cols: Sequence[str] | None = None) -> dict[int, dict]:
    """Rows by id as plain dicts of what is stored (dates stay ISO strings)."""
    conn = database.connection()
    names = list(cols) if cols else None
    out: dict[int, dict] = {}
    for part in chunks(list(ids)):
        select = ", ".join(f'"{c}"' for c in names) if names else "*"
        cursor = conn.execute(f'SELECT id, {select} FROM "{table}" WHERE id IN ({marks(len(part))})', tuple(part))
        header = [d[0] for d in cursor.description][1:]
        for row in cursor:
            out[row[0]] = dict(zip(header, row[1:]))
    return out


@dataclass(frozen=True)
class BatchInfo:
    id: str
    kind: str  # "import" or "merge"
    description: str
    created_at: datetime
    undone_at: datetime | None


def list_batches(*, include_undone: bool = False, limit: int = 50) -> list[BatchInfo]:
    """The newest batches first: what `solocrm import --undo` and `merge --undo` can take back."""
    where = "" if include_undone else "WHERE undone_at IS NULL "
    rows = database.connection().execute(
        f"SELECT id, kind, description, created_at, undone_at FROM batch {where}ORDER BY created_at DESC, rowid DESC "
        "LIMIT ?", (limit,)).fetchall()
    return [BatchInfo(id_, kind, description or "", datetime.fromisoformat(str(created)),
                      datetime.fromisoformat(str(undone)) if undone else None)
            for id_, kind, description, created, undone in rows]
