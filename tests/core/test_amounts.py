"""Amounts as people type them: exact Decimals, and no guessing on ambiguous commas."""

from decimal import Decimal

import pytest

from solocrm_tui.core.amounts import parse_amount, split_amount
from solocrm_tui.core.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", "0"),
        ("5", "5"),
        ("1200", "1200"),
        ("1200.5", "1200.50"),
        ("1200.50", "1200.50"),
        ("0.99", "0.99"),
        ("1,200", "1200"),
        ("1,200.50", "1200.50"),
        ("12,345,678.9", "12345678.90"),
        ("1200,50", "1200.50"),
        ("0,99", "0.99"),
        ("1,20", "1.20"),
        ("€1200", "1200"),
        ("$1,200.50", "1200.50"),
        ("£99", "99"),
        ("€ 1200", "1200"),
        ("1200€", "1200"),
        ("1200 €", "1200"),
        ("€1200,50", "1200.50"),
        ("2.5k", "2500"),
        ("2.5K", "2500"),
        ("10k", "10000"),
        ("€2k", "2000"),
        ("1.25k", "1250"),
        ("1.2345k", "1234.50"),
        ("1000000000000", "1000000000000"),
        ("  42  ", "42"),
    ],
)
def test_parse_amount_accepts(text, expected):
    value = parse_amount(text)
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


def test_amounts_come_back_in_cents():
    assert str(parse_amount("1200")) == "1200.00"
    assert str(parse_amount("2.5k")) == "2500.00"
    assert str(parse_amount("1200,50")) == "1200.50"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "missing amount"),
        ("   ", "missing amount"),
        ("€", "missing amount"),
        ("-5", "can't be negative"),
        ("-€5", "can't be negative"),
        ("€-5", "can't be negative"),
        ("abc", 'not an amount "abc": use 1200'),
        ("nan", 'not an amount "nan"'),
        ("NaN", 'not an amount "NaN"'),
        ("inf", 'not an amount "inf"'),
        ("Infinity", 'not an amount "Infinity"'),
        ("1e5", 'not an amount "1e5"'),
        (".5", 'not an amount ".5"'),
        ("5.", 'not an amount "5."'),
        ("1,5", 'not an amount "1,5"'),  # one digit after a comma: ambiguous, refused
        ("1,5k", 'not an amount "1,5k"'),
        ("12,3456", 'not an amount "12,3456"'),
        ("1,20,000", 'not an amount "1,20,000"'),
        ("1.200,50", 'not an amount "1.200,50"'),
        ("1,200,50", 'not an amount "1,200,50"'),
        ("1 200", 'not an amount "1 200"'),
        ("12kk", 'not an amount "12kk"'),
        ("k", 'not an amount "k"'),
        ("€€5", 'not an amount "€€5"'),
        ("USD 5", 'not an amount "USD 5"'),
        ("12.345", "more than 2 decimals"),
        ("1200.500", "more than 2 decimals"),
        ("0.001", "more than 2 decimals"),
        ("1.234567k", "more than 2 decimals"),
        ("1000000000000.01", "too large"),
        ("2000000000k", "too large"),
        ("99999999999999999999999", "too large"),
    ],
)
def test_parse_amount_rejects(text, fragment):
    with pytest.raises(ValidationError) as raised:
        parse_amount(text)
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    ("words", "expected", "rest"),
    [
        (["1200", "two", "chairs"], "1200", ["two", "chairs"]),
        (["€", "1,200.50", "chairs"], "1200.50", ["chairs"]),
        (["2.5k", "€", "website"], "2500", ["website"]),
        (["99"], "99", []),
        (["1200", "€"], "1200", []),
    ],
)
def test_split_amount(words, expected, rest):
    assert split_amount(words) == (Decimal(expected), rest)


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ([], "missing amount"),
        (["€"], "missing amount"),
        (["lunch", "12"], 'not an amount "lunch"'),
        (["-12", "refund"], "can't be negative"),
    ],
)
def test_split_amount_rejects(words, fragment):
    with pytest.raises(ValidationError) as raised:
        split_amount(words)
    assert fragment in str(raised.value)
