"""The "when" language: every accepted form, and a helpful refusal for everything else."""

from datetime import datetime

import pytest

from solocrm_tui.core.dates import (
    add_months,
    days_ago,
    every_days,
    format_due,
    parse_when,
    split_when,
)
from solocrm_tui.core.errors import ValidationError

NOW = datetime(2026, 11, 22, 10, 30)  # a Sunday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # today alone is due immediately; with a time it is that time today (even if past)
        ("today", NOW),
        ("TODAY", NOW),
        ("today 14:30", datetime(2026, 11, 22, 14, 30)),
        ("today 9:05", datetime(2026, 11, 22, 9, 5)),
        ("tomorrow", datetime(2026, 11, 23, 9, 0)),
        ("Tomorrow 14:30", datetime(2026, 11, 23, 14, 30)),
        ("tomorrow 0:00", datetime(2026, 11, 23, 0, 0)),
        ("tomorrow 23:59", datetime(2026, 11, 23, 23, 59)),
        # counts of days, weeks and calendar months land at 09:00
        ("1d", datetime(2026, 11, 23, 9, 0)),
        ("3d", datetime(2026, 11, 25, 9, 0)),
        ("3D", datetime(2026, 11, 25, 9, 0)),
        ("3d 16:45", datetime(2026, 11, 25, 16, 45)),
        ("10d", datetime(2026, 12, 2, 9, 0)),
        ("2w", datetime(2026, 12, 6, 9, 0)),
        ("1w 8:00", datetime(2026, 11, 29, 8, 0)),
        ("1m", datetime(2026, 12, 22, 9, 0)),
        ("2m", datetime(2027, 1, 22, 9, 0)),
        ("12m", datetime(2027, 11, 22, 9, 0)),
        ("3650d", datetime(2036, 11, 19, 9, 0)),
        ("120m", datetime(2036, 11, 22, 9, 0)),
        # a date-only form landing on today means now
        ("0d", NOW),
        ("0d 14:30", datetime(2026, 11, 22, 14, 30)),
        # hours are exact from now
        ("1h", datetime(2026, 11, 22, 11, 30)),
        ("3h", datetime(2026, 11, 22, 13, 30)),
        ("20h", datetime(2026, 11, 23, 6, 30)),
        # weekdays: the next such day strictly after today (today is Sunday)
        ("mon", datetime(2026, 11, 23, 9, 0)),
        ("monday", datetime(2026, 11, 23, 9, 0)),
        ("tue", datetime(2026, 11, 24, 9, 0)),
        ("wed", datetime(2026, 11, 25, 9, 0)),
        ("thu", datetime(2026, 11, 26, 9, 0)),
        ("thurs", datetime(2026, 11, 26, 9, 0)),
        ("fri", datetime(2026, 11, 27, 9, 0)),
        ("Friday", datetime(2026, 11, 27, 9, 0)),
        ("FRI 14:30", datetime(2026, 11, 27, 14, 30)),
        ("sat", datetime(2026, 11, 28, 9, 0)),
        ("sun", datetime(2026, 11, 29, 9, 0)),
        ("sunday 7:15", datetime(2026, 11, 29, 7, 15)),
        # ISO dates
        ("2026-12-01", datetime(2026, 12, 1, 9, 0)),
        ("2026-12-01 14:30", datetime(2026, 12, 1, 14, 30)),
        ("2027-02-28", datetime(2027, 2, 28, 9, 0)),
        ("2028-02-29", datetime(2028, 2, 29, 9, 0)),
        ("2026-11-22", NOW),
        ("2026-11-22 18:00", datetime(2026, 11, 22, 18, 0)),
        # a lone time: today if still ahead, else tomorrow
        ("14:30", datetime(2026, 11, 22, 14, 30)),
        ("10:31", datetime(2026, 11, 22, 10, 31)),
        ("10:30", datetime(2026, 11, 23, 10, 30)),
        ("9:05", datetime(2026, 11, 23, 9, 5)),
        ("00:00", datetime(2026, 11, 23, 0, 0)),
        # surrounding whitespace is ignored
        ("  fri   14:30 ", datetime(2026, 11, 27, 14, 30)),
    ],
)
def test_parse_when_accepts(text, expected):
    assert parse_when(text, NOW) == expected


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (datetime(2026, 1, 31, 10, 0), "1m", datetime(2026, 2, 28, 9, 0)),
        (datetime(2028, 1, 31, 10, 0), "1m", datetime(2028, 2, 29, 9, 0)),
        (datetime(2026, 3, 31, 10, 0), "1m", datetime(2026, 4, 30, 9, 0)),
        (datetime(2026, 12, 31, 10, 0), "2m", datetime(2027, 2, 28, 9, 0)),
        (datetime(2026, 12, 15, 10, 0), "1m", datetime(2027, 1, 15, 9, 0)),
        (datetime(2026, 12, 31, 23, 0), "2h", datetime(2027, 1, 1, 1, 0)),
        (datetime(2026, 12, 31, 23, 0), "fri", datetime(2027, 1, 1, 9, 0)),
        (datetime(2026, 11, 27, 8, 0), "fri", datetime(2026, 12, 4, 9, 0)),  # strictly after a Friday
        (datetime(2026, 11, 22, 23, 59), "0:01", datetime(2026, 11, 23, 0, 1)),
    ],
)
def test_parse_when_calendar_edges(now, text, expected):
    assert parse_when(text, now) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "missing date"),
        ("   ", "missing date"),
        ("frdi", 'unknown date "frdi": use today, tomorrow, 3d, 2w, 1m, fri or 2026-12-01'),
        ("fr", 'unknown date "fr"'),
        ("nextweek", 'unknown date "nextweek"'),
        ("3", 'unknown date "3"'),
        ("3x", 'unknown date "3x"'),
        ("d", 'unknown date "d"'),
        ("3 days", 'unknown date "3"'),
        ("yesterday", 'unknown date "yesterday"'),
        ("2026/12/01", 'unknown date "2026/12/01"'),
        ("01-12-2026", 'unknown date "01-12-2026"'),
        ("2026-02-30", 'no such date "2026-02-30"'),
        ("2026-13-01", 'no such date "2026-13-01"'),
        ("2027-02-29", 'no such date "2027-02-29"'),
        ("2026-11-21", "in the past"),
        ("2020-01-01", "in the past"),
        ("2040-01-01", "too far ahead"),
        ("25:00", 'bad time "25:00"'),
        ("24:00", 'bad time "24:00"'),
        ("12:60", 'bad time "12:60"'),
        ("123:00", 'bad time "123:00"'),
        ("12:5", 'bad time "12:5"'),
        ("fri 25:00", 'bad time "25:00"'),
        ("tomorrow 9:75", 'bad time "9:75"'),
        ("0w", "at least 1"),
        ("0m", "at least 1"),
        ("0h", "at least 1"),
        ("-1d", "at least 1"),
        ("-2w", "at least 1"),
        ("3654d", "too far ahead: at most 10 years"),
        ("600w", "too far ahead"),
        ("121m", "too far ahead"),
        ("90000h", "too far ahead"),
        ("99999999999999999999d", "too far ahead"),
        ("99999999m", "too far ahead"),
        ("3h 14:30", '"3h" already sets the time'),
        ("fri send quote", 'unexpected "send" after the date'),
        ("tomorrow 14:30 15:00", 'unexpected "15:00"'),
    ],
)
def test_parse_when_rejects(text, fragment):
    with pytest.raises(ValidationError) as raised:
        parse_when(text, NOW)
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    ("words", "expected", "rest"),
    [
        (["fri", "send", "quote"], datetime(2026, 11, 27, 9, 0), ["send", "quote"]),
        (["fri", "14:30", "send", "quote"], datetime(2026, 11, 27, 14, 30), ["send", "quote"]),
        (["tomorrow"], datetime(2026, 11, 23, 9, 0), []),
        (["today", "call", "back"], NOW, ["call", "back"]),
        (["14:30", "call", "back"], datetime(2026, 11, 22, 14, 30), ["call", "back"]),
        (["3h", "check", "in"], datetime(2026, 11, 22, 13, 30), ["check", "in"]),
        (["2026-12-01", "9:00", "renewal", "10:00"], datetime(2026, 12, 1, 9, 0), ["renewal", "10:00"]),
        (["2w", "5", "boxes"], datetime(2026, 12, 6, 9, 0), ["5", "boxes"]),
    ],
)
def test_split_when_returns_the_rest(words, expected, rest):
    original = list(words)
    assert split_when(words, NOW) == (expected, rest)
    assert words == original  # the caller's list is not consumed in place


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ([], "missing date"),
        (["send", "quote"], 'unknown date "send"'),
        (["fri", "25:00", "send"], 'bad time "25:00"'),
    ],
)
def test_split_when_rejects(words, fragment):
    with pytest.raises(ValidationError, match=fragment):
        split_when(words, NOW)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (datetime(2026, 11, 22, 14, 30), "today 14:30"),
        (datetime(2026, 11, 22, 9, 0), "today 09:00"),
        (datetime(2026, 11, 23, 9, 0), "tomorrow 09:00"),
        (datetime(2026, 11, 23, 18, 5), "tomorrow 18:05"),
        (datetime(2026, 11, 21, 16, 0), "yesterday 16:00"),
        (datetime(2026, 11, 27, 9, 0), "Fri 27 Nov"),
        (datetime(2026, 11, 27, 14, 30), "Fri 27 Nov 14:30"),
        (datetime(2026, 12, 1, 9, 0), "Tue 1 Dec"),
        (datetime(2026, 11, 10, 9, 0), "Tue 10 Nov"),
        (datetime(2027, 11, 26, 9, 0), "Fri 26 Nov 2027"),
        (datetime(2027, 1, 4, 8, 15), "Mon 4 Jan 2027 08:15"),
        (datetime(2025, 12, 31, 9, 0), "Wed 31 Dec 2025"),
    ],
)
def test_format_due(due, expected):
    assert format_due(due, NOW) == expected


def test_format_due_round_trips_the_confirmation_example():
    assert format_due(parse_when("fri", NOW), NOW) == "Fri 27 Nov"
    assert format_due(parse_when("tomorrow", NOW), NOW) == "tomorrow 09:00"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ((2026, 1, 31), 1, (2026, 2, 28)),
        ((2024, 1, 31), 1, (2024, 2, 29)),
        ((2026, 5, 31), 1, (2026, 6, 30)),
        ((2026, 11, 30), 3, (2027, 2, 28)),
        ((2026, 11, 22), 14, (2028, 1, 22)),
        ((2026, 11, 22), 0, (2026, 11, 22)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    from datetime import date

    assert add_months(date(*start), months) == date(*expected)


def test_never_reads_the_clock():
    far_past = datetime(2001, 3, 4, 12, 0)  # a Sunday
    assert parse_when("fri", far_past) == datetime(2001, 3, 9, 9, 0)
    assert parse_when("today", far_past) == far_past


@pytest.mark.parametrize(("days", "said"), [(0, "today"), (1, "yesterday"), (2, "2 days ago"), (1200, "1,200 days ago")])
def test_days_ago_reads_like_a_sentence(days, said):
    assert days_ago(days) == said


def test_a_rhythm_reads_as_a_sentence():
    assert [every_days(n) for n in (0.6, 1, 1.4, 2, 12.5)] == [
        "every day", "every day", "every day", "every 2 days", "every 12 days"]
