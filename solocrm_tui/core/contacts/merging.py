"""Merging two customer records that are the same person, undoably.

Everything attached to OTHER (timeline, orders, deals, follow-ups, tickets, campaign
targets) moves to KEEP; KEEP's empty fields are filled from OTHER (or the fields the
caller prefers from OTHER are taken), tags and custom fields are combined, opt-out
wins if either opted out, and OTHER is deleted. The whole merge is one transaction
and one `merge` batch whose log holds OTHER's full row (and stage history), so
`undo_merge` brings OTHER back with its own rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from solocrm_tui.core.contacts.customers import join_tags
from solocrm_tui.core.data_io.activity import refresh_after
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales.orders import refresh_customer_totals
from solocrm_tui.core.storage.batches import (
    create_batch,
    dumps,
    fetch_rows,
    new_batch_id,
    record,
)
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import UndoResult, undo_batch

FIELDS = ("name", "company", "email", "external_id", "phone", "street", "postcode", "city", "region", "country",
          "birthday", "source", "tags", "custom")
_COMPANIONS = {"email": ("email_norm",), "phone": ("phone_norm",), "birthday": ("birthday_md",)}
MOVED_TABLES = ("interaction", "orders", "deal", "followup", "ticket", "campaign_target", "quote")


@dataclass(frozen=True)
class MergeResult:
    batch_id: str
    keep_id: int
    other_id: int
    moved: dict[str, int]
    filled: tuple[str, ...]


def parse_prefer(items: list[str] | None) -> dict[str, str]:
    """["other:email,phone", …] -> {"email": "other", "phone": "other"}."""
    out: dict[str, str] = {}
    for item in items or ():
        side, sep, names = item.partition(":")
        if not sep or side.strip() not in ("keep", "other") or not names.strip():
            raise ValidationError(f'--prefer "{item}" should look like other:email,phone')
        out.update({n.strip().replace("-", "_"): side.strip() for n in names.split(",") if n.strip()})
    return out


def _check_prefer(prefer: dict[str, str] | None) -> dict[str, str]:
    prefer = dict(prefer or {})
    for name, side in prefer.items():
        if name not in FIELDS:
            raise ValidationError(f'cannot prefer "{name}": use one of {", ".join(FIELDS)}', field=name)
        if side not in ("keep", "other"):
            raise ValidationError(f'prefer {name} from "keep" or "other", not "{side}"', field=name)
    return prefer


def merged_fields(keep: dict, other: dict, prefer: dict[str, str]) -> tuple[dict, list[str]]:
    """(column changes for KEEP, names of the fields that came from OTHER)."""
    changes: dict = {}
    filled: list[str] = []
    for name in FIELDS[:9]:
        mine, theirs = keep[name], other[name]
        if theirs in (None, "") or theirs == mine:
            continue
        if prefer.get(name) == "other" or mine in (None, ""):  # KEEP's own values win unless told otherwise
            changes[name] = theirs
            for companion in _COMPANIONS.get(name, ()):
                changes[companion] = other[companion]
            filled.append(name)
    tags = join_tags(set(keep["tags"].split()) | set(other["tags"].split()))
    if tags != keep["tags"]:
        changes["tags"] = tags
        filled.append("tags")
    mine, theirs = json.loads(keep["custom"] or "{}"), json.loads(other["custom"] or "{}")
    custom = {**mine, **theirs} if prefer.get("custom") == "other" else {**theirs, **mine}
    if custom != mine:
        changes["custom"] = json.dumps(custom, ensure_ascii=False, sort_keys=True, default=str)
        filled.append("custom")
    if other["opt_out"] and not keep["opt_out"]:
        changes["opt_out"] = 1
        filled.append("opt_out")
    if other["created_at"] < keep["created_at"]:
        changes["created_at"] = other["created_at"]
    return changes, filled


def merge_customers(keep_id: int, other_id: int, now: datetime, prefer: dict[str, str] | None = None) -> MergeResult:
    """Fold customer `other_id` into `keep_id`; returns what moved and the batch id to undo it."""
    prefer = _check_prefer(prefer)
    if keep_id == other_id:
        raise ValidationError("cannot merge a customer with itself")
    conn = database.connection()
    with database.atomic():
        rows = fetch_rows("customer", [keep_id, other_id])
        for cid in (keep_id, other_id):
            if cid not in rows:
                raise NotFound(f"no customer #{cid}")
        keep, other = rows[keep_id], rows[other_id]
        batch_id = new_batch_id("mrg", now)
        create_batch(batch_id, "merge", f"merge customer #{other_id} into #{keep_id}", now,
                     {"keep": keep_id, "other": other_id})
        changes = _fold_campaign_targets(keep_id, other_id)
        moved = {}
        for table in MOVED_TABLES:
            ids = [r[0] for r in conn.execute(f"SELECT id FROM {table} WHERE customer_id = ?", (other_id,))]
            conn.execute(f"UPDATE {table} SET customer_id = ? WHERE customer_id = ?", (keep_id, other_id))
            changes += [(table, i, "move", dumps({"customer_id": other_id})) for i in ids]
            moved[table] = len(ids)
        cursor = conn.execute("SELECT * FROM stage_change WHERE customer_id = ? ORDER BY id", (other_id,))
        history = [dict(zip([d[0] for d in cursor.description], r)) for r in cursor.fetchall()]
        changes.append(("customer", other_id, "delete", dumps({"row": other, "children": {"stage_change": history}})))
        conn.execute("DELETE FROM customer WHERE id = ?", (other_id,))
        updates, filled = merged_fields(keep, other, prefer)
        updates["updated_at"] = str(now)
        conn.execute(f"UPDATE customer SET {', '.join(f'{n} = ?' for n in updates)} WHERE id = ?",
                     (*updates.values(), keep_id))
        changes.append(("customer", keep_id, "update", dumps({n: keep[n] for n in updates})))
        conn.execute("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at, batch_id) "
                     "VALUES (?, 'system', 'out', ?, ?, ?)",
                     (keep_id, f"merged customer #{other_id} ({other['name']}) into this one (batch {batch_id})",
                      str(now), batch_id))
        record(batch_id, changes)
        refresh_customer_totals([keep_id])
        refresh_after("interactions", [keep_id], now, None)
    return MergeResult(batch_id, keep_id, other_id, moved, tuple(filled))


def _fold_campaign_targets(keep_id: int, other_id: int) -> list:
    """Both targeted by one campaign: keep KEEP's target with the earliest response/conversion."""
    conn, changes = database.connection(), []
    query = "SELECT id, campaign_id, customer_id, responded_at, converted_at FROM campaign_target WHERE customer_id = ?"
    names = ("id", "campaign_id", "customer_id", "responded_at", "converted_at")
    mine = {r[1]: dict(zip(names, r)) for r in conn.execute(query, (keep_id,))}
    for row in [dict(zip(names, r)) for r in conn.execute(query, (other_id,))]:
        target = mine.get(row["campaign_id"])
        if target is None:
            continue
        update = {}
        for name in ("responded_at", "converted_at"):
            both = [v for v in (target[name], row[name]) if v is not None]
            if both and min(both) != target[name]:
                update[name] = min(both)
        if update:
            conn.execute(f"UPDATE campaign_target SET {', '.join(f'{n} = ?' for n in update)} WHERE id = ?",
                         (*update.values(), target["id"]))
            changes.append(("campaign_target", target["id"], "update", dumps({n: target[n] for n in update})))
        changes.append(("campaign_target", row["id"], "delete", dumps({"row": row})))
        conn.execute("DELETE FROM campaign_target WHERE id = ?", (row["id"],))
    return changes


def undo_merge(batch_id: str, now: datetime, *, force: bool = False) -> UndoResult:
    """Bring OTHER back with its own rows and KEEP's previous fields."""
    conn = database.connection()
    with database.atomic():
        row = conn.execute("SELECT kind, undone_at, summary FROM batch WHERE id = ?", (batch_id.strip(),)).fetchone()
        if row and row[0] == "merge" and row[1] is None:
            summary = json.loads(row[2] or "{}")
            keep_id, other_id = (None, None) if summary.get("erased") else (summary.get("keep"), summary.get("other"))
            if keep_id and not conn.execute("SELECT 1 FROM customer WHERE id = ?", (keep_id,)).fetchone():
                raise ValidationError(f"cannot undo {batch_id}: customer #{keep_id}, who was kept, no longer exists")
            if other_id and conn.execute("SELECT 1 FROM customer WHERE id = ?", (other_id,)).fetchone():
                raise ValidationError(f"cannot undo {batch_id}: id #{other_id} has been given to a new customer")
        return undo_batch(batch_id, now, kind="merge", force=force)
