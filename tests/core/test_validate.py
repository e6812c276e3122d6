"""Field rules shared by forms, composer and importer: table-driven."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.records import cents_to_decimal

# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("  Alice   Smith ", "Alice Smith"),
    ("a\tb\nc", "a b c"),
    ("x" * 255, "x" * 255),
    (None, None),
    ("", None),
    ("   ", None),
    (42, "42"),
])
def test_text_cleans_short_fields(value, expected):
    assert validate.text(value, "name") == expected


def test_text_required_and_too_long():
    with pytest.raises(ValidationError, match="name is required"):
        validate.text("  ", "name", required=True)
    with pytest.raises(ValidationError, match="too long"):
        validate.text("x" * 256, "name")


@pytest.mark.parametrize("value", ["Evil\x1b[2J", "bell\x07", "nul\x00byte", "del\x7f", "c1\x9b31m"])
def test_control_characters_are_refused_by_name(value):
    with pytest.raises(ValidationError, match=r"name contains a control character \('\\x"):
        validate.text(value, "name")
    with pytest.raises(ValidationError, match="text contains a control character"):
        validate.text(value + "\nsecond line", "text", limit=validate.MAX_TEXT)


@pytest.mark.parametrize("value", ["invoice \u202efdp.exe", "\u2066isolated\u2069", "mark\u200f", "arabic\u061c"])
def test_bidi_controls_are_refused_in_one_line_fields_and_notes(value):
    with pytest.raises(ValidationError, match=r"ticket subject contains a control character \('\\u"):
        validate.text(value, "ticket subject")
    with pytest.raises(ValidationError, match="text contains a control character"):
        validate.text(value + "\nsecond line", "text", limit=validate.MAX_TEXT)


def test_custom_fields_are_held_to_the_same_rule():
    assert validate.custom({"size": "M", "visits": 3}) == {"size": "M", "visits": 3}
    with pytest.raises(ValidationError, match=r"custom field size contains a control character \('\\x1b'\)"):
        validate.custom({"size": "\x1b]0;pwned\x07"})
    with pytest.raises(ValidationError, match="a custom field's name contains a control character"):
        validate.custom({"size\u202e": "M"})


def test_newlines_and_tabs_are_not_control_characters_in_notes():
    assert validate.text("one\n\ttwo\r\nthree", "text", limit=validate.MAX_TEXT) == "one\n\ttwo\r\nthree"
    assert validate.text("tab\there\nnext", "name") == "tab here next"  # one-line fields fold them to spaces


def test_long_text_keeps_its_lines():
    body = "line one\n\n  line two  "
    assert validate.text(body, "text", limit=validate.MAX_TEXT) == "line one\n\n  line two"
    with pytest.raises(ValidationError, match="too long"):
        validate.text("x" * (validate.MAX_TEXT + 1), "text", limit=validate.MAX_TEXT)


# --- email --------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("alice@example.com", ("alice@example.com", "alice@example.com")),
    ("  Alice.Smith@Example.COM ", ("Alice.Smith@Example.COM", "alice.smith@example.com")),
    ("a+tag@sub.example.co.uk", ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk")),
    ("JÖRG@müller.de", ("JÖRG@müller.de", "jörg@müller.de")),
    (None, (None, None)),
    ("", (None, None)),
    ("  ", (None, None)),
])
def test_valid_emails_and_their_keys(value, expected):
    assert validate.email(value) == expected


@pytest.mark.parametrize("value", [
    "alice", "alice@", "@example.com", "alice@example", "a b@example.com", "alice@@example.com",
    "alice@exa mple.com", "a@b.", "x" * 250 + "@example.com",
])
def test_invalid_emails(value):
    with pytest.raises(ValidationError):
        validate.email(value)


@pytest.mark.parametrize("value, reason", [
    ("ann..lee@example.com", "an email address cannot have two periods in a row"),
    (".ann@example.com", "an email address cannot start with a period"),
    ("ann@example", "the part after the @-sign is not valid. It should have a period"),
    ("ann@shop.test", "the part after the @-sign is a special-use or reserved name that cannot be used with email"),
])
def test_an_invalid_email_is_refused_with_email_validators_reason(value, reason):
    with pytest.raises(ValidationError) as refused:
        validate.email(value)
    assert str(refused.value) == f'"{value}" is not a valid email address ({reason})'
    assert refused.value.field == "email"


def test_an_international_domain_has_one_key_as_unicode_or_punycode():
    assert validate.email("Ann@xn--mller-kva.de") == ("Ann@xn--mller-kva.de", "ann@müller.de")
    assert validate.email("ann@MÜLLER.de")[1] == "ann@müller.de"


@settings(max_examples=300, deadline=None)
@given(st.from_regex(validate._PLAIN_EMAIL, fullmatch=True))
def test_the_fast_email_check_accepts_only_what_email_validator_accepts(address):
    from email_validator import validate_email

    if validate.plain_email(address):
        assert validate_email(address, check_deliverability=False).normalized.lower() == address.lower()


# --- phone --------------------------------------------------------------------------


@pytest.mark.parametrize("value, key", [
    ("+49 30 1234567", "+49301234567"),
    ("+49 (30) 123-4567", "+49301234567"),
    ("0049 30 1234567", "+49301234567"),
    ("030 / 123 45 67", "0301234567"),
    ("(555) 123.4567", "5551234567"),
    ("123456", "123456"),
    ("+1 555 0000 999", "+15550000999"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+49 (0)30 1234567", "+49301234567"),
])
def test_phone_numbers_and_their_keys(value, key):
    typed, norm = validate.phone(value)
    assert typed == " ".join(value.split())
    assert norm == key


def test_same_number_written_differently_has_one_key():
    keys = {validate.phone(v)[1] for v in ("+49 30 1234567", "0049-30-1234567", "+4930 1234567", "+49.30.123.45.67")}
    assert keys == {"+49301234567"}


@pytest.mark.parametrize("value", ["12345", "1234567890123456", "call me", "+49 30 12345x", "555-CALL-NOW", "12@34567",
                                   "+123456789012345"])
def test_invalid_phones(value):
    with pytest.raises(ValidationError, match="phone"):
        validate.phone(value)


SPELLINGS = ("+49 170 1234567", "0170 1234567", "+49 (0)170 1234567", "0049 170 1234567", "+49-170-123 45 67",
             "+49 0170 1234567")


@pytest.mark.parametrize("value", SPELLINGS)
def test_one_german_mobile_in_every_spelling_has_one_e164_key_in_region_de(value):
    assert validate.phone(value, "DE") == (value, "+491701234567")


def test_the_process_region_is_the_default(monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    assert validate.phone("0170 1234567") == ("0170 1234567", "+491701234567")
    assert validate.phone("(555) 123-4567", "US")[1] == "+15551234567"


def test_without_a_region_a_national_number_keeps_a_digits_key_and_is_not_refused():
    assert validate.phone("0170 1234567") == ("0170 1234567", "01701234567")
    assert validate.phone("+49 (0)170 1234567") == ("+49 (0)170 1234567", "+491701234567")


@pytest.mark.parametrize("value, region, message", [
    ("12", "DE", '"12" is not a phone number (needs 6 to 15 digits)'),
    ("abc", "DE", '"abc" is not a phone number'),
    ("+49 170 1234567 1234567", "DE", '"+49 170 1234567 1234567" is not a phone number (needs 6 to 15 digits)'),
    ("+33 6 12 34 56 78 9", None, '"+33 6 12 34 56 78 9" is not a phone number (too long for +33)'),
    ("+41 44 123 45 6", None, '"+41 44 123 45 6" is not a phone number (too short for +41)'),
    ("+999 1234 5678", None, '"+999 1234 5678" is not a phone number (no country has its calling code)'),
])
def test_garbage_phones_are_refused_in_one_line(value, region, message):
    with pytest.raises(ValidationError) as refused:
        validate.phone(value, region)
    assert (str(refused.value), refused.value.field) == (message, "phone")


def test_the_fast_phone_path_gives_what_phonenumbers_gives():
    """Every country code, national numbers with and without what parse would strip."""
    import phonenumbers

    tried = 0
    for country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for national in ("1701234567", "212555010", "6123456", "15123456789", "80012345", "9876543", "0301234567"):
            dialled = f"+{country_code}{national}"[:16]
            if validate._plain_international(dialled):
                parsed = phonenumbers.parse(dialled, None)
                assert phonenumbers.is_possible_number_with_reason(parsed) == phonenumbers.ValidationResult.IS_POSSIBLE
                assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == dialled
                tried += 1
    assert tried > 300


@pytest.mark.parametrize("value", ["+49 30 1234567 ext. 12", "+49 30 1234567 x12", "+49 30 1234567 ext 12",
                                   "+49 30 1234567#12", "+49 30 1234567 # 12", "+49 30 1234567 Ext.12"])
def test_an_extension_is_kept_as_typed_and_left_out_of_the_key(value):
    """The key is the line's, so the same office number with or without an extension is one customer."""
    assert validate.phone(value) == (value, "+49301234567")


@pytest.mark.parametrize("value", ["+49 30 1234567 ext.", "+49 30 1234567 x", "ext 12", "+49 30 1234567 ext 1234567"])
def test_an_extension_needs_digits_and_a_number_before_it(value):
    with pytest.raises(ValidationError, match="is not a phone number"):
        validate.phone(value)


@pytest.mark.parametrize("country, region", [
    ("US", "US"), ("de", "DE"), (" gb ", "GB"), ("United States", "US"), ("United States of America", "US"),
    ("USA", "US"), ("U.S.A.", "US"), ("UK", "GB"), ("United Kingdom", "GB"), ("Great Britain", "GB"),
    ("Germany", "DE"), ("Deutschland", "DE"), ("Österreich", "AT"), ("Oesterreich", "AT"), ("Schweiz", "CH"),
    ("Suisse", "CH"), ("España", "ES"), ("Espana", "ES"), ("The Netherlands", "NL"), ("Nederland", "NL"),
    ("Türkiye", "TR"), ("Turkey", "TR"), ("Norge", "NO"), ("Sverige", "SE"), ("Polska", "PL"),
    ("Česká republika", "CZ"), ("Czechia", "CZ"), ("Ελλάδα", "GR"), ("Україна", "UA"), ("日本", "JP"),
    ("New Zealand", "NZ"), ("South Africa", "ZA"), ("Brasil", "BR"), ("México", "MX"), ("Israel", "IL"),
    ("Ísland", "IS"), ("Liechtenstein", "LI"), ("Luxembourg", "LU"), ("Éire", "IE"), ("India", "IN"),
])
def test_a_country_cell_names_the_region_of_its_phone_numbers(country, region):
    assert validate.country_region(country) == region


@pytest.mark.parametrize("country", [None, "", "Atlantis", "XX", "Europe", "U"])
def test_an_unreadable_country_names_no_region(country):
    assert validate.country_region(country) is None


def test_a_national_number_belongs_to_the_given_region_not_the_process_one(monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    assert validate.phone("(217) 555-3344", validate.country_region("United States")) == (
        "(217) 555-3344", "+12175553344")
    assert validate.phone("+49 170 1234567", "US")[1] == "+491701234567"  # a country code wins over the region


def test_blank_phone_is_not_given():
    assert validate.phone(None) == (None, None)
    assert validate.phone("  ") == (None, None)


# --- tags ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("vip", "vip"), ("#VIP", "vip"), ("  News-Letter ", "news-letter"), ("a_b", "a_b"),
    ("2026", "2026"), ("x" * 40, "x" * 40), ("café", "café"),
])
def test_valid_tags(value, expected):
    assert validate.tag(value) == expected


@pytest.mark.parametrize("value", ["", "#", "  ", "two words", "a,b", "x" * 41, "a.b", "a/b", "#a#b", '"q"'])
def test_invalid_tags(value):
    with pytest.raises(ValidationError, match="not a tag"):
        validate.tag(value)


# --- money --------------------------------------------------------------------------


@pytest.mark.parametrize("value, cents", [
    ("12.34", 1234), ("0", 0), ("0.01", 1), (" 7 ", 700), ("1200.5", 120050), ("1.230", 123),
    (Decimal("19.99"), 1999), (5, 500), (12.5, 1250), ("1e3", 100000), ("-0", 0),
    ("1000000000000", 100000000000000),
])
def test_cents_accepts_exact_amounts(value, cents):
    assert validate.cents(value) == cents


@pytest.mark.parametrize("value, message", [
    ("-1", "negative"), ("-0.01", "negative"), (Decimal("-5"), "negative"),
    ("1.234", "more than 2 decimals"), ("0.001", "more than 2 decimals"),
    ("NaN", "not a number"), ("nan", "not a number"), ("sNaN", "not a number"),
    ("inf", "not a number"), ("-Infinity", "not a number"), (float("nan"), "not a number"),
    ("abc", "not a number"), ("", "not a number"), ("12,50", "not a number"), ("1.2.3", "not a number"),
    ("1000000000000.01", "large"), ("1e13", "large"), ("1e30", "large"), ("9" * 40, "large"),
    ("1e400", "large"), ("1e999999", "large"),
])
def test_cents_refuses_bad_amounts(value, message):
    with pytest.raises(ValidationError, match=message):
        validate.cents(value)


def test_cents_names_the_field():
    with pytest.raises(ValidationError, match="^cost cannot be negative"):
        validate.cents("-3", "cost")


@pytest.mark.parametrize("cents, expected", [(0, Decimal("0.00")), (1, Decimal("0.01")), (123456, Decimal("1234.56")),
                                             (None, None)])
def test_cents_to_decimal(cents, expected):
    assert cents_to_decimal(cents) == expected
    if expected is not None:
        assert str(cents_to_decimal(cents)) == str(expected)


@pytest.mark.parametrize("value, expected", [("eur", "EUR"), (" usd ", "USD"), ("GBP", "GBP")])
def test_currency(value, expected):
    assert validate.currency(value) == expected


@pytest.mark.parametrize("value", ["", "EU", "EURO", "E1R", "€", None])
def test_bad_currency(value):
    with pytest.raises(ValidationError, match="3-letter"):
        validate.currency(value)


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("2026-02-28", date(2026, 2, 28)), ("2024-02-29", date(2024, 2, 29)), (" 2026-12-01 ", date(2026, 12, 1)),
    (date(2026, 1, 2), date(2026, 1, 2)), (datetime(2026, 1, 2, 15, 0), date(2026, 1, 2)),
    (None, None), ("", None),
])
def test_day(value, expected):
    result = validate.day(value, "birthday")
    assert result == expected
    assert result is None or type(result) is date


@pytest.mark.parametrize("value", ["2026-02-30", "2025-02-29", "2026-13-01", "2026-00-10", "31/12/2026", "tomorrow", "2026-1"])
def test_impossible_days(value):
    with pytest.raises(ValidationError, match="birthday .* is not a real date"):
        validate.day(value, "birthday")


@pytest.mark.parametrize("value, expected", [
    ("2026-12-01", datetime(2026, 12, 1)),
    ("2026-12-01 14:30", datetime(2026, 12, 1, 14, 30)),
    ("2026-12-01T14:30:15.123456", datetime(2026, 12, 1, 14, 30, 15)),
    (datetime(2026, 12, 1, 14, 30, 1, 999), datetime(2026, 12, 1, 14, 30, 1)),
    (None, None), ("  ", None),
])
def test_moment(value, expected):
    assert validate.moment(value, "due date") == expected


def test_moment_with_offset_becomes_naive_local_time():
    aware = datetime(2026, 12, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    result = validate.moment(aware.isoformat(), "due date")
    assert result.tzinfo is None
    assert result == aware.astimezone().replace(tzinfo=None)


@pytest.mark.parametrize("value", ["2026-02-30 10:00", "2026-12-01 25:00", "next week", "1899-12-31", "2201-01-01"])
def test_impossible_moments(value):
    with pytest.raises(ValidationError, match="due date"):
        validate.moment(value, "due date")


# --- probability --------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (0, 0), (100, 100), ("50", 50), (" 75% ", 75), ("10%", 10), (None, None), ("", None),
])
def test_probability(value, expected):
    assert validate.probability(value) == expected


@pytest.mark.parametrize("value", [-1, 101, "150%", "abc", "50.5", "1e2"])
def test_bad_probability(value):
    with pytest.raises(ValidationError, match="probability"):
        validate.probability(value)


@pytest.mark.parametrize("value, is_blank", [(None, True), ("", True), (" \t", True), ("x", False), (0, False)])
def test_blank(value, is_blank):
    assert validate.blank(value) is is_blank


# --- the field an error is about ----------------------------------------------------------


@pytest.mark.parametrize("check, field", [
    (lambda: validate.email("ada@"), "email"),
    (lambda: validate.phone("call me"), "phone"),
    (lambda: validate.probability("high"), "probability"),
    (lambda: validate.tag("two words"), "tags"),
    (lambda: validate.currency("euros"), "currency"),
    (lambda: validate.text(" ", "deal title", required=True, key="title"), "title"),
    (lambda: validate.text("x" * 256, "company", key="company"), "company"),
    (lambda: validate.text("bell\x07", "city", key="city"), "city"),
    (lambda: validate.cents("-1", "deal value", key="value"), "value"),
    (lambda: validate.day("2026-02-30", "expected close", key="expected_close"), "expected_close"),
    (lambda: validate.text(" ", "reason", required=True), None),  # no key given: about no form field
])
def test_errors_name_the_field_by_its_form_key(check, field):
    with pytest.raises(ValidationError) as refused:
        check()
    assert refused.value.field == field


@pytest.mark.parametrize("text, expected", [("42", 42), ("#42", 42), (" 7 ", 7), (str(2**63 - 1), 2**63 - 1)])
def test_record_id_reads_a_typed_id(text, expected):
    assert validate.record_id(text, "customer") == expected


@pytest.mark.parametrize("text, message", [
    ("99999999999999999999999", "no customer #99999999999999999999999"),
    (str(2**63), f"no customer #{2**63}"),
    ("9" * 5000, "no customer #" + "9" * 30 + "…"),
    ("0", "customer id must be positive, got 0"),
    ("-5", "customer id must be positive, got -5"),
    ("--5", 'customer id must be a whole number like 42, got "--5"'),
    ("²", 'customer id must be a whole number like 42, got "²"'),
    ("4a", 'customer id must be a whole number like 42, got "4a"'),
])
def test_record_id_refuses_in_one_line(text, message):
    with pytest.raises(ValidationError) as info:
        validate.record_id(text, "customer")
    assert str(info.value) == message
