"""Cell values as other systems write them -> what SoloCRM stores, or a reason to reject the row.

Dates are ISO (`2026-03-05`, `2026-03-05 14:30`, `…T14:30:00Z`, Shopify's `… +0100`) or
numeric with dots, slashes or dashes (`05.03.2026`, `3/14/2026 2:05 PM`, `14-03-2026`).
Whether `03/05` is March or May is decided for the whole column before the rows are
cleaned (`column_formats`) and passed in as `order` ("dmy" or "mdy"); without one, dots
are day-first (nobody writes month-first with dots) and slashes are refused as
ambiguous. Years have four digits: `3/14/80` is refused rather than put in a century,
except Outlook's "no date" (`0/0/00`), which is an empty cell. Birthdays may have no
year (`--07-23`, vCard `--0723`, `23.07.`, `07/23`). Amounts go through the same parser
as the composer, with the decimal mark the column was found to use.
"""

from __future__ import annotations

import re
from calendar import month_name, monthrange
from datetime import date, datetime, timedelta

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.dates import ordinal
from solocrm_tui.core.errors import ValidationError

NUMERIC_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{2,4})"
                          r"(?:,?[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp])\.?[Mm]\.?)?)?")
YEARLESS = re.compile(r"(\d{1,2})([./])(\d{1,2})\.?")  # 23.07. or 07/23; --07-23 is validate.birthday's
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?=$|[T ])")
_OFFSET_AFTER_SPACE = re.compile(r"(\d) ([+-]\d{2}:?\d{2})")
_TAG_SPLIT = re.compile(r"[,;|\s]+")
TRUE = {"1", "yes", "y", "true", "t", "x", "ja", "oui", "optout", "optedout", "unsubscribed"}
FALSE = {"0", "no", "n", "false", "f", "nein", "non", ""}
KINDS = {"note": "note", "notes": "note", "comment": "note",
         "call": "call", "phone": "call", "phonecall": "call", "telephone": "call", "tel": "call",
         "email": "email", "mail": "email",
         "meeting": "meeting", "visit": "meeting", "appointment": "meeting", "video": "meeting",
         "message": "message", "sms": "message", "chat": "message", "text": "message", "whatsapp": "message"}
DIRECTIONS = {"in": "in", "inbound": "in", "incoming": "in", "received": "in", "from": "in",
              "out": "out", "outbound": "out", "outgoing": "out", "sent": "out", "to": "out"}


def short(value: str, field: str) -> str:
    """One line of at most 255 characters, inner whitespace collapsed."""
    cleaned = " ".join(value.split())
    if len(cleaned) > validate.MAX_FIELD:
        raise ValidationError(f"{field} is too long ({len(cleaned):,} characters, at most {validate.MAX_FIELD})")
    return cleaned if cleaned.isprintable() else validate.printable(cleaned, field)


def unquoted_id(value: str) -> str:
    """`'7210448301122` -> `7210448301122`: Shopify writes long numeric ids with a `'` in
    front so Excel keeps them as text instead of rounding them; the id is the digits."""
    cleaned = value.strip()
    return cleaned[1:] if cleaned[:1] == "'" and cleaned[1:].isdecimal() and cleaned.isascii() else value


def day(value: str, field: str, order: str | None = None) -> str:
    """A calendar date as stored ('YYYY-MM-DD')."""
    raw = value.strip()
    if len(raw) == 10 and raw[4] == "-" and "1900" <= raw[:4] <= "2200":  # the common ISO case, fast
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    moment_ = _parse(value, field, dates_only=True, order=order)
    if moment_ is None:
        raise ValidationError(f'{field} "{raw}" is not a real date (use YYYY-MM-DD)')
    return moment_.date().isoformat()


def missing_day(year: int, month: int, day_: int) -> str | None:
    """Why a date written in a shape the import reads does not exist ("February has no
    30th"), or None if it does: the owner wrote the shape asked for, so repeating the
    shape would send them looking for the wrong mistake."""
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day_ < 1:
        return f"there is no day {day_}"
    if day_ > 31:
        return f"no month has {day_} days"
    last = monthrange(year, month)[1]
    if day_ <= last:
        return None
    leap_only = month == 2 and day_ == 29
    return f"{month_name[month]}{f' {year}' if leap_only else ''} has no {ordinal(day_)}"


def month_day(value: str, field: str, order: str | None = None) -> tuple[str | None, str | None]:
    """A birthday as stored: (date or None when the year is unknown, 'MM-DD'); (None, None)
    for Outlook's "no date"."""
    raw = value.strip()
    if len(raw) == 10 and raw[4] == "-" and "1900" <= raw[:4] <= "2200":  # the common ISO case, fast
        try:
            return date.fromisoformat(raw).isoformat(), raw[5:]
        except ValueError:
            pass
    if raw[:2] == "--":
        return validate.birthday(raw, field)
    if match := YEARLESS.fullmatch(raw):
        first, separator, second = match.groups()
        day_, month = (first, second) if _day_first(separator, order, raw, field) else (second, first)
        if why := missing_day(2000, int(month), int(day_)):  # a leap year: 29.02. is a birthday
            raise ValidationError(f'{field} "{raw}" is not a real date ({why})')
        return None, validate.month_day(int(month), int(day_), raw, field)
    moment_ = _parse(value, field, dates_only=True, order=order)
    if moment_ is None:
        return None, None
    return moment_.date().isoformat(), f"{moment_:%m-%d}"


def moment(value: str, field: str, order: str | None = None) -> datetime:
    parsed = _parse(value, field, dates_only=False, order=order)
    if parsed is None:
        raise ValidationError(f"{field} is empty")
    return parsed


def _day_first(separator: str, order: str | None, raw: str, field: str) -> bool:
    if order is not None:
        return order == "dmy"
    if separator == ".":
        return True
    raise ValidationError(f'{field} "{raw}" is ambiguous (is 03/05 March or May?): use YYYY-MM-DD')


def _parse(value: str, field: str, *, dates_only: bool, order: str | None) -> datetime | None:
    """The moment a cell names, or None for Outlook's "no date" (`0/0/00`)."""
    raw = value.strip()
    hint = "use YYYY-MM-DD" + ("" if dates_only else " or YYYY-MM-DD HH:MM")
    if match := NUMERIC_DATE.fullmatch(raw):
        first, separator, second, year, hh, mm, ss, half = match.groups()
        if int(first) == int(second) == int(year) == 0:
            return None
        if len(year) != 4:
            raise ValidationError(f'{field} "{raw}" has a 2-digit year: write the year with 4 digits')
        d, m = (first, second) if _day_first(separator, order, raw, field) else (second, first)
        hour = int(hh or 0)
        if half and not 1 <= hour <= 12:
            raise ValidationError(f'{field} "{raw}" is not a real date ({hint})')
        if half:
            hour = hour % 12 + (12 if half in "Pp" else 0)
        if why := missing_day(int(year), int(m), int(d)):
            raise ValidationError(f'{field} "{raw}" is not a real date ({why})')
        try:
            parsed = datetime(int(year), int(m), int(d), hour, int(mm or 0), int(ss or 0))
        except ValueError:
            raise ValidationError(f'{field} "{raw}" is not a real date ({hint})') from None
    else:
        iso = raw.replace("Z", "+00:00") if raw.endswith("Z") else _OFFSET_AFTER_SPACE.sub(r"\1\2", raw)
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            shaped = ISO_DAY.match(raw)
            why = shaped and missing_day(*map(int, shaped.groups()))
            raise ValidationError(f'{field} "{raw}" is not a real date ({why or hint})') from None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone().replace(tzinfo=None)
    if not 1900 <= parsed.year <= 2200:
        raise ValidationError(f'{field} "{raw}" is outside the years 1900-2200')
    return parsed.replace(microsecond=0)


def not_future(when: datetime, now: datetime, field: str) -> datetime:
    if when > now + timedelta(days=1):
        raise ValidationError(f"{field} {when:%Y-%m-%d %H:%M} is in the future")
    return when


def cents(value: str, field: str = "amount", decimal: str | None = None) -> int:
    try:
        amount = parse_amount(value, decimal)
    except ValidationError as exc:
        raise ValidationError(str(exc) if field == "amount" else f"{field}: {exc}") from None
    return int(amount * 100)


def flag(value: str, field: str) -> int:
    key = "".join(ch for ch in value.casefold() if ch.isalnum())
    if key in TRUE:
        return 1
    if key in FALSE:
        return 0
    raise ValidationError(f'{field} "{value.strip()}" is not yes/no')


def tags(value: str) -> set[str]:
    return {validate.tag(t) for t in _TAG_SPLIT.split(value) if t.strip().lstrip("#")}


def kind(value: str) -> str:
    key = "".join(ch for ch in value.casefold() if ch.isalnum())
    if key not in KINDS:
        raise ValidationError(f'unknown kind "{value.strip()}": use note, call, email, meeting or message')
    return KINDS[key]


def direction(value: str) -> str:
    key = value.strip().casefold()
    if key not in DIRECTIONS:
        raise ValidationError(f'direction "{value.strip()}" must be in or out')
    return DIRECTIONS[key]
