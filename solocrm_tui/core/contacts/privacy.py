"""GDPR erasure: forget a customer and everything about them, keeping the books consistent.

Deleted: the customer, their timeline, follow-ups (theirs and their deals'), deals
with stage history and lines, quotes with their PDF and Markdown files, tickets,
campaign targets and lifecycle history; the search
index follows through its triggers. Their orders stay as anonymous sales
(customer_id NULL: amount, currency, date, product and order id only) so revenue
figures do not change, unless `purge` deletes them too. An `erasure` row records
when and how many rows, with no personal data.

Undo logs hold copies of personal data too. Import batches lose their entries for
this customer (undoing such an import later simply has nothing left to do for
them). Merge batches involving them lose their whole log and are marked erased, so
they can never be undone (that would bring the person back). The erasure runs with
`secure_delete` on, so freed pages are zeroed, and checkpoints the WAL afterwards.
A full-text index only marks a deleted row as gone and keeps its words in the old
segments, so every FTS5 index is merged into fresh segments inside the erasure: the
old pages are freed, and zeroed, with the person's words in them.
Backups made before the erasure still contain the person until they are rotated.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from solocrm_tui.core.errors import NotFound
from solocrm_tui.core.storage.batches import dumps
from solocrm_tui.core.storage.models import database

_LINKED = (
    ("quote", "customer_id = ?"),
    ("interaction", "customer_id = ?"),
    ("followup", "customer_id = ? OR deal_id IN (SELECT id FROM deal WHERE customer_id = ?)"),
    ("deal_stage_change", "deal_id IN (SELECT id FROM deal WHERE customer_id = ?)"),
    ("deal", "customer_id = ?"),
    ("ticket", "customer_id = ?"),
    ("campaign_target", "customer_id = ?"),
    ("stage_change", "customer_id = ?"),
)


@dataclass(frozen=True)
class ErasureResult:
    customer_id: int
    rows_deleted: int
    orders_anonymised: int
    orders_deleted: int
    batches_scrubbed: int


def forget_customer(customer_id: int, now: datetime, *, purge: bool = False) -> ErasureResult:
    conn = database.connection()
    secure = conn.execute("PRAGMA secure_delete").fetchone()[0]
    conn.execute("PRAGMA secure_delete = ON")
    try:
        with database.atomic():
            if conn.execute("SELECT 1 FROM customer WHERE id = ?", (customer_id,)).fetchone() is None:
                raise NotFound(f"no customer #{customer_id}")
            quote_files = _quote_files(conn, customer_id)
            deleted = 0
            for table, where in _LINKED:
                deleted += conn.execute(f"DELETE FROM {table} WHERE {where}",
                                        (customer_id,) * where.count("?")).rowcount
            if purge:
                purged = conn.execute("DELETE FROM orders WHERE customer_id = ?", (customer_id,)).rowcount
                anonymised = 0
            else:
                purged = 0
                anonymised = conn.execute("UPDATE orders SET customer_id = NULL WHERE customer_id = ?",
                                          (customer_id,)).rowcount
            deleted += purged + conn.execute("DELETE FROM customer WHERE id = ?", (customer_id,)).rowcount
            scrubbed = _scrub_batches(customer_id)
            _rewrite_search_indexes(conn)
            conn.execute("INSERT INTO erasure (at, orders_anonymised, rows_deleted) VALUES (?, ?, ?)",
                         (str(now), anonymised, deleted))
    finally:
        conn.execute(f"PRAGMA secure_delete = {int(secure)}")
    for path in quote_files:
        path.unlink(missing_ok=True)
    with suppress(sqlite3.Error):  # another instance is reading: the WAL is recycled at its next checkpoint
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ErasureResult(customer_id, deleted, anonymised, purged, scrubbed)


def _quote_files(conn: sqlite3.Connection, customer_id: int) -> list[Path]:
    """The PDF and Markdown of each of their quotes: they carry the person's name and
    address, so they go with the rows (after the rows are gone for good)."""
    paths = [Path(p) for (p,) in conn.execute("SELECT pdf_path FROM quote WHERE customer_id = ? AND pdf_path "
                                              "IS NOT NULL", (customer_id,))]
    return [file for path in paths for file in (path, path.with_suffix(".md"))]


def _rewrite_search_indexes(conn: sqlite3.Connection) -> None:
    """Merge each FTS5 index into new segments, dropping the deleted rows' words for good."""
    indexes = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%USING fts5%'")]
    for name in indexes:
        conn.execute(f'INSERT INTO "{name}"("{name}") VALUES (\'optimize\')')


def _scrub_batches(customer_id: int) -> int:
    conn = database.connection()
    batches = conn.execute('SELECT DISTINCT b.id, b.kind, b.summary FROM batch_change c JOIN batch b ON b.id = c.batch_id '
                           'WHERE c."table" = \'customer\' AND c.row_id = ?', (customer_id,)).fetchall()
    for batch_id, kind, summary in batches:
        if kind == "merge":
            conn.execute("DELETE FROM batch_change WHERE batch_id = ?", (batch_id,))
            conn.execute("UPDATE batch SET summary = ?, description = ? WHERE id = ?",
                         (dumps({**json.loads(summary or "{}"), "erased": True}), "merge (erased customer)", batch_id))
        else:
            conn.execute('DELETE FROM batch_change WHERE batch_id = ? AND "table" = \'customer\' AND row_id = ?',
                         (batch_id, customer_id))
    return len(batches)
