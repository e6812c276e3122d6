"""Field rules shared by the services, the importer and the forms.

Each function returns the cleaned value or raises ValidationError with a message a
user can act on; None/blank means "not given" wherever a field is optional. `field` is
the field's name in the message; `key`, when given, is the form's key for it, carried
as ValidationError.field so a form can put the message under that field.
"""

from __future__ import annotations

import re
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from solocrm_tui.core.errors import ValidationError

MAX_TEXT = 10_000
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER: a bigger id names no row and cannot even be asked for
FIRST_YEAR, LAST_YEAR = 1900, 2200  # dates outside these are typos, and overflow date arithmetic
MAX_FIELD = 255
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TAG = re.compile(r"^[\w-]+$")
# Direction marks, embeddings, overrides and isolates: they make text read differently from
# what it holds. text.visible shows the same characters when older data still has them.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI}]")
_CONTROL_IN_TEXT = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI}]")  # keeps newlines and tabs
_NOT_PHONE = re.compile(r"[^\d\s+\-().\/]")
_NON_DIGITS = re.compile(r"\D")


def setting(default: int | float, low: int | float, high: int | float):
    """A numeric setting with the range it must lie in, declared beside the field so the
    config check and the field cannot drift apart (a reminder interval of -5 seconds or
    0 backups kept would silently stop the job instead of being refused at start)."""
    return dataclass_field(default=default, metadata={"range": (low, high)})


def record_id(text: str, what: str) -> int:
    """An id a user typed (`42` or `#42`) for a `what` ("customer", "campaign").

    The one gate between typed ids and SQLite: a number past MAX_ID would make the
    driver raise OverflowError, so it is answered here as the missing row it is."""
    digits = text.strip().removeprefix("#")
    if not (digits.isascii() and digits.removeprefix("-").isdigit()):
        raise ValidationError(f'{what} id must be a whole number like 42, got "{text}"')
    shown = digits if len(digits) <= 30 else digits[:30] + "…"
    if len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
        raise ValidationError(f"no {what} #{shown}")
    if int(digits) < 1:
        raise ValidationError(f"{what} id must be positive, got {shown}")
    return int(digits)


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def printable(value: str, field: str, *, lines: bool = False, key: str | None = None) -> str:
    """Refuse control characters: shown in a terminal they are commands to it (an escape
    sequence in an imported name could clear the screen), and a bidi override (U+202E)
    makes text read differently from what it holds. Multi-line text keeps newlines and tabs."""
    found = control_character(value, lines=lines)
    if found:
        raise ValidationError(f"{field} contains a control character ({found!r})", field=key)
    return value


def control_character(value: str, *, lines: bool = False) -> str | None:
    """The first character `printable` refuses in `value`, if any."""
    found = (_CONTROL_IN_TEXT if lines else _CONTROL).search(value)
    return found.group() if found else None


def text(value: str | None, field: str, *, required: bool = False, limit: int = MAX_FIELD,
         key: str | None = None) -> str | None:
    if blank(value):
        if required:
            raise ValidationError(f"{field} is required", field=key)
        return None
    cleaned = " ".join(str(value).split()) if limit <= MAX_FIELD else str(value).strip()
    if len(cleaned) > limit:
        raise ValidationError(f"{field} is too long ({len(cleaned)} characters, at most {limit})", field=key)
    return cleaned if cleaned.isprintable() else printable(cleaned, field, lines=limit > MAX_FIELD, key=key)


def custom(values: dict) -> dict:
    """Custom fields arrive from imports and other tools, and the profile card shows them
    like any field: their names and text values are held to the same rule (a value may
    span lines, as a quoted CSV cell can)."""
    for name, value in values.items():
        printable(str(name), "a custom field's name")
        if isinstance(value, str):
            printable(value, f"custom field {name}", lines=True)
    return values


def email(value: str | None) -> tuple[str | None, str | None]:
    """Returns (email as typed, normalised lower-case key used for uniqueness)."""
    cleaned = text(value, "email", key="email")
    if cleaned is None:
        return None, None
    if not _EMAIL.match(cleaned):
        raise ValidationError(f'"{cleaned}" is not a valid email address', field="email")
    return cleaned, cleaned.lower()


def phone(value: str | None) -> tuple[str | None, str | None]:
    """Returns (phone as typed, digits-only key: '+' kept for international, '00' -> '+')."""
    cleaned = text(value, "phone", key="phone")
    if cleaned is None:
        return None, None
    if _NOT_PHONE.search(cleaned):
        raise ValidationError(f'"{cleaned}" is not a phone number', field="phone")
    digits = _NON_DIGITS.sub("", cleaned)
    if not 6 <= len(digits) <= 15:
        raise ValidationError(f'"{cleaned}" is not a phone number (needs 6 to 15 digits)', field="phone")
    if cleaned.lstrip().startswith("+"):
        return cleaned, "+" + digits
    if digits.startswith("00"):
        return cleaned, "+" + digits[2:]
    return cleaned, digits


def tag(value: str) -> str:
    cleaned = value.strip().lstrip("#").lower()
    if not cleaned or not _TAG.match(cleaned) or len(cleaned) > 40:
        raise ValidationError(f'"{value}" is not a tag: use letters, digits, - and _', field="tags")
    return cleaned


def cents(amount: Decimal | int | float | str, field: str = "amount", *, key: str | None = None) -> int:
    """Exact money to integer cents; negative or sub-cent amounts are refused."""
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValidationError(f'{field} "{amount}" is not a number', field=key) from None
    if not value.is_finite():
        raise ValidationError(f'{field} "{amount}" is not a number', field=key)
    if value < 0:
        raise ValidationError(f"{field} cannot be negative ({amount})", field=key)
    if value > Decimal("1e12"):  # before quantize, which overflows on huge values
        raise ValidationError(f"{field} is implausibly large ({amount})", field=key)
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"{field} has more than 2 decimals ({amount})", field=key)
    return int(value * 100)


def currency(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(f'currency "{value}" is not a 3-letter code like EUR', field="currency")
    return code


def day(value: date | str | None, field: str, *, key: str | None = None) -> date | None:
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f'{field} "{value}" is not a real date (use YYYY-MM-DD)', field=key) from None


_YEAR_LESS = re.compile(r"--(\d{2})-?(\d{2})")
LEAP_YEAR = 2000  # a day without a year is checked against a leap year, so 29 February exists


def month_day(month: int, day_: int, raw: str, field: str, *, key: str | None = None) -> str:
    """'MM-DD' of a day without a year (a birthday whose year nobody told)."""
    try:
        date(LEAP_YEAR, month, day_)
    except ValueError:
        raise ValidationError(f'{field} "{raw}" is not a real date (use YYYY-MM-DD or --MM-DD)', field=key) from None
    return f"{month:02d}-{day_:02d}"


def birthday(value: date | str | None, field: str = "birthday", *,
             key: str | None = None) -> tuple[date | None, str | None]:
    """(date, 'MM-DD') of a birthday; one without a year (`--07-23`, vCard's `--0723`) has no
    date but still its 'MM-DD', which is what reminders and Today's birthdays read."""
    if isinstance(value, str) and (match := _YEAR_LESS.fullmatch(value.strip())):
        return None, month_day(int(match[1]), int(match[2]), value.strip(), field, key=key)
    found = day(value, field, key=key)
    return found, found.strftime("%m-%d") if found else None


def moment(value: datetime | str | None, field: str) -> datetime | None:
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0, tzinfo=None)
    raw = str(value).strip()
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f'{field} "{value}" is not a real date/time (use YYYY-MM-DD or YYYY-MM-DD HH:MM)') from None
    in_years(parsed, field, raw)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone().replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def in_years(parsed: date, field: str, typed: str) -> None:
    """Refuse a date outside FIRST_YEAR..LAST_YEAR: `0001-01-01` is a typo, and going a
    year back from it overflows Python's dates and pandas' timestamps."""
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise ValidationError(f'{field} "{typed}" is outside the years {FIRST_YEAR}-{LAST_YEAR}')


def probability(value: int | str | None) -> int | None:
    if blank(value):
        return None
    try:
        number = int(str(value).strip().rstrip("%"))
    except ValueError:
        raise ValidationError(f'probability "{value}" must be a whole percentage 0-100', field="probability") from None
    if not 0 <= number <= 100:
        raise ValidationError(f"probability must be between 0 and 100, got {number}", field="probability")
    return number
