"""`solocrm export`: every row, streamed, in CSV, JSON, vCard or iCalendar; one person's data for GDPR.

Rows are read with a plain cursor and written as they come, so 100k customers
never sit in memory at once. CSV cells that a spreadsheet would run as a formula are
prefixed with `'`. CSV written to a file starts with a UTF-8 BOM so Excel shows
accents correctly (our importer accepts it); CSV on stdout is plain UTF-8 for pipes.
Files are written next to the target and renamed into place, readable by the owner
only: an export holds personal data.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from solocrm_tui.core.data_io import documents
from solocrm_tui.core.data_io import formats as fmt
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.files import check_output
from solocrm_tui.core.storage.models import database

KINDS = ("customers", "orders", "interactions", "followups", "products")
FORMATS = {"customers": ("csv", "json", "vcf"), "orders": ("csv", "json"), "interactions": ("csv", "json"),
           "products": ("csv", "json"),
           "followups": ("csv", "json", "ics"), "all": ("csv", "json")}
EXTENSIONS = {"csv": "csv", "json": "json", "vcf": "vcf", "ics": "ics"}
_SQL = {
    "orders": ("SELECT o.id AS solocrm_id, o.external_id AS order_id, o.customer_id AS solocrm_customer_id, "
               "c.external_id AS customer_external_id, c.email AS customer_email, c.name AS customer_name, "
               "o.amount_cents AS amount, o.currency, o.description, o.ordered_at, o.cost_cents AS cost "
               "FROM orders o LEFT JOIN customer c ON c.id = o.customer_id ORDER BY o.id"),
    "interactions": ("SELECT i.id AS solocrm_id, i.customer_id AS solocrm_customer_id, "
                     "c.external_id AS customer_external_id, c.email AS customer_email, c.name AS customer_name, "
                     "i.kind, i.direction, i.body, i.occurred_at "
                     "FROM interaction i JOIN customer c ON c.id = i.customer_id ORDER BY i.id"),
    "products": ("SELECT id AS solocrm_id, name, sku, price_cents AS price, cost_cents AS cost, "
                 "CASE WHEN active THEN 'yes' ELSE 'no' END AS active FROM product ORDER BY id"),
    "followups": ("SELECT f.id AS solocrm_id, f.customer_id AS solocrm_customer_id, c.name AS customer_name, "
                  "c.external_id AS customer_external_id, c.email AS customer_email, f.deal_id, f.title, f.due_at, "
                  "f.done_at, f.snoozes, f.notified_at, f.created_at, f.recurrence, f.recur_from, f.series_id "
                  "FROM followup f LEFT JOIN customer c ON c.id = f.customer_id ORDER BY f.id"),
}
# Only the next open occurrence of a series goes into a calendar: the RRULE brings the rest.
_OPEN_OCCURRENCES = (
    "SELECT id, series_id, customer_id, customer_name, title, due_at, recurrence FROM ("
    " SELECT f.id, COALESCE(f.series_id, f.id) AS series_id, f.customer_id, c.name AS customer_name, f.title,"
    " f.due_at, f.recurrence,"
    " ROW_NUMBER() OVER (PARTITION BY COALESCE(f.series_id, f.id) ORDER BY f.due_at, f.id) AS nth"
    " FROM followup f LEFT JOIN customer c ON c.id = f.customer_id WHERE f.done_at IS NULL)"
    " WHERE nth = 1 ORDER BY id")


def check_format(kind: str, format_: str, *, events: bool = False) -> None:
    if kind not in FORMATS:
        raise ValidationError(f'cannot export "{kind}": use {", ".join(KINDS)} or all')
    if format_ not in FORMATS[kind]:
        raise ValidationError(f"--format {format_} does not work for {kind}: use {' or '.join(FORMATS[kind])}")
    if events and (kind, format_) != ("followups", "ics"):
        raise ValidationError("--events works only for `export followups --format ics`")


def _write_calendar(out: TextIO, now: datetime, events: bool, zone: ZoneInfo | None) -> int:
    """The open occurrence of each follow-up series (and each one-shot), as VTODOs or as VEVENTs."""
    connection = database.connection()
    out.write(fmt.calendar_head())
    first, last = connection.execute("SELECT MIN(due_at), MAX(due_at) FROM followup WHERE done_at IS NULL").fetchone()
    if events and zone and first:
        out.write(fmt.vtimezone(zone, datetime.fromisoformat(first).year - 1,
                                max(datetime.fromisoformat(last).year, now.year) + 1))
    cursor = connection.execute(_OPEN_OCCURRENCES)
    names = [d[0] for d in cursor.description]
    count = 0
    for row in cursor:
        item = dict(zip(names, row))
        out.write(fmt.event(item, now, zone) if events else fmt.todo(item, now))
        count += 1
    out.write(fmt.calendar_tail())
    return count


def rows(kind: str) -> Iterator[dict]:
    """Every row of `kind` as a plain dict (customers with all derived fields), streamed."""
    if kind == "customers":
        yield from documents.customers()
        return
    cursor = database.connection().execute(_SQL[kind])
    names = [d[0] for d in cursor.description]
    for row in cursor:
        item = dict(zip(names, row))
        if kind == "products":
            item["price"], item["cost"] = documents.money(item["price"]), documents.money(item["cost"])
        if kind == "orders":
            item["amount"] = documents.money(item["amount"])
            item["cost"] = documents.money(item["cost"])
        yield item


def write(kind: str, format_: str, out: TextIO, now: datetime, *, events: bool = False,
          zone: ZoneInfo | None = None) -> int:
    """Write every row of `kind` to `out`; returns how many.

    A calendar holds open follow-ups only, as tasks, or with `events` as events whose
    times are in `zone` (floating when None).
    """
    check_format(kind, format_, events=events)
    items = rows(kind)
    if format_ == "csv":
        return _write_csv(items, out)
    if format_ == "json":
        return _write_json(items, out)
    if format_ == "ics":
        return _write_calendar(out, now, events, zone)
    count = 0
    for item in items:
        out.write(fmt.vcard(item))
        count += 1
    return count


def _csv_cell(value: object) -> object:
    if isinstance(value, (list, tuple)):
        value = " ".join(value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    elif isinstance(value, bool):
        value = int(value)
    return fmt.csv_safe(value)


def _write_csv(items: Iterator[dict], out: TextIO) -> int:
    writer, count = None, 0
    for item in items:
        if writer is None:
            writer = csv.writer(out)
            writer.writerow(list(item))
        writer.writerow([_csv_cell(v) for v in item.values()])
        count += 1
    return count


def _write_json(items: Iterator[dict], out: TextIO) -> int:
    out.write("[")
    count = 0
    for item in items:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(item, ensure_ascii=False, default=str))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _private_writer(path: Path, format_: str):
    """A temp file beside `path` (0600), and a function that moves it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    encoding = "utf-8-sig" if format_ == "csv" else "utf-8"
    return tmp, open(fd, "w", encoding=encoding, newline="")


def _to_file(path: Path | str, format_: str, body: Callable[[TextIO], int]) -> int:
    path = Path(path).expanduser()
    if path.is_dir():
        raise ValidationError(f"{path} is a directory: give a file name (or use `export all -o {path}`)")
    check_output(path)
    tmp, handle = _private_writer(path, format_)
    try:
        with handle:
            count = body(handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def write_file(kind: str, format_: str, path: Path | str, now: datetime, *, events: bool = False,
               zone: ZoneInfo | None = None) -> int:
    """Export to a file atomically; returns the row count."""
    check_format(kind, format_, events=events)
    return _to_file(path, format_, lambda out: write(kind, format_, out, now, events=events, zone=zone))


def write_person_file(customer_id: int, path: Path | str, now: datetime) -> None:
    document = documents.everything(customer_id, now)  # NotFound before any file is made
    _to_file(path, "json", lambda out: _dump(document, out))


def write_all(directory: Path | str, format_: str, now: datetime) -> list[tuple[Path, int]]:
    """One file per kind in `directory` (created if needed)."""
    check_format("all", format_)
    directory = Path(directory).expanduser()
    if directory.exists() and not directory.is_dir():
        raise ValidationError(f"{directory} is a file: `export all` needs a directory")
    with database.atomic("DEFERRED"):  # one consistent read snapshot across the files, no write lock
        return [(directory / f"{kind}.{EXTENSIONS[format_]}",
                 write_file(kind, format_, directory / f"{kind}.{EXTENSIONS[format_]}", now)) for kind in KINDS]


def write_person(customer_id: int, out: TextIO, now: datetime) -> None:
    """Everything stored about one customer as a JSON document (GDPR right of access)."""
    _dump(documents.everything(customer_id, now), out)


def _dump(document: dict, out: TextIO) -> int:
    json.dump(document, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")
    return 1


def write_campaign(campaign_id: int, out: TextIO) -> int:
    """Mail-merge CSV of a campaign's targets; opted-out customers and those without email are left out."""
    from solocrm_tui.core.sales.campaign_results import mail_merge_rows
    from solocrm_tui.core.sales.campaigns import get_campaign

    get_campaign(campaign_id)  # NotFound before any output
    header = ("customer_id", "email", "name", "first_name", "last_name", "company", "city", "country", "segment")
    rows = mail_merge_rows(campaign_id)
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(row[key]) for key in header])
    return len(rows)


def write_campaign_file(campaign_id: int, path: Path | str) -> int:
    from solocrm_tui.core.sales.campaigns import get_campaign

    get_campaign(campaign_id)
    return _to_file(path, "csv", lambda out: write_campaign(campaign_id, out))
