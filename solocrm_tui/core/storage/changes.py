"""Change sets: exactly the rows one user action wrote, and the way back.

While an action runs, temporary triggers on this thread's connection log every row it
inserts, updates or deletes, with the row as it was before and after. Temporary
triggers see only their own connection's writes, so a note another app instance or
process writes meanwhile is never part of the change set and never removed by its undo.

Undo puts the before-images back in reverse order, in one transaction, and refuses
when any of the rows no longer looks as the action left it: a later change touched it,
and undoing would overwrite that. Figures derived from other rows (a customer's
totals, last contact, model scores) are not compared or restored: they are recomputed
for the customers concerned after the rows are back. A stage the action changed goes
back to what its stage-history row says it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TypeVar

from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.models import database

T = TypeVar("T")

# The tables a user action writes. Batches (imports, merges) have their own log and
# undo; model runs, job state and erasure records are the app's, not the owner's.
TRACKED = ("customer", "interaction", "orders", "order_line", "deal", "deal_line", "deal_stage_change", "followup",
           "campaign", "campaign_target", "ticket", "stage_change", "queue_dismissal", "cadence", "product", "quote")
DERIVED = {"customer": {"updated_at", "revenue_cents", "order_count", "last_order_at", "last_contact_at", "stage",
                        "stage_changed_at", "segment", "churn_risk", "p_alive", "expected_purchases", "clv"}}
LABELS = {"customer": "the customer", "interaction": "a timeline entry", "orders": "an order", "deal": "a deal",
          "deal_stage_change": "a deal's history", "followup": "a follow-up", "campaign": "a campaign",
          "campaign_target": "a campaign target", "ticket": "a ticket", "stage_change": "a stage change",
          "queue_dismissal": "a Today dismissal", "cadence": "a keep-in-touch cadence",
          "order_line": "an order's line", "deal_line": "a deal's line", "product": "a product", "quote": "a quote"}


@dataclass(frozen=True)
class RowChange:
    table: str
    rowid: int
    before: str | None  # the row as JSON, None when the action inserted it
    after: str | None  # None when the action deleted it


@dataclass(frozen=True)
class ChangeSet:
    label: str  # what the owner did, e.g. "archiving 2 customers"
    rows: tuple[RowChange, ...]


def record(write: Callable[[], T], label: str) -> tuple[T, ChangeSet]:
    """Run `write` in one transaction and return its result with the rows it changed."""
    conn = database.connection()
    with database.atomic():
        _start(conn)
        try:
            result = write()
            log = conn.execute("SELECT tbl, rid, before, after FROM temp._change_log ORDER BY seq").fetchall()
        finally:
            _stop(conn)
    return result, ChangeSet(label, _squash(log))


def undo(change: ChangeSet, now: datetime) -> None:
    """Put back exactly what `change` wrote, or refuse and change nothing."""
    from solocrm_tui.core.data_io.activity import (
        refresh_after,  # activity imports storage
    )

    conn = database.connection()
    with database.atomic():
        for row in change.rows:
            if _image(conn, row.table, row.rowid) != row.after:
                raise ValidationError(f"cannot undo {change.label}: {LABELS[row.table]} it wrote was changed "
                                      "since (here or in another window); nothing was undone")
        for row in reversed(change.rows):
            _restore(conn, row)
        _restore_stages(conn, change)
        customers = sorted({cid for row in change.rows for cid in _customer_ids(row)})
        refresh_after("orders", customers, now, None)
        refresh_after("interactions", customers, now, None)


def _restore_stages(conn: sqlite3.Connection, change: ChangeSet) -> None:
    """A stage is derived, so it is not in the images; the stage changes the action recorded
    say what it was before. Each customer gets the stage their first recorded change left,
    dated by the stage history that remains."""
    for row in reversed(change.rows):
        if row.table == "stage_change" and row.before is None and row.after is not None:
            moved = json.loads(row.after)
            conn.execute("UPDATE customer SET stage = ?, stage_changed_at = (SELECT MAX(at) FROM stage_change "
                         "WHERE customer_id = customer.id) WHERE id = ?", (moved["from_stage"], moved["customer_id"]))


def _squash(log: list[tuple]) -> tuple[RowChange, ...]:
    """One change per row: its first before-image and its last after-image; a row the
    action inserted and deleted again is no change at all."""
    first: dict[tuple[str, int], RowChange] = {}
    for table, rowid, before, after in log:
        key = (table, rowid)
        earlier = first.get(key)
        first[key] = RowChange(table, rowid, earlier.before if earlier else before, after)
    return tuple(row for row in first.values() if row.before != row.after)


def _restore(conn: sqlite3.Connection, row: RowChange) -> None:
    if row.before is None:
        conn.execute(f'DELETE FROM "{row.table}" WHERE rowid = ?', (row.rowid,))
        return
    values = json.loads(row.before)
    names = ", ".join(f'"{name}"' for name in values)
    if row.after is None:
        conn.execute(f'INSERT INTO "{row.table}" ({names}) VALUES ({", ".join("?" * len(values))})',
                     tuple(values.values()))
    else:
        assignments = ", ".join(f'"{name}" = ?' for name in values)
        conn.execute(f'UPDATE "{row.table}" SET {assignments} WHERE rowid = ?', (*values.values(), row.rowid))


def _customer_ids(row: RowChange) -> list[int]:
    images = [json.loads(image) for image in (row.before, row.after) if image]
    key = "id" if row.table == "customer" else "customer_id"
    return [image[key] for image in images if image.get(key) is not None]


def _image(conn: sqlite3.Connection, table: str, rowid: int) -> str | None:
    found = conn.execute(f'SELECT {_json(table, "")} FROM "{table}" WHERE rowid = ?', (rowid,)).fetchone()
    return found[0] if found else None


@cache
def _columns(table: str) -> tuple[str, ...]:
    derived = DERIVED.get(table, set())
    names = [r[1] for r in database.connection().execute(f'PRAGMA table_info("{table}")')]
    return tuple(name for name in names if name not in derived)


def _json(table: str, prefix: str) -> str:
    """A json_object() of the row's owned columns: the same text for the same values, so
    images compare as strings."""
    return "json_object(" + ", ".join(f"'{name}', {prefix}\"{name}\"" for name in _columns(table)) + ")"


def _start(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _change_log (seq INTEGER PRIMARY KEY, tbl TEXT, rid INTEGER, "
                  "before TEXT, after TEXT)")
    conn.execute("DELETE FROM temp._change_log")
    # A REPLACE that removes a row fires its delete trigger only with recursive triggers on,
    # and the removed row is part of what the action changed.
    conn.execute("PRAGMA recursive_triggers = ON")
    for table in TRACKED:
        old, new = _json(table, "old."), _json(table, "new.")
        conn.execute(f'CREATE TEMP TRIGGER IF NOT EXISTS "_undo_{table}_i" AFTER INSERT ON main."{table}" BEGIN '
                     f"INSERT INTO _change_log (tbl, rid, before, after) VALUES ('{table}', new.rowid, NULL, {new}); END")
        conn.execute(f'CREATE TEMP TRIGGER IF NOT EXISTS "_undo_{table}_u" AFTER UPDATE ON main."{table}" '
                     f"WHEN {old} IS NOT {new} BEGIN "
                     f"INSERT INTO _change_log (tbl, rid, before, after) VALUES ('{table}', new.rowid, {old}, {new}); END")
        conn.execute(f'CREATE TEMP TRIGGER IF NOT EXISTS "_undo_{table}_d" AFTER DELETE ON main."{table}" BEGIN '
                     f"INSERT INTO _change_log (tbl, rid, before, after) VALUES ('{table}', old.rowid, {old}, NULL); END")


def _stop(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA recursive_triggers = OFF")
    for table in TRACKED:
        for op in "iud":
            conn.execute(f'DROP TRIGGER IF EXISTS temp."_undo_{table}_{op}"')
