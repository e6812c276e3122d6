"""GDPR erasure: the person and everything linked goes, revenue stays, proof is kept, logs are scrubbed."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.contacts.followups import create_followup
from solocrm_tui.core.contacts.lifecycle import Rules, restage
from solocrm_tui.core.contacts.merging import merge_customers, undo_merge
from solocrm_tui.core.contacts.privacy import forget_customer
from solocrm_tui.core.contacts.search import CustomerQuery, count_customers
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import deal_lines, products, quotes
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.service.tickets import open_ticket
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import undo_batch


def scalar(sql: str, *params):
    return database.execute_sql(sql, params).fetchone()[0]


@pytest.fixture
def people(core_db, t0):
    zoe = create_customer(t0, name="Zoë Quartz", email="zoe@x.com", tags=["vip"])
    bob = create_customer(t0, name="Bob Stone", email="bob@x.com")
    for cid, amount in ((zoe.id, "100"), (zoe.id, "50.25"), (bob.id, "10")):
        add_order(cid, amount, t0, ordered_at=datetime(2026, 10, 1))
    add_interaction(zoe.id, "call", "Zoë's secret plans", t0)
    deal = create_deal(zoe.id, "Quartz deal", "900", t0)
    move_deal(deal.id, "proposal", t0)
    create_followup("call Zoë", datetime(2026, 12, 1), t0, customer_id=zoe.id)
    create_followup("deal follow-up", datetime(2026, 12, 2), t0, deal_id=deal.id)
    open_ticket(zoe.id, "cracked quartz", t0)
    create_campaign("Spring", t0)
    restage(t0, Rules())
    return zoe, bob


def test_forget_erases_everything_linked_and_keeps_revenue(people, t0):
    zoe, bob = people
    revenue = scalar("SELECT SUM(amount_cents) FROM orders")
    result = forget_customer(zoe.id, datetime(2026, 11, 23))
    assert (result.orders_anonymised, result.orders_deleted) == (2, 0)
    with pytest.raises(NotFound):
        get_customer(zoe.id)
    for table in ("interaction", "followup", "deal", "ticket", "campaign_target", "stage_change"):
        assert scalar(f"SELECT COUNT(*) FROM {table} WHERE customer_id = ?", zoe.id) == 0, table
    assert scalar("SELECT COUNT(*) FROM followup") == 0  # the deal's follow-up (no customer_id) too
    assert scalar("SELECT COUNT(*) FROM deal_stage_change") == 0
    assert scalar("SELECT COUNT(*) FROM interaction WHERE body LIKE '%Zoë%' OR body LIKE '%Quartz%'") == 0
    assert scalar("SELECT SUM(amount_cents) FROM orders") == revenue
    assert scalar("SELECT COUNT(*) FROM orders WHERE customer_id IS NULL") == 2
    assert get_customer(bob.id).order_count == 1
    erasure = database.execute_sql("SELECT at, orders_anonymised, rows_deleted FROM erasure").fetchall()
    assert erasure == [("2026-11-23 00:00:00", 2, result.rows_deleted)] and result.rows_deleted >= 8
    assert count_customers(CustomerQuery(text="zoe")) == 0 and count_customers(CustomerQuery(text="quartz")) == 0
    assert count_customers(CustomerQuery(text="bob")) == 1
    assert scalar("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'zoe'") == 0
    assert scalar("PRAGMA integrity_check") == "ok"


def test_purge_deletes_their_orders_too(people, t0):
    zoe, _ = people
    result = forget_customer(zoe.id, t0, purge=True)
    assert (result.orders_anonymised, result.orders_deleted) == (0, 2)
    assert scalar("SELECT COUNT(*) FROM orders") == 1
    assert database.execute_sql("SELECT orders_anonymised FROM erasure").fetchone()[0] == 0


def test_forget_unknown_customer(core_db, t0):
    with pytest.raises(NotFound, match="no customer #5"):
        forget_customer(5, t0)
    assert scalar("SELECT COUNT(*) FROM erasure") == 0


def test_forget_scrubs_import_and_merge_logs(core_db, tmp_path, t0):
    path = tmp_path / "p.csv"
    path.write_text("name,email\nZoë Quartz,zoe@x.com\nBob,bob@x.com\n")
    batch = import_file("customers", path, t0).batch_id
    path.write_text("name,email,city\nZoë Quartz,zoe@x.com,Secret Town\n")
    update = import_file("customers", path, datetime(2026, 11, 23)).batch_id
    other = create_customer(t0, name="Zoe Q.", phone="+49 30 1234567")
    merge = merge_customers(1, other.id, datetime(2026, 11, 24)).batch_id
    forget_customer(1, datetime(2026, 11, 25))
    logs = " ".join(r[0] or "" for r in database.execute_sql("SELECT before FROM batch_change"))
    assert "Zo" not in logs and "zoe@" not in logs and "Secret" not in logs and "1234567" not in logs
    assert json.loads(scalar("SELECT summary FROM batch WHERE id = ?", merge))["erased"] is True
    with pytest.raises(ValidationError, match="can no longer be undone: a customer in it was erased"):
        undo_merge(merge, t0)
    undo_batch(update, t0, kind="import")  # nothing left to restore for her; fine
    undo_batch(batch, t0, kind="import")  # removes Bob; she is already gone
    assert scalar("SELECT COUNT(*) FROM customer") == 0


def test_forget_deletes_their_quotes_with_the_files_and_their_deals_lines(core_db, tmp_path, t0):
    zoe = create_customer(t0, name="Zoë Quartz")
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350")
    deal = create_deal(zoe.id, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, products.resolve(products.parse_items("2x ek43")), t0)
    quote = quotes.quote_deal(deal.id, t0, quotes.Owner(name="Rösterei"), tmp_path)
    files = [tmp_path / f"{quote.number}.pdf", tmp_path / f"{quote.number}.md"]
    assert all(f.exists() for f in files)
    forget_customer(zoe.id, t0)
    assert scalar("SELECT COUNT(*) FROM quote") == 0 and scalar("SELECT COUNT(*) FROM deal_line") == 0
    assert not any(f.exists() for f in files)  # a PDF with the person's name is personal data too
    assert scalar("SELECT COUNT(*) FROM product") == 1
