"""Deals from another CRM's export (HubSpot's deals export first), each attached to its customer.

A row finds its customer with the same `Resolver` as orders and interactions. HubSpot
names the customer in association columns: `Associated Contact IDs` holds ids and
`Associated Contact` names like `Ann Lee (ann@example.com)`, several of them separated
by `;`. The deal goes to the first (noted in the report), and the email in brackets is
used when the file has no email column of its own. `create_missing` creates a customer
from a name or an email, never from an id alone: a customer called "501" helps nobody.

Stage words are SoloCRM's own or HubSpot's default pipeline (labels and internal
values); any other word rejects the row, because a deal filed in a guessed stage
quietly skews the forecast. Re-importing is idempotent: a deal is matched on its id in
the other CRM (`deal.external_id`), or without one on its customer and title; unchanged
deals are skipped, changed ones updated (the old values go to the batch, so undo puts
them back). A cell left empty never overwrites what an earlier import filled in by
default (created, closed, last activity).

Each new deal gets a stage-history row (from nothing to its stage, reason "imported"),
dated when it entered that stage as far as the file tells (closed, else created), and a
changed stage gets one more, so the board's history matches the deals.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.data_io.activity import Resolver, create_customers
from solocrm_tui.core.data_io.cells import (
    cents,
    day,
    moment,
    not_future,
    short,
    unquoted_id,
)
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.data_io.customers import Existing
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.stages import CLOSED_DEAL_STAGES, DEAL_STAGES
from solocrm_tui.core.storage.batches import (
    STEP_SECONDS,
    chunks,
    dumps,
    in_steps,
    marks,
    record,
)
from solocrm_tui.core.storage.bulk_index import indexed_in_bulk
from solocrm_tui.core.storage.models import database

# HubSpot's default sales pipeline, as its export labels the stages and as its API names them.
HUBSPOT_STAGES = {"Appointment Scheduled": "lead", "Qualified To Buy": "qualified",
                  "Presentation Scheduled": "proposal", "Decision Maker Bought-In": "negotiation",
                  "Contract Sent": "negotiation", "Closed Won": "won", "Closed Lost": "lost"}
_KEY = re.compile(r"[^0-9a-z]+")
STAGE_WORDS = {**{stage: stage for stage in DEAL_STAGES},
               **{_KEY.sub("", label.casefold()): stage for label, stage in HUBSPOT_STAGES.items()}}
_STAGE_HINT = (f"use {', '.join(DEAL_STAGES[:-1])} or {DEAL_STAGES[-1]} "
               f"(or HubSpot's {', '.join(HUBSPOT_STAGES)})")
_PIPELINE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")  # "Closed Won (Sales Pipeline)"
_NAME_AND_EMAIL = re.compile(r"(?P<name>.*?)\s*\((?P<email>[^()]*@[^()]*)\)\s*")
DEAL_COLUMNS = ("customer_id", "title", "value_cents", "currency", "stage", "probability", "expected_close",
                "created_at", "closed_at", "last_activity_at", "lost_reason", "external_id")
_REFS = ("customer_external_id", "customer_email", "customer_phone", "customer_name")
_REF_MAP = ColumnMap(fields={name: i for i, name in enumerate(_REFS)})
_AT = {name: DEAL_COLUMNS.index(name) for name in ("stage", "created_at", "closed_at", "last_activity_at")}


def stage(value: str) -> str:
    raw = value.strip()
    for text in (raw, _PIPELINE_SUFFIX.sub("", raw)):
        if (found := STAGE_WORDS.get(_KEY.sub("", text.casefold()))) is not None:
            return found
    raise ValidationError(f'unknown stage "{raw}": {_STAGE_HINT}' if raw else f"stage is empty: {_STAGE_HINT}")


def probability(value: str) -> int | None:
    """A percentage (`40`, `40%`) or, as HubSpot writes it, a fraction (`0.4`)."""
    raw = value.strip()
    if "." in raw and not raw.endswith("%"):
        try:
            fraction = float(raw)
        except ValueError:
            fraction = -1.0
        if 0 <= fraction <= 1:
            return round(fraction * 100)
    return validate.probability(raw)


def _cleaner(cmap: ColumnMap, now: datetime, currency: str):
    default_currency, cell, order, decimal = validate.currency(currency), cmap.cell, cmap.date_order.get, cmap.decimal

    def when(cells: list[str], name: str, label: str) -> str | None:
        text = cell(cells, name)
        return str(not_future(moment(text, label, order(name)), now, label)) if text else None

    def clean(cells: list[str]) -> tuple:
        """(title, value, currency, stage, probability, expected close, created, closed, last activity,
        lost reason, external id); created, closed and last activity None where the file is silent."""
        title = short(cell(cells, "title"), "deal title")
        if not title:
            raise ValidationError("deal title is empty")
        stage_ = stage(cell(cells, "stage"))
        amount, code, close = cell(cells, "value"), cell(cells, "currency"), cell(cells, "expected_close")
        expected = day(close, "close date", order("expected_close")) if close else None
        closed = str(moment(close, "close date", order("expected_close"))) if close and stage_ in CLOSED_DEAL_STAGES \
            else None
        reason = short(cell(cells, "lost_reason"), "lost reason") if stage_ == "lost" else ""
        return (title, cents(amount, "amount", decimal.get("value")) if amount else 0, validate.currency(code) if code else default_currency, stage_,
                probability(cell(cells, "probability")), expected, when(cells, "created_at", "create date"), closed,
                when(cells, "last_activity_at", "last activity date"), reason or None,
                short(unquoted_id(cell(cells, "external_id")), "deal id") or None)
    return clean


def _refs(cells: list[str], cmap: ColumnMap, line: int, issues) -> list[str]:
    """The row's customer cells as the Resolver reads them (in `_REF_MAP`'s order), with
    HubSpot's association columns reduced to their first contact."""
    def cell(name: str) -> str:
        return cmap.cell(cells, name)

    ids = [part.strip() for part in re.split(r"[;,]", cell("customer_external_id")) if part.strip()]
    names = [part.strip() for part in cell("customer_name").split(";") if part.strip()]
    if max(len(ids), len(names)) > 1:
        issues.note(line, f"{max(len(ids), len(names))} associated contacts: the deal goes to the first "
                          f"({ids[0] if ids else names[0]})")
    name, email = (names[0] if names else ""), cell("customer_email")
    if match := _NAME_AND_EMAIL.fullmatch(name):
        name, email = match["name"], email or match["email"].strip()
    elif "@" in name and " " not in name:  # HubSpot names a contact without a name by their email
        name, email = "", email or name
    return [ids[0] if ids else "", email, cell("customer_phone"), name or email]


def prepare(records: Iterable[tuple[int, list[str]]], cmap: ColumnMap, now: datetime, currency: str,
            issues) -> list[tuple[int, list[str], tuple]]:
    """Validate every row before the write transaction starts: (line, customer cells, values)."""
    clean, out = _cleaner(cmap, now, currency), []
    for line, cells in records:
        try:
            out.append((line, _refs(cells, cmap, line, issues), clean(cells)))
        except ValidationError as exc:
            issues.reject(line, str(exc))
    return out


def _resolve(resolver: Resolver, refs: list[str], line: int, create_missing: bool) -> int:
    """The Resolver's answer, except that an id alone never creates a customer and a name
    alone (HubSpot's Associated Contact without its email) is refused with its own reason."""
    if refs[3] and not any(refs[:3]):
        raise ValidationError(f'no customer: a name alone ("{refs[3]}") matches nobody for sure; '
                              "give the contact's id, email or phone")
    named = any(refs[1:])
    resolver.create_missing = create_missing and named
    try:
        return resolver.resolve(refs, _REF_MAP, line)
    except ValidationError:
        if create_missing and not named and refs[0]:
            raise ValidationError(f"unknown customer (external id {refs[0]}): a new customer needs a name "
                                  "or an email, not just an id") from None
        raise


def _stored(parsed: list[tuple[int, int, tuple]]) -> tuple[dict[str, tuple], dict[tuple[int, str], tuple]]:
    """The deals the file's rows may already be: by external id, and by (customer, title) for
    deals without one; each as (deal id, *DEAL_COLUMNS)."""
    conn, by_id, by_title = database.connection(), {}, {}
    select = f"SELECT id, {', '.join(DEAL_COLUMNS)} FROM deal WHERE"
    for part in chunks(sorted({v[-1] for _, _, v in parsed if v[-1]})):
        by_id.update((row[-1], row) for row in conn.execute(f"{select} external_id IN ({marks(len(part))})",
                                                            tuple(part)))
    for part in chunks(sorted({cid for _, cid, v in parsed if cid > 0 and not v[-1]})):
        for row in conn.execute(f"{select} external_id IS NULL AND customer_id IN ({marks(len(part))}) "
                                "ORDER BY id", tuple(part)):
            by_title.setdefault((row[1], row[2]), row)
    return by_id, by_title


def _filled(full: tuple, stored: tuple | None, now: datetime) -> tuple:
    """Fill what the file left empty: from the stored deal where it has it, else now (created,
    closed) or its creation (last activity)."""
    values = list(full)
    old = dict(zip(DEAL_COLUMNS, stored[1:])) if stored else {}
    created, closed, last, stage_ = _AT["created_at"], _AT["closed_at"], _AT["last_activity_at"], _AT["stage"]
    if values[created] is None:
        values[created] = old.get("created_at") or str(now)
    if values[stage_] in CLOSED_DEAL_STAGES and values[closed] is None:
        values[closed] = old.get("closed_at") if old.get("stage") == values[stage_] else str(now)
    if values[last] is None:
        values[last] = old.get("last_activity_at") or values[created]
    return tuple(values)


def plan(parsed: list[tuple[int, int, tuple]], now: datetime, issues) -> tuple[list, list, int]:
    """(rows to insert, [(deal id, new row, before)], skipped); a row is (customer, *values)."""
    by_id, by_title = _stored(parsed)
    inserts, updates, skipped = [], [], 0
    first_seen: dict[tuple, tuple[int, tuple]] = {}
    for line, cid, values in parsed:
        external = values[-1]
        key = ("id", external) if external else (cid, values[0])
        full = (cid, *values)
        if key in first_seen:
            first_line, first_full = first_seen[key]
            what = f"deal id {external}" if external else "the same customer and title"
            if first_full != full:
                issues.reject(line, f"{what} is already on line {first_line} with other values")
            else:
                issues.note(line, f"repeats line {first_line} ({what}); skipped")
                skipped += 1
            continue
        first_seen[key] = (line, full)
        stored = by_id.get(external) if external else by_title.get(key)
        full = _filled(full, stored, now)
        if stored is None:
            inserts.append(full)
        elif tuple(stored[1:]) == full:
            skipped += 1
        else:
            updates.append((stored[0], full, dict(zip(DEAL_COLUMNS, stored[1:]))))
    return inserts, updates, skipped


def run(prepared: list, now: datetime, batch_id: str | None, issues, *, create_missing: bool,
        step_seconds: float = STEP_SECONDS) -> dict[str, int]:
    """Find the customers and plan from one snapshot, then (unless a dry run, batch_id None) write in steps."""
    with database.atomic("DEFERRED"):
        resolver = Resolver(Existing.load(), create_missing)
        parsed = []
        for line, refs, values in prepared:
            try:
                parsed.append((line, _resolve(resolver, refs, line, create_missing), values))
            except ValidationError as exc:
                issues.reject(line, str(exc))
        inserts, updates, skipped = plan(parsed, now, issues)
    new_people = resolver.used({full[0] for full in inserts} | {full[0] for _, full, _ in updates})
    if batch_id is not None:
        real = create_customers(new_people, now, batch_id, step_seconds)
        _apply(inserts, updates, real, now, batch_id, step_seconds)
    return {"inserted": len(inserts), "updated": len(updates), "skipped": skipped, "created": len(new_people)}


def _apply(inserts: list, updates: list, real: dict[int, int], now: datetime, batch_id: str,
           step_seconds: float) -> None:
    conn = database.connection()
    rows = [(real.get(full[0], full[0]), *full[1:], str(now), batch_id) for full in inserts]

    def insert_step(part: list[tuple]) -> None:
        start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM deal").fetchone()[0]
        with indexed_in_bulk(conn, "deal", ("entry_fts_deal_ai",), start, len(part)):
            conn.executemany(f"INSERT INTO deal ({', '.join(DEAL_COLUMNS)}, updated_at, batch_id) "
                             f"VALUES ({marks(len(DEAL_COLUMNS) + 2)})", part)
        conn.execute("INSERT INTO deal_stage_change (deal_id, from_stage, to_stage, at, reason) "
                     "SELECT id, NULL, stage, COALESCE(closed_at, created_at), 'imported' FROM deal "
                     "WHERE id > ? AND batch_id = ?", (start, batch_id))
        new_ids = [r[0] for r in conn.execute("SELECT id FROM deal WHERE id > ? AND batch_id = ? ORDER BY id",
                                              (start, batch_id))]
        record(batch_id, (("deal", i, "insert", None) for i in new_ids))

    def update_step(part: list[tuple]) -> None:
        for deal_id, full, before in part:
            old = conn.execute("SELECT updated_at FROM deal WHERE id = ?", (deal_id,)).fetchone()[0]
            conn.execute(f"UPDATE deal SET {', '.join(f'{n} = ?' for n in DEAL_COLUMNS)}, updated_at = ? "
                         "WHERE id = ?", (real.get(full[0], full[0]), *full[1:], str(now), deal_id))
            record(batch_id, [("deal", deal_id, "update", dumps({**before, "updated_at": old}))])
            if before["stage"] != full[_AT["stage"]]:
                change = conn.execute("INSERT INTO deal_stage_change (deal_id, from_stage, to_stage, at, reason) "
                                      "VALUES (?, ?, ?, ?, 'imported')",
                                      (deal_id, before["stage"], full[_AT["stage"]], str(now)))
                record(batch_id, [("deal_stage_change", change.lastrowid, "insert", None)])

    added = Counter(row[0] for row in rows)
    changed = Counter(real.get(full[0], full[0]) for _, full, _ in updates)

    def timeline_step(customers: list[int]) -> None:
        entries = []
        for cid in customers:
            parts = [f"imported {added[cid]} deal{'s' * (added[cid] != 1)}"] if added[cid] else []
            parts += [f"updated {changed[cid]} deal{'s' * (changed[cid] != 1)}"] if changed[cid] else []
            entries.append((cid, f"{' and '.join(parts)} (batch {batch_id})", str(now), batch_id))
        conn.executemany("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at, batch_id) "
                         "VALUES (?, 'system', 'out', ?, ?, ?)", entries)

    in_steps(rows, insert_step, step_seconds)
    in_steps(updates, update_step, step_seconds)
    in_steps(sorted(set(added) | set(changed)), timeline_step, step_seconds)
