"""`import deals`: a HubSpot deals export attaches to the contacts imported before it,
maps HubSpot's stage labels, rejects only its deliberately bad rows, re-imports without
change, and is one batch that undo takes back (stage history and search index included)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui.core.contacts.everything import find_everything
from solocrm_tui.core.data_io.columns import map_columns
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.data_io.reading import read_table
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales.board import build_board
from solocrm_tui.core.sales.deals import move_deal
from solocrm_tui.core.storage import bulk_index
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import undo_batch

from ..conftest import table_dump

DATA = Path(__file__).resolve().parents[2] / "data" / "imports"
DEALS = DATA / "hubspot_deals.csv"
CONTACTS = DATA / "hubspot_contacts_for_deals.csv"


def rows(sql: str, *params) -> list[tuple]:
    return [tuple(r) for r in database.execute_sql(sql, params)]


def rejected(report) -> dict[int, str]:
    return {i.line: i.message for i in report.issues if i.rejected}


def notes(report) -> dict[int, str]:
    return {i.line: i.message for i in report.issues if not i.rejected}


@pytest.fixture
def contacts(core_db, t0):
    report = import_file("customers", CONTACTS, t0, mapping=["Record ID=external_id"])
    assert (report.inserted, report.rejected) == (4, 0)
    return dict(rows("SELECT external_id, id FROM customer"))


def deal(external_id: str) -> dict:
    names = ("customer_id", "title", "value_cents", "currency", "stage", "probability", "expected_close",
             "created_at", "closed_at", "last_activity_at", "batch_id")
    found = rows(f"SELECT {', '.join(names)} FROM deal WHERE external_id = ?", external_id)
    return dict(zip(names, found[0])) if found else {}


def test_hubspot_headers_map_with_the_plain_synonyms():
    headers = read_table(DEALS).headers
    fields = {name: headers[i] for name, i in map_columns("deals", headers).fields.items()}
    assert fields == {"external_id": "Record ID", "title": "Deal Name", "stage": "Deal Stage", "value": "Amount",
                      "expected_close": "Close Date", "created_at": "Create Date",
                      "customer_name": "Associated Contact", "customer_external_id": "Associated Contact IDs",
                      "last_activity_at": "Last Activity Date"}


def test_hubspot_deals_attach_to_the_contacts_and_only_the_bad_rows_are_rejected(contacts, t0):
    report = import_file("deals", DEALS, t0)
    assert rejected(report) == {
        8: 'unknown stage "Waiting For Budget": use lead, qualified, proposal, negotiation, won or lost '
           "(or HubSpot's Appointment Scheduled, Qualified To Buy, Presentation Scheduled, "
           "Decision Maker Bought-In, Contract Sent, Closed Won, Closed Lost)",
        9: 'amount can\'t be negative, got "-50"',
        10: "unknown customer (external id 999): import them first or use --create-missing",
    }
    assert notes(report) == {4: "2 associated contacts: the deal goes to the first (103)"}
    assert (report.inserted, report.updated, report.skipped, report.customers_created) == (7, 0, 0, 0)
    stages = dict(rows("SELECT external_id, stage FROM deal"))
    assert stages == {"9001": "lead", "9002": "won", "9003": "qualified", "9004": "proposal",
                      "9005": "negotiation", "9006": "lost", "9010": "negotiation"}
    won = deal("9002")
    assert won["customer_id"] == contacts["102"] and won["value_cents"] == 480050 and won["currency"] == "EUR"
    assert str(won["closed_at"]).startswith("2026-11-10") and str(won["created_at"]).startswith("2026-09-01 09:00")
    assert str(won["last_activity_at"]).startswith("2026-11-10 12:00") and won["batch_id"] == report.batch_id
    assert deal("9003")["customer_id"] == contacts["103"]
    assert deal("9010")["customer_id"] == contacts["104"]  # found by the email in "Dan Park (dan@example.com)"
    opened = deal("9001")
    assert opened["closed_at"] is None and str(opened["expected_close"]) == "2026-12-15"
    assert rows("SELECT d.external_id, h.from_stage, h.to_stage, h.reason FROM deal_stage_change h "
                "JOIN deal d ON d.id = h.deal_id WHERE d.external_id IN ('9001', '9006') ORDER BY d.external_id") == [
        ("9001", None, "lead", "imported"), ("9006", None, "lost", "imported")]
    assert rows("SELECT COUNT(*) FROM deal_stage_change") == [(7,)]
    assert rows("SELECT body FROM interaction WHERE customer_id = ? AND kind = 'system'", contacts["101"]) == [
        (f"imported 2 deals (batch {report.batch_id})",)]


def test_deals_are_found_by_find_anything(contacts, t0, monkeypatch):
    monkeypatch.setattr(bulk_index, "BULK_ROWS", 1)  # the bulk path must index exactly like the trigger
    import_file("deals", DEALS, t0)
    hits = [hit for group in find_everything("redesign", t0).groups for hit in group.hits]
    assert [(h.source, h.customer_id, h.text) for h in hits] == [("deal", contacts["101"], "Website redesign")]


def test_dry_run_reports_the_same_and_changes_nothing(contacts, t0, unchanged):
    with unchanged():
        report = import_file("deals", DEALS, t0, dry_run=True)
    assert (report.inserted, report.rejected, report.batch_id) == (7, 3, None)
    assert "dry run: nothing was changed" in report.lines()


def test_reimport_changes_nothing_and_a_changed_deal_is_updated_undoably(contacts, t0, tmp_path):
    import_file("deals", DEALS, t0)
    before = table_dump()
    again = import_file("deals", DEALS, t0)
    assert (again.inserted, again.updated, again.skipped, again.batch_id) == (0, 0, 7, None)
    assert table_dump() == before
    changed = tmp_path / "deals.csv"
    changed.write_text(DEALS.read_text().replace("9001,Website redesign,Appointment Scheduled,1200",
                                                 "9001,Website redesign,Closed Won,1350"))
    later = datetime(2026, 11, 23, 9, 0)
    update = import_file("deals", changed, later)
    assert (update.inserted, update.updated, update.skipped) == (0, 1, 6)
    won = deal("9001")
    assert (won["stage"], won["value_cents"], str(won["closed_at"])[:10]) == ("won", 135000, "2026-12-15")
    assert rows("SELECT h.from_stage, h.to_stage, h.reason FROM deal_stage_change h JOIN deal d ON d.id = h.deal_id "
                "WHERE d.external_id = '9001' ORDER BY h.id") == [(None, "lead", "imported"),
                                                                   ("lead", "won", "imported")]
    undo_batch(update.batch_id, later, kind="import")
    assert table_dump() == {**before, "batch": table_dump()["batch"], "batch_change": table_dump()["batch_change"]}


def test_undo_takes_the_deals_their_history_and_their_search_entries_back(contacts, t0):
    before = table_dump()
    report = import_file("deals", DEALS, t0)
    result = undo_batch(report.batch_id, t0, kind="import")
    assert result.deleted >= 7
    after = table_dump()
    assert {t: r for t, r in after.items() if t not in ("batch", "batch_change")} == \
        {t: r for t, r in before.items() if t not in ("batch", "batch_change")}
    assert find_everything("redesign", t0).groups == ()


def test_undo_refuses_when_an_imported_deal_was_moved_since(contacts, t0):
    report = import_file("deals", DEALS, t0)
    move_deal(rows("SELECT id FROM deal WHERE external_id = '9001'")[0][0], "qualified", datetime(2026, 11, 23))
    with pytest.raises(ValidationError, match="was changed after this batch"):
        undo_batch(report.batch_id, t0, kind="import")


def test_create_missing_creates_from_name_and_email_never_from_an_id(core_db, t0, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("Record ID,Deal Name,Deal Stage,Amount,Associated Contact,Associated Contact IDs\n"
                    "1,Intro call,lead,100,Eve Moss (eve@example.com),501\n"
                    "2,Follow-on,lead,200,,502\n"
                    "3,Catalogue,won,50,Finn Roe,\n"
                    "4,Workshop,lead,80,max@example.com,\n")
    report = import_file("deals", path, t0, create_missing=True)
    assert rejected(report) == {
        3: "unknown customer (external id 502): a new customer needs a name or an email, not just an id",
        4: 'no customer: a name alone ("Finn Roe") matches nobody for sure; give the contact\'s id, email or phone',
    }
    assert (report.inserted, report.customers_created) == (2, 2)
    assert rows("SELECT name, email, external_id FROM customer") == [("Eve Moss", "eve@example.com", "501"),
                                                                      ("max@example.com", "max@example.com", None)]
    undo_batch(report.batch_id, t0, kind="import")
    assert rows("SELECT COUNT(*) FROM customer") == [(0,)] and rows("SELECT COUNT(*) FROM deal") == [(0,)]


def test_a_deals_file_without_a_stage_or_title_column_is_refused(core_db, t0, tmp_path, unchanged):
    path = tmp_path / "deals.csv"
    path.write_text("Deal Name,Amount,Associated Contact IDs\nIntro,100,1\n")
    with unchanged(), pytest.raises(ValidationError, match="the deals file has no stage column"):
        import_file("deals", path, t0)


def test_values_written_like_a_person_would(contacts, t0, tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text("id,title,stage,value,currency,probability,expected close,customer email\n"
                    "A1,Tea tasting,Proposal,\"1,250.00\",usd,40%,2026-12-01,ann@example.com\n"
                    "A2,Cake course,negotiation,80,,0.6,,bob@example.com\n"
                    "A3,Far future,lead,80,,140,,bob@example.com\n")
    report = import_file("deals", path, t0)
    assert rejected(report) == {4: "probability must be between 0 and 100, got 140"}
    assert deal("A1")["value_cents"] == 125000 and deal("A1")["currency"] == "USD"
    assert (deal("A1")["probability"], deal("A2")["probability"]) == (40, 60)
    assert deal("A2")["value_cents"] == 8000 and str(deal("A2")["created_at"])[:16] == "2026-11-22 10:30"


def test_imported_won_deals_count_their_days_from_creation_to_close(contacts, t0):
    """The history of an imported won deal starts at won; its days to close are still known."""
    import_file("deals", DEALS, t0)
    forecast = build_board(t0).forecast
    assert (forecast.closed_90d, forecast.win_rate_90d) == (2, 0.5)
    assert forecast.avg_days_to_close == pytest.approx(69.625)  # 2026-09-01 09:00 -> 2026-11-10
