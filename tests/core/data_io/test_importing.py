"""CSV import: encodings, delimiters, header synonyms, per-line rejections, matching, idempotence,
dry runs, all-or-nothing transactions (even under kill -9) and undo."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import (
    create_customer,
    get_customer,
    update_customer,
)
from solocrm_tui.core.data_io import customers
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.errors import DatabaseError, NotFound, ValidationError
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import undo_batch

from ..conftest import row_counts, table_dump

ROOT = Path(__file__).resolve().parents[3]


def write(folder: Path, text: str, name: str = "in.csv", *, bom: bool = False, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + textwrap.dedent(text).lstrip("\n").encode(encoding))
    return path


def rows(sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in database.execute_sql(sql, params)]


def rejected(report) -> dict[int, str]:
    return {i.line: i.message for i in report.issues if i.rejected}


# --- reading the file -----------------------------------------------------------------------


def test_bom_and_semicolons_and_header_synonyms(core_db, tmp_path, t0):
    path = write(tmp_path, """
        Full Name;E-Mail;Mobile;Organisation;Customer ID;Town
        Ann Smith;Ann@Example.com;+49 151 1234567;Acme;A-1;Berlin
        Bob Stone;bob@example.com;;;;
    """, bom=True)
    report = import_file("customers", path, t0)
    assert (report.delimiter, report.inserted, report.rejected) == (";", 2, 0)
    assert report.batch_id and report.batch_id.startswith("imp-20261122-1030-")
    assert rows("SELECT name, email, email_norm, phone_norm, company, external_id, city FROM customer ORDER BY id") == [
        ("Ann Smith", "Ann@Example.com", "ann@example.com", "+491511234567", "Acme", "A-1", "Berlin"),
        ("Bob Stone", "bob@example.com", "bob@example.com", None, None, None, None)]


def test_tabs_are_detected(core_db, tmp_path, t0):
    path = write(tmp_path, "name\temail\tcompany\nAnn\tann@x.com\tAcme, Inc\n")
    report = import_file("customers", path, t0)
    assert (report.delimiter, report.inserted) == ("\t", 1)
    assert rows("SELECT company FROM customer") == [("Acme, Inc",)]


def test_commas_with_quoted_fields_spanning_lines_keep_line_numbers(core_db, tmp_path, t0):
    path = write(tmp_path, 'name,email,notes\n"Ann","ann@x.com","line one\nline two"\nBob,not-an-email,\n')
    report = import_file("customers", path, t0)
    assert rejected(report) == {4: '"not-an-email" is not a valid email address (an email address must have an @-sign)'}
    assert rows("SELECT kind, body FROM interaction") == [("note", "line one\nline two")]


def test_latin1_file_is_refused_naming_the_line(core_db, tmp_path, t0, unchanged):
    path = write(tmp_path, "name,city\nAnn,Berlin\nBob,Paris\nZoë,Köln\n", encoding="latin-1")
    with unchanged(), pytest.raises(ValidationError, match=r"not UTF-8: line 4 has byte 0xeb — save it as UTF-8, or "
                                                               r"import with --encoding cp1252"):
        import_file("customers", path, t0)


@pytest.mark.parametrize("text, message", [
    ("", "is empty"), ("   \n\n", "is empty"),
    ("email,phone\na@x.com,123456\n", "no name or first_name or last_name column"),
])
def test_empty_files_and_missing_required_columns(core_db, tmp_path, t0, unchanged, text, message):
    path = write(tmp_path, text)
    with unchanged(), pytest.raises(ValidationError, match=message):
        import_file("customers", path, t0)


def test_missing_file_and_directory(core_db, tmp_path, t0):
    with pytest.raises(ValidationError, match="no file at"):
        import_file("customers", tmp_path / "nope.csv", t0)
    with pytest.raises(ValidationError, match="is a directory"):
        import_file("customers", tmp_path, t0)


def test_orders_without_amount_column_import_nothing(core_db, tmp_path, t0, unchanged):
    create_customer(t0, name="Ann", email="ann@x.com")
    path = write(tmp_path, "email,date,product\nann@x.com,2026-01-02,Tea\n")
    with unchanged(), pytest.raises(ValidationError, match=r"orders file has no amount column .*--map"):
        import_file("orders", path, t0)


def test_map_overrides_and_ignores_columns(core_db, tmp_path, t0):
    path = write(tmp_path, "Kunde,Kontakt,Secret\nAnn,ann@x.com,pw\n")
    report = import_file("customers", path, t0, mapping=["Kunde=name", "kontakt=email", "Secret=ignore"])
    assert report.inserted == 1 and report.custom_columns == ()
    assert rows("SELECT name, email, custom FROM customer") == [("Ann", "ann@x.com", "{}")]
    with pytest.raises(ValidationError, match='no column like "nope"'):
        import_file("customers", path, t0, mapping=["Nope=name"])
    with pytest.raises(ValidationError, match='"shoe size" is not a customers field'):
        import_file("customers", path, t0, mapping=["Kunde=shoe size"])


# --- rejected rows -----------------------------------------------------------------------------


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_imported(core_db, tmp_path, t0):
    huge = "x" * 10_001
    path = write(tmp_path, f"""
        name,email,birthday,phone,tags
        Ann,ann@x.com,1990-02-03,,vip
        Bob,bob(at)x.com,,,
        Cid,cid@x.com,1990-02-30,,

        Dee,dee@x.com,,call me,
        {huge},eve@x.com,,,
        ,fay@x.com,,,
        Gus,gus@x.com,3/14/90,,
        Hal,hal@x.com,,,bad tag!
    """)
    report = import_file("customers", path, t0)
    assert report.inserted == 1 and report.rejected == 7 and not report.ok
    assert rejected(report) == {
        3: '"bob(at)x.com" is not a valid email address (an email address must have an @-sign)',
        4: 'birthday "1990-02-30" is not a real date (February has no 30th)',
        6: '"call me" is not a phone number',
        7: '"name" has 10,001 characters (at most 10,000)',
        8: "name is empty (a new customer needs one)",
        9: 'birthday "3/14/90" has a 2-digit year: write the year with 4 digits',
        10: '"tag!" is not a tag: use letters, digits, - and _',
    }
    assert rows("SELECT name, tags FROM customer") == [("Ann", " vip ")]
    assert "rejected" in "\n".join(report.lines()) and "line 3: rejected:" in "\n".join(report.lines())


def test_too_many_cells_is_a_rejected_row(core_db, tmp_path, t0):
    path = write(tmp_path, "name,email\nAnn,ann@x.com\nBob,bob@x.com,Acme,extra\nCid,cid@x.com,\n")
    report = import_file("customers", path, t0)
    assert report.inserted == 2
    assert rejected(report) == {3: "has 4 cells but the header has 2 (a value with a ',' that is not in quotes?)"}


def test_orders_bad_amount_date_and_unknown_customer(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com", external_id="A1")
    path = write(tmp_path, """
        customer_email,customer id,amount,order date,product
        ann@x.com,,12.50,2026-01-02,Tea
        ann@x.com,,-5,2026-01-03,Tea
        ann@x.com,,abc,2026-01-03,Tea
        ann@x.com,,5,2026-13-01,Tea
        ann@x.com,,5,2030-01-01,Tea
        zed@x.com,,5,2026-01-01,Tea
        ,A1,"1,200.00",05.02.2026,Big order
        zed@x.com,A1,5,2026-01-01,Tea
    """)
    report = import_file("orders", path, t0)
    assert report.inserted == 3 and report.rejected == 5
    messages = rejected(report)
    assert messages[3] == 'amount can\'t be negative, got "-5"'
    assert messages[4].startswith('not an amount "abc"')
    assert messages[5] == 'order date "2026-13-01" is not a real date (there is no month 13)'
    assert messages[6] == "order date 2030-01-01 00:00 is in the future"
    assert messages[7] == "unknown customer (email zed@x.com): import them first or use --create-missing"
    assert 9 not in messages  # zed@x.com unknown but A1 known: the row is about customer A1
    assert rows("SELECT amount_cents, ordered_at, description FROM orders ORDER BY id") == [
        (1250, "2026-01-02 00:00:00", "Tea"), (120000, "2026-02-05 00:00:00", "Big order"), (500, "2026-01-01 00:00:00", "Tea")]
    ann = get_customer(1)
    assert (ann.order_count, str(ann.revenue), ann.stage) == (3, "1217.50", "churned")  # restaged
    assert rows("SELECT body FROM interaction WHERE kind = 'system' AND body LIKE 'imported%'") == [
        (f"imported 3 orders (batch {report.batch_id})",)]


def test_orders_pointing_at_two_customers_are_rejected(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com")
    create_customer(t0, name="Bob", external_id="B1")
    path = write(tmp_path, "customer_external_id,customer_email,amount,date\nB1,ann@x.com,5,2026-01-01\n")
    report = import_file("orders", path, t0)
    assert rejected(report) == {2: "the customer columns disagree: external id B1 is customer #2, "
                                   "email ann@x.com is customer #1"}


# --- matching and duplicates ------------------------------------------------------------------------


def test_in_file_duplicates_are_merged_and_reported(core_db, tmp_path, t0):
    path = write(tmp_path, """
        name,email,phone,company,external_id
        Ann Smith,ann@x.com,,,
        Bob,bob@x.com,+49 30 1234567,,
        ann smith,ANN@x.com,+33 1 23 45 67 89,Acme,
        Robert,,0049 30 1234567,Bob Corp,
        Ann S,ann@x.com,,,OTHER-ID
        Cid,cid@x.com,,,A-9
        Cid 2,,,,A-9
    """)
    report = import_file("customers", path, t0)
    notes = {i.line: i.message for i in report.issues if not i.rejected}
    assert notes == {4: "repeats line 2 (same email); merged into it",
                     5: "repeats line 3 (same phone); merged into it",
                     6: "repeats line 2 (same email); merged into it",  # adds an external id line 2 lacked
                     8: "repeats line 7 (same external id); merged into it"}
    assert report.inserted == 3 and report.skipped == 4 and report.rejected == 0
    assert rows("SELECT name, email, phone, company, external_id FROM customer ORDER BY id") == [
        ("Ann Smith", "ann@x.com", "+33 1 23 45 67 89", "Acme", "OTHER-ID"),
        ("Bob", "bob@x.com", "+49 30 1234567", "Bob Corp", None),
        ("Cid", "cid@x.com", None, None, "A-9")]


def test_one_phone_in_three_spellings_is_one_customer_in_region_de(core_db, tmp_path, t0, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    path = write(tmp_path, """
        name,phone
        Ann Lee,+49 170 1234567
        Ann Lee,0170 1234567
        Ann Lee,+49 (0)170 1234567
    """)
    report = import_file("customers", path, t0)
    assert report.inserted == 1 and report.rejected == 0
    assert {i.line: i.message for i in report.issues} == {3: "repeats line 2 (same phone); merged into it",
                                                         4: "repeats line 2 (same phone); merged into it"}
    assert rows("SELECT name, phone, phone_norm FROM customer") == [("Ann Lee", "+49 170 1234567", "+491701234567")]
    again = import_file("customers", write(tmp_path, "name,phone\nAnn L.,0170/123 45 67\n", "again.csv"), t0)
    assert (again.inserted, rows("SELECT count(*) FROM customer")) == (0, [(1,)])


def test_conflicting_duplicate_in_file_is_rejected(core_db, tmp_path, t0):
    path = write(tmp_path, "name,email,external_id\nAnn,ann@x.com,A1\nAnn,ann@x.com,A2\n")
    report = import_file("customers", path, t0)
    assert rejected(report) == {3: "repeats line 2 (same external id) but has a different email"} or \
        rejected(report) == {3: "repeats line 2 (same email) but has a different external id"}


def test_existing_customers_are_matched_and_updated_never_erased(core_db, tmp_path, t0):
    ann = create_customer(t0, name="Ann", email="ann@x.com", city="Paris", tags=["vip"], custom={"size": "M"})
    bob = create_customer(t0, name="Bob", external_id="B1", phone="+49 30 1234567")
    cid = create_customer(t0, name="Cid", phone="+49 40 7654321")
    path = write(tmp_path, """
        name,email,external id,phone,city,tags,shoe
        ,ANN@X.COM,,,,newsletter,42
        Bob B.,bob@x.com,B1,,Berlin,,
        ,,,0049 40 7654321,Hamburg,,
    """)
    report = import_file("customers", path, (later := datetime(2026, 11, 23, 9, 0)))
    assert (report.inserted, report.updated, report.skipped) == (0, 3, 0)
    a, b, c = get_customer(ann.id), get_customer(bob.id), get_customer(cid.id)
    assert (a.name, a.email, a.city, a.tags, a.custom) == ("Ann", "ann@x.com", "Paris", ("newsletter", "vip"),
                                                           {"shoe": "42", "size": "M"})  # same address: kept as stored
    assert (b.name, b.email, b.city, b.phone) == ("Bob B.", "bob@x.com", "Berlin", "+49 30 1234567")
    assert (c.city, c.updated_at) == ("Hamburg", later)
    entries = rows("SELECT customer_id, body FROM interaction WHERE kind = 'system' ORDER BY customer_id")
    assert entries[0] == (ann.id, f"updated by import {report.batch_id}: custom, tags")


def test_conflicting_match_is_rejected(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com", external_id="A1")
    create_customer(t0, name="Bob", email="bob@x.com")
    path = write(tmp_path, "name,email,external_id\nX,bob@x.com,A1\nY,ann@x.com,A2\n")
    report = import_file("customers", path, t0)
    assert rejected(report) == {2: "external id A1 is customer #1 but email bob@x.com is customer #2",
                                3: "email ann@x.com is customer #1, whose external id is A1, not A2"}


def test_shared_phone_with_different_email_is_a_different_person(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com", phone="+49 30 1234567")
    path = write(tmp_path, "name,email,phone\nBen,ben@x.com,+49 30 1234567\n")
    report = import_file("customers", path, t0)
    assert report.inserted == 1


def test_reimporting_customers_changes_nothing(core_db, tmp_path, t0):
    path = write(tmp_path, """
        name;email;phone;tags;birthday;opt-out;favourite
        Ann;ann@x.com;+49 1;vip newsletter;1990-02-03;no;tea
        Bob;;;;;yes;
        Cid;;+49 30 1234567;;;;
        Ann;ann@x.com;;;;;
    """)
    first = import_file("customers", path, t0)
    assert first.rejected == 1  # +49 1 is too short
    fixed = path.read_text().replace("+49 1;", "+49 151 1234567;")
    path.write_text(fixed)
    import_file("customers", path, t0)
    before = table_dump()
    again = import_file("customers", path, datetime(2026, 12, 1))
    assert (again.inserted, again.updated, again.rejected, again.batch_id) == (0, 0, 0, None)
    assert again.skipped == 4
    assert table_dump() == before


def test_reimporting_orders_and_interactions_changes_nothing(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com")
    orders = write(tmp_path, """
        order_id,customer_email,amount,date,product
        ,ann@x.com,10,2026-01-01,Tea
        ,ann@x.com,10,2026-01-01,Tea
        O-2,ann@x.com,20,2026-02-01,Cake
        O-2,ann@x.com,20,2026-02-01,Cake
    """, "orders.csv")
    talks = write(tmp_path, """
        email,type,direction,text,date
        ann@x.com,Phone,inbound,asked about cake,2026-02-02 10:00
        ann@x.com,e-mail,,sent the menu,2026-02-03T09:30:00
    """, "talks.csv")
    first = import_file("orders", orders, t0)
    assert (first.inserted, first.skipped, first.repeats) == (3, 1, (3,))
    assert [i.message for i in first.issues] == ["repeats line 4 (same order id O-2); skipped"]
    assert import_file("interactions", talks, t0).inserted == 2
    assert rows("SELECT kind, direction FROM interaction WHERE kind != 'system' ORDER BY id") == [("call", "in"),
                                                                                              ("email", "out")]
    assert get_customer(1).last_contact_at == datetime(2026, 2, 3, 9, 30)
    before = table_dump()
    assert (import_file("orders", orders, t0).inserted, import_file("interactions", talks, t0).inserted) == (0, 0)
    assert table_dump() == before


def test_identical_rows_without_order_id_match_stored_orders_one_to_one(core_db, tmp_path, t0):
    """Two identical rows are two purchases; a matching order already in the book (typed in by
    hand, or imported from another file) stands for one of them, another currency is another order."""
    create_customer(t0, name="Ann", email="ann@x.com")
    add_order(1, "10", t0, description="Tea", ordered_at=datetime(2026, 1, 1))
    path = write(tmp_path, """
        email,amount,currency,date,product
        ann@x.com,10,EUR,2026-01-01,Tea
        ann@x.com,10,EUR,2026-01-01,Tea
        ann@x.com,10,EUR,2026-01-01,Tea
        ann@x.com,10,USD,2026-01-01,Tea
    """)
    report = import_file("orders", path, t0)
    assert (report.inserted, report.skipped, report.repeats) == (3, 1, (3, 4))
    assert rows("SELECT currency, COUNT(*) FROM orders GROUP BY currency") == [("EUR", 3), ("USD", 1)]
    assert any("2 rows repeat an earlier row of this file" in line and "lines 3, 4" in line for line in report.lines())
    again = import_file("orders", path, t0)
    assert (again.inserted, again.skipped, again.batch_id) == (0, 4, None)


def test_order_with_known_order_id_is_updated_when_it_changed(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com")
    import_file("orders", write(tmp_path, "order id,email,total,date\nO-1,ann@x.com,10,2026-01-01\n"), t0)
    report = import_file("orders", write(tmp_path, "order id,email,total,date\nO-1,ann@x.com,15,2026-01-01\n"), t0)
    assert (report.inserted, report.updated) == (0, 1)
    assert str(get_customer(1).revenue) == "15.00"
    undo_batch(report.batch_id, t0, kind="import")
    assert str(get_customer(1).revenue) == "10.00"


def test_create_missing_makes_customers_once(core_db, tmp_path, t0):
    path = write(tmp_path, """
        customer_external_id,customer_email,customer,amount,date
        X1,,Xena,5,2026-01-01
        X1,,Xena,6,2026-01-02
        ,yan@x.com,,7,2026-01-03
    """)
    report = import_file("orders", path, t0, create_missing=True)
    assert (report.inserted, report.customers_created) == (3, 2)
    assert rows("SELECT name, external_id, email, order_count FROM customer ORDER BY id") == [
        ("Xena", "X1", None, 2), ("yan@x.com", None, "yan@x.com", 1)]


# --- dry runs, transactions, interruptions ----------------------------------------------------------


def test_dry_run_reports_the_same_and_changes_nothing(core_db, tmp_path, t0, unchanged):
    create_customer(t0, name="Ann", email="ann@x.com")
    path = write(tmp_path, "name,email\nAnn Smith,ann@x.com\nBob,bob@x.com\nBad,bad\n")
    with unchanged():
        dry = import_file("customers", path, t0, dry_run=True)
    assert (dry.inserted, dry.updated, dry.rejected, dry.batch_id, dry.dry_run) == (1, 1, 1, None, True)
    assert "dry run: nothing was changed" in dry.lines()
    real = import_file("customers", path, t0)
    assert (real.inserted, real.updated, real.rejected) == (1, 1, 1)


def test_keyboard_interrupt_midway_leaves_nothing(core_db, tmp_path, t0, unchanged, monkeypatch):
    create_customer(t0, name="Old", email="old@x.com")
    lines = "".join(f"Person {i},p{i}@x.com\n" for i in range(3000))
    path = write(tmp_path, "name,email\nOld One,old@x.com\n" + lines)
    real = customers.record

    def interrupted(batch_id, changes):
        real(batch_id, changes)
        raise KeyboardInterrupt  # after the customers were inserted and logged

    monkeypatch.setattr(customers, "record", interrupted)
    with unchanged(), pytest.raises(KeyboardInterrupt):
        import_file("customers", path, t0)


KILL_SCRIPT = """
import sys, time
from datetime import datetime
from solocrm_tui.core.data_io import customers
from solocrm_tui.core.storage.db import open_database
from solocrm_tui.core.data_io.importing import import_file
real, steps = customers.record, []
def slow(batch_id, changes):
    real(batch_id, changes)
    steps.append(1)
    if len(steps) == 3:  # two steps committed, the third written but not committed
        print("inside", flush=True)
        time.sleep(60)
customers.record = slow
open_database(sys.argv[1])
import_file("customers", sys.argv[2], datetime(2026, 11, 22, 10, 30), step_seconds=0.01)
"""


def test_kill_9_mid_import_is_taken_back_by_doctor(tmp_path):
    """The import commits in steps, so a kill -9 leaves the steps before it, marked in progress;
    the next `solocrm doctor` (or import) takes all of them back and says so."""
    db = tmp_path / "k.db"
    csv_path = write(tmp_path, "name,email\n" + "".join(f"Person {i},p{i}@x.com\n" for i in range(20_000)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db), str(csv_path)], stdout=subprocess.PIPE,
                            env=env, cwd=ROOT)
    try:
        assert proc.stdout.readline().strip() == b"inside"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0] > 0  # the committed steps
        summary = json.loads(conn.execute("SELECT summary FROM batch").fetchone()[0])
        assert summary["in_progress"].endswith(f":{proc.pid}")
    finally:
        conn.close()
    doctor = subprocess.run([sys.executable, "-m", "solocrm_tui", "--db", str(db), "doctor"], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "took back the interrupted import imp-" in doctor.stdout
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in ("customer", "batch", "batch_change", "interaction"):
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
        assert conn.execute("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'person'").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'customer_fts_ai'").fetchone()[0] == 1
    finally:
        conn.close()


def test_bulk_import_keeps_search_index_and_trigger(core_db, tmp_path, t0):
    path = write(tmp_path, "name,email\n" + "".join(f"Person {i},p{i}@x.com\n" for i in range(1500)))
    assert import_file("customers", path, t0).inserted == 1500
    assert rows("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'p1499'") == [(1,)]
    create_customer(t0, name="Zed Later")
    assert rows("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'zed'") == [(1,)]
    assert rows("PRAGMA integrity_check") == [("ok",)]
    database.execute_sql("INSERT INTO customer_fts(customer_fts, rank) VALUES ('integrity-check', 1)")


def test_control_characters_reject_the_row_with_its_line(core_db, tmp_path, t0):
    path = write(tmp_path, "name,email\nAnn,ann@x.com\n\"Evil\x1b[2J\",evil@x.com\nBob,bob@x.com\n")
    report = import_file("customers", path, t0)
    assert (report.inserted, report.rejected) == (2, 1)
    assert rejected(report) == {3: "name contains a control character ('\\x1b')"}
    notes = write(tmp_path, "email,text,date\nann@x.com,\"fine\nsecond line\",2026-11-01\n"
                            "ann@x.com,ring\x07,2026-11-02\n", name="notes.csv")
    report = import_file("interactions", notes, t0)
    assert (report.inserted, report.rejected) == (1, 1)
    assert rejected(report) == {4: "text contains a control character ('\\x07')"}


def test_bidi_and_escapes_in_custom_fields_reject_the_row_or_leave_the_column_out(core_db, tmp_path, t0):
    path = write(tmp_path, "name,email,size,Note\x1b]0;x\x07,custom\n"
                           "Ann,ann@x.com,M,a,\n"
                           "Bob,bob@x.com,\u202eL,b,\n"
                           "Cleo,cleo@x.com,S,c,\"{\"\"tier\\u001b\"\": \"\"gold\"\"}\"\n"
                           "Dan \u2066D,dan@x.com,S,d,\n")
    report = import_file("customers", path, t0)
    assert (report.inserted, report.rejected) == (1, 3)
    assert rejected(report) == {3: "custom field size contains a control character ('\\u202e')",
                                4: "a custom field's name contains a control character ('\\x1b')",
                                5: "name contains a control character ('\\u2066')"}
    assert report.ignored_columns == ('"Note\x1b]0;x\x07" (its name contains a control character)',)
    assert rows("SELECT name, custom FROM customer") == [("Ann", '{"size": "M"}')]


def index_sql() -> list[tuple]:
    return rows("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer' ORDER BY name")


def test_an_import_in_many_steps_ends_with_every_index_and_one_batch(core_db, tmp_path, t0, monkeypatch):
    before = index_sql()
    steps = []
    real = customers.insert_customers

    def counted(records, now, batch_id):
        steps.append(len(records))
        return real(records, now, batch_id)

    monkeypatch.setattr(customers, "insert_customers", counted)
    path = write(tmp_path, "name,email,company\n" + "".join(f"Person {i:03d},p{i}@x.com,Co {i % 7}\n" for i in range(400)))
    report = import_file("customers", path, t0, step_seconds=0)
    assert report.inserted == 400 and len(steps) > 3 and sum(steps) == 400
    assert index_sql() == before
    assert rows("PRAGMA integrity_check") == [("ok",)]
    assert rows("SELECT id, json_extract(summary, '$.in_progress'), json_extract(summary, '$.inserted') FROM batch") == [
        (report.batch_id, None, 400)]
    assert rows("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'p399'") == [(1,)]
    undone = undo_batch(report.batch_id, t0, kind="import")
    assert undone.deleted == 400 and rows("SELECT COUNT(*) FROM customer") == [(0,)]


def test_a_failure_in_a_later_step_takes_back_the_earlier_ones(core_db, tmp_path, t0, unchanged, monkeypatch):
    create_customer(t0, name="Old", email="old@x.com")
    real, calls = customers.record, []

    def broken(batch_id, changes):
        calls.append(1)
        if len(calls) == 3:  # the first two steps are committed by now
            raise RuntimeError("disk gone")
        real(batch_id, changes)

    monkeypatch.setattr(customers, "record", broken)
    path = write(tmp_path, "name,email\nOld One,old@x.com\n" + "".join(f"Person {i},p{i}@x.com\n" for i in range(400)))
    before = index_sql()
    with unchanged(), pytest.raises(RuntimeError, match="disk gone"):
        import_file("customers", path, t0, step_seconds=0)
    assert index_sql() == before
    assert rows("PRAGMA integrity_check") == [("ok",)]


def test_a_failure_that_cannot_be_taken_back_yet_says_doctor_will(core_db, tmp_path, t0, monkeypatch):
    """On a full disk even deleting the steps fails: the error says so, and doctor takes
    them back once it can write."""
    from solocrm_tui.core.data_io import importing
    from solocrm_tui.core.storage.db import current_path

    real_record, calls = customers.record, []

    def full(batch_id, changes):
        calls.append(1)
        if len(calls) == 3:
            raise sqlite3.OperationalError("database or disk is full")
        real_record(batch_id, changes)

    def still_full(batch_id, now):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(customers, "record", full)
    monkeypatch.setattr(importing, "discard_unfinished", still_full)
    path = write(tmp_path, "".join(["name,email\n"] + [f"Person {i},p{i}@x.com\n" for i in range(400)]))
    with pytest.raises(DatabaseError, match="disk is full; .*`solocrm doctor` takes them back"):
        import_file("customers", path, t0, step_seconds=0)
    assert rows("SELECT COUNT(*) FROM customer")[0][0] > 0  # the committed steps are still there
    # the command that ran the import has exited by the time the owner frees room and runs doctor
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    database.execute_sql("UPDATE batch SET summary = json_set(summary, '$.in_progress', ?)",
                         (f"{socket.gethostname()}:{gone.stdout.strip()}",))
    database.close()
    doctor = subprocess.run([sys.executable, "-m", "solocrm_tui", "--db", str(current_path()), "doctor"],
                            capture_output=True, text=True, timeout=120)
    assert "took back the interrupted import" in doctor.stdout, doctor.stdout + doctor.stderr
    assert rows("SELECT COUNT(*) FROM customer") == [(0,)]


def test_an_unfinished_import_is_neither_listed_nor_undone(core_db, tmp_path, t0):
    from solocrm_tui.core.storage.batches import list_batches, start_batch

    start_batch("imp-live", "import", "import customers from x.csv", t0, {"kind": "customers"})
    assert list_batches() == []
    with pytest.raises(ValidationError, match="imp-live is an import still being written"):
        undo_batch("imp-live", t0, kind="import")


def test_taking_back_an_unfinished_import_keeps_what_others_built_on_it(core_db, tmp_path, t0):
    """Other writers work between an import's steps: their note on a customer the import
    created, and their later edit of a customer it updated, survive the import being taken back."""
    from solocrm_tui.core.contacts.timeline import add_interaction
    from solocrm_tui.core.data_io.importing import roll_back_unfinished

    kept = create_customer(t0, name="Kept", email="kept@x.com")
    path = write(tmp_path, "name,email,city\nKept,kept@x.com,Oslo\nNew One,new1@x.com,\nNew Two,new2@x.com,\n")
    report = import_file("customers", path, t0)
    new_one = rows("SELECT id FROM customer WHERE email = 'new1@x.com'")[0][0]
    add_interaction(new_one, "note", "called them", t0)
    update_customer(kept.id, datetime(2026, 11, 23), city="Bergen")
    database.execute_sql("UPDATE batch SET summary = json_set(summary, '$.in_progress', ?) WHERE id = ?",
                         (f"{socket.gethostname()}:{2 ** 22 + 1}", report.batch_id))  # a pid no process has
    assert roll_back_unfinished(t0) == [f"took back the interrupted import {report.batch_id} (2 rows it had written)"]
    assert [n for (n,) in rows("SELECT name FROM customer ORDER BY id")] == ["Kept", "New One"]
    assert rows("SELECT city FROM customer WHERE id = ?", kept.id) == [("Bergen",)]
    assert rows("SELECT body FROM interaction WHERE kind = 'note'") == [("called them",)]
    assert rows("SELECT COUNT(*) FROM batch") == [(0,)]


# --- undo ------------------------------------------------------------------------------------------


def test_undo_removes_inserted_and_restores_updated(core_db, tmp_path, t0):
    ann = create_customer(t0, name="Ann", email="ann@x.com", city="Paris")
    before = table_dump()
    report = import_file("customers", write(tmp_path, "name,email,city\nAnn,ann@x.com,Rome\nBob,bob@x.com,Oslo\n"),
                         datetime(2026, 11, 23))
    assert (report.inserted, report.updated) == (1, 1)
    result = undo_batch(report.batch_id, datetime(2026, 11, 24), kind="import")
    assert (result.deleted, result.restored) == (2, 1)  # Bob + the "updated by import" entry; Ann restored
    after = table_dump()
    assert after["batch"][0][4] == "2026-11-24 00:00:00"  # marked undone
    for table in ("customer", "interaction", "orders"):
        assert after[table] == before[table]
    assert get_customer(ann.id).city == "Paris"
    assert rows("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'bob'") == [(0,)]
    with pytest.raises(ValidationError, match="already undone"):
        undo_batch(report.batch_id, t0, kind="import")
    with pytest.raises(NotFound, match='no batch "imp-nope"'):
        undo_batch("imp-nope", t0, kind="import")


def test_undo_of_orders_import_restores_totals_and_stage(core_db, tmp_path, t0):
    ann = create_customer(t0, name="Ann", email="ann@x.com")
    add_order(ann.id, "5", t0, ordered_at=datetime(2026, 1, 1))
    before = get_customer(ann.id)
    report = import_file("orders", write(tmp_path, "email,amount,date\nann@x.com,100,2026-11-01\n"), t0)
    assert get_customer(ann.id).order_count == 2
    undo_batch(report.batch_id, t0, kind="import")
    after = get_customer(ann.id)
    assert (after.order_count, after.revenue, after.last_order_at) == (1, before.revenue, before.last_order_at)
    assert rows("SELECT COUNT(*) FROM interaction WHERE body LIKE 'imported%'") == [(0,)]


def test_undo_refuses_when_later_changes_depend_on_it_unless_forced(core_db, tmp_path, t0):
    report = import_file("customers", write(tmp_path, "name,email\nBob,bob@x.com\n"), t0)
    add_order(1, "20", datetime(2026, 11, 23))
    with pytest.raises(ValidationError, match=r"customer #1, added by this batch, has 1 later order; use --force"):
        undo_batch(report.batch_id, t0, kind="import")
    assert row_counts()["customer"] == 1
    undo_batch(report.batch_id, t0, kind="import", force=True)
    assert row_counts()["customer"] == 0 and row_counts()["orders"] == 0


def test_undo_refuses_to_overwrite_a_later_edit(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@x.com")
    report = import_file("customers", write(tmp_path, "name,email,city\nAnn,ann@x.com,Rome\n"), t0)
    update_customer(1, datetime(2026, 11, 25), city="Milan")
    with pytest.raises(ValidationError, match="customer #1 was edited after this batch"):
        undo_batch(report.batch_id, t0, kind="import")


def test_undo_of_the_wrong_kind_says_how(core_db, tmp_path, t0):
    create_customer(t0, name="A")
    create_customer(t0, name="B")
    from solocrm_tui.core.contacts.merging import merge_customers

    result = merge_customers(1, 2, t0)
    with pytest.raises(ValidationError, match=f"is a merge, not an import: use `solocrm merge --undo {result.batch_id}`"):
        undo_batch(result.batch_id, t0, kind="import")


def test_batch_summary_records_counts(core_db, tmp_path, t0):
    report = import_file("customers", write(tmp_path, "name\nAnn\nBob\n"), t0)
    summary = json.loads(rows("SELECT summary FROM batch")[0][0])
    assert summary == {"kind": "customers", "file": "in.csv", "inserted": 2, "updated": 0, "skipped": 0,
                       "rejected": 0}
    assert rows("SELECT COUNT(*) FROM batch_change WHERE batch_id = ?", report.batch_id) == [(2,)]


def test_formula_protected_cells_from_an_export_are_read_back(core_db, tmp_path, t0):
    report = import_file("customers", write(tmp_path, "name,phone\n'=Ann,'+49 30 1234567\nO'Brien,\n"), t0)
    assert report.rejected == 0
    assert rows("SELECT name, phone FROM customer ORDER BY id") == [("=Ann", "+49 30 1234567"), ("O'Brien", None)]
