"""Undoing a batch (an import or a merge) by replaying its change log backwards.

Order matters for uniqueness and foreign keys: first the updated rows get their old
values back (which frees an email a merge moved), then deleted rows are re-inserted
with their old ids, then moved rows go back, and last the inserted rows are
deleted. Undo refuses, unless forced, when something newer depends on the batch:
new activity on a customer it created, a later batch touching the same rows, or an
edit made after it to a customer it changed.

An import that died before its last step (`batches.in_steps`) is discarded rather than
undone: the same replay, then the batch itself is forgotten, as if it never ran. What
someone else built on it meanwhile is kept (see `discard_unfinished`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from solocrm_tui.core import counts
from solocrm_tui.core.contacts.lifecycle import Rules
from solocrm_tui.core.data_io.activity import refresh_after
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.batches import (
    IN_PROGRESS,
    chunks,
    columns,
    marks,
    unfinished_batches,
)
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.owners import is_dead

_KIND_NAMES = {"import": "an import", "merge": "a merge"}
_DEPENDENTS = (("orders", "later order", "batch_id IS NOT ?"), ("interaction", "later timeline entry",
               "kind != 'system' AND batch_id IS NOT ?"), ("deal", "later deal", "batch_id IS NOT ?"),
               ("followup", "follow-up", None),
               ("ticket", "ticket", None), ("campaign_target", "campaign target", None))


@dataclass(frozen=True)
class UndoResult:
    batch_id: str
    kind: str
    deleted: int
    restored: int


def undo_batch(batch_id: str, now: datetime, *, kind: str, force: bool = False, rules: Rules | None = None) -> UndoResult:
    """Undo batch `batch_id` of `kind` ("import" or "merge") in one transaction."""
    batch_id = batch_id.strip()
    conn = database.connection()
    with database.atomic():
        row = conn.execute("SELECT kind, created_at, undone_at, summary FROM batch WHERE id = ?", (batch_id,)).fetchone()
        if row is None:
            raise NotFound(f'no batch "{batch_id}" (the id is printed by the {kind}; check for typos)')
        batch_kind, created_at, undone_at, summary = row
        if batch_kind != kind:
            raise ValidationError(f"batch {batch_id} is {_KIND_NAMES.get(batch_kind, batch_kind)}, "
                                  f"not {_KIND_NAMES[kind]}: use `solocrm {batch_kind} --undo {batch_id}`")
        if undone_at is not None:
            raise ValidationError(f"batch {batch_id} was already undone at {str(undone_at)[:16]}")
        if json.loads(summary or "{}").get(IN_PROGRESS):
            raise ValidationError(f"batch {batch_id} is an import still being written (or interrupted: "
                                  "`solocrm doctor` takes back an interrupted one)")
        if json.loads(summary or "{}").get("erased"):
            raise ValidationError(f"batch {batch_id} can no longer be undone: a customer in it was erased (GDPR)")
        changes = conn.execute('SELECT "table", row_id, action, before FROM batch_change WHERE batch_id = ? '
                               "ORDER BY id", (batch_id,)).fetchall()
        blockers = dependents(batch_id, created_at, changes)
        if blockers and not force:
            raise ValidationError(f"cannot undo {batch_id}: {blockers[0]}"
                                  f"{f' (and {len(blockers) - 1} more)' if len(blockers) > 1 else ''}; "
                                  "use --force to undo anyway")
        touched, restored = _restore(changes, force)
        deleted = _delete_inserted(batch_id, changes, touched)
        conn.execute("UPDATE batch SET undone_at = ? WHERE id = ?", (str(now), batch_id))
        existing = _existing_customers(touched["customer"])
        if touched["orders"]:  # an import re-staged after its orders, so its undo does too
            refresh_after("orders", existing, now, (rules or Rules()) if kind == "import" else None)
        refresh_after("interactions", existing, now, None)
    return UndoResult(batch_id, kind, deleted, restored)


def discard_unfinished(batch_id: str, now: datetime) -> int:
    """Take back what an unfinished import wrote and delete its batch, in one transaction;
    returns the rows deleted.

    Between the import's steps other writers were free to work, so a customer it created
    that has since got someone else's order, note, deal, follow-up, ticket or campaign
    target is kept (deleting it would delete their work), and a customer it updated that
    was edited again afterwards keeps that edit.
    """
    conn = database.connection()
    with database.atomic():
        created_at = conn.execute("SELECT created_at FROM batch WHERE id = ?", (batch_id,)).fetchone()
        if created_at is None:
            return 0
        changes = conn.execute('SELECT "table", row_id, action, before FROM batch_change WHERE batch_id = ? '
                               "ORDER BY id", (batch_id,)).fetchall()
        others = _built_on(batch_id, created_at[0], changes)
        changes = [c for c in changes if (c[0], c[1], c[2]) not in others]
        touched, _restored = _restore(changes, force=True)
        deleted = _delete_inserted(batch_id, changes, touched)
        existing = _existing_customers(touched["customer"])
        if touched["orders"]:
            refresh_after("orders", existing, now, Rules())
        refresh_after("interactions", existing, now, None)
        conn.execute("DELETE FROM batch_change WHERE batch_id = ?", (batch_id,))
        conn.execute("DELETE FROM batch WHERE id = ?", (batch_id,))
    return deleted


def _built_on(batch_id: str, created_at: str, changes: list) -> set[tuple[str, int, str]]:
    """The batch's customer changes that later work by someone else depends on."""
    conn, found = database.connection(), set()
    inserted = [row_id for table, row_id, action, _ in changes if table == "customer" and action == "insert"]
    for part in chunks(inserted):
        for table, _label, condition in _DEPENDENTS:
            where = f"customer_id IN ({marks(len(part))})" + (f" AND {condition}" if condition else "")
            params = tuple(part) + ((batch_id,) if condition else ())
            found |= {("customer", cid, "insert") for (cid,) in conn.execute(
                f"SELECT DISTINCT customer_id FROM {table} WHERE {where}", params)}
    edited = [row_id for table, row_id, action, _ in changes if table == "customer" and action == "update"]
    for part in chunks(edited):
        found |= {("customer", cid, "update") for (cid,) in conn.execute(
            f"SELECT id FROM customer WHERE id IN ({marks(len(part))}) AND updated_at > ?", (*part, created_at))}
    return found


def dependents(batch_id: str, created_at: str, changes: list) -> list[str]:
    """Why undoing now would destroy or overwrite something made after the batch."""
    conn, problems = database.connection(), []
    inserted = [row_id for table, row_id, action, _ in changes if table == "customer" and action == "insert"]
    for part in chunks(inserted):
        for table, label, condition in _DEPENDENTS:
            where = f"customer_id IN ({marks(len(part))})" + (f" AND {condition}" if condition else "")
            params = tuple(part) + ((batch_id,) if condition else ())
            for cid, count in conn.execute(f"SELECT customer_id, COUNT(*) FROM {table} WHERE {where} "
                                           "GROUP BY customer_id LIMIT 3", params):
                problems.append(f"customer #{cid}, added by this batch, has {counts.count(count, label)}")
    later = conn.execute(
        'SELECT DISTINCT later.batch_id FROM batch_change mine JOIN batch_change later '
        'ON later."table" = mine."table" AND later.row_id = mine.row_id JOIN batch b ON b.id = later.batch_id '
        "WHERE mine.batch_id = ? AND later.batch_id != ? AND b.undone_at IS NULL AND b.created_at >= ? "
        "AND later.id > mine.id LIMIT 3", (batch_id, batch_id, created_at)).fetchall()
    problems += [f"the later batch {b} changed the same rows (undo it first)" for (b,) in later]
    edited = [row_id for table, row_id, action, _ in changes if table == "customer" and action == "update"]
    for part in chunks(edited):
        for (cid,) in conn.execute(f"SELECT id FROM customer WHERE id IN ({marks(len(part))}) AND updated_at > ? "
                                   "LIMIT 3", (*part, created_at)):
            problems.append(f"customer #{cid} was edited after this batch (undo would overwrite that)")
    deals = [row_id for table, row_id, _action, _ in changes if table == "deal"]
    for part in chunks(deals):
        for (did,) in conn.execute(f"SELECT id FROM deal WHERE id IN ({marks(len(part))}) AND updated_at > ? "
                                   "LIMIT 3", (*part, created_at)):
            problems.append(f"deal #{did} was changed after this batch (undo would lose that)")
    return problems


def _restore(changes: list, force: bool) -> tuple[dict[str, list[int]], int]:
    """Updates back, deleted rows back, moved rows back; returns (touched ids per table, rows restored)."""
    conn = database.connection()
    touched: dict[str, list[int]] = defaultdict(list)
    known: dict[str, set[str]] = {}
    restored = 0

    def allowed(table: str, names) -> list[str]:
        valid = known.setdefault(table, columns(table))
        bad = [n for n in names if n not in valid or n == "id"]
        if bad:
            raise ValidationError(f"the change log names unknown columns {bad} of {table}; refusing to undo")
        return list(names)

    order = {"update": 0, "delete": 1, "move": 2}
    for table, row_id, action, before in sorted((c for c in changes if c[2] in order),
                                                key=lambda c: (order[c[2]], c[0] != "customer")):
        values = json.loads(before or "{}")
        if action == "delete":
            _reinsert(table, values, allowed)
            owner = row_id if table == "customer" else values["row"].get("customer_id")  # order lines have none
            if owner is not None:
                touched["customer"].append(owner)
        else:
            names = allowed(table, values)
            done = conn.execute(f'UPDATE "{table}" SET {", ".join(f"{n} = ?" for n in names)} WHERE id = ?',
                                (*values.values(), row_id)).rowcount
            if table == "customer":
                touched["customer"].append(row_id)
            elif "customer_id" in values:
                touched["customer"].append(values["customer_id"])
            if not done and not force:
                raise ValidationError(f"{table} #{row_id} no longer exists; use --force to undo the rest")
        touched[table].append(row_id)
        restored += 1
    return touched, restored


def _reinsert(table: str, values: dict, allowed) -> None:
    conn = database.connection()
    rows = [(table, values["row"])] + [(t, r) for t, rs in values.get("children", {}).items() for r in rs]
    for name, row in rows:
        names = allowed(name, [k for k in row if k != "id"])
        conn.execute(f'INSERT INTO "{name}" (id, {", ".join(names)}) VALUES ({marks(len(names) + 1)})',
                     (row["id"], *(row[n] for n in names)))


def _delete_inserted(batch_id: str, changes: list, touched: dict[str, list[int]]) -> int:
    conn, deleted = database.connection(), 0
    inserted: dict[str, list[int]] = defaultdict(list)
    for table, row_id, action, _ in changes:
        if action == "insert":
            inserted[table].append(row_id)
    for table in ("orders", "interaction"):
        rows = conn.execute(f"SELECT id, customer_id FROM {table} WHERE batch_id = ?", (batch_id,)).fetchall()
        touched["customer"].extend(cid for _, cid in rows if cid is not None)
        touched[table].extend(i for i, _ in rows)
        deleted += conn.execute(f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,)).rowcount
    for table in [t for t in inserted if t not in ("orders", "interaction", "customer")] + ["customer"]:
        for part in chunks(inserted.get(table, [])):
            deleted += conn.execute(f'DELETE FROM "{table}" WHERE id IN ({marks(len(part))})', tuple(part)).rowcount
    return deleted


def _existing_customers(ids: list[int]) -> list[int]:
    conn, out = database.connection(), []
    for part in chunks(sorted(set(ids))):
        out += [r[0] for r in conn.execute(f"SELECT id FROM customer WHERE id IN ({marks(len(part))})", tuple(part))]
    return out


def roll_back_unfinished(now: datetime) -> list[str]:
    """Take back every import whose process died before its last step; one line for each
    taken back, and for each still being written by a live (or unknowable) process."""
    said = []
    for batch_id, owner in unfinished_batches():
        if is_dead(owner):
            deleted = discard_unfinished(batch_id, now)
            said.append(f"took back the interrupted import {batch_id} ({counts.count(deleted, 'row')} it had written)")
        else:
            said.append(f"import {batch_id} is still being written by process {owner}")
    return said
