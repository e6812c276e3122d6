"""`solocrm import / duplicates / merge / export / forget`: happy paths print what happened,
every mistake is one line on stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui import cli
from tests.core.data_io.test_exporting import components, unfold

NOW = datetime(2026, 11, 22, 10, 30)
PEOPLE = "\ufeffFull Name;E-Mail;Mobile;Company\nAnn Smith;ann@x.com;+49 30 1234567;Acme\nAnn Smyth;ann+2@x.com;;Acme\n"


pytestmark = pytest.mark.usefixtures("bugs_surface")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv), now=NOW)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, err: str, *, usage: bool = False) -> str:
    assert code == (2 if usage else 1), err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("solocrm") and "error:" in lines[0], err
    return lines[0]


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def people(tmp_path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def batch_of(out: str) -> str:
    return next(w for w in out.split() if w.startswith(("imp-", "mrg-")))


def test_import_prints_counts_and_batch_then_undo(capsys, db, people):
    code, out, err = run(capsys, "--db", str(db), "import", "customers", str(people))
    assert code == 0, err
    assert "people.csv: 2 rows, semicolon-separated" in out and "inserted 2, updated 0" in out
    batch = batch_of(out)
    code, out, _ = run(capsys, "--db", str(db), "import", "customers", str(people))
    assert code == 0 and "inserted 0, updated 0, skipped 2" in out
    code, out, _ = run(capsys, "--db", str(db), "import", "--undo", batch)
    assert code == 0 and f"undid import {batch}" in out
    assert count(db, "SELECT COUNT(*) FROM customer") == 0
    code, _, err = run(capsys, "--db", str(db), "import", "--undo", batch)
    assert "already undone" in one_line_error(code, err)


def test_import_with_rejected_rows_exits_1_and_lists_lines(capsys, db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,email\nAnn,ann@x.com\nBob,nope\n")
    code, out, _ = run(capsys, "--db", str(db), "import", "customers", str(path))
    assert code == 1
    assert 'line 3: rejected: "nope" is not a valid email address' in out
    assert "1 row was rejected" in out and "inserted 1" in out


def test_import_asks_for_dates_and_reads_them_as_told(capsys, db, tmp_path):
    path = tmp_path / "outlook.csv"
    path.write_text("name,birthday\nAnn,01/02/1980\nBob,03/04/1980\n")
    code, _, err = run(capsys, "--db", str(db), "import", "customers", str(path))
    assert "say which with --dates dmy or --dates mdy" in one_line_error(code, err)
    code, out, err = run(capsys, "--db", str(db), "import", "customers", str(path), "--dates", "dmy", "--decimal", "comma")
    assert code == 0, err
    assert "inserted 2" in out
    assert count(db, "SELECT COUNT(*) FROM customer WHERE birthday = '1980-02-01'") == 1
    code, _, err = run(capsys, "--db", str(db), "import", "customers", str(path), "--dates", "ymd")
    assert "--dates" in one_line_error(code, err, usage=True)


def test_import_reads_a_windows_file_when_told_its_encoding(capsys, db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes("First Name,Last Name,E-mail Address\r\nJürgen,Müller,jm@example.de\r\nZoë,Brontë,zb@example.uk\r\n"
                     .encode("cp1252"))
    code, _, err = run(capsys, "--db", str(db), "import", "customers", str(path))
    assert one_line_error(code, err).endswith("contacts.csv is not UTF-8: line 2 has byte 0xfc — save it as UTF-8, "
                                              "or import with --encoding cp1252 if it came from Windows (Outlook, Excel)")
    code, _, err = run(capsys, "--db", str(db), "import", "customers", str(path), "--encoding", "klingon")
    assert 'unknown encoding "klingon"' in one_line_error(code, err)
    code, out, err = run(capsys, "--db", str(db), "import", "customers", str(path), "--encoding", "cp1252")
    assert code == 0, err
    assert "inserted 2" in out
    assert count(db, "SELECT group_concat(name, '|') FROM customer") == "Jürgen Müller|Zoë Brontë"
    code, _, err = run(capsys, "--db", str(db), "import", "--undo", batch_of(out), "--encoding", "cp1252")
    assert "--undo takes only a batch id" in one_line_error(code, err)
    code, out, _ = run(capsys, "import", "--help")
    assert "--encoding cp1252" in out


def test_an_unknown_encoding_creates_no_database(capsys, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name\nAnn\n", encoding="utf-8")
    code, _, err = run(capsys, "--db", str(tmp_path / "new.db"), "import", "customers", str(path), "--encoding", "x")
    assert 'unknown encoding "x"' in one_line_error(code, err)
    assert not (tmp_path / "new.db").exists()


CDNOW = Path(__file__).resolve().parent / "data" / "CDNOW_sample.txt"


def cdnow_orders_csv(folder: Path, extra: tuple[str, ...] = ()) -> Path:
    """The real CDNOW sample as an orders file without order ids: 21 of its 6,919 rows repeat
    an earlier one (same customer, day and amount), real repeat purchases on one day."""
    lines = ["customer_external_id,customer_name,date,amount"]
    for record in CDNOW.read_text().splitlines():
        customer, _, day, _, dollars = record.split()
        lines.append(f"C{customer},Buyer {customer},{day[:4]}-{day[4:6]}-{day[6:]},{dollars}")
    path = folder / "cdnow_orders.csv"
    path.write_text("\n".join([*lines, *extra]) + "\n")
    return path


def test_identical_orders_without_an_order_id_are_kept_once_and_reimports_add_nothing(capsys, db, tmp_path):
    orders = cdnow_orders_csv(tmp_path)
    code, out, err = run(capsys, "--db", str(db), "import", "orders", str(orders), "--create-missing")
    assert code == 0, err
    assert ("21 rows repeat an earlier row of this file (same customer, date, amount and text): "
            "kept as separate orders") in out
    assert "inserted 6,919, updated 0, skipped 0" in out
    first = batch_of(out)
    assert count(db, "SELECT COUNT(*) FROM orders") == 6919
    assert count(db, "SELECT COUNT(*) FROM orders WHERE customer_id = (SELECT id FROM customer "
                     "WHERE external_id = 'C01668') AND ordered_at LIKE '1997-07-31%' AND amount_cents = 977") == 2
    revenue = count(db, "SELECT SUM(revenue_cents) FROM customer")
    assert revenue == count(db, "SELECT SUM(amount_cents) FROM orders")

    code, out, _ = run(capsys, "--db", str(db), "import", "orders", str(orders))
    assert code == 0 and "inserted 0, updated 0, skipped 6,919" in out and "no batch was recorded" in out
    assert count(db, "SELECT COUNT(*) FROM orders") == 6919

    one_more = cdnow_orders_csv(tmp_path, extra=("C01668,Buyer 01668,1997-07-31,9.77",))
    code, out, _ = run(capsys, "--db", str(db), "import", "orders", str(one_more))
    assert code == 0 and "inserted 1, updated 0, skipped 6,919" in out
    assert "22 rows repeat an earlier row" in out
    assert count(db, "SELECT COUNT(*) FROM orders") == 6920
    assert count(db, "SELECT SUM(revenue_cents) FROM customer") == revenue + 977

    for batch in (batch_of(out), first):
        code, out, err = run(capsys, "--db", str(db), "import", "--undo", batch)
        assert code == 0 and f"undid import {batch}" in out, err
    assert count(db, "SELECT COUNT(*) FROM orders") == 0


def test_dry_run_changes_nothing(capsys, db, people):
    run(capsys, "--db", str(db), "import", "customers", str(people), "--dry-run")
    code, out, _ = run(capsys, "--db", str(db), "import", "customers", str(people), "--dry-run")
    assert code == 0 and "would be inserted 2" in out and "dry run: nothing was changed" in out
    assert count(db, "SELECT COUNT(*) FROM customer") == 0


def test_orders_with_map_and_create_missing(capsys, db, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Kunde-Nr\tBetrag\tDatum\nK1\t12,50\t2026-01-05\n")
    args = ("--db", str(db), "import", "orders", str(path), "--map", "Kunde-Nr=customer_external_id",
            "--map", "Betrag=amount", "--map", "Datum=date")
    code, out, _ = run(capsys, *args)
    assert code == 1 and "unknown customer (external id K1)" in out
    code, out, _ = run(capsys, *args, "--create-missing")  # a customer is never named after an id
    assert code == 1 and "no name, email or phone to create them from" in out
    assert count(db, "SELECT COUNT(*) FROM customer") == 0
    path.write_text("Kunde-Nr\tKunde\tBetrag\tDatum\nK1\tAnn Kühn\t12,50\t2026-01-05\n")
    code, out, _ = run(capsys, *args, "--map", "Kunde=customer_name", "--create-missing")
    assert code == 0 and "1 new customer created" in out
    assert count(db, "SELECT revenue_cents FROM customer WHERE external_id = 'K1'") == 1250
    assert count(db, "SELECT name FROM customer WHERE external_id = 'K1'") == "Ann Kühn"


@pytest.mark.parametrize("setup, argv, message", [
    (None, ("import", "customers", "missing.csv"), "no file at"),
    (None, ("import", "customers", "."), "is a directory"),
    ("", ("import", "customers", "f.csv"), "is empty"),
    ("name,city\nZoë,Köln\n", ("import", "customers", "f.csv"), "not UTF-8: line 2 has byte 0xeb"),
    ("email\na@x.com\n", ("import", "customers", "f.csv"), "has no name or first_name or last_name column"),
    (None, ("import", "customers"), "say what to import"),
    (None, ("import", "--undo", "imp-nope"), 'no batch "imp-nope"'),
    (None, ("import", "customers", "f.csv", "--undo", "imp-x"), "--undo takes only a batch id"),
    ("name\nAnn\n", ("import", "customers", "f.csv", "--map", "oops"), 'should look like "Source Column=field"'),
])
def test_import_errors_are_one_line(capsys, db, tmp_path, monkeypatch, setup, argv, message):
    monkeypatch.chdir(tmp_path)
    if setup is not None:
        (tmp_path / "f.csv").write_bytes(setup.encode("latin-1"))
    if "--undo" in argv:
        (tmp_path / "g.csv").write_text("name\nAnn\n")
        run(capsys, "--db", str(db), "import", "customers", "g.csv")  # make the database exist
    code, _, err = run(capsys, "--db", str(db), *argv)
    assert message in one_line_error(code, err)


IMPORTS = Path(__file__).resolve().parent / "data" / "imports"


def test_import_deals_from_a_hubspot_export_then_undo(capsys, db):
    code, _, err = run(capsys, "--db", str(db), "import", "customers", str(IMPORTS / "hubspot_contacts_for_deals.csv"),
                       "--map", "Record ID=external_id")
    assert code == 0, err
    deals = str(IMPORTS / "hubspot_deals.csv")
    code, out, _ = run(capsys, "--db", str(db), "import", "deals", deals)
    assert code == 1
    assert "deals from hubspot_deals.csv: 10 rows, comma-separated" in out
    assert 'line 8: rejected: unknown stage "Waiting For Budget": use lead, qualified' in out
    assert "inserted 7, updated 0, skipped 0 (unchanged or repeated), rejected 3" in out
    assert count(db, "SELECT COUNT(*) FROM deal WHERE stage = 'won' AND closed_at IS NOT NULL") == 1
    batch = batch_of(out)
    code, out, _ = run(capsys, "--db", str(db), "import", "deals", deals)
    assert "inserted 0, updated 0, skipped 7" in out and "nothing changed, so no batch was recorded" in out
    code, out, _ = run(capsys, "--db", str(db), "import", "--undo", batch)
    assert code == 0 and f"undid import {batch}" in out
    assert count(db, "SELECT COUNT(*) FROM deal") == 0 and count(db, "SELECT COUNT(*) FROM deal_stage_change") == 0
    _, out, _ = run(capsys, "import", "--help")
    assert "{customers,orders,interactions,deals,products,mail}" in out and "Associated Contact" in out


def test_missing_file_does_not_create_a_database(capsys, db):
    run(capsys, "--db", str(db), "import", "customers", "missing.csv")
    assert not db.exists()


@pytest.mark.parametrize("argv", [("import", "tickets", "f.csv"), ("export", "deals"), ("export", "customers", "--format", "xls"),
                                  ("merge", "one", "2"), ("forget", "x")])
def test_usage_errors_are_one_line(capsys, db, argv):
    code, _, err = run(capsys, "--db", str(db), *argv)
    one_line_error(code, err, usage=True)


def test_duplicates_merge_and_undo(capsys, db, people):
    run(capsys, "--db", str(db), "import", "customers", str(people))
    code, out, _ = run(capsys, "--db", str(db), "duplicates")
    assert code == 0
    assert "#1 Ann Smith  <->  #2 Ann Smyth: same email\n" in out  # ann+2@x.com is ann@x.com
    assert "1 likely duplicate pair" in out
    code, out, _ = run(capsys, "--db", str(db), "merge", "1", "2", "--prefer", "other:name")
    assert code == 0 and "merged customer #2 into #1" in out
    assert count(db, "SELECT name FROM customer") == "Ann Smyth"
    batch = batch_of(out)
    code, out, _ = run(capsys, "--db", str(db), "merge", "--undo", batch)
    assert code == 0 and count(db, "SELECT COUNT(*) FROM customer") == 2
    for argv, message in ((("merge", "1", "1"), "with itself"), (("merge", "1", "9"), "no customer #9"),
                          (("merge", "1"), "merge needs two customer ids"),
                          (("merge", "--undo", batch), "already undone"),
                          (("import", "--undo", batch), "is a merge, not an import")):
        code, _, err = run(capsys, "--db", str(db), *argv)
        assert message in one_line_error(code, err)


def test_export_to_stdout_and_files(capsys, db, people, tmp_path):
    run(capsys, "--db", str(db), "import", "customers", str(people))
    code, out, _ = run(capsys, "--db", str(db), "export", "customers")
    assert code == 0 and out.startswith("solocrm_id,name,") and "'+49 30 1234567" in out
    code, out, _ = run(capsys, "--db", str(db), "export", "customers", "--format", "json", "-o", "-")
    assert [c["stage"] for c in json.loads(out)] == ["lead", "lead"]
    code, out, _ = run(capsys, "--db", str(db), "export", "customers", "--format", "vcf", "-o", str(tmp_path / "c.vcf"))
    assert code == 0 and "exported 2 customers" in out
    assert (tmp_path / "c.vcf").read_bytes().count(b"BEGIN:VCARD\r\n") == 2
    code, out, _ = run(capsys, "--db", str(db), "export", "all", "-o", str(tmp_path / "dump"))
    assert code == 0 and sorted(p.name for p in (tmp_path / "dump").iterdir()) == [
        "customers.csv", "followups.csv", "interactions.csv", "orders.csv", "products.csv"]
    code, out, _ = run(capsys, "--db", str(db), "export", "--customer", "1")
    assert json.loads(out)["customer"]["email"] == "ann@x.com"


def test_export_followups_as_calendar_events_in_the_local_zone(capsys, db, people, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Berlin")
    run(capsys, "--db", str(db), "import", "customers", str(people))
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("INSERT INTO followup (customer_id, title, due_at, created_at, snoozes, recurrence, recur_from) "
                     "VALUES (1, 'Call Ann', '2026-11-27 09:00:00', '2026-11-20 09:00:00', 0, 'FREQ=WEEKLY;BYDAY=FR', 'due')")
    conn.close()
    code, out, err = run(capsys, "--db", str(db), "export", "followups", "--events", "-o", str(tmp_path / "f.ics"))
    assert code == 0 and "exported 1 followups" in out and err == ""
    lines = unfold((tmp_path / "f.ics").read_bytes().decode("utf-8"))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    for name in ("VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VEVENT", "VALARM"):
        assert lines.count(f"BEGIN:{name}") == lines.count(f"END:{name}") >= 1
    zone, = components(lines, "VTIMEZONE")
    start = next(line for line in lines if line.startswith("DTSTART;"))
    assert start == f"DTSTART;TZID={zone['TZID'][0]}:20261127T090000" and zone["TZID"] == ["Europe/Berlin"]
    event, = components(lines, "VEVENT")
    assert event["RRULE"] == ["FREQ=WEEKLY;BYDAY=FR"] and {"UID", "DTSTAMP", "DURATION", "SUMMARY"} <= set(event)


def test_events_say_so_when_the_local_zone_has_no_name(capsys, db, people, tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
    run(capsys, "--db", str(db), "import", "customers", str(people))
    code, out, err = run(capsys, "--db", str(db), "export", "followups", "--format", "ics", "--events",
                         "-o", str(tmp_path / "f.ics"))
    assert code == 0 and "exported 0 followups" in out
    assert err.strip().splitlines() == ["solocrm: note: this machine's time zone has no name (set TZ=Area/City): "
                                        "event times are floating local times"]
    assert b"TZID" not in (tmp_path / "f.ics").read_bytes()


@pytest.mark.parametrize("argv, message", [
    (("export", "orders", "--events"), "--events works only for `export followups --format ics`"),
    (("export", "followups", "--format", "csv", "--events"), "--events works only for"),
    (("export", "orders", "--format", "vcf"), "--format vcf does not work for orders: use csv or json"),
    (("export", "customers", "--format", "ics"), "--format ics does not work for customers"),
    (("export", "all"), "give a directory with -o DIR"),
    (("export",), "say what to export"),
    (("export", "--customer", "99"), "no customer #99"),
    (("export", "orders", "--customer", "1"), "leave out the kind"),
    (("export", "customers", "-o", "."), "is a directory"),
])
def test_export_errors_are_one_line(capsys, db, people, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    run(capsys, "--db", str(db), "import", "customers", str(people))
    code, _, err = run(capsys, "--db", str(db), *argv)
    assert message in one_line_error(code, err)


def test_export_needs_an_existing_database(capsys, db):
    code, _, err = run(capsys, "--db", str(db), "export", "customers")
    assert "no database at" in one_line_error(code, err)
    assert not db.exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_forget_confirms_refuses_without_a_terminal_and_erases(capsys, db, people, monkeypatch):
    run(capsys, "--db", str(db), "import", "customers", str(people))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "--db", str(db), "forget", "1")
    assert "confirm in a terminal or add --yes" in one_line_error(code, err)
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    code, out, _ = run(capsys, "--db", str(db), "forget", "1")
    assert code == 1 and "nothing was erased" in out
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    code, out, _ = run(capsys, "--db", str(db), "forget", "1")
    assert code == 0 and "erased customer #1" in out
    code, out, _ = run(capsys, "--db", str(db), "forget", "2", "--yes", "--purge")
    assert code == 0 and "0 orders deleted" in out
    assert count(db, "SELECT COUNT(*) FROM customer") == 0 and count(db, "SELECT COUNT(*) FROM erasure") == 2
    code, _, err = run(capsys, "--db", str(db), "forget", "1", "--yes")
    assert "no customer #1" in one_line_error(code, err)


@pytest.mark.parametrize("command", ["import", "duplicates", "merge", "export", "forget"])
def test_every_data_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and f"usage: solocrm {command}" in out


def test_import_help_documents_partial_imports(capsys):
    _, out, _ = run(capsys, "import", "--help")
    assert "the good rows ARE imported" in out and "exit status is then 1" in out


def test_batches_lists_what_can_be_undone_newest_first(capsys, db, people):
    run(capsys, "--db", str(db), "demo", "--customers", "5")
    code, out, _ = run(capsys, "--db", str(db), "import", "customers", str(people))
    assert code == 0
    batch = out.split("undo with: solocrm import --undo ")[1].split(")")[0]
    code, out, err = run(capsys, "--db", str(db), "batches")
    assert code == 0 and err == ""
    (line,) = out.splitlines()
    assert line.startswith(f"{batch}  import  ") and line.endswith(f"(undo: solocrm import --undo {batch})")
    run(capsys, "--db", str(db), "import", "--undo", batch)
    assert run(capsys, "--db", str(db), "batches")[1] == "no batches to undo\n"
    code, out, _ = run(capsys, "--db", str(db), "batches", "--all")
    assert out.startswith(f"{batch}  import  ") and "(undone " in out


def test_batches_on_a_missing_database_is_one_line(capsys, tmp_path):
    one_line_error(*run(capsys, "--db", str(tmp_path / "none.db"), "batches")[:3:2])


def test_import_preset_on_the_command_line(capsys, db, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("First Name,Last Name,Categories,E-mail Address\nAnn,Lee,Clients;VIP,ann@example.com\n")
    code, out, err = run(capsys, "--db", str(db), "import", "customers", str(path), "--preset", "outlook")
    assert code == 0, err
    assert "preset: Outlook" in out and count(db, "SELECT tags FROM customer") == " clients vip "
    code, _, err = run(capsys, "--db", str(db), "import", "customers", str(path), "--preset", "nope")
    assert code != 0 and 'no preset "nope"' in err
    code, _, err = run(capsys, "--db", str(db), "import", "--undo", batch_of(out), "--preset", "outlook")
    assert code != 0 and "--undo takes only a batch id" in err
    code, out, err = run(capsys, "import", "--help")
    assert "shopify-orders  Shopify orders: solocrm import orders" in out
