"""Turn the few words people type for "when" (`fri`, `3d`, `tomorrow 14:30`) into a datetime.

The composer, the CLI and the follow-up dialog all accept the same short forms, so
they live here, headless and clock-free: every function takes `now` (a naive local
datetime) instead of reading the clock, which keeps them exact under test.

A date without a time means 09:00, the start of a working day, unless it lands on
today: then the follow-up is simply due now.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

from solocrm_tui.core.errors import ValidationError

USAGE = "use today, tomorrow, 3d, 2w, 1m, fri or 2026-12-01 (optionally followed by 14:30)"
MORNING = time(9, 0)
MAX_MONTHS_AHEAD = 120  # ten years: anything further is a typo, not a plan

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_COUNT = re.compile(r"([+-]?\d+)([dwmh])")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_TIME_LIKE = re.compile(r"\d+:\d+")


def parse_when(text: str, now: datetime) -> datetime:
    """Parse a whole string that must be nothing but a date and an optional time."""
    when, rest = split_when(text.split(), now)
    if rest:
        raise ValidationError(f'unexpected "{rest[0]}" after the date: {USAGE}')
    return when


def split_when(words: list[str], now: datetime) -> tuple[datetime, list[str]]:
    """Consume a date (and optional time) from the start of `words`; return the rest.

    The composer uses this for `/follow fri 14:30 send quote`: the title is whatever
    the date did not consume.
    """
    if not words:
        raise ValidationError(f"missing date: {USAGE}")
    first, rest = words[0], list(words[1:])
    if _TIME_LIKE.fullmatch(first):
        return _next_occurrence(_parse_time(first), now), rest
    key = first.lower()
    hours = _COUNT.fullmatch(key)
    if hours and hours.group(2) == "h":
        if rest and _TIME_LIKE.fullmatch(rest[0]):
            raise ValidationError(f'"{first}" already sets the time: drop "{rest[0]}"')
        due = now + timedelta(hours=_count(first, hours.group(1)))
        _within_limit(first, due.date(), now.date())
        return due, rest
    day = _parse_day(first, key, now)
    if rest and _TIME_LIKE.fullmatch(rest[0]):
        return datetime.combine(day, _parse_time(rest[0])), rest[1:]
    if day == now.date():
        return now, rest
    return datetime.combine(day, MORNING), rest


def format_due(dt: datetime, now: datetime) -> str:
    """Short human text for a due time: `today 14:30`, `tomorrow 09:00`, `Fri 27 Nov`.

    Other days show the time only when it is not the default 09:00, and the year only
    when it differs from now's.
    """
    days = (dt.date() - now.date()).days
    clock = dt.strftime("%H:%M")
    if days in (-1, 0, 1):
        return f"{('yesterday', 'today', 'tomorrow')[days + 1]} {clock}"
    text = format_day(dt, now)
    if dt.time() != MORNING:
        text += f" {clock}"
    return text


def format_day(day: date, now: datetime, *, weekday: bool = True) -> str:
    """`Fri 4 Dec`, with the year when it is not this year (`Thu 4 Dec 2025`).

    The one way a day is shown, in lists, headers, toasts and the CLI; without the
    weekday for days whose weekday means nothing (a birthday: `4 Dec 1980`).
    """
    text = f"{day.day} {_MONTH_ABBR[day.month - 1]}"
    if weekday:
        text = f"{_DAY_ABBR[day.weekday()]} {text}"
    return text if day.year == now.year else f"{text} {day.year}"


def format_month_day(month_day: str) -> str:
    """`23 Jul` for a stored 'MM-DD': a birthday whose year is unknown, shown like format_day's."""
    month, day_ = month_day.split("-")
    return f"{int(day_)} {_MONTH_ABBR[int(month) - 1]}"


def ordinal(day: int) -> str:
    """`1st`, `2nd`, `11th`, `23rd`: a day of the month in words."""
    ending = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{ending}"


def every_days(days: float) -> str:
    """`every day`, `every 12 days`: a rhythm in a sentence ("usually every 1 days" read wrong)."""
    whole = round(days)
    return "every day" if whole <= 1 else f"every {whole} days"


def days_ago(days: int) -> str:
    """`today`, `yesterday`, `12 days ago`: how long ago in a sentence ("last bought 0 days
    ago" beside an order placed today read like a mistake)."""
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days:,} days ago"


def add_months(day: date, months: int) -> date:
    """Calendar months, clamping to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def _parse_day(word: str, key: str, now: datetime) -> date:
    today = now.date()
    if key in ("today", "tomorrow"):
        return today + timedelta(days=1 if key == "tomorrow" else 0)
    if count := _COUNT.fullmatch(key):
        return _days_ahead(word, count, today)
    if len(key) >= 3 and (days := [i for i, name in enumerate(WEEKDAYS) if name.startswith(key)]):
        return today + timedelta(days=(days[0] - today.weekday() - 1) % 7 + 1)  # strictly after today
    if iso := _ISO.fullmatch(key):
        return _iso_day(word, iso, today)
    raise ValidationError(f'unknown date "{word}": {USAGE}')


def _days_ahead(word: str, count: re.Match[str], today: date) -> date:
    digits, unit = count.groups()
    if int(digits) == 0 and unit == "d":  # "in zero days" reads naturally as today
        return today
    n = _count(word, digits)
    if unit == "m":
        return _within_limit(word, add_months(today, n), today)
    return _within_limit(word, today + timedelta(days=n * (7 if unit == "w" else 1)), today)


def _iso_day(word: str, iso: re.Match[str], today: date) -> date:
    try:
        day = date(*(int(part) for part in iso.groups()))
    except ValueError:
        raise ValidationError(f'no such date "{word}": use YYYY-MM-DD, e.g. 2026-12-01') from None
    if day < today:
        raise ValidationError(f'"{word}" is in the past: use a date from today on')
    return _within_limit(word, day, today)


def _count(word: str, digits: str) -> int:
    n = int(digits)
    if n < 1:
        raise ValidationError(f'"{word}" must count at least 1, e.g. 3d or 2w')
    if n > MAX_MONTHS_AHEAD * 31 * 24:  # coarse cap before any date arithmetic can overflow
        raise ValidationError(f'"{word}" is too far ahead: at most 10 years')
    return n


def _within_limit(word: str, day: date, today: date) -> date:
    if day > add_months(today, MAX_MONTHS_AHEAD):
        raise ValidationError(f'"{word}" is too far ahead: at most 10 years')
    return day


def _parse_time(word: str) -> time:
    match = _TIME.fullmatch(word)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    raise ValidationError(f'bad time "{word}": use HH:MM from 00:00 to 23:59, e.g. 14:30')


def _next_occurrence(at: time, now: datetime) -> datetime:
    """A lone time means today if it is still ahead, else tomorrow."""
    candidate = datetime.combine(now.date(), at)
    return candidate if candidate > now else candidate + timedelta(days=1)
