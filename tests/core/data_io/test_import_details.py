"""What real exports bring besides their headers: a Windows code page instead of UTF-8,
Exchange directory paths where an email should be, Shopify's `'` before long ids, dates
in the right shape that do not exist, and rows longer than their header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from solocrm_tui.core.data_io.cells import day, moment, month_day
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.models import database

DATA = Path(__file__).resolve().parents[2] / "data" / "imports"
OUTLOOK_HEADER = (DATA / "outlook_contacts.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
EXCHANGE = ("/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/"
            "cn=4f2a9c1e0b7d4e3f8a6b5c2d1e0f9a8b-Karl Weber")


def rows(sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in database.execute_sql(sql, params)]


def rejected(report) -> dict[int, str]:
    return {i.line: i.message for i in report.issues if i.rejected}


def outlook_file(folder: Path, *people: dict[str, str]) -> Path:
    """An Outlook for Windows contacts export holding `people` (header -> cell)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, OUTLOOK_HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(people)
    path = folder / "outlook.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


# --- the file's encoding --------------------------------------------------------------------------

WINDOWS_TEXT = "First Name,Last Name,E-mail Address\r\nJürgen,Müller,jm@example.de\r\nZoë,Brontë,zb@example.co.uk\r\n"


def test_a_windows_file_is_refused_with_the_option_that_reads_it(core_db, tmp_path, t0, unchanged):
    path = tmp_path / "contacts.csv"
    path.write_bytes(WINDOWS_TEXT.encode("cp1252"))
    with unchanged(), pytest.raises(ValidationError) as caught:
        import_file("customers", path, t0)
    assert str(caught.value) == ("contacts.csv is not UTF-8: line 2 has byte 0xfc — save it as UTF-8, or import "
                                 "with --encoding cp1252 if it came from Windows (Outlook, Excel)")


def test_a_windows_file_imports_with_its_encoding(core_db, tmp_path, t0):
    path = tmp_path / "contacts.csv"
    path.write_bytes(WINDOWS_TEXT.encode("cp1252"))
    report = import_file("customers", path, t0, encoding="cp1252")
    assert (report.inserted, report.rejected) == (2, 0)
    assert rows("SELECT name FROM customer ORDER BY id") == [("Jürgen Müller",), ("Zoë Brontë",)]


def test_a_utf16_file_with_a_bom_imports_with_encoding_utf16(core_db, tmp_path, t0, unchanged):
    path = tmp_path / "contacts.csv"
    path.write_bytes(WINDOWS_TEXT.encode("utf-16"))
    with unchanged(), pytest.raises(ValidationError, match="is UTF-16, not UTF-8: .* --encoding utf-16"):
        import_file("customers", path, t0)
    report = import_file("customers", path, t0, encoding="utf-16")
    assert (report.inserted, report.rejected) == (2, 0)
    assert rows("SELECT name, email FROM customer ORDER BY id") == [("Jürgen Müller", "jm@example.de"),
                                                                    ("Zoë Brontë", "zb@example.co.uk")]


def test_utf8_named_explicitly_still_drops_excels_bom(core_db, tmp_path, t0):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + WINDOWS_TEXT.encode("utf-8"))
    assert import_file("customers", path, t0, encoding="UTF-8").inserted == 2
    assert rows("SELECT COUNT(*) FROM customer WHERE custom != '{}'") == [(0,)]


@pytest.mark.parametrize(("name", "message"), [
    ("klingon", 'unknown encoding "klingon": use a name Python knows, such as cp1252, latin-1 or utf-16'),
    ("rot13", 'unknown encoding "rot13": use a name Python knows, such as cp1252, latin-1 or utf-16'),
])
def test_an_unknown_encoding_is_one_clear_error(core_db, tmp_path, t0, unchanged, name, message):
    path = tmp_path / "contacts.csv"
    path.write_bytes(WINDOWS_TEXT.encode("cp1252"))
    with unchanged(), pytest.raises(ValidationError) as caught:
        import_file("customers", path, t0, encoding=name)
    assert str(caught.value) == message


def test_bytes_the_named_encoding_does_not_have_are_refused_with_their_line(core_db, tmp_path, t0, unchanged):
    path = tmp_path / "contacts.csv"
    path.write_bytes(b"name\r\nAnn\r\nB\x81b\r\n")  # 0x81 is undefined in cp1252
    with unchanged(), pytest.raises(ValidationError) as caught:
        import_file("customers", path, t0, encoding="cp1252")
    assert str(caught.value) == "contacts.csv is not cp1252: line 3 has byte 0x81 — check the file's encoding"


# --- Outlook's Exchange addresses -----------------------------------------------------------------


def test_an_exchange_directory_path_is_no_email_and_the_next_address_is_the_customers(core_db, tmp_path, t0):
    path = outlook_file(
        tmp_path,
        {"First Name": "Karl", "Last Name": "Weber", "E-mail Address": EXCHANGE, "E-mail Type": "EX",
         "E-mail Display Name": "Karl Weber", "E-mail 2 Address": "karl@firma.de", "E-mail 2 Type": "SMTP"},
        {"First Name": "Uta", "Last Name": "Rein", "E-mail Address": EXCHANGE.upper(),
         "E-mail Type": "EX"},
        {"First Name": "Ole", "Last Name": "Berg", "E-mail Address": "ole@firma.de", "E-mail 2 Address": EXCHANGE},
    )
    report = import_file("customers", path, t0)
    assert (report.inserted, rejected(report)) == (3, {})
    assert rows("SELECT name, email, custom FROM customer ORDER BY id") == [
        ("Karl Weber", "karl@firma.de", "{}"), ("Uta Rein", None, "{}"), ("Ole Berg", "ole@firma.de", "{}")]


# --- dates in an accepted shape that do not exist --------------------------------------------------


@pytest.mark.parametrize(("value", "order", "message"), [
    ("1985-02-30", None, 'birthday "1985-02-30" is not a real date (February has no 30th)'),
    ("1985-02-29", None, 'birthday "1985-02-29" is not a real date (February 1985 has no 29th)'),
    ("1985-04-31", None, 'birthday "1985-04-31" is not a real date (April has no 31st)'),
    ("1985-13-01", None, 'birthday "1985-13-01" is not a real date (there is no month 13)'),
    ("1985-00-10", None, 'birthday "1985-00-10" is not a real date (there is no month 0)'),
    ("1985-01-00", None, 'birthday "1985-01-00" is not a real date (there is no day 0)'),
    ("1985-01-32", None, 'birthday "1985-01-32" is not a real date (no month has 32 days)'),
    ("31.06.1985", None, 'birthday "31.06.1985" is not a real date (June has no 31st)'),
    ("14/03/1980", "mdy", 'birthday "14/03/1980" is not a real date (there is no month 14)'),
    ("someday", None, 'birthday "someday" is not a real date (use YYYY-MM-DD)'),
])
def test_a_date_in_an_accepted_shape_is_told_why_it_does_not_exist(value, order, message):
    with pytest.raises(ValidationError) as caught:
        day(value, "birthday", order)
    assert str(caught.value) == message


@pytest.mark.parametrize(("value", "message"), [
    ("2026-13-01", 'order date "2026-13-01" is not a real date (there is no month 13)'),
    ("2026-02-30 14:00", 'order date "2026-02-30 14:00" is not a real date (February has no 30th)'),
    ("30.02.2026 14:00", 'order date "30.02.2026 14:00" is not a real date (February has no 30th)'),
    ("yesterday", 'order date "yesterday" is not a real date (use YYYY-MM-DD or YYYY-MM-DD HH:MM)'),
])
def test_a_moment_in_an_accepted_shape_is_told_why_it_does_not_exist(value, message):
    with pytest.raises(ValidationError) as caught:
        moment(value, "order date", "dmy")
    assert str(caught.value) == message


def test_a_year_less_birthday_that_never_exists_says_why():
    with pytest.raises(ValidationError) as caught:
        month_day("31.04.", "birthday")
    assert str(caught.value) == 'birthday "31.04." is not a real date (April has no 31st)'


# --- Shopify's text mark before long numbers ------------------------------------------------------


def test_shopify_customer_ids_are_stored_without_the_text_mark(core_db, tmp_path, t0):
    import_file("customers", DATA / "shopify_customers.csv", t0)
    assert rows("SELECT external_id FROM customer WHERE email_norm = 'anna.schmidt@schmidt-feinkost.de'") == [
        ("7210448301122",)]
    assert rows("SELECT COUNT(*) FROM customer WHERE external_id LIKE '''%'") == [(0,)]


def test_order_rows_find_their_customer_and_keep_their_id_without_the_text_mark(core_db, tmp_path, t0):
    people = tmp_path / "people.csv"
    people.write_text("Customer ID,First Name,Last Name,Email\n'7210448301122,Anna,Schmidt,anna@example.de\n",
                      encoding="utf-8")
    import_file("customers", people, t0)
    orders = tmp_path / "orders.csv"
    orders.write_text("Order ID,Customer ID,Total,Created at\n'5512001,'7210448301122,12.50,2026-03-05\n"
                      "'A-17,'7210448301122,3.00,2026-03-06\n", encoding="utf-8")
    report = import_file("orders", orders, t0)
    assert (report.inserted, rejected(report)) == (2, {})
    assert rows("SELECT external_id FROM orders ORDER BY id") == [("5512001",), ("'A-17",)]  # only digits lose it


# --- rows longer than the header ------------------------------------------------------------------


def test_cells_beyond_the_header_are_rejected_unless_empty(core_db, tmp_path, t0):
    path = tmp_path / "people.csv"
    path.write_text("name,email\nAnn,ann@x.com,,\nBob,bob@x.com,,Acme\nCid,cid@x.com, \n", encoding="utf-8")
    report = import_file("customers", path, t0)
    assert rejected(report) == {3: "has 4 cells but the header has 2 (a value with a ',' that is not in quotes?)"}
    assert rows("SELECT name, custom FROM customer ORDER BY id") == [("Ann", "{}"), ("Cid", "{}")]


def test_a_value_under_a_nameless_last_column_is_rejected_like_one_beyond_the_header(core_db, tmp_path, t0):
    """Excel writes `name;email;;` when cells right of the table were ever touched: a value
    there is a row that spilled over (an unquoted delimiter), not a column to drop quietly."""
    path = tmp_path / "people.csv"
    path.write_text("name;email;;\nAnn;ann@x.com;;\nBob;bob@x.com;;Acme\nCid;cid@x.com;Acme;\n", encoding="utf-8")
    report = import_file("customers", path, t0)
    assert rejected(report) == {
        3: "has a value in column 4, which has no header (a value with a ';' that is not in quotes?)",
        4: "has a value in column 3, which has no header (a value with a ';' that is not in quotes?)"}
    assert rows("SELECT name FROM customer ORDER BY id") == [("Ann",)]
