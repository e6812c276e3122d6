"""Customer rows from a CSV: cells -> stored values, and repeats inside the file merged.

Cleaning returns only the non-empty cells, because an empty cell never erases what
a customer already has. Exports from other tools bring a few shapes of their own:
several values in one cell (Google's `a ::: b`), several columns for one field
(Outlook's three emails), labels instead of tags, first/middle/last names, and notes.
The first email or phone is the customer's, the others are kept as the custom fields
"other emails"/"other phones"; labels become tags (`VIP Customers` → `vip-customers`,
Google's own `* myContacts` dropped); a Notes cell becomes a note on the timeline
(`_notes`, written by `customers.run`), not a custom field. Rows about the same person (same external id, email or
phone; or, for rows with none of those, the same name and company) are merged into
the first one: its empty fields are filled, tags and custom fields combined, and a
contradiction in a unique id (two different emails for one external id) rejects the
later row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import OTHER, address_text
from solocrm_tui.core.data_io.cells import flag, month_day, tags, unquoted_id
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.errors import ValidationError

TEXT_LABELS = {"name": "name", "company": "company", "external_id": "external id", "city": "city",
               "country": "country", "source": "source", "first_name": "first name", "last_name": "last name",
               "middle_name": "middle name", "street": "street", "postcode": "postcode", "region": "region"}
MULTI_VALUE = ":::"  # Google Contacts' separator of several values in one cell
ADDRESS = ("street", "postcode", "city", "region", "country")
HOME = {f"home_{part}": part for part in ADDRESS}  # Outlook's second address, used when the first is empty
_NAME_PARTS = ("first_name", "middle_name", "last_name")
KEY_LABELS = {"external_id": "external id", "email_norm": "email", "phone_norm": "phone"}


def custom_json(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def _text(name: str, label: str) -> Callable[[str, dict], None]:
    def handle(value: str, rec: dict) -> None:
        if validate.tidy(value) and len(value) <= validate.MAX_FIELD:
            rec[name] = value
            return
        cleaned = " ".join(value.split())
        if len(cleaned) > validate.MAX_FIELD:
            raise ValidationError(f"{label} is too long ({len(cleaned):,} characters, at most {validate.MAX_FIELD})")
        rec[name] = cleaned if cleaned.isprintable() else validate.printable(cleaned, label)
    return handle


def exchange_path(value: str) -> bool:
    """Outlook exports a colleague on the same Exchange server with the directory path
    (`/o=ExchangeLabs/ou=…/cn=Recipients/cn=…`, E-mail Type `EX`) where the address
    belongs; it is no address, so it is passed over rather than rejecting the row."""
    return value.lstrip()[:3].casefold() == "/o="


def _listed(name: str, check: Callable[[str, dict], tuple[str | None, str | None]],
            skip: Callable[[str], bool] = lambda value: False) -> Callable[[str, dict], None]:
    """Email or phone: the first value is the customer's; the others (`a ::: b`, or further
    columns joined by `_combine`) are kept under OTHER[name] as written, one of each.
    `check` gets the row cleaned so far (a phone is read in the row's country); values
    `skip` names are not addresses at all and are left out."""
    def handle(value: str, rec: dict) -> None:
        if MULTI_VALUE not in value and not skip(value):
            rec[name], rec[f"{name}_norm"] = check(value, rec)
            return
        first, *rest = [part.strip() for part in value.split(MULTI_VALUE) if part.strip() and not skip(part)] or [""]
        rec[name], rec[f"{name}_norm"] = check(first, rec)
        others = []
        for part in rest:
            try:
                key = check(part, rec)[1]
            except ValidationError:
                key = None
            if key != rec[f"{name}_norm"] and part not in others:
                others.append(validate.printable(part, OTHER[name]))
        if others:
            rec.setdefault("custom", {})[OTHER[name]] = ", ".join(others)
    return handle


_email = _listed("email", lambda value, rec: validate.email(value), exchange_path)
# A national number is the row's country's (`row_cleaner` cleans phones after the country).
_phone = _listed("phone", lambda value, rec: validate.phone(value, validate.country_region(rec.get("country"))))


def label_tag(label: str) -> str | None:
    """A label as other tools write it -> a tag, or None for the tool's own system labels
    (Google's `* myContacts`, `* starred`) and labels with nothing left to keep."""
    label = label.strip()
    if not label or label.startswith("*"):
        return None
    words = "-".join("".join(ch for ch in word if ch.isalnum() or ch in "-_") for word in label.casefold().split())
    words = "-".join(part for part in words.split("-") if part)[:40].strip("-_")
    return words or None


def _labels(value: str, rec: dict) -> None:
    found = {tag for part in re.split(r":::|[,;]", value) if (tag := label_tag(part))}
    if found:
        rec["tags"] = rec.get("tags", set()) | found


def _notes(value: str, rec: dict) -> None:
    text = validate.text(value, "notes", limit=validate.MAX_TEXT)
    if text:
        rec["_notes"] = f"{rec['_notes']}\n\n{text}" if "_notes" in rec else text


def _accepts_marketing(value: str, rec: dict) -> None:
    rec["opt_out"] = 1 - flag(value, "accepts marketing")


def _birthday(order: str | None) -> Callable[[str, dict], None]:
    """Birthdays in the column's day/month order; a year-less one keeps only its 'MM-DD'."""
    def handle(value: str, rec: dict) -> None:
        birthday, md = month_day(value, "birthday", order)
        if md:
            rec["birthday"], rec["birthday_md"] = birthday, md
    return handle


def _external_id(value: str, rec: dict) -> None:
    _text("external_id", TEXT_LABELS["external_id"])(unquoted_id(value), rec)


def _tags(value: str, rec: dict) -> None:
    if found := tags(value):
        rec["tags"] = found


def _opt_out(value: str, rec: dict) -> None:
    rec["opt_out"] = flag(value, "opt-out")


def _custom(value: str, rec: dict) -> None:
    rec["custom"] = {**_custom_cell(value), **rec.get("custom", {})}


def _home(part: str) -> Callable[[str, dict], None]:
    handle = _text(part, f"home {TEXT_LABELS[part]}")

    def keep(value: str, rec: dict) -> None:
        handle(value, rec.setdefault("_home", {}))
    return keep


def _settle_home(rec: dict) -> None:
    """Outlook's home address is the customer's address when the business one is empty;
    beside a business address it is kept as the custom field "home address"."""
    home = rec.pop("_home")
    if any(part in rec for part in ADDRESS):
        rec.setdefault("custom", {})["home address"] = address_text(*(home.get(part) for part in ADDRESS))
    else:
        rec.update(home)


_HANDLERS = {"email": _email, "phone": _phone, "tags": _tags, "opt_out": _opt_out,
             "custom": _custom, "labels": _labels, "notes": _notes, "accepts_marketing": _accepts_marketing,
             **{name: _text(name, label) for name, label in TEXT_LABELS.items()}, "external_id": _external_id,
             **{name: _home(part) for name, part in HOME.items()}}


def _combine(name: str, cmap: ColumnMap, handlers: dict) -> Callable[[list[str], dict], None]:
    """A field fed by several columns (`ColumnMap.more`): emails and phones are listed
    (first one wins), street lines joined, labels and notes gathered; for any other field
    the first non-empty value wins and a different later one is kept as a custom field
    under its own header, so nothing the file holds is dropped."""
    handle, columns = handlers[name], cmap.columns_of(name)

    def combine(cells: list[str], rec: dict) -> None:
        found = [(index, cells[index].strip()) for index in columns if index < len(cells) and cells[index].strip()]
        if not found:
            return
        if name in OTHER:
            handle(f" {MULTI_VALUE} ".join(value for _, value in found), rec)
        elif name in ("street", "home_street"):
            handle(", ".join(value for _, value in found), rec)
        elif name in ("labels", "notes"):
            for _, value in found:
                handle(value, rec)
        else:
            handle(found[0][1], rec)
            for index, value in found[1:]:
                if value != found[0][1]:
                    header = cmap.header_of(index)
                    rec.setdefault("custom", {})[header] = validate.printable(value, header)
    return combine


def row_cleaner(cmap: ColumnMap) -> Callable[[list[str]], dict]:
    """cells -> {column: stored value} for the non-empty cells; raises ValidationError."""
    handlers = {**_HANDLERS, "birthday": _birthday(cmap.date_order.get("birthday"))}
    # Phones last: they are read in the row's country, which must be cleaned by then.
    single = [(index, handlers[name], name == "phone") for name, index in cmap.fields.items() if name not in cmap.more]
    plan = [(index, handle) for index, handle, phone in single if not phone]
    phones = [(index, handle) for index, handle, phone in single if phone]
    combined = [_combine(name, cmap, handlers) for name in sorted(cmap.more, key=lambda name: name == "phone")]
    custom_columns = cmap.custom
    names = any(part in cmap.fields for part in _NAME_PARTS)
    fallback = "name" not in cmap.fields

    def clean(cells: list[str]) -> dict:
        rec: dict = {}
        size = len(cells)
        for index, handle in plan:
            if index < size:
                value = cells[index]
                if value and not value.isspace():
                    handle(value, rec)
        for combine in combined:
            combine(cells, rec)
        for index, handle in phones:
            if index < size and (value := cells[index]) and not value.isspace():
                handle(value, rec)
        for index, header in custom_columns:
            value = cells[index].strip() if index < size else ""
            if value:
                rec.setdefault("custom", {})[header] = value if value.isprintable() else \
                    validate.printable(value, f"custom field {header}", lines=True)
        if names:
            parts = [rec.pop(part) for part in _NAME_PARTS if part in rec]
            if "name" not in rec and parts:
                rec["name"] = " ".join(" ".join(parts).split())
        if "_home" in rec:
            _settle_home(rec)
        if fallback and "name" not in rec and ("company" in rec or "email" in rec):
            rec["_fallback_name"] = rec.get("company") or rec["email"]
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
        elif column == "_notes" and column in first and value not in first[column]:
            first[column] = f"{first[column]}\n\n{value}"
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
