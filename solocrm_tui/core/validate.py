"""Field rules shared by the services, the importer and the forms.

Each function returns the cleaned value or raises ValidationError with a message a
user can act on; None/blank means "not given" wherever a field is optional. `field` is
the field's name in the message; `key`, when given, is the form's key for it, carried
as ValidationError.field so a form can put the message under that field.

Phones and emails are checked by the libraries that know their rules (phonenumbers'
metadata, email-validator's RFC 5322/6531 syntax), imported on first use so a command
that never sees a phone does not pay for loading them. The importer checks every row,
so each has a fast path for the common case that gives exactly the library's answer
(tests/core/test_validate.py holds them to that).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from solocrm_tui.core.countries import region_named
from solocrm_tui.core.errors import ValidationError

MAX_TEXT = 10_000
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER: a bigger id names no row and cannot even be asked for
FIRST_YEAR, LAST_YEAR = 1900, 2200  # dates outside these are typos, and overflow date arithmetic
MAX_FIELD = 255
# A dot-atom address with a plain ASCII domain: every such address is one email-validator
# accepts as typed (apart from the checks `plain_email` adds), found ~15x faster than it.
# The local part may hold letters of any script (`søren@`, `zoë@`), checked in `plain_email`.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LOCAL_PART, _DOMAIN = rf"{_ATOM}(?:\.{_ATOM})*", rf"(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
_PLAIN_EMAIL = re.compile(rf"(?P<local>{_LOCAL_PART})@(?P<domain>{_DOMAIN})")
_PLAIN_LOCAL, _PLAIN_DOMAIN = re.compile(_LOCAL_PART), re.compile(_DOMAIN)
# email-validator's special-use names, all one label: a domain is one when its last label is.
_EMAIL_SPECIAL_USE = frozenset(("arpa", "invalid", "local", "localhost", "onion", "test"))
_TAG = re.compile(r"^[\w-]+$")
# Direction marks, embeddings, overrides and isolates: they make text read differently from
# what it holds. text.visible shows the same characters when older data still has them.
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{BIDI}]")
_CONTROL_IN_TEXT = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{BIDI}]")  # keeps newlines and tabs
_NOT_PHONE = re.compile(r"[^\d\s+\-().\/]")
_NON_DIGITS = re.compile(r"\D")
# An extension after the number (`ext. 12`, `x12`, `#12`): part of what the owner dials,
# not of the line, so it is kept as typed and left out of the key.
_EXTENSION = re.compile(r"(?<=[\d)])\s*(?:(?:ext(?:ension)?|x)\.?|#)\s*\d{1,6}$", re.IGNORECASE)


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
    if tidy(value) and len(value) <= limit:  # the common case, checked per imported cell
        return value
    if blank(value):
        if required:
            raise ValidationError(f"{field} is required", field=key)
        return None
    cleaned = " ".join(str(value).split()) if limit <= MAX_FIELD else str(value).strip()
    if len(cleaned) > limit:
        raise ValidationError(f"{field} is too long ({len(cleaned)} characters, at most {limit})", field=key)
    return cleaned if cleaned.isprintable() else printable(cleaned, field, lines=limit > MAX_FIELD, key=key)


def tidy(value: object) -> bool:
    """True for a one-line string that cleaning would leave as it is: printable (so no tab,
    newline or control character), no space at either end, no run of spaces."""
    return (type(value) is str and value.isprintable() and value[:1] != " " and value[-1:] != " "
            and "  " not in value and bool(value))


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
    """Returns (email as typed, lower-case key used for uniqueness).

    Syntax only, never the network: an import of 100,000 rows cannot wait on DNS, and a
    domain that is down today is still the customer's address. An international domain
    typed as Unicode or as its xn-- form gets the same key."""
    cleaned = text(value, "email", key="email")
    if cleaned is None:
        return None, None
    if plain_email(cleaned):
        return cleaned, cleaned.lower()
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise ValidationError(f'"{cleaned}" is not a valid email address ({reason[:1].lower()}{reason[1:]})',
                              field="email") from None
    return cleaned, checked.normalized.lower()


def plain_email(value: str) -> bool:
    """True for an address email-validator would accept unchanged: plain ASCII, within its
    lengths, no IDNA label (`--`) and no special-use domain such as .test or .local."""
    local, at, domain = value.rpartition("@")  # what _PLAIN_EMAIL matches, in two parts: domains repeat
    if not at or len(value) > 254 or len(local) > 64 or not _PLAIN_LOCAL.fullmatch(local) or not _plain_domain(domain):
        return False
    return local.isascii() or (unicodedata.is_normalized("NFC", local)
                               and all(ch.isascii() or ch.isalpha() for ch in local))


@lru_cache(maxsize=4096)
def _plain_domain(domain: str) -> bool:
    """An ASCII domain email-validator takes as typed: no IDNA label, not a special-use name."""
    return (_PLAIN_DOMAIN.fullmatch(domain) is not None and "--" not in domain
            and domain.rpartition(".")[2].lower() not in _EMAIL_SPECIAL_USE)


_phone_region: str | None = None
_phone_region_chosen = False


def use_phone_region(region: str | None) -> None:
    """Make `region` (a checked code from `phone_region_code`, or None) the region that phone
    numbers without a country code belong to, for this process. Called once the config is
    loaded; storage.db re-keys stored phones when the database was keyed with another."""
    global _phone_region, _phone_region_chosen
    _phone_region, _phone_region_chosen = region, True


def chosen_phone_region() -> tuple[bool, str | None]:
    """(whether a config chose the region, the region): a process that loaded no config
    (the analytics child) must not re-key the stored phones to its default."""
    return _phone_region_chosen, _phone_region


def phone_region_code(value: str) -> str:
    """A region code phonenumbers knows (`DE`, `GB`, `US`), upper-cased."""
    import phonenumbers

    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f'"{value}" is not a region code phonenumbers knows (like DE, GB or US)')
    return code


@lru_cache(maxsize=1024)
@lru_cache(maxsize=1024)
def country_region(country: str | None) -> str | None:
    """The region of a contact's country cell (`US`, `de`, `United States`, `Österreich`),
    so their numbers without a country code are read as that country's; None when it
    cannot be read as one, and the process's region applies. Asked once per imported row,
    of a handful of distinct countries: cached."""
    if not country or not country.strip():
        return None
    code = country.strip().upper()
    if len(code) == 2:
        import phonenumbers

        if code in phonenumbers.SUPPORTED_REGIONS:
            return code
    return region_named(country)


def phone(value: str | None, region: str | None = None) -> tuple[str | None, str | None]:
    """Returns (phone as typed, E.164 key: `+491701234567`), the same key however it is
    written: `+49 170 1234567`, `0049 170 1234567`, `+49 (0)170 1234567` and, in region DE,
    `0170 1234567`. `region` (the contact's country's, `country_region`) defaults to the
    process's (`use_phone_region`). An extension (`ext. 12`, `x12`, `#12`) is kept in what
    was typed but not in the key: it is the same line.

    A number is refused only when it cannot be one: letters, fewer than 6 or more than 15
    digits (E.164's limit), an unknown country code, or a length no number of its
    country has (phonenumbers' `is_possible_number`, which checks lengths only: a
    made-up demo number or a 555 test number is fine; `is_valid_number` would refuse
    them for their number range). Without a region a number with no `+` or `00` cannot
    be placed in a country: its key is its digits, as before regions existed."""
    cleaned = text(value, "phone", key="phone")
    if cleaned is None:
        return None, None
    number = _EXTENSION.sub("", cleaned, count=1) if "x" in cleaned.lower() or "#" in cleaned else cleaned
    if _NOT_PHONE.search(number):
        raise ValidationError(f'"{cleaned}" is not a phone number', field="phone")
    dialled = _dialled(number)
    if not 6 <= len(dialled) - (dialled[:1] == "+") <= 15:
        raise ValidationError(f'"{cleaned}" is not a phone number (needs 6 to 15 digits)', field="phone")
    if dialled[0] == "+" and _plain_international(dialled):
        return cleaned, dialled
    key, problem = _phone_key(dialled, region or _phone_region)
    if problem:
        raise ValidationError(f'"{cleaned}" is not a phone number ({problem})', field="phone")
    return cleaned, key


def stored_phone_key(phone_typed: str, country: str | None = None) -> str:
    """The key for a phone already stored: its E.164 key in its customer's country's region
    or else this process's, or, when it no longer passes (a rule got stricter), its digits,
    `+` kept, so re-keying never loses or refuses data."""
    try:
        return phone(phone_typed, country_region(country))[1] or ""
    except ValidationError:
        return _dialled(phone_typed)


def _dialled(typed: str) -> str:
    """`+` and the digits for a number with a country code (`+` or `00`), else the digits."""
    digits = _NON_DIGITS.sub("", typed)
    if typed.lstrip().startswith("+"):
        return "+" + digits
    return "+" + digits[2:] if digits.startswith("00") else digits


@lru_cache(maxsize=1 << 16)
def _phone_key(dialled: str, region: str | None) -> tuple[str, str | None]:
    """(key, None) or (dialled, why it is no phone number) for `+digits` or national digits."""
    if not dialled.startswith("+") and region is None:
        return dialled, None
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

    try:
        number = phonenumbers.parse(dialled, region)
    except NumberParseException as exc:
        unknown = exc.error_type == NumberParseException.INVALID_COUNTRY_CODE
        return dialled, "no country has its calling code" if unknown else str(exc.args[0]).lower().rstrip(".")
    problem = {
        ValidationResult.TOO_SHORT: "too short for +{}",
        ValidationResult.TOO_LONG: "too long for +{}",
        ValidationResult.INVALID_LENGTH: "a length no number with +{} has",
        ValidationResult.INVALID_COUNTRY_CODE: "no country has the calling code +{}",
    }.get(phonenumbers.is_possible_number_with_reason(number))
    if problem:
        return dialled, problem.format(number.country_code)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), None


def _plain_international(dialled: str) -> bool:
    """True when `+digits` is already the E.164 key phonenumbers would give and a possible
    number: parse would only split off the country code (no national prefix as in
    `+49 0170`, no leading zero) and the rest has a length the country's numbers have.
    Parse costs ~10 µs, paid per imported row; this a fraction of that."""
    found = _calling_code(dialled[1:4])
    if found is None:
        return False
    size, (national_prefix, lengths) = found
    national = dialled[1 + size:]
    return (len(national) in lengths and national[0] != "0"
            and not (national_prefix and national_prefix.match(national)))


@lru_cache(maxsize=None)
def _calling_code(first_digits: str) -> tuple[int, tuple] | None:
    """(length of the calling code, its `_country_rules`) that a number starting with these
    three digits has; calling codes are prefix-free, so three digits decide it."""
    if first_digits[:1] == "0":
        return None
    for size in (1, 2, 3):
        rules = _country_rules(int(first_digits[:size])) if len(first_digits) >= size else None
        if rules is not None:
            return size, rules
    return None


@lru_cache(maxsize=None)
def _country_rules(country_code: int):
    """(national prefix pattern, possible lengths) of a calling code, None for no country."""
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

    if country_code not in COUNTRY_CODE_TO_REGION_CODE:
        return None
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, COUNTRY_CODE_TO_REGION_CODE[country_code][0])
    if metadata is None:
        return None
    prefix = metadata.national_prefix_for_parsing
    return (re.compile(prefix) if prefix else None), frozenset(metadata.general_desc.possible_length)


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
