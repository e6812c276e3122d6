"""Recurring follow-ups: the composer's words for a rhythm, as an RFC 5545 RRULE, and the
next occurrence.

A rule is stored as RRULE text without DTSTART (calendar apps read the same text from
the ICS export). Times are naive local wall-clock times, as every due_at is, so
"every fri 9:00" stays 9:00 across a DST change: the arithmetic never sees an offset.

Monthly and yearly rules always name their day. A bare BYMONTHDAY=31 would skip the
months without a 31st; "the 31st" is written BYMONTHDAY=28,29,30,31;BYSETPOS=-1 (the
last of those the month has), so Jan 31 is followed by Feb 28/29 and then Mar 31.

The words (after /follow or /todo, before the title):
  every 3d | 2w | 1m | 1y [HH:MM]        every day | week | month | year [HH:MM]
  every fri [HH:MM] (or mon,thu)         weekdays [HH:MM] (also: every weekday)
  every month on the 1st [HH:MM]
and after the title: `until YYYY-MM-DD`, and `from done` for a rhythm counted from
when an occurrence is done instead of from its due date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.rrule import rrulestr

from solocrm_tui.core.dates import (
    _MONTH_ABBR,
    _TIME_LIKE,
    MORNING,
    WEEKDAYS,
    _parse_time,
    ordinal,
    split_when,
)
from solocrm_tui.core.errors import ValidationError

USAGE = ("use every 2w, every day, every month, every fri 9:00, weekdays, every month on the 1st; "
         "then the title, optionally until 2027-06-30 and from done")
_UNITS = {"d": "DAILY", "w": "WEEKLY", "m": "MONTHLY", "y": "YEARLY"}
_UNIT_WORDS = {"day": "d", "week": "w", "month": "m", "year": "y"}
_NOUNS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_COUNT = re.compile(r"(\d+)([dwmy])")
_ORDINAL = re.compile(r"(\d+)(st|nd|rd|th)?")


@dataclass(frozen=True, slots=True)
class Recurrence:
    rule: str  # RRULE text without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=FR"
    recur_from: str = "due"  # "due" | "done": what the next occurrence counts from


def starts_series(words: list[str]) -> bool:
    return bool(words) and words[0].lower() in ("every", "weekdays")


def split_every(words: list[str], now: datetime) -> tuple[datetime, Recurrence, list[str]]:
    """The first due moment, the rule and the title words of `every … TITLE [until DAY] [from done]`."""
    rest, recur_from, until = _trailing(list(words), now)
    lead = rest.pop(0).lower()
    if lead == "every" and rest and rest[0].lower() == "weekday":
        rest.pop(0)
        lead = "weekdays"
    if lead == "weekdays":
        parts = {"FREQ": "WEEKLY", "BYDAY": "MO,TU,WE,TH,FR"}
        first = _first_matching(parts, _time(rest), now)
    else:
        if not rest:
            raise ValidationError(f"every what? {USAGE}")
        parts, first = _every(rest, now, recur_from)
    if until is not None:
        if until < first.date():
            raise ValidationError(f"until {until} comes before the first occurrence ({first:%Y-%m-%d}): "
                                  "use a later day")
        parts["UNTIL"] = f"{until:%Y%m%d}T235959"
    return first, Recurrence(_text(parts), recur_from), rest


def next_due(rule: str, due_at: datetime, *, anchor: datetime, done_at: datetime | None = None,
             recur_from: str = "due") -> datetime | None:
    """The occurrence after one due at `due_at` (or, counted from done, after `done_at`'s day);
    None once the rule's UNTIL has passed. `anchor` is the series' first due moment: the
    rhythm of "every 2w" is kept from it, so a snoozed occurrence does not shift the next."""
    if recur_from == "done" and done_at is not None:
        start = datetime.combine(done_at.date(), due_at.time())
        if "FREQ=MONTHLY" in rule and "BYMONTHDAY" not in rule:  # a month after the 31st: the month's end
            rule = _text(dict(part.split("=", 1) for part in rule.split(";")) | _month_days(start.day))
        return _after(rule, start, max(start, due_at))  # done early: not the day it was due again
    # Done late: the next one still to come, not the ones missed meanwhile (each due at once).
    return _after(rule, anchor, max(due_at, anchor, done_at or due_at))


def describe(rule: str, recur_from: str | None, due_at: datetime) -> str:
    """The rule in words: "every 2 weeks", "every Friday 9:00", "every month on the 1st, until 30 Jun 2027"."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1"))
    noun = _NOUNS.get(freq, freq.lower())
    clock = f" {due_at.hour}:{due_at.minute:02d}"
    if interval > 1:
        text = f"every {interval} {noun}s"
    elif parts.get("BYDAY") == "MO,TU,WE,TH,FR":
        text = f"weekdays{clock}"
    elif "BYDAY" in parts:
        days = [WEEKDAYS[_BYDAY.index(code)].capitalize() for code in parts["BYDAY"].split(",")]
        text = f"every {' and '.join(days)}{clock}"
    elif freq == "MONTHLY" and interval == 1 and "BYMONTHDAY" in parts:
        text = f"every month on the {ordinal(_month_day(parts))}"
    else:
        text = f"every {noun}"
    if "UNTIL" in parts:
        until = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d")
        text += f", until {until.day} {_MONTH_ABBR[until.month - 1]} {until.year}"
    return text + (", from done" if recur_from == "done" else "")


def phrase(rule: str, recur_from: str | None, due_at: datetime) -> str:
    """The composer words that give `rule` back (an edit starts from them)."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    freq, interval = parts.get("FREQ", ""), int(parts.get("INTERVAL", "1"))
    clock = f" {due_at:%H:%M}"
    if interval > 1 or (freq != "WEEKLY" and "BYMONTHDAY" not in parts):
        words = f"every {interval}{_NOUNS[freq][0]}{clock}"
    elif parts.get("BYDAY") == "MO,TU,WE,TH,FR":
        words = f"weekdays{clock}"
    elif "BYDAY" in parts:
        words = f"every {','.join(WEEKDAYS[_BYDAY.index(c)][:3] for c in parts['BYDAY'].split(','))}{clock}"
    elif freq == "MONTHLY" and interval == 1 and "BYMONTHDAY" in parts:
        words = f"every month on the {ordinal(_month_day(parts))}{clock}"
    else:
        words = f"every {interval}{_NOUNS[freq][0]}{clock}"
    return words


def suffix(rule: str, recur_from: str | None) -> str:
    """The trailing words of `phrase`: `until …` and `from done`, which follow the title."""
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    words = []
    if "UNTIL" in parts:
        words.append(f"until {datetime.strptime(parts['UNTIL'][:8], '%Y%m%d'):%Y-%m-%d}")
    if recur_from == "done":
        words.append("from done")
    return " ".join(words)


def _trailing(words: list[str], now: datetime) -> tuple[list[str], str, date | None]:
    """Take `until DAY` and `from done` off the end, in either order."""
    recur_from, until = "due", None
    while len(words) >= 2:
        if [w.lower() for w in words[-2:]] == ["from", "done"]:
            recur_from, words = "done", words[:-2]
        elif words[-2].lower() == "until" and until is None:
            try:
                until = date.fromisoformat(words[-1])
            except ValueError:
                raise ValidationError(f'until needs a day as YYYY-MM-DD, got "{words[-1]}"') from None
            if until < now.date():
                raise ValidationError(f"until {until} is in the past: use a day from today on")
            words = words[:-2]
        else:
            break
    return words, recur_from, until


def _every(rest: list[str], now: datetime, recur_from: str) -> tuple[dict[str, str], datetime]:
    word = rest.pop(0).lower()
    if word in _UNIT_WORDS:
        word = "1" + _UNIT_WORDS[word]
    if count := _COUNT.fullmatch(word):
        n, unit = int(count.group(1)), count.group(2)
        if n < 1:
            raise ValidationError(f'"every {word}" must count at least 1, e.g. every 3d or every 2w')
        if unit == "m" and rest[:2] and [w.lower() for w in rest[:2]] == ["on", "the"]:
            return _month_on(rest, n, now)
        at = _time(rest, default=None)
        first = _first_after_interval(n, unit, at, now)
        parts = {"FREQ": _UNITS[unit]} | ({"INTERVAL": str(n)} if n > 1 else {})
        return parts | (_day_of(unit, first.date(), now.day) if recur_from == "due" else {}), first
    days = [_weekday(name) for name in word.split(",")]
    parts = {"FREQ": "WEEKLY", "BYDAY": ",".join(_BYDAY[d] for d in days)}
    return parts, _first_matching(parts, _time(rest), now)


def _month_on(rest: list[str], n: int, now: datetime) -> tuple[dict[str, str], datetime]:
    """`every month on the 1st`: the first such day from now."""
    del rest[:2]
    if not rest or not (ordinal := _ORDINAL.fullmatch(rest[0].lower())):
        raise ValidationError('every month on the … needs a day of the month, e.g. "on the 1st"')
    day = int(ordinal.group(1))
    if not 1 <= day <= 31:
        raise ValidationError(f"there is no {rest[0]} day of a month: use the 1st to the 31st")
    rest.pop(0)
    parts = {"FREQ": "MONTHLY"} | ({"INTERVAL": str(n)} if n > 1 else {}) | _month_days(day)
    return parts, _first_matching(parts, _time(rest), now)


def _first_after_interval(n: int, unit: str, at: time | None, now: datetime) -> datetime:
    """`every 2w`: the first is due as `/follow 2w` would be (at 9:00 unless a time is given)."""
    due, _ = split_when([f"{n}{unit}"] if unit != "y" else [f"{12 * n}m"], now)
    return datetime.combine(due.date(), at or MORNING)


def _first_matching(parts: dict[str, str], at: time, now: datetime) -> datetime:
    start = datetime.combine(now.date(), at)
    first = _after(_text(parts), start, now)
    if first is None:  # an unfinished rule cannot run out; only a broken one could
        raise ValidationError(f"no day matches that rule: {USAGE}")
    return first


def _after(rule: str, start: datetime, moment: datetime) -> datetime | None:
    """The first occurrence of `rule` started at `start` that is later than `moment`."""
    return rrulestr(rule, dtstart=start).after(moment)


def _day_of(unit: str, first: date, day: int) -> dict[str, str]:
    """Counted from the due date, weekly, monthly and yearly rules name their day: a snoozed
    occurrence then leaves the series on its weekday, and the month's end clamps (see the
    module note). `day` is the day of the month the series keeps: the day it was set on,
    so "every month" set on the 31st stays on the month's end after a February, not on the
    28th its first occurrence was clamped to. Counted from done, "every 2w" means two
    weeks after it was done."""
    if unit == "w":
        return {"BYDAY": _BYDAY[first.weekday()]}
    if unit == "m":
        return _month_days(day)
    if unit == "y":
        return {"BYMONTH": str(first.month)} | _month_days(day if first.month != 2 else min(day, 29))
    return {}


def _month_days(day: int) -> dict[str, str]:
    if day <= 28:
        return {"BYMONTHDAY": str(day)}
    return {"BYMONTHDAY": ",".join(str(d) for d in range(28, day + 1)), "BYSETPOS": "-1"}


def _month_day(parts: dict[str, str]) -> int:
    return max(int(d) for d in parts["BYMONTHDAY"].split(","))


def _weekday(name: str) -> int:
    matches = [i for i, day in enumerate(WEEKDAYS) if len(name) >= 2 and day.startswith(name)]
    if len(matches) != 1:
        raise ValidationError(f'unknown rhythm "every {name}": {USAGE}')
    return matches[0]


def _time(rest: list[str], default: time | None = MORNING) -> time | None:
    """A leading HH:MM, taken off `rest`."""
    if rest and _TIME_LIKE.fullmatch(rest[0]):
        return _parse_time(rest.pop(0))
    return default


def _text(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())
