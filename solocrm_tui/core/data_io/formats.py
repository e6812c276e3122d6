"""The byte-level rules of the export formats: CSV formula safety, vCard 4.0 and iCalendar.

Both vCard (RFC 6350) and iCalendar (RFC 5545) want CRLF line ends, long lines
folded at 75 octets (never inside a UTF-8 character; continuation lines start with
a space) and `\\`, `,`, `;` and newlines escaped in text values.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from solocrm_tui import __version__
from solocrm_tui.core.contacts.customers import OTHER

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CRLF = "\r\n"
PRODID = f"-//SoloCRM//SoloCRM {__version__}//EN"


def csv_safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def escape(value: object) -> str:
    text = str(value)
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Split a content line into ≤75-octet pieces joined by CRLF + space."""
    if len(line.encode("utf-8")) <= 75:
        return line
    pieces, current, size = [], [], 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return CRLF.join(pieces)


def _lines(properties: list[tuple[str, str]]) -> str:
    return "".join(fold(f"{name}:{value}") + CRLF for name, value in properties)


def vcard(customer: dict) -> str:
    """One vCard 4.0 for a customer dict (as exporting.customer_dict builds it)."""
    name = customer["name"] or ""
    given, _, family = name.rpartition(" ")
    uid = uuid.uuid5(uuid.NAMESPACE_URL, f"solocrm:customer:{customer['solocrm_id']}")
    props = [("BEGIN", "VCARD"), ("VERSION", "4.0"), ("UID", f"urn:uuid:{uid}"),
             ("FN", escape(name)), ("N", f"{escape(family)};{escape(given)};;;")]
    if customer.get("company"):
        props.append(("ORG", escape(customer["company"])))
    custom = dict(customer.get("custom") or {})
    others = {prop: [v.strip() for v in str(custom.pop(OTHER[field], "")).split(",") if v.strip()]
              for prop, field in (("EMAIL", "email"), ("TEL", "phone"))}
    for prop, field in (("EMAIL", "email"), ("TEL", "phone")):
        props += [(prop, escape(value)) for value in ([customer[field]] if customer.get(field) else []) + others[prop]]
    address = [customer.get(part) or "" for part in ("street", "city", "region", "postcode", "country")]
    if any(address):
        props.append(("ADR", ";;" + ";".join(escape(part) for part in address)))
    if customer.get("birthday"):
        born = str(customer["birthday"])
        props.append(("BDAY", "--" + born[2:].replace("-", "") if born[:2] == "--" else born.replace("-", "")))
    if customer.get("tags"):
        props.append(("CATEGORIES", ",".join(escape(t) for t in customer["tags"])))
    note = [f"Stage: {customer['stage']}"] if customer.get("stage") else []
    note += [f"Source: {customer['source']}"] if customer.get("source") else []
    note += [f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
             for k, v in sorted(custom.items())]
    if note:
        props.append(("NOTE", escape("\n".join(note))))
    props.append(("END", "VCARD"))
    return _lines(props)


def _stamp(value: datetime | str) -> str:
    moment = datetime.fromisoformat(str(value))
    return moment.strftime("%Y%m%dT%H%M%S")


def calendar_head() -> str:
    return _lines([("BEGIN", "VCALENDAR"), ("VERSION", "2.0"), ("PRODID", PRODID), ("CALSCALE", "GREGORIAN")])


def calendar_tail() -> str:
    return _lines([("END", "VCALENDAR")])


def todo(followup: dict, now: datetime) -> str:
    """One VTODO for an open follow-up; due times are floating local times, like the app shows them."""
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    due = _stamp(followup["due_at"])
    who = (f"Customer: {followup['customer_name']} (#{followup['customer_id']})"
           if followup.get("customer_id") else "No customer")
    props = [("BEGIN", "VTODO"), ("UID", f"followup-{followup['id']}@solocrm"), ("DTSTAMP", stamp),
             ("DTSTART", due), ("DUE", due), ("SUMMARY", escape(followup["title"])), ("DESCRIPTION", escape(who)),
             ("STATUS", "NEEDS-ACTION"), ("END", "VTODO")]
    return _lines(props)
