"""Undoable batches (imports, merges): short ids a person can type, and the change log.

Every row a batch inserts is logged as (table, row_id, "insert"); every row it changes
as (table, row_id, "update"|"move", JSON of the previous values); every row it deletes
as (table, row_id, "delete", JSON of the whole row). Undo replays that log backwards.
The log is written with executemany on the thread's sqlite3 connection, inside the
caller's transaction, so a 100k-row import logs its changes in a fraction of a second.

A long batch (an import) is written `in_steps`: many short IMMEDIATE transactions, so
other writers (a second app, the reminders job) wait a fraction of a second, never the
busy timeout. Until its last step the batch is marked in progress with its owner
process; one whose owner died is taken back by `undo.discard_unfinished`.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from solocrm_tui.core.storage.bulk_index import indexed_in_bulk
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.owners import this_process

CHUNK = 900  # well under SQLite's bound-parameter limit
STEP_SECONDS = 0.4  # how long one step of a long batch may keep other writers waiting
# Between steps the lock is left free this long: SQLite has no queue, a waiting writer
# retries every 100 ms at most, and a step started at once after a commit would win every
# time and starve it (seen: "database is locked" after 1 s of an import's steps).
PAUSE_SECONDS = 0.11
FIRST_STEP = 100  # rows in the first step; later steps are sized from how long it took
IN_PROGRESS = "in_progress"  # summary key: the owner ("host:pid") while the batch is still being written
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


def start_batch(batch_id: str, kind: str, description: str, now: datetime, summary: dict) -> None:
    """Create a batch marked in progress by this process, committed at once: if the process
    dies before `update_summary` clears the mark, the next one knows to take the batch back."""
    with database.atomic():
        create_batch(batch_id, kind, description, now, {**summary, IN_PROGRESS: this_process()})


def unfinished_batches() -> list[tuple[str, str]]:
    """(batch id, owner) of every batch still marked in progress, oldest first."""
    return database.connection().execute(
        "SELECT id, json_extract(summary, '$.in_progress') FROM batch WHERE undone_at IS NULL "
        "AND json_extract(summary, '$.in_progress') IS NOT NULL ORDER BY created_at, rowid").fetchall()


def in_steps(items: Sequence, write: Callable[[Sequence], None], budget: float = STEP_SECONDS) -> None:
    """Call `write` on consecutive slices of `items`, each in its own short IMMEDIATE transaction.

    A step is sized so it takes about `budget` seconds (from how long the previous one
    took): long enough that commits and pauses don't dominate, short enough that another
    writer's busy timeout is never in sight. Readers see each step as it commits.
    """
    size, done = FIRST_STEP, 0
    while done < len(items):
        part = items[done:done + size]
        started = time.perf_counter()
        with database.atomic():
            write(part)
        done += len(part)
        took = time.perf_counter() - started
        size = max(1, min(size * 4, int(size * budget / max(took, 0.001))))
        if done < len(items) and budget:
            time.sleep(PAUSE_SECONDS)


@contextmanager
def checkpoint_after():
    """Leave the WAL alone while this thread writes many steps, then checkpoint once.

    With the default auto-checkpoint every commit of a long batch copied the index pages
    it dirtied back into the database file: that tripled a 100k-row import. A passive
    checkpoint at the end waits for nobody. After a failure there is none: on a full disk
    it would grow the file into the space the batch's own undo needs.
    """
    conn = database.connection()
    previous = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(previous)}")
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")


def record(batch_id: str, changes: Iterable[Change]) -> None:
    database.connection().executemany(
        'INSERT INTO batch_change (batch_id, "table", row_id, action, before) VALUES (?, ?, ?, ?, ?)',
        ((batch_id, table, row_id, action, before) for table, row_id, action, before in changes))


def insert_recorded(table: str, names: Sequence[str], rows: Sequence[tuple], batch_id: str,
                    triggers: tuple[str, ...] = ()) -> list[int]:
    """Insert `rows` (values for `names`) tagged with `batch_id`, record each insert in the
    batch so undo deletes it, and return the new ids in insertion order; `triggers` are
    search-index triggers to run once over all the rows (`bulk_index`)."""
    if not rows:
        return []
    conn = database.connection()
    start = conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]
    with indexed_in_bulk(conn, table, triggers, start, len(rows)):
        conn.executemany(f"INSERT INTO {table} ({', '.join(names)}, batch_id) VALUES ({marks(len(names) + 1)})",
                         [(*row, batch_id) for row in rows])
    new_ids = [r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE id > ? AND batch_id = ? ORDER BY id",
                                          (start, batch_id))]
    record(batch_id, ((table, i, "insert", None) for i in new_ids))
    return new_ids


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
    where = "WHERE json_extract(summary, '$.in_progress') IS NULL" + ("" if include_undone else " AND undone_at IS NULL")
    rows = database.connection().execute(
        f"SELECT id, kind, description, created_at, undone_at FROM batch {where} ORDER BY created_at DESC, rowid DESC "
        "LIMIT ?", (limit,)).fetchall()
    return [BatchInfo(id_, kind, description or "", datetime.fromisoformat(str(created)),
                      datetime.fromisoformat(str(undone)) if undone else None)
            for id_, kind, description, created, undone in rows]
