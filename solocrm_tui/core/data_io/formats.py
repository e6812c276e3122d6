"""The byte-level rules of the export formats: CSV formula safety, vCard 4.0 and iCalendar.

Both vCard (RFC 6350) and iCalendar (RFC 5545) want CRLF line ends, long lines
folded at 75 octets (never inside a UTF-8 character; continuation lines start with
a space) and `\\`, `,`, `;` and newlines escaped in text values.
"""

from __future__ import annotations

import calendar
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from solocrm_tui import __version__
from solocrm_tui.core.contacts.customers import OTHER
from solocrm_tui.core.data_io.timezones import OffsetChange, offset_changes

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CRLF = "\r\n"
PRODID = f"-//SoloCRM//SoloCRM {__version__}//EN"
EVENT_LENGTH = "PT15M"  # a follow-up is a call or a note: a short slot, not a blocked afternoon
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
RRULE_SHAPE = re.compile(r"[A-Z]+=[A-Z0-9,+-]+(;[A-Z]+=[A-Z0-9,+-]+)*")
UNTIL_SHAPE = re.compile(r"\d{8}(T\d{6}Z?)?")


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
    """One VTODO for the open occurrence of a follow-up; due times are floating local times, like the app shows them."""
    due = _stamp(followup["due_at"])
    props = [("BEGIN", "VTODO"), ("UID", f"followup-{_series(followup)}@solocrm"), ("DTSTAMP", _utc(now)),
             ("DTSTART", due), ("DUE", due), *_rule(followup, None), ("SUMMARY", escape(followup["title"])),
             ("DESCRIPTION", escape(_who(followup))), ("STATUS", "NEEDS-ACTION"), ("END", "VTODO")]
    return _lines(props)


def event(followup: dict, now: datetime, zone: ZoneInfo | None) -> str:
    """One VEVENT for the open occurrence of a follow-up, for calendar apps that ignore tasks.

    Its start is in `zone` (which a VTIMEZONE must describe), or floating when the zone has
    no name: a weekly 9:00 then stays at 9:00 on the wall clock across summer time, as it
    does in the app. Its own UID, so importing both the tasks and the events clashes nowhere.
    """
    start = ("DTSTART" + (f";TZID={zone.key}" if zone else ""), _stamp(followup["due_at"]))
    alarm = [("BEGIN", "VALARM"), ("ACTION", "DISPLAY"), ("TRIGGER", "PT0S"),
             ("DESCRIPTION", escape(followup["title"])), ("END", "VALARM")]
    props = [("BEGIN", "VEVENT"), ("UID", f"followup-event-{_series(followup)}@solocrm"), ("DTSTAMP", _utc(now)),
             start, ("DURATION", EVENT_LENGTH), *_rule(followup, zone), ("SUMMARY", escape(followup["title"])),
             ("DESCRIPTION", escape(_who(followup))), *alarm, ("END", "VEVENT")]
    return _lines(props)


def vtimezone(zone: ZoneInfo, first_year: int, last_year: int) -> str:
    """The VTIMEZONE that lets a calendar app place times of `zone` from `first_year` to `last_year` and after.

    Changes that recur every year on the same weekday of the same month (the last Sunday
    of March) become one component with a yearly RRULE, so recurring events stay right
    past the years covered; anything less regular is listed change by change.
    """
    changes = offset_changes(zone, first_year, last_year)
    props = [("BEGIN", "VTIMEZONE"), ("TZID", zone.key)]
    if not changes:
        moment = datetime(first_year, 1, 1, tzinfo=zone)
        offset = moment.utcoffset() or timedelta(0)
        props += _zone_part("STANDARD", datetime(1970, 1, 1), offset, offset, moment.tzname() or zone.key, [])
    years = set(range(first_year, last_year + 1))
    for summer in (True, False):
        kind = "DAYLIGHT" if summer else "STANDARD"
        same = [c for c in changes if c.summer is summer]
        rule = _yearly_rule(same) if {c.local.year for c in same} == years else None
        for change in same[:1] if rule else same:
            props += _zone_part(kind, change.local, change.offset_from, change.offset_to, change.name,
                                [("RRULE", rule)] if rule else [])
    props.append(("END", "VTIMEZONE"))
    return _lines(props)


def _zone_part(kind: str, start: datetime, offset_from: timedelta, offset_to: timedelta, name: str,
               rule: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("BEGIN", kind), ("DTSTART", start.strftime("%Y%m%dT%H%M%S")), ("TZOFFSETFROM", _offset(offset_from)),
            ("TZOFFSETTO", _offset(offset_to)), ("TZNAME", escape(name)), *rule, ("END", kind)]


def _yearly_rule(changes: list[OffsetChange]) -> str | None:
    """FREQ=YEARLY;BYMONTH=m;BYDAY=nDD when every change falls on the same nth (or last) weekday at the same time."""
    if len({(c.local.month, c.local.weekday(), c.local.time(), c.offset_from, c.offset_to, c.name)
            for c in changes}) != 1:
        return None
    ordinals = set.intersection(*({(c.local.day - 1) // 7 + 1} | ({-1} if c.local.day + 7 > _month_days(c.local) else set())
                                  for c in changes))
    if not ordinals:
        return None
    first = changes[0].local
    return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={min(ordinals)}{WEEKDAYS[first.weekday()]}"


def _month_days(day: datetime) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign, seconds = ("-" if seconds < 0 else "+"), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _rule(followup: dict, zone: ZoneInfo | None) -> list[tuple[str, str]]:
    """The RRULE of a recurring follow-up; a stored value that is no RRULE is left out rather than written raw.

    With a zoned start RFC 5545 wants UNTIL in UTC; with a floating start, floating.
    """
    rule = followup.get("recurrence")
    if not rule or not RRULE_SHAPE.fullmatch(rule) or "FREQ=" not in rule:
        return []
    parts = []
    for part in rule.split(";"):
        name, _, value = part.partition("=")
        if name == "UNTIL":
            value = _until(value, zone)
            if value is None:
                return []
        parts.append(f"{name}={value}")
    return [("RRULE", ";".join(parts))]


def _until(value: str, zone: ZoneInfo | None) -> str | None:
    """UNTIL as the start's kind of time wants it: UTC beside a zoned start, floating beside a floating one."""
    if not UNTIL_SHAPE.fullmatch(value):
        return None
    if value.endswith("Z"):
        return value
    try:
        until = datetime.strptime(value, "%Y%m%dT%H%M%S" if "T" in value else "%Y%m%d")
    except ValueError:
        return None
    if "T" not in value:
        until = until.replace(hour=23, minute=59, second=59)
    return _utc(until.replace(tzinfo=zone)) if zone else until.strftime("%Y%m%dT%H%M%S")


def _series(followup: dict) -> int:
    """A series is named by its first follow-up, so re-importing the calendar updates its entry instead of adding one."""
    return followup.get("series_id") or followup["id"]


def _who(followup: dict) -> str:
    return (f"Customer: {followup['customer_name']} (#{followup['customer_id']})"
            if followup.get("customer_id") else "No customer")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
