"""Exports: formula-safe CSV, JSON with derived fields, valid vCard 4.0 and iCalendar, GDPR access."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup, mark_done
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.data_io import exporting
from solocrm_tui.core.data_io.formats import csv_safe, fold
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import deal_lines, products, quotes
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.models import database


def export(kind: str, fmt: str, now: datetime) -> str:
    out = io.StringIO(newline="")
    exporting.write(kind, fmt, out, now)
    return out.getvalue()


def unfold(text: str) -> list[str]:
    """RFC 5545/6350 content lines: every physical line ends in CRLF, continuations start with a space."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in physical)
    assert all(len(line.encode()) <= 75 for line in physical)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def components(lines: list[str], name: str) -> list[dict[str, list[str]]]:
    """Property name -> values for each BEGIN:name … END:name block."""
    found, current = [], None
    for line in lines:
        key, _, value = line.partition(":")
        if line == f"BEGIN:{name}":
            current = {}
        elif line == f"END:{name}":
            found.append(current)
            current = None
        elif current is not None:
            current.setdefault(key.split(";")[0], []).append(value)
    return found


@pytest.fixture
def book(core_db, t0):
    ann = create_customer(t0, name="Ann Smith", company="Acme; Sons, Ltd", email="ann@x.com", phone="+49 30 1234567",
                          city="Berlin", country="Germany", birthday="1990-02-03", tags=["vip", "b2b"],
                          custom={"note": "=HYPERLINK(\"http://evil\")"})
    evil = create_customer(t0, name="=cmd|' /C calc'!A0", company="@SUM(1+1)", email="evil@x.com")
    add_order(ann.id, "1200.50", t0, ordered_at=datetime(2026, 10, 1), description="-2+3 chairs", cost="400")
    add_interaction(ann.id, "call", "+1 said yes\nthen no", t0, occurred_at=datetime(2026, 10, 2))
    create_followup("Call Ann back, about: the; chairs \\ table " + "x" * 80, datetime(2026, 11, 25, 9, 0), t0,
                    customer_id=ann.id)
    done = create_followup("old", datetime(2026, 11, 1), t0, customer_id=evil.id)
    mark_done([done.id], t0)
    create_deal(ann.id, "Chairs", "5000", t0)
    database.execute_sql("UPDATE customer SET segment = 'champions', churn_risk = 0.1, p_alive = 0.9, "
                         "expected_purchases = 2.5, clv = 3456.78 WHERE id = ?", (ann.id,))
    return ann, evil


def test_csv_safe_neutralises_formula_starts():
    assert [csv_safe(v) for v in ("=1+1", "+49", "-5", "@x", "\tx", "\rx", "plain", "", None, 5)] == [
        "'=1+1", "'+49", "'-5", "'@x", "'\tx", "'\rx", "plain", "", "", 5]


def test_customers_csv_is_formula_safe_and_complete(book, t0):
    text = export("customers", "csv", t0)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == 2 and text.count("\r\n") >= 3
    ann, evil = rows
    assert evil["name"] == "'=cmd|' /C calc'!A0" and evil["company"] == "'@SUM(1+1)"
    assert ann["phone"] == "'+49 30 1234567" and ann["tags"] == "b2b vip"
    assert json.loads(ann["custom"]) == {"note": '=HYPERLINK("http://evil")'}  # inside JSON: not at cell start
    assert (ann["revenue"], ann["segment"], ann["clv"], ann["stage"]) == ("1200.50", "champions", "3456.78", "lead")
    for cell in (c for row in rows for c in row.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_orders_and_interactions_csv_are_formula_safe(book, t0):
    orders = list(csv.DictReader(io.StringIO(export("orders", "csv", t0), newline="")))
    assert orders[0]["description"] == "'-2+3 chairs" and orders[0]["amount"] == "1200.50"
    assert orders[0]["customer_email"] == "ann@x.com" and orders[0]["cost"] == "400.00"
    talks = [r for r in csv.DictReader(io.StringIO(export("interactions", "csv", t0), newline="")) if r["kind"] == "call"]
    assert talks[0]["body"] == "'+1 said yes\nthen no"


def test_customers_json_has_every_derived_field(book, t0):
    data = json.loads(export("customers", "json", t0))
    ann = data[0]
    for field in ("stage", "segment", "churn_risk", "p_alive", "expected_purchases", "clv", "revenue", "order_count",
                  "last_order_at", "last_contact_at"):
        assert field in ann
    assert (ann["segment"], ann["churn_risk"], ann["p_alive"], ann["expected_purchases"], ann["clv"]) == (
        "champions", 0.1, 0.9, 2.5, 3456.78)
    assert ann["tags"] == ["b2b", "vip"] and ann["custom"] == {"note": '=HYPERLINK("http://evil")'}
    assert ann["revenue"] == "1200.50" and ann["opt_out"] is False
    assert data[1]["name"] == "=cmd|' /C calc'!A0"  # JSON is data, not a spreadsheet: unchanged


def test_empty_exports(core_db, t0):
    assert export("customers", "csv", t0) == ""
    assert json.loads(export("orders", "json", t0)) == []
    assert components(unfold(export("followups", "ics", t0)), "VTODO") == []


def test_vcard_is_valid_4_0(book, t0):
    text = export("customers", "vcf", t0)
    cards = components(unfold(text), "VCARD")
    assert len(cards) == 2
    ann = cards[0]
    assert ann["VERSION"] == ["4.0"]
    assert ann["FN"] == ["Ann Smith"] and ann["N"] == ["Smith;Ann;;;"]
    assert ann["ORG"] == ["Acme\\; Sons\\, Ltd"]
    assert ann["EMAIL"] == ["ann@x.com"] and ann["TEL"] == ["+49 30 1234567"]
    assert ann["ADR"] == [";;;Berlin;;;Germany"] and ann["BDAY"] == ["19900203"]
    assert ann["CATEGORIES"] == ["b2b,vip"]
    assert "Stage: lead\\nnote: =HYPERLINK(\"http://evil\")" in ann["NOTE"][0]
    for card in cards:
        assert {"VERSION", "FN", "N", "UID"} <= set(card)


def test_vcard_lists_the_other_emails_and_phones_an_address_book_brought(core_db, t0):
    create_customer(t0, name="Anna Schmidt", email="anna@feinkost.de", phone="+49 151 23456789", street="Torstr. 1",
                    postcode="10119", city="Berlin", region="BE", country="DE",
                    custom={"other emails": "anna.m@gmail.com, a@b.de", "other phones": "+49 30 90182077",
                            "size": "M"})
    card = components(unfold(export("customers", "vcf", t0)), "VCARD")[0]
    assert card["EMAIL"] == ["anna@feinkost.de", "anna.m@gmail.com", "a@b.de"]
    assert card["TEL"] == ["+49 151 23456789", "+49 30 90182077"]
    assert card["ADR"] == [";;Torstr. 1;Berlin;BE;10119;DE"]
    assert card["NOTE"] == ["Stage: lead\\nsize: M"]


def test_icalendar_has_open_followups_only(book, t0):
    lines = unfold(export("followups", "ics", t0))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines) and "VERSION:2.0" in lines
    todos = components(lines, "VTODO")
    assert len(todos) == 1
    todo = todos[0]
    assert {"UID", "DTSTAMP", "DTSTART", "DUE", "SUMMARY", "DESCRIPTION"} <= set(todo)
    assert todo["DUE"] == ["20261125T090000"] and todo["DTSTAMP"][0].endswith("Z")
    assert todo["SUMMARY"][0].startswith("Call Ann back\\, about: the\\; chairs \\\\ table xxx")
    assert todo["DESCRIPTION"] == ["Customer: Ann Smith (#1)"]


def test_fold_never_splits_a_utf8_character():
    line = "SUMMARY:" + "ä€😀" * 40
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_wrong_format_for_kind_is_a_clear_error(core_db, t0):
    with pytest.raises(ValidationError, match="--format vcf does not work for orders: use csv or json"):
        export("orders", "vcf", t0)
    with pytest.raises(ValidationError, match="--format ics does not work for customers"):
        export("customers", "ics", t0)
    with pytest.raises(ValidationError, match='cannot export "deals"'):
        export("deals", "csv", t0)


def test_file_export_has_bom_and_owner_only_permissions(book, tmp_path, t0):
    path = tmp_path / "out" / "customers.csv"
    assert exporting.write_file("customers", "csv", path, t0) == 2
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob(".*.part"))
    with pytest.raises(ValidationError, match="is a directory"):
        exporting.write_file("customers", "csv", tmp_path, t0)


def test_export_all_writes_one_file_per_kind(book, tmp_path, t0):
    written = exporting.write_all(tmp_path / "dump", "json", t0)
    assert [(p.name, n) for p, n in written] == [("customers.json", 2), ("orders.json", 1),
                                                 ("interactions.json", len(json.loads(written[2][0].read_text()))),
                                                 ("followups.json", 2), ("products.json", 0)]


def test_exported_customers_csv_imports_back_unchanged(book, tmp_path, t0):
    path = tmp_path / "c.csv"
    exporting.write_file("customers", "csv", path, t0)
    report = import_file("customers", path, t0)
    assert (report.inserted, report.updated, report.rejected) == (0, 0, 0) and report.skipped == 2


def test_gdpr_access_export_has_everything_about_one_person(book, t0):
    ann, _ = book
    out = io.StringIO()
    exporting.write_person(ann.id, out, t0)
    data = json.loads(out.getvalue())
    assert data["customer"]["email"] == "ann@x.com" and data["customer"]["clv"] == 3456.78
    assert [o["amount"] for o in data["orders"]] == ["1200.50"]
    assert any(i["body"] == "+1 said yes\nthen no" for i in data["interactions"])
    assert [d["title"] for d in data["deals"]] == ["Chairs"] and "stage_history" in data["deals"][0]
    assert [f["title"][:13] for f in data["followups"]] == ["Call Ann back"]
    assert {"tickets", "campaigns", "stage_history", "exported_at"} <= set(data)
    with pytest.raises(NotFound):
        exporting.write_person(999, io.StringIO(), t0)


def test_large_export_streams(core_db, tmp_path, t0):
    rows = [(f"Person {i}", "2026-01-01 00:00:00", "2026-01-01 00:00:00") for i in range(20_000)]
    with database.atomic():
        database.connection().executemany(
            "INSERT INTO customer (name, created_at, updated_at, opt_out, tags, custom, revenue_cents, order_count, stage) "
            "VALUES (?, ?, ?, 0, '', '{}', 0, 0, 'lead')", rows)
    path = tmp_path / "all.vcf"
    assert exporting.write_file("customers", "vcf", path, t0) == 20_000
    assert path.read_text().count("BEGIN:VCARD") == 20_000


def test_gdpr_access_export_has_their_deal_lines_and_quotes(core_db, tmp_path, t0):
    ann = create_customer(t0, name="Lucía Dvořák")
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350")
    deal = create_deal(ann.id, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, products.resolve(products.parse_items("2x ek43")), t0)
    quotes.quote_deal(deal.id, t0, quotes.Owner(name="Rösterei"), tmp_path)
    out = io.StringIO()
    exporting.write_person(ann.id, out, t0)
    data = json.loads(out.getvalue())
    assert data["deals"][0]["lines"] == [{"name": "Grinder EK43", "sku": "EK43", "quantity": 2, "unit_price": "1350.00"}]
    [quote] = data["quotes"]
    assert (quote["number"], quote["total"]) == ("Q-2026-0001", "2700.00") and "Lucía Dvořák" in quote["markdown"]
