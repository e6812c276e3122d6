"""One way to show money, counts and days: the expectations are written by hand, the way
a reader should see them in every table, toast and CLI line."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from solocrm_tui.text.figures import count, day, due, money

NOW = datetime(2026, 12, 1, 10, 0)  # a Tuesday


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("6432.00"), "6,432"), (7804, "7,804"), (Decimal("31.62"), "32"), (Decimal("2820"), "2,820"),
    (10_300.0, "10,300"), (Decimal("0.4"), "0"), (Decimal("-1250.5"), "-1,251"), (Decimal("-0.2"), "0"),
    (1_234_567.89, "1,234,568"), (None, ""),
])
def test_money_is_whole_units_with_thousands_separators(value, expected):
    assert money(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (Decimal("6432"), "6,432.00"), (Decimal("31.62"), "31.62"), (0.45, "0.45"), (Decimal("1234567.891"), "1,234,567.89"),
])
def test_money_with_cents_always_shows_two_decimals(value, expected):
    assert money(value, cents=True) == expected


def test_money_standing_alone_names_its_currency():
    assert money(Decimal("6432.00"), cents=True, currency="EUR") == "6,432.00 EUR"
    assert money(Decimal("7804"), currency="USD") == "7,804 USD"
    assert money(None, currency="EUR") == ""


@pytest.mark.parametrize(("value", "expected"), [
    (840, "840"), (999.4, "999"), (1000, "1.0k"), (7804, "7.8k"), (10_300, "10.3k"), (999_949, "999.9k"),
    (999_960, "1.0M"), (1_250_000, "1.3M"), (-7804, "-7.8k"),
])
def test_compact_money_scales_every_value_from_a_thousand_up(value, expected):
    assert money(value, compact=True) == expected


@pytest.mark.parametrize(("number", "noun", "plural", "expected"), [
    (0, "customer", None, "0 customers"), (1, "customer", None, "1 customer"), (2, "campaign", None, "2 campaigns"),
    (2304, "customer", None, "2,304 customers"), (1, "entry", "entries", "1 entry"),
    (3, "entry", "entries", "3 entries"),
])
def test_count_agrees_its_noun_with_the_number(number, noun, plural, expected):
    assert count(number, noun, plural) == expected


@pytest.mark.parametrize(("when", "expected"), [
    (date(2026, 12, 4), "Fri 4 Dec"), (datetime(2026, 12, 1, 15, 0), "Tue 1 Dec"),
    (date(2025, 12, 4), "Thu 4 Dec 2025"), (date(2027, 1, 1), "Fri 1 Jan 2027"),
])
def test_day_has_no_leading_zero_and_the_year_only_when_not_this_year(when, expected):
    assert day(when, NOW) == expected


def test_a_birthday_is_a_day_without_its_weekday():
    assert day(date(1980, 12, 4), NOW, weekday=False) == "4 Dec 1980"


def test_due_reads_like_a_day_with_its_time():
    assert due(datetime(2026, 12, 4, 14, 30), NOW) == "Fri 4 Dec 14:30"
    assert due(datetime(2026, 12, 2, 9, 0), NOW) == "tomorrow 09:00"
