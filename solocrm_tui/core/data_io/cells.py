"""Cell values as other systems write them -> what SoloCRM stores, or a reason to reject the row.

Dates are ISO (`2026-03-05`, `2026-03-05 14:30`, `…T14:30:00Z`) or day-first with
dots (`05.03.2026`); slashed dates like 03/05/2026 are refused because nobody can
tell March from May. Amounts go through the same parser as the composer.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.errors import ValidationError

_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_SLASHED = re.compile(r"\d{1,4}/\d{1,2}/\d{1,4}")
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


def day(value: str, field: str) -> str:
    """A calendar date as stored ('YYYY-MM-DD')."""
    raw = value.strip()
    if len(raw) == 10 and raw[4] == "-" and "1900" <= raw[:4] <= "2200":  # the common ISO case, fast
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            pass
    moment_ = _parse(value, field, dates_only=True)
    return moment_.date().isoformat()


def moment(value: str, field: str) -> datetime:
    return _parse(value, field, dates_only=False)


def _parse(value: str, field: str, *, dates_only: bool) -> datetime:
    raw = value.strip()
    hint = "use YYYY-MM-DD" + ("" if dates_only else " or YYYY-MM-DD HH:MM")
    if match := _DOTTED.fullmatch(raw):
        d, m, y, hh, mm, ss = match.groups()
        try:
            parsed = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            raise ValidationError(f'{field} "{raw}" is not a real date ({hint})') from None
    elif _SLASHED.fullmatch(raw):
        raise ValidationError(f'{field} "{raw}" is ambiguous (is 03/05 March or May?): {hint}')
    else:
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
        except ValueError:
            raise ValidationError(f'{field} "{raw}" is not a real date ({hint})') from None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone().replace(tzinfo=None)
    if not 1900 <= parsed.year <= 2200:
        raise ValidationError(f'{field} "{raw}" is outside the years 1900-2200')
    return parsed.replace(microsecond=0)


def not_future(when: datetime, now: datetime, field: str) -> datetime:
    if when > now + timedelta(days=1):
        raise ValidationError(f"{field} {when:%Y-%m-%d %H:%M} is in the future")
    return when


def cents(value: str, field: str = "amount") -> int:
    try:
        amount = parse_amount(value)
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
