"""Dates and amounts as other tools write them: day/month order and the decimal mark decided
per column (never guessed per cell), year-less birthdays, Outlook's "no date"."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.data_io.cells import cents, day, moment, month_day
from solocrm_tui.core.data_io.column_formats import detect
from solocrm_tui.core.data_io.columns import map_columns
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.models import database


def write(folder: Path, text: str, name: str = "in.csv") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def rows(sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in database.execute_sql(sql, params)]


def rejected(report) -> dict[int, str]:
    return {i.line: i.message for i in report.issues if i.rejected}


# --- cells ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "order", "expected"), [
    ("1980-03-14", None, "1980-03-14"),
    ("3/14/1980", "mdy", "1980-03-14"),
    ("14/03/1980", "dmy", "1980-03-14"),
    ("14.03.1980", "dmy", "1980-03-14"),
    ("05.03.2026", None, "2026-03-05"),  # dots are day-first wherever people write them
    ("03-14-1980", "mdy", "1980-03-14"),
    ("14-03-1980", "dmy", "1980-03-14"),
])
def test_day_reads_the_column_order(value, order, expected):
    assert day(value, "birthday", order) == expected


@pytest.mark.parametrize(("value", "order", "message"), [
    ("05/06/1990", None, 'birthday "05/06/1990" is ambiguous (is 03/05 March or May?): use YYYY-MM-DD'),
    ("14/03/1980", "mdy", 'birthday "14/03/1980" is not a real date (there is no month 14)'),
    ("3/14/80", "mdy", 'birthday "3/14/80" has a 2-digit year: write the year with 4 digits'),
])
def test_day_refuses_what_it_cannot_read(value, order, message):
    with pytest.raises(ValidationError) as caught:
        day(value, "birthday", order)
    assert str(caught.value) == message


@pytest.mark.parametrize(("value", "order", "expected"), [
    ("1980-07-23", None, ("1980-07-23", "07-23")),
    ("--07-23", None, (None, "07-23")),
    ("--0723", None, (None, "07-23")),
    ("23.07.", None, (None, "07-23")),
    ("23.07", "dmy", (None, "07-23")),
    ("07/23", "mdy", (None, "07-23")),
    ("23/07", "dmy", (None, "07-23")),
    ("--02-29", None, (None, "02-29")),
    ("7/23/1980", "mdy", ("1980-07-23", "07-23")),
    ("0/0/00", "mdy", (None, None)),  # Outlook's "no date"
    ("00.00.0000", None, (None, None)),
])
def test_birthdays_with_and_without_a_year(value, order, expected):
    assert month_day(value, "birthday", order) == expected


@pytest.mark.parametrize("value", ["--02-30", "--13-01", "31.04.", "--0732"])
def test_a_year_less_birthday_must_exist_in_some_year(value):
    with pytest.raises(ValidationError, match="is not a real date"):
        month_day(value, "birthday", "dmy")


@pytest.mark.parametrize(("value", "order", "expected"), [
    ("3/14/2024 2:05 PM", "mdy", "2024-03-14 14:05:00"),
    ("3/14/2024 12:05 AM", "mdy", "2024-03-14 00:05:00"),
    ("14.03.2024 14:05", None, "2024-03-14 14:05:00"),
    ("14/03/2024 14:05:09", "dmy", "2024-03-14 14:05:09"),
    ("2024-03-05 14:23", None, "2024-03-05 14:23:00"),
])
def test_date_and_time_forms(value, order, expected):
    assert str(moment(value, "order date", order)) == expected


def test_a_space_before_the_utc_offset_is_read_like_iso():
    assert moment("2024-03-05 14:23:11 +0100", "order date") == moment("2024-03-05T14:23:11+01:00", "order date")


def test_a_year_less_order_date_is_refused():
    with pytest.raises(ValidationError, match="is not a real date"):
        moment("14.03.", "order date", "dmy")


@pytest.mark.parametrize(("value", "decimal", "expected"), [
    ("1.234,50", "comma", "1234.50"),
    ("12,5", "comma", "12.50"),
    ("1 234,50", "comma", "1234.50"),
    ("1\u202f234,50", "comma", "1234.50"),
    ("1\u00a0234,50", "comma", "1234.50"),
    ("€ 12,50", "comma", "12.50"),
    ("1.234", "comma", "1234"),
    ("12.50", "point", "12.50"),
    ("1,234.50", "point", "1234.50"),
    ("1,234", "point", "1234"),
    ("1 234.50", "point", "1234.50"),
])
def test_amounts_with_the_columns_decimal_mark(value, decimal, expected):
    assert parse_amount(value, decimal) == Decimal(expected)


@pytest.mark.parametrize(("value", "decimal"), [("12.50", "comma"), ("1.23.4", "comma"), ("12,50", "point"),
                                                ("1,23", "point"), ("1 23,5", "comma")])
def test_an_amount_against_its_columns_mark_is_refused(value, decimal):
    with pytest.raises(ValidationError, match="not an amount"):
        parse_amount(value, decimal)


def test_cents_passes_the_mark_on():
    assert cents("1.234,56", "amount", "comma") == 123456


# --- the column scan -------------------------------------------------------------------------------


def scan(kind: str, text: str, **forced):
    lines = textwrap.dedent(text).strip().splitlines()
    headers = tuple(lines[0].split(";"))
    cmap = map_columns(kind, headers)
    records = [(n, line.split(";")) for n, line in enumerate(lines[1:], start=2)]
    detect(records, cmap, headers, **forced)
    return cmap


def test_a_day_above_12_proves_day_first_and_a_second_part_above_12_month_first():
    assert scan("customers", "name;birthday\nA;01/02/1980\nB;14/02/1980\n").date_order == {"birthday": "dmy"}
    assert scan("customers", "name;birthday\nA;01/02/1980\nB;02/14/1980\n").date_order == {"birthday": "mdy"}
    assert scan("customers", "name;birthday\nA;1980-02-01\nB;\n").date_order == {}


def test_both_orders_in_one_column_is_a_file_error_naming_two_lines():
    with pytest.raises(ValidationError) as caught:
        scan("customers", "name;birthday\nA;14/02/1980\nB;1980-01-01\nC;02/14/1980\n")
    assert str(caught.value) == ('the "birthday" column mixes day-first dates (line 2: "14/02/1980") with '
                                 'month-first dates (line 4: "02/14/1980"): write them one way')


def test_a_column_where_nothing_decides_asks_for_dates():
    with pytest.raises(ValidationError) as caught:
        scan("customers", "name;Birthday\nA;01/02/1980\nB;03/04/1980\n")
    assert str(caught.value) == ('the "Birthday" column has dates like "01/02/1980" (line 2) that read as day/month '
                                 'or month/day: say which with --dates dmy or --dates mdy')


def test_dates_forces_the_order_and_same_day_and_month_decide_nothing():
    assert scan("customers", "name;birthday\nA;01/02/1980\n", dates="mdy").date_order == {"birthday": "mdy"}
    assert scan("customers", "name;birthday\nA;05/05/1980\nB;0/0/00\n").date_order == {"birthday": "dmy"}


def test_the_decimal_mark_is_decided_per_amount_column():
    cmap = scan("orders", "email;amount;cost;date\na@x.com;1.234,50;1,234.00;2026-01-01\na@x.com;12;3;2026-01-01\n")
    assert cmap.decimal == {"amount": "comma", "cost": "point"}
    assert scan("orders", "email;amount;date\na@x.com;12,5;2026-01-01\na@x.com;1.234;2026-01-01\n").decimal == {
        "amount": "comma"}
    assert scan("orders", "email;amount;date\na@x.com;1,234;2026-01-01\n", decimal="point").decimal == {
        "amount": "point"}


def test_contradicting_decimal_marks_are_a_file_error_naming_lines():
    with pytest.raises(ValidationError) as caught:
        scan("orders", "email;amount;date\na@x.com;12,50;2026-01-01\na@x.com;7;2026-01-01\na@x.com;3.10;2026-01-01\n")
    assert str(caught.value) == ('the "amount" column mixes decimal commas (line 2: "12,50") with decimal points '
                                 '(line 4: "3.10"): write them one way')


def test_only_thousands_like_amounts_ask_for_decimal():
    with pytest.raises(ValidationError) as caught:
        scan("orders", "email;Total;date\na@x.com;1,234;2026-01-01\na@x.com;15;2026-01-01\n")
    assert str(caught.value) == ('the "Total" column has amounts like "1,234" (line 2) that read as a thousand or as '
                                 'a decimal: say which with --decimal comma or --decimal point')


# --- imports end to end ----------------------------------------------------------------------------


def test_outlook_customers_with_month_first_birthdays_and_no_date_import_without_rejects(core_db, tmp_path, t0):
    path = write(tmp_path, """
        First Name,Last Name,E-mail Address,Birthday
        Ann,Lee,ann@example.com,3/14/1980
        Bob,Ray,bob@example.com,0/0/00
        Cid,Moe,cid@example.com,12/1/1975
        Dee,Fox,dee@example.com,
    """)
    report = import_file("customers", path, t0)
    assert (report.inserted, report.rejected) == (4, 0), report.lines()
    assert rows("SELECT name, birthday, birthday_md FROM customer ORDER BY id") == [
        ("Ann Lee", "1980-03-14", "03-14"), ("Bob Ray", None, None), ("Cid Moe", "1975-12-01", "12-01"),
        ("Dee Fox", None, None)]


def test_day_first_file_and_year_less_birthdays(core_db, tmp_path, t0):
    path = write(tmp_path, """
        name;email;birthday
        Ann;ann@example.com;23/07/1980
        Bob;bob@example.com;01/02/1990
        Cid;cid@example.com;--07-23
        Dee;dee@example.com;29/02
    """)
    report = import_file("customers", path, t0)
    assert (report.inserted, report.rejected) == (4, 0), report.lines()
    assert rows("SELECT name, birthday, birthday_md FROM customer ORDER BY id") == [
        ("Ann", "1980-07-23", "07-23"), ("Bob", "1990-02-01", "02-01"), ("Cid", None, "07-23"), ("Dee", None, "02-29")]


def test_an_ambiguous_date_column_imports_nothing_and_says_how(core_db, tmp_path, t0, unchanged):
    path = write(tmp_path, "name,birthday\nAnn,01/02/1980\nBob,03/04/1980\n")
    with unchanged(), pytest.raises(ValidationError, match="--dates dmy or --dates mdy"):
        import_file("customers", path, t0)
    report = import_file("customers", path, t0, dates="mdy")
    assert report.rejected == 0
    assert rows("SELECT birthday FROM customer ORDER BY id") == [("1980-01-02",), ("1980-03-04",)]


def test_forced_order_rejects_the_rows_that_contradict_it(core_db, tmp_path, t0):
    path = write(tmp_path, "name,birthday\nAnn,01/02/1980\nBob,14/04/1980\n")
    report = import_file("customers", path, t0, dates="mdy")
    assert rejected(report) == {3: 'birthday "14/04/1980" is not a real date (there is no month 14)'}


def test_european_orders_import_exact_cents(core_db, tmp_path, t0):
    path = write(tmp_path, """
        customer_email;name;Betrag;Datum;Kosten
        ann@example.com;Ann;1.234,50;14.03.2026 14:05;12,5
        ann@example.com;Ann;12,5;15.03.2026;
        bob@example.com;Bob;"1 234,05";3.4.2026;1.000
    """)
    report = import_file("orders", path, t0, create_missing=True,
                         mapping={"betrag": "amount", "datum": "ordered_at", "kosten": "cost"})
    assert report.rejected == 0, report.lines()
    assert rows("SELECT amount_cents, cost_cents, ordered_at FROM orders ORDER BY id") == [
        (123450, 1250, "2026-03-14 14:05:00"), (1250, None, "2026-03-15 00:00:00"),
        (123405, 100000, "2026-04-03 00:00:00")]


def test_shopify_and_stripe_timestamps_import(core_db, tmp_path, t0):
    path = write(tmp_path, """
        Email,Total,Created at
        ann@example.com,12.50,2024-03-05 14:23:11 +0000
        ann@example.com,"1,234.00",2024-03-05 14:23
    """)
    report = import_file("orders", path, t0, create_missing=True)
    assert (report.inserted, report.rejected) == (2, 0), report.lines()


def test_a_year_less_birthday_is_typed_as_mm_dd_and_exported_as_vcard_bday(core_db, t0):
    import io

    from solocrm_tui.core.contacts.customers import create_customer
    from solocrm_tui.core.data_io import exporting

    ann = create_customer(t0, name="Ann Lee", birthday="--02-29")
    assert (ann.birthday, ann.birthday_md) == (None, "02-29")
    with pytest.raises(ValidationError, match="not a real date"):
        create_customer(t0, name="Bob", birthday="--02-30")
    out = io.StringIO(newline="")
    exporting.write("customers", "vcf", out, t0)
    assert "BDAY:--0229" in out.getvalue()
