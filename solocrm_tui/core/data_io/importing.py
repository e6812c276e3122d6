"""`solocrm import`: a CSV file in, one undoable batch out, every rejected row explained.

Every row is read, validated and matched before anything is written; the writes then
go in short transactions (`batches.in_steps`, ~0.2 s each) so a second app instance
or the reminders job never waits anywhere near the busy timeout. All steps belong to
one batch, marked in progress until the last step: an import that fails or is
interrupted (an error, Ctrl-C) takes its steps back at once, and one killed with -9
is taken back by the next import or `solocrm doctor` (`roll_back_unfinished`). The
price: while an import runs, other readers may see the part written so far.
Rows that fail validation are *reported and left out*
while the good rows are imported, so one typo does not block a 10,000-row file;
the report names each rejected row's line and reason, and re-importing the fixed
file is safe because rows already imported are matched and skipped. A dry run
plans exactly the same way and writes nothing. Before any row is cleaned, the date
and amount columns are scanned for their day/month order and decimal mark
(`column_formats`): a column that cannot be read one way stops the file there.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.contacts.lifecycle import Rules
from solocrm_tui.core.counts import count
from solocrm_tui.core.data_io import activity, customers, deals, presets, products
from solocrm_tui.core.data_io.column_formats import detect
from solocrm_tui.core.data_io.columns import (
    ColumnMap,
    map_columns,
    missing_fields,
    parse_map,
)
from solocrm_tui.core.data_io.formats import FORMULA_START
from solocrm_tui.core.data_io.order_rows import Excluded
from solocrm_tui.core.data_io.reading import MAX_CELL, NAMES, Table, read_table
from solocrm_tui.core.errors import DatabaseError
from solocrm_tui.core.storage.batches import (
    STEP_SECONDS,
    checkpoint_after,
    new_batch_id,
    start_batch,
    update_summary,
)
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import discard_unfinished, roll_back_unfinished

UNUSED_NAMED = 8  # a preset's left-out columns are named in the report up to this many


@dataclass(frozen=True)
class RowIssue:
    line: int
    message: str
    rejected: bool


class Issues:
    """Collects what happened to individual rows while the import runs."""

    def __init__(self) -> None:
        self.items: list[RowIssue] = []
        self.rejected = 0
        self.repeats: list[int] = []
        self.excluded: list[Excluded] = []  # orders that are not revenue (order_rows)
        self.left_out: Counter[tuple[str, str]] = Counter()  # (what the row is, why it is left out) -> rows

    def leave_out(self, what: str, why: str) -> None:
        """A row that holds no record (Shopify's image rows): counted in one report line."""
        self.left_out[(what, why)] += 1

    def reject(self, line: int, message: str) -> None:
        self.items.append(RowIssue(line, message, True))
        self.rejected += 1

    def note(self, line: int, message: str) -> None:
        self.items.append(RowIssue(line, message, False))

    def repeat(self, line: int) -> None:
        """An order row identical to an earlier row of the file, kept as a separate order:
        summed up in one report line rather than one note per row."""
        self.repeats.append(line)


@dataclass(frozen=True)
class ImportReport:
    kind: str
    file: str
    delimiter: str
    rows: int
    inserted: int
    updated: int
    skipped: int
    rejected: int
    issues: tuple[RowIssue, ...]
    custom_columns: tuple[str, ...]
    ignored_columns: tuple[str, ...]
    customers_created: int
    batch_id: str | None
    dry_run: bool
    recovered: tuple[str, ...] = ()
    repeats: tuple[int, ...] = ()
    preset: str | None = None
    preset_forced: bool = False
    unused_columns: tuple[str, ...] = ()
    notes: int = 0
    excluded: tuple[Excluded, ...] = ()
    removed: int = 0
    mapping: tuple[tuple[str, str], ...] = ()  # (column, field) as read, for the dry run
    sample: tuple[tuple[int, str], ...] = ()  # (line, the row as it would be stored), for the dry run
    left_out: tuple[tuple[str, int, str], ...] = ()  # (what a row was, how many, why): rows holding no record
    unread_columns: tuple[str, ...] = ()  # headers no field is known by
    missing_fields: tuple[str, ...] = ()  # the kind's fields no column gives, for the --map hint
    renamed: int = 0  # products whose name a re-import changed

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    @property
    def unread_hint(self) -> str:
        """The columns the import did not read and how to have them read: a header in another
        language or spelling would otherwise leave prices out without a word."""
        first = self.unread_columns[0]
        example = f"{first}={self.missing_fields[0]}" if self.missing_fields else f"{first}=FIELD"
        return (f"columns not read: {', '.join(self.unread_columns)} — map them with --map \"{example}\""
                + (f" (fields not in the file: {', '.join(self.missing_fields)})" if self.missing_fields else ""))

    def lines(self) -> list[str]:
        head = (f"{self.kind} from {self.file}: {count(self.rows, 'row')}, "
                f"{NAMES[self.delimiter]}-separated{' (dry run)' if self.dry_run else ''}")
        out = [*self.recovered, head]
        if self.preset and self.preset_forced:
            out.append(f"preset: {self.preset}, as --preset asked")
        elif self.preset:
            out.append(f"preset: {self.preset}, recognised from the headers (--preset NAME or --preset none "
                       "reads it otherwise)")
        if self.dry_run and self.mapping:
            out.append("columns: " + "; ".join(f"{column} → {name}" for column, name in self.mapping))
        if self.dry_run and self.sample:
            out.append("the first rows as read (the report below says which are then refused):")
            out += [f"  line {line}: {text}" for line, text in self.sample]
        for issue in self.issues:
            out.append(f"  line {issue.line}: {'rejected: ' if issue.rejected else ''}{issue.message}")
        if self.repeats:
            out.append(_repeats_line(self.repeats))
        if self.excluded:
            out.append(_excluded_line(self.excluded))
        if self.custom_columns:
            out.append(f"kept as custom fields: {', '.join(self.custom_columns)}")
        if self.ignored_columns:
            out.append(f"ignored columns: {', '.join(self.ignored_columns)}")
        if self.unread_columns:
            out.append(self.unread_hint)
        for what, many, why in self.left_out:
            out.append(f"left out: {count(many, what)} ({why})")
        if self.unused_columns:
            named = self.dry_run or len(self.unused_columns) <= UNUSED_NAMED
            out.append(f"left out: {count(len(self.unused_columns), 'column')} that only {self.preset} uses "
                       + (f"({', '.join(self.unused_columns)})" if named else "(--dry-run names them)"))
        would = "would be " if self.dry_run else ""
        created = f", {count(self.customers_created, 'new customer')} {would}created" if self.customers_created else ""
        created += f", {count(self.notes, 'note')} {would}added to timelines" if self.notes else ""
        created += (f", {count(self.removed, 'order')} imported earlier {would}taken out (refunded or cancelled "
                    "since)") if self.removed else ""
        renamed = f" ({would}renamed {self.renamed:,})" if self.renamed else ""
        out.append(f"{would}inserted {self.inserted:,}, {would}updated {self.updated:,}{renamed}, skipped {self.skipped:,} "
                   f"(unchanged or repeated), rejected {self.rejected:,}{created}")
        if self.rejected:
            rest = ("the other rows " + ("would be imported" if self.dry_run else "were imported")
                    if self.inserted or self.updated else "the other rows needed no change")
            out.append(f"{self.rejected:,} row{'s were' if self.rejected != 1 else ' was'} rejected (listed above); "
                       f"{rest}. Fix them and import the file again: rows already imported are matched and skipped.")
        out.append(outcome(self.dry_run, self.batch_id))
        return out


def outcome(dry_run: bool, batch_id: str | None) -> str:
    """An import report's last line: how to take the import back, or why there is nothing to."""
    if dry_run:
        return "dry run: nothing was changed"
    if batch_id:
        return f"batch {batch_id} (undo with: solocrm import --undo {batch_id})"
    return "nothing changed, so no batch was recorded"


def import_file(kind: str, path: Path | str, now: datetime, *, mapping: list[str] | dict[str, str] | None = None,
                dry_run: bool = False, create_missing: bool = False, currency: str = "EUR",
                rules: Rules | None = None, step_seconds: float = STEP_SECONDS,
                preset: str | None = None, dates: str | None = None, decimal: str | None = None,
                encoding: str | None = None) -> ImportReport:
    """Import a CSV of customers, orders, interactions, deals or products; see the module docstring for the rules.
    `preset` forces a tool's column map (a `presets.BY_KEY` key, or "none"); `dates` ("dmy"/"mdy")
    and `decimal` ("comma"/"point") force what the column scan decides; `encoding` reads a file
    that is not UTF-8 (`reading`)."""
    overrides = mapping if isinstance(mapping, dict) else parse_map(mapping)
    table = read_table(path, encoding)
    chosen = presets.choose(kind, table.headers, preset, table.path.name)
    cmap = map_columns(kind, table.headers, overrides, chosen)
    issues, counter = Issues(), [0]
    records = list(_records(table, cmap, issues, counter))
    detect(records, cmap, table.headers, dates=dates, decimal=decimal)
    if kind == "customers":
        prepared = customers.prepare(records, cmap, issues)
    elif kind == "deals":
        prepared = deals.prepare(records, cmap, now, currency, issues)
    elif kind == "products":
        prepared = products.prepare(records, cmap, issues)
    else:
        prepared = activity.prepare(kind, records, cmap, now, currency, issues)
    recovered = () if dry_run else tuple(roll_back_unfinished(now))
    batch_id = None if dry_run else new_batch_id("imp", now)
    if batch_id:
        start_batch(batch_id, "import", f"import {kind} from {table.path.name}", now, {"kind": kind})
    try:
        with checkpoint_after():
            if kind == "customers":
                counts = customers.run(prepared, now, batch_id, issues, step_seconds)
            elif kind == "deals":
                counts = deals.run(prepared, now, batch_id, issues, create_missing=create_missing,
                                   step_seconds=step_seconds)
            elif kind == "products":
                counts = products.run(prepared, now, batch_id, issues, step_seconds)
            else:
                counts = activity.run(kind, prepared, cmap, now, batch_id, issues, create_missing=create_missing,
                                      rules=rules or Rules(), step_seconds=step_seconds)
            if batch_id and not any(counts.get(k) for k in ("inserted", "updated", "created", "notes", "removed")):
                discard_unfinished(batch_id, now)
                batch_id = None
            elif batch_id:
                with database.atomic():
                    update_summary(batch_id, {"kind": kind, "file": table.path.name,
                                              **{k: n for k, n in counts.items() if n or k not in ("notes", "removed")},
                                              "rejected": issues.rejected,
                                              **({"repeats": len(issues.repeats)} if issues.repeats else {})})
    except BaseException as exc:
        if batch_id and not _take_back(batch_id, now) and isinstance(exc, Exception):
            raise DatabaseError(f"import stopped: {exc}; the rows it wrote so far could not be taken back yet: "
                                "`solocrm doctor` takes them back once there is room to write") from None
        raise
    return ImportReport(kind, table.path.name, table.delimiter, counter[0], counts["inserted"], counts["updated"],
                        counts["skipped"], issues.rejected, tuple(sorted(issues.items, key=lambda i: i.line)),
                        tuple(h for _, h in cmap.custom), tuple(cmap.ignored), counts.get("created", 0),
                        batch_id, dry_run, recovered, tuple(issues.repeats), chosen.name if chosen else None,
                        bool(chosen and preset and preset.strip().casefold() != presets.NONE),
                        tuple(cmap.unused), counts.get("notes", 0), tuple(issues.excluded), counts.get("removed", 0),
                        _mapping(cmap) if dry_run else (), _sample(kind, prepared) if dry_run else (),
                        tuple((what, many, why) for (what, why), many in issues.left_out.items()),
                        tuple(cmap.unread), missing_fields(kind, cmap) if cmap.unread else (),
                        counts.get("renamed", 0))


def _mapping(cmap: ColumnMap) -> tuple[tuple[str, str], ...]:
    """(column, field) for every column the import reads, in the file's order."""
    read = [(index, name) for name, index in cmap.fields.items()]
    read += [(index, name) for name, more in cmap.more.items() for index in more]
    read += [(index, "custom field") for index, _ in cmap.custom]
    return tuple((cmap.header_of(index), name) for index, name in sorted(read))


def _sample(kind: str, prepared, shown: int = 3) -> tuple[tuple[int, str], ...]:
    """The first rows as they would be stored, so a wrong reading shows before anything is written."""
    if kind == "customers":
        people, _merged = prepared
        return tuple((rec["_line"], " · ".join(f"{name.removeprefix('_')}={_shown(_stored(rec, name))}"
                                              for name in _SHOWN_FIELDS if _stored(rec, name) is not None))
                     for rec in people[:shown])
    if kind == "orders":
        return tuple((line, f"order {values[5] or '(no id)'} · {format_money(Decimal(values[0]) / 100, cents=True)} {values[1]} · "
                            f"{values[3][:16]} · {values[2] or '(no text)'}"
                            + (f" · {count(len(values[6]), 'line')}" if values[6] else ""))
                     for line, _cells, values in prepared[:shown])
    if kind == "products":
        return tuple((line, f"{name}{f' [{sku}]' if sku else ''} · price {_cents(price)} · cost {_cents(cost)}"
                            + ("" if active is None else f" · {'active' if active else 'no longer sold'}"))
                     for line, (name, sku, price, cost, active) in prepared[:shown])
    if kind == "deals":
        return tuple((line, f"deal {values[0]} · {format_money(Decimal(values[1]) / 100, cents=True)} {values[2]} · "
                            f"{values[3]}")
                     for line, _refs, values in prepared[:shown])
    return tuple((line, f"{values[0]} {values[1]} · {values[3][:16]} · {_shown(values[2])}")
                 for line, _cells, values in prepared[:shown])


def _cents(value: int | None) -> str:
    return "—" if value is None else format_money(Decimal(value) / 100, cents=True)


_SHOWN_FIELDS = ("name", "company", "email", "phone", "street", "postcode", "city", "region", "country", "birthday",
                 "external_id", "source", "opt_out", "tags", "_notes", "custom")


def _stored(rec: dict, name: str):
    """A cleaned customer row's value for `name` as the customer will show it."""
    if name == "birthday" and rec.get("birthday") is None and rec.get("birthday_md"):
        return f"--{rec['birthday_md']}"
    return rec.get(name, rec.get("_fallback_name") if name == "name" else None)


def _shown(value) -> str:
    text = ", ".join(sorted(value)) if isinstance(value, set) else (
        json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value))
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:59] + "…"


def _excluded_line(excluded: tuple[Excluded, ...], shown: int = 5) -> str:
    """Orders left out of revenue, by reason, with lines to find them."""
    reasons = Counter(e.reason for e in excluded)
    why = ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())
    where = ", ".join(str(e.line) for e in excluded[:shown]) + (", …" if len(excluded) > shown else "")
    return (f"{count(len(excluded), 'order')} not counted as revenue ({why}): not imported "
            f"(line{'s' * (len(excluded) != 1)} {where})")


def _repeats_line(lines: tuple[int, ...], shown: int = 5) -> str:
    """Says which rows were taken as repeat purchases, so an owner whose file really holds
    doubled rows can find them (and undo the batch) instead of losing real orders silently."""
    n = len(lines)
    where = ", ".join(map(str, lines[:shown])) + (", …" if n > shown else "")
    return (f"{count(n, 'row')} repeat{'s' * (n == 1)} an earlier row of this file (same customer, date, "
            f"amount and text): kept as separate orders (line{'s' * (n != 1)} {where})")


def _take_back(batch_id: str, now: datetime) -> bool:
    """Discard a failed import's steps; False if even that fails (a full disk, a second
    Ctrl-C): the batch stays marked in progress and the next import or doctor takes it
    back. The original error is the one to report, so this one is not raised over it."""
    try:
        discard_unfinished(batch_id, now)
    except BaseException:
        return False
    return True


def unprotect(cell: str) -> str:
    """Undo the `'` a CSV export (ours, or a spreadsheet's) put before `=`, `+`, `-`, `@`."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] and cell[1:2] in FORMULA_START else cell


def _records(table: Table, cmap: ColumnMap, issues: Issues, counter: list[int]) -> Iterator[tuple[int, list[str]]]:
    """Data records with the file-level checks every kind shares: cell count and size.
    Nameless columns at the header's end (Excel's `name;email;;`) count as beyond it: a
    value there is a row that spilled over, not a column to drop."""
    width = len(table.headers)
    named = max((index + 1 for index, header in enumerate(table.headers) if header), default=0)
    protected = any(f"'{start}" in table.text for start in FORMULA_START)
    for line, cells in table.records():
        counter[0] += 1
        if protected:
            cells = [unprotect(c) for c in cells]
        if len(cells) > named and any(c.strip() for c in cells[named:]):
            spilled = next(index for index in range(named, len(cells)) if cells[index].strip())
            issues.reject(line, (f"has {len(cells)} cells but the header has {width}" if spilled >= width else
                                 f"has a value in column {spilled + 1}, which has no header")
                          + f" (a value with a '{table.delimiter}' that is not in quotes?)")
            continue
        if max(map(len, cells)) > MAX_CELL:
            index = max(range(len(cells)), key=lambda i: len(cells[i]))
            name = table.headers[index] if index < width else f"column {index + 1}"
            issues.reject(line, f'"{name}" has {len(cells[index]):,} characters (at most {MAX_CELL:,})')
            continue
        yield line, tuple(cells)
