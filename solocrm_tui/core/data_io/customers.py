"""Customers from a CSV: match existing customers, plan inserts and updates, write them fast.

A row matches an existing customer on external id, then normalised email, then
normalised phone (a phone only when the row's id/email do not contradict it), and
then *updates* that customer: non-empty cells overwrite, empty cells never erase,
tags and custom fields are added to. Matches are planned with dicts built from one
query, new customers are written with executemany, so 100k rows take seconds.
Cleaning and in-file merging live in `customer_cleaning`.

The plan is made from one snapshot; the writes go in short steps (`batches.in_steps`)
while other writers keep working, so each step checks its part again: a new customer
someone else added meanwhile is updated instead of duplicated, and an update is
diffed against the customer as it is now, so its undo restores what was really there.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import OTHER, join_tags
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.data_io.customer_cleaning import (
    absorb,
    contradicts,
    custom_json,
    dedupe,
    name_key,
    row_cleaner,
)
from solocrm_tui.core.errors import DatabaseError, ValidationError
from solocrm_tui.core.storage.batches import (
    STEP_SECONDS,
    chunks,
    dumps,
    fetch_rows,
    in_steps,
    insert_recorded,
    marks,
    record,
)
from solocrm_tui.core.storage.bulk_index import indexed_in_bulk
from solocrm_tui.core.storage.models import database

UPDATABLE = ("name", "company", "email", "email_norm", "external_id", "phone", "phone_norm", "opt_out", "street",
             "postcode", "city", "region", "country", "birthday", "birthday_md", "source", "tags", "custom")
INSERT_COLUMNS = (*UPDATABLE, "created_at", "updated_at", "revenue_cents", "order_count", "stage")
_INSERT_SQL = f"INSERT INTO customer ({', '.join(INSERT_COLUMNS)}) VALUES ({','.join('?' * len(INSERT_COLUMNS))})"


# --- matching existing customers -----------------------------------------------------------


_KEY_COLUMNS = "id, external_id, email_norm, phone_norm, name, company"


@dataclass
class Existing:
    """Every customer's keys, from one query: what the import matches against."""

    ext: dict[str, int] = field(default_factory=dict)
    email: dict[str, int] = field(default_factory=dict)
    phone: dict[str, int] = field(default_factory=dict)
    keys: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)  # name_key -> id (0 when several share it)
    other_email: dict[str, int] = field(default_factory=dict)  # the "other emails" an earlier import kept
    other_phone: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Existing:
        conn = database.connection()
        found = cls().add(conn.execute(f"SELECT {_KEY_COLUMNS} FROM customer ORDER BY id"))
        found.add_others(conn.execute(f"SELECT id, custom FROM customer WHERE custom LIKE '%\"{OTHER['email']}\"%' "
                                      f"OR custom LIKE '%\"{OTHER['phone']}\"%' ORDER BY id"))
        return found

    def add_others(self, rows) -> None:
        """Index the second emails and phones kept from Google's or Outlook's extra columns, so
        an order paid from Anna's private address finds Anna (a primary key always wins)."""
        for cid, custom in rows:
            values = json.loads(custom or "{}")
            for name, check, table in (("email", validate.email, self.other_email),
                                       ("phone", validate.phone, self.other_phone)):
                for written in str(values.get(OTHER[name], "")).split(","):
                    try:
                        key = check(written.strip() or None)[1]
                    except ValidationError:
                        continue
                    if key:
                        table.setdefault(key, cid)

    @classmethod
    def holding(cls, records: list[dict]) -> Existing:
        """Only the customers whose external id or email one of `records` carries."""
        conn, rows = database.connection(), set()
        for column in ("external_id", "email_norm"):
            for part in chunks(sorted({r[column] for r in records if r.get(column)})):
                rows.update(conn.execute(f"SELECT {_KEY_COLUMNS} FROM customer WHERE {column} IN "
                                         f"({marks(len(part))})", tuple(part)))
        return cls().add(sorted(rows))

    def add(self, rows) -> Existing:
        found = self
        for cid, ext, email_norm, phone_norm, name, company in rows:
            if ext is None and email_norm is None and phone_norm is None:
                key = f"{name.casefold()}|{(company or '').casefold()}"
                found.names[key] = 0 if key in found.names else cid
            if ext is not None:
                found.ext[ext] = cid
            if email_norm is not None:
                found.email[email_norm] = cid
            if phone_norm is not None:
                found.phone.setdefault(phone_norm, cid)
            found.keys[cid] = (ext, email_norm)
        return found


def match(rec: dict, existing: Existing) -> tuple[int | None, str]:
    """(id of the existing customer this row is about, which key matched) or (None, "")."""
    nameonly = name_key(rec)
    if nameonly is not None:
        return (existing.names[nameonly], "name") if existing.names.get(nameonly) else (None, "")
    ext, email_norm = rec.get("external_id"), rec.get("email_norm")
    by_ext = existing.ext.get(ext) if ext else None
    by_email = existing.email.get(email_norm) if email_norm else None
    if email_norm and not by_ext and not by_email and email_norm in existing.other_email:
        hit = existing.other_email[email_norm]
        if not ext or not existing.keys[hit][0]:
            return hit, "other email"
    if by_ext and by_email and by_ext != by_email:
        raise ValidationError(f"external id {ext} is customer #{by_ext} but email {rec['email']} is customer #{by_email}")
    if by_ext or by_email:
        hit = by_ext or by_email
        their_ext = existing.keys[hit][0]
        if ext and their_ext and their_ext != ext:
            raise ValidationError(f"email {rec['email']} is customer #{hit}, whose external id is {their_ext}, not {ext}")
        return hit, "external id" if by_ext else "email"
    candidate = existing.phone.get(rec["phone_norm"], existing.other_phone.get(rec["phone_norm"])) \
        if "phone_norm" in rec else None
    if candidate is not None:
        their_ext, their_email = existing.keys[candidate]
        if (not ext or not their_ext) and (not email_norm or not their_email):
            return candidate, "phone" if rec["phone_norm"] in existing.phone else "other phone"
    return None, ""


_SPELLED = {"phone": "phone_norm", "email": "email_norm"}  # a column typed as written -> its key


def diff(current: dict, rec: dict, now: datetime) -> tuple[dict, dict]:
    """(changes, previous values) turning `current` into `current` + the non-empty cells of `rec`."""
    changes, before = {}, {}
    for column, value in rec.items():
        if column.startswith("_"):  # the row's line, its notes: not customer columns
            continue
        if column in _SPELLED and rec[_SPELLED[column]] == current[_SPELLED[column]]:
            continue  # the same number or address written another way: the stored spelling stays
        if column == "tags":
            value = join_tags(set(current["tags"].split()) | value)
        elif column == "custom":
            stored = json.loads(current["custom"] or "{}")
            merged = {**stored, **value}
            if merged == stored:
                continue
            value = custom_json(merged)
        if current[column] != value:
            changes[column], before[column] = value, current[column]
    if changes:
        changes["updated_at"], before["updated_at"] = str(now), current["updated_at"]
    return changes, before


def plan(records: list[dict], existing: Existing, issues) -> tuple[list[dict], list[tuple[int, dict]], int]:
    """(records to insert, [(customer id, record to update it with)], rows skipped) for the
    de-duplicated records."""
    inserts: list[dict] = []
    claimed: dict[int, dict] = {}
    skipped = 0
    for rec in records:
        try:
            cid, via = match(rec, existing)
            if via == "phone" and cid in claimed and contradicts(claimed[cid], rec):
                cid = None  # someone else who shares that phone
            if via in ("other email", "other phone"):  # known already: it does not replace their own
                for key in ("email", "email_norm") if via == "other email" else ("phone", "phone_norm"):
                    rec.pop(key, None)
            if cid is None and "name" not in rec:
                if "_fallback_name" not in rec:
                    raise ValidationError("name is empty (a new customer needs one)")
                rec["name"] = rec["_fallback_name"]
            if cid in claimed:
                reason = f"matches the same customer #{cid} as line {claimed[cid]['_line']}"
                absorb(claimed[cid], rec, reason)
                issues.note(rec["_line"], f"{reason}; merged into it")
                skipped += 1
                continue
        except ValidationError as exc:
            issues.reject(rec["_line"], str(exc))
            continue
        if cid is None:
            inserts.append(rec)
            sharer = existing.phone.get(rec.get("phone_norm"))
            if sharer is not None:
                issues.note(rec["_line"], f"shares its phone with customer #{sharer}, who has another email or "
                                          "external id: added as someone else (solocrm duplicates lists such pairs)")
        else:
            claimed[cid] = rec
    return inserts, list(claimed.items()), skipped


def changes(claimed: list[tuple[int, dict]], now: datetime, issues) -> tuple[list, int]:
    """([(id, changes, before)], rows that change nothing), diffed against the customers as
    they are now; a customer deleted since the plan was made rejects its row."""
    current = fetch_rows("customer", [cid for cid, _ in claimed], UPDATABLE + ("updated_at",))
    updates, unchanged = [], 0
    for cid, rec in claimed:
        if cid not in current:
            issues.reject(rec["_line"], f"customer #{cid} was deleted while the file was imported")
            continue
        change, before = diff(current[cid], rec, now)
        if change:
            updates.append((cid, change, before))
        else:
            unchanged += 1
    return updates, unchanged


# --- writing -------------------------------------------------------------------------------


def insert_customers(records: list[dict], now: datetime, batch_id: str) -> list[int]:
    """Insert new customers in one executemany; returns their ids in record order."""
    if not records:
        return []
    conn = database.connection()
    start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM customer").fetchone()[0]
    stamp = str(now)
    rows = [(r["name"], r.get("company"), r.get("email"), r.get("email_norm"), r.get("external_id"), r.get("phone"),
             r.get("phone_norm"), r.get("opt_out", 0), r.get("street"), r.get("postcode"), r.get("city"),
             r.get("region"), r.get("country"), r.get("birthday"), r.get("birthday_md"), r.get("source"),
             join_tags(r["tags"]) if "tags" in r else "", custom_json(r["custom"]) if "custom" in r else "{}",
             stamp, stamp, 0, 0, "lead") for r in records]
    with indexed_in_bulk(conn, "customer", ("customer_fts_ai",), start, len(rows)):
        conn.executemany(_INSERT_SQL, rows)
    count, last = conn.execute("SELECT COUNT(*), MAX(id) FROM customer WHERE id > ?", (start,)).fetchone()
    if (count, last) != (len(rows), start + len(rows)):  # ids are max+1, +2… inside our write transaction
        raise DatabaseError("new customer ids are not consecutive; nothing was imported")
    ids = list(range(start + 1, start + 1 + len(rows)))
    record(batch_id, (("customer", cid, "insert", None) for cid in ids))
    return ids


def update_customers(updates: list, now: datetime, batch_id: str) -> None:
    conn = database.connection()
    groups: dict[tuple, list] = defaultdict(list)
    for cid, changes, _before in updates:
        names = tuple(sorted(changes))
        groups[names].append(tuple(changes[n] for n in names) + (cid,))
    for names, rows in groups.items():
        conn.executemany(f"UPDATE customer SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?", rows)
    record(batch_id, (("customer", cid, "update", dumps(before)) for cid, _changes, before in updates))
    hidden = {"email_norm", "phone_norm", "birthday_md", "updated_at"}
    conn.executemany(
        "INSERT INTO interaction (customer_id, kind, direction, body, occurred_at, batch_id) "
        "VALUES (?, 'system', 'out', ?, ?, ?)",
        ((cid, f"updated by import {batch_id}: {', '.join(n.replace('_', ' ') for n in sorted(changes) if n not in hidden)}",
          str(now), batch_id) for cid, changes, _before in updates))


def new_notes(pairs: Iterable[tuple[int, dict]]) -> list[tuple[int, str]]:
    """(customer id, text) for the rows' notes that their customer's timeline does not hold
    yet, so importing the same address book again adds no second copy."""
    wanted = [(cid, rec["_notes"]) for cid, rec in pairs if "_notes" in rec]
    held: set[tuple[int, str]] = set()
    conn = database.connection()
    for part in chunks(sorted({cid for cid, _ in wanted if cid is not None})):
        held.update(conn.execute(f"SELECT customer_id, body FROM interaction WHERE kind = 'note' "
                                 f"AND customer_id IN ({marks(len(part))})", tuple(part)))
    return [note for note in wanted if note not in held]


def add_notes(notes: list[tuple[int, str]], now: datetime, batch_id: str) -> None:
    """The file's notes as timeline notes, dated the import: an address book's note is
    background, not a contact, so it leaves the customer's last contact where it was."""
    insert_recorded("interaction", ("customer_id", "kind", "direction", "body", "occurred_at"),
                    [(cid, "note", "out", body, str(now)) for cid, body in notes], batch_id)


def prepare(records: Iterable[tuple[int, list[str]]], cmap: ColumnMap, issues) -> tuple[list[dict], int]:
    """Clean and merge the rows before the write transaction starts (no database needed)."""
    clean = row_cleaner(cmap)

    def cleaned():
        for line, cells in records:
            try:
                yield line, clean(cells)
            except ValidationError as exc:
                issues.reject(line, str(exc))

    return dedupe(cleaned(), issues)


def run(prepared: tuple[list[dict], int], now: datetime, batch_id: str | None, issues,
        step_seconds: float = STEP_SECONDS) -> dict[str, int]:
    """Plan from one snapshot, then (unless a dry run, batch_id None) write in short steps."""
    people, merged = prepared
    with database.atomic("DEFERRED"):
        inserts, claimed, skipped = plan(people, Existing.load(), issues)
        updates, unchanged = changes(claimed, now, issues)
        notes = len(new_notes(claimed)) + sum("_notes" in rec for rec in inserts)
    counts = {"inserted": len(inserts), "updated": len(updates), "skipped": skipped + merged + unchanged,
              "notes": notes}
    if batch_id is None:
        return counts
    counts["updated"] = counts["notes"] = 0  # counted again as each step sees its customers as they are by then
    changing = {cid for cid, _change, _before in updates}
    noted = {cid for cid, rec in claimed if "_notes" in rec} - changing
    counts["skipped"] -= len(noted)  # unchanged, counted once more by the step that adds their notes
    changing |= noted
    claimed = [(cid, rec) for cid, rec in claimed if cid in changing]

    def update_step(part: list[tuple[int, dict]]) -> None:
        updates, unchanged = changes(part, now, issues)
        update_customers(updates, now, batch_id)
        counts["updated"] += len(updates)
        counts["skipped"] += unchanged
        written = new_notes(part)
        add_notes(written, now, batch_id)
        counts["notes"] += len(written)

    def insert_step(part: list[dict]) -> None:
        existing, late = Existing.holding(part), []
        fresh = []
        for rec in part:
            try:
                cid, _via = match(rec, existing)
            except ValidationError as exc:
                issues.reject(rec["_line"], f"{exc} (changed while the file was imported)")
                counts["inserted"] -= 1
                continue
            if cid is None:
                fresh.append(rec)
            else:  # someone else added this customer since the plan was made
                late.append((cid, rec))
                counts["inserted"] -= 1
        ids = insert_customers(fresh, now, batch_id)
        written = [(cid, rec["_notes"]) for cid, rec in zip(ids, fresh) if "_notes" in rec]
        add_notes(written, now, batch_id)
        counts["notes"] += len(written)
        update_step(late)

    in_steps(inserts, insert_step, step_seconds)
    in_steps(claimed, update_step, step_seconds)
    return counts
