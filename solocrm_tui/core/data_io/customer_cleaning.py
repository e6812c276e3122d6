"""Customer rows from a CSV: cells -> stored values, and repeats inside the file merged.

Cleaning returns only the non-empty cells, because an empty cell never erases what
a customer already has. Rows about the same person (same external id, email or
phone; or, for rows with none of those, the same name and company) are merged into
the first one: its empty fields are filled, tags and custom fields combined, and a
contradiction in a unique id (two different emails for one external id) rejects the
later row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from solocrm_tui.core import validate
from solocrm_tui.core.data_io.cells import flag, month_day, tags
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.errors import ValidationError

TEXT_LABELS = {"name": "name", "company": "company", "external_id": "external id", "city": "city",
               "country": "country", "source": "source", "first_name": "first name", "last_name": "last name"}
KEY_LABELS = {"external_id": "external id", "email_norm": "email", "phone_norm": "phone"}


def custom_json(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _text(name: str, label: str) -> Callable[[str, dict], None]:
    def handle(value: str, rec: dict) -> None:
        cleaned = " ".join(value.split())
        if len(cleaned) > validate.MAX_FIELD:
            raise ValidationError(f"{label} is too long ({len(cleaned):,} characters, at most {validate.MAX_FIELD})")
        rec[name] = cleaned if cleaned.isprintable() else validate.printable(cleaned, label)
    return handle


def _email(value: str, rec: dict) -> None:
    rec["email"], rec["email_norm"] = validate.email(value)


def _phone(value: str, rec: dict) -> None:
    rec["phone"], rec["phone_norm"] = validate.phone(value)


def _birthday(order: str | None) -> Callable[[str, dict], None]:
    """Birthdays in the column's day/month order; a year-less one keeps only its 'MM-DD'."""
    def handle(value: str, rec: dict) -> None:
        birthday, md = month_day(value, "birthday", order)
        if md:
            rec["birthday"], rec["birthday_md"] = birthday, md
    return handle


def _tags(value: str, rec: dict) -> None:
    if found := tags(value):
        rec["tags"] = found


def _opt_out(value: str, rec: dict) -> None:
    rec["opt_out"] = flag(value, "opt-out")


def _custom(value: str, rec: dict) -> None:
    rec["custom"] = {**_custom_cell(value), **rec.get("custom", {})}


_HANDLERS = {"email": _email, "phone": _phone, "tags": _tags, "opt_out": _opt_out,
             "custom": _custom, **{name: _text(name, label) for name, label in TEXT_LABELS.items()}}


def row_cleaner(cmap: ColumnMap) -> Callable[[list[str]], dict]:
    """cells -> {column: stored value} for the non-empty cells; raises ValidationError."""
    handlers = {**_HANDLERS, "birthday": _birthday(cmap.date_order.get("birthday"))}
    plan = [(index, handlers[name]) for name, index in cmap.fields.items()]
    custom_columns = cmap.custom
    names = "first_name" in cmap.fields or "last_name" in cmap.fields

    def clean(cells: list[str]) -> dict:
        rec: dict = {}
        size = len(cells)
        for index, handle in plan:
            if index < size:
                value = cells[index]
                if value and not value.isspace():
                    handle(value, rec)
        for index, header in custom_columns:
            value = cells[index].strip() if index < size else ""
            if value:
                rec.setdefault("custom", {})[header] = value if value.isprintable() else \
                    validate.printable(value, f"custom field {header}", lines=True)
        if names:
            first, last = rec.pop("first_name", None), rec.pop("last_name", None)
            if "name" not in rec and (first or last):
                rec["name"] = " ".join(f"{first or ''} {last or ''}".split())
        return rec

    return clean


def _custom_cell(value: str) -> dict:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValidationError("custom must be a JSON object like {\"size\": \"M\"}")
    return validate.custom({str(k): v for k, v in parsed.items()})


# --- merging repeats inside the file -------------------------------------------------------


def absorb(first: dict, rec: dict, why: str) -> None:
    """Fill `first` from a later row about the same person; differing unique ids are refused."""
    for key in ("external_id", "email_norm"):
        if key in rec and key in first and rec[key] != first[key]:
            raise ValidationError(f"{why} but has a different {KEY_LABELS[key]}")
    for column, value in rec.items():
        if column == "tags":
            first["tags"] = first.get("tags", set()) | value
        elif column == "custom":
            first["custom"] = {**value, **first.get("custom", {})}
        elif column not in first:
            first[column] = value


def name_key(rec: dict) -> str | None:
    """Rows with no external id, email or phone can only be recognised by name (and company)."""
    if "name" not in rec or "external_id" in rec or "email_norm" in rec or "phone_norm" in rec:  # KEY_LABELS
        return None
    return f"{rec['name'].casefold()}|{(rec.get('company') or '').casefold()}"


def contradicts(a: dict, b: dict) -> bool:
    """Different external ids or emails: two people, even if they share a phone."""
    return any(k in a and k in b and a[k] != b[k] for k in ("external_id", "email_norm"))


def dedupe(rows: Iterable[tuple[int, dict]], issues) -> tuple[list[dict], int]:
    """One record per person in the file; returns (records, how many rows were merged away)."""
    records: list[dict] = []
    seen: dict[tuple[str, str], dict] = {}
    merged = 0
    for line, rec in rows:
        hit, why = None, ""
        keys = [(k, rec[k]) for k in KEY_LABELS if k in rec]
        if not keys:
            nameonly = name_key(rec)
            keys = [("name", nameonly)] if nameonly else []
        for key, value in keys:
            candidate = seen.get((key, value))
            if candidate is not None and not (key == "phone_norm" and contradicts(candidate, rec)):
                hit, why = candidate, f"same {KEY_LABELS.get(key, key)}"
                break
        if hit is None:  # a new person (a shared phone with a different email is someone else)
            rec["_line"] = line
            records.append(rec)
            for key, value in keys:
                seen.setdefault((key, value), rec)
            continue
        reason = f"repeats line {hit['_line']} ({why})"
        clash = [k for k in KEY_LABELS if k in rec and k not in hit and seen.get((k, rec[k]), hit) is not hit]
        try:
            if clash:
                other = seen[(clash[0], rec[clash[0]])]["_line"]
                raise ValidationError(f"{reason} but its {KEY_LABELS[clash[0]]} is on line {other}")
            absorb(hit, rec, reason)
        except ValidationError as exc:
            issues.reject(line, str(exc))
            continue
        for k in KEY_LABELS:
            if k in hit:
                seen.setdefault((k, hit[k]), hit)
        issues.note(line, f"{reason}; merged into it")
        merged += 1
    return records, merged
