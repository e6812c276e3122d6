"""Merging duplicate customers (everything moves, undo restores exactly) and finding them."""

from __future__ import annotations

from datetime import datetime

import pytest

from solocrm_tui.core.contacts.customers import (
    create_customer,
    get_customer,
    update_customer,
)
from solocrm_tui.core.contacts.duplicates import find_duplicates
from solocrm_tui.core.contacts.followups import create_followup
from solocrm_tui.core.contacts.merging import merge_customers, parse_prefer, undo_merge
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import quotes
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.service.tickets import open_ticket
from solocrm_tui.core.storage.models import StageChange, database

from ..conftest import table_dump


def count(sql: str, *params) -> int:
    return database.execute_sql(sql, params).fetchone()[0]


@pytest.fixture
def pair(core_db, tmp_path, t0):
    """KEEP (#1) with little data, OTHER (#2) with one of everything."""
    keep = create_customer(t0, name="Ann Smith", company="Acme", tags=["vip"], custom={"size": "M"})
    other = create_customer(t0, name="Ann Smyth", email="ann@x.com", phone="+49 30 1234567", city="Berlin",
                            tags=["newsletter"], custom={"size": "L", "pet": "cat"}, opt_out=True)
    add_order(keep.id, "10", t0, ordered_at=datetime(2026, 1, 1))
    add_order(other.id, "25.50", t0, ordered_at=datetime(2026, 3, 1))
    add_interaction(other.id, "call", "talked", t0, occurred_at=datetime(2026, 10, 1))
    deal = create_deal(other.id, "Big one", "1000", t0)
    create_followup("call back", datetime(2026, 12, 1), t0, customer_id=other.id)
    open_ticket(other.id, "broken cup", t0)
    create_campaign("Spring", t0)  # targets both
    create_campaign("Autumn", t0, target_filter="#newsletter")  # targets OTHER only
    database.execute_sql("UPDATE campaign_target SET responded_at = '2026-04-01 00:00:00' WHERE customer_id = ?",
                         (other.id,))
    StageChange.insert(customer=other.id, from_stage="lead", to_stage="new", at=t0, reason="x").execute()
    quotes.quote_deal(deal.id, t0, quotes.Owner(name="Rösterei"), tmp_path)
    return keep, other, deal


def test_merge_moves_everything_and_fills_empty_fields(pair, t0):
    keep, other, _deal = pair
    entries = count("SELECT COUNT(*) FROM interaction WHERE customer_id = ?", other.id)
    result = merge_customers(keep.id, other.id, t0)
    assert result.moved == {"interaction": entries, "orders": 1, "deal": 1, "followup": 1, "ticket": 1, "campaign_target": 1,
                            "quote": 1}
    assert set(result.filled) == {"email", "phone", "city", "tags", "custom", "opt_out"}
    merged = get_customer(keep.id)
    assert (merged.name, merged.email, merged.phone, merged.city, merged.opt_out) == (
        "Ann Smith", "ann@x.com", "+49 30 1234567", "Berlin", True)
    assert merged.tags == ("newsletter", "vip") and merged.custom == {"size": "M", "pet": "cat"}
    assert (merged.order_count, str(merged.revenue)) == (2, "35.50")
    assert merged.last_contact_at == datetime(2026, 10, 1)
    with pytest.raises(NotFound):
        get_customer(other.id)
    for table in ("interaction", "orders", "deal", "followup", "ticket", "campaign_target", "quote"):
        assert count(f"SELECT COUNT(*) FROM {table} WHERE customer_id = ?", other.id) == 0
    assert count("SELECT COUNT(*) FROM campaign_target WHERE customer_id = ?", keep.id) == 2
    assert count("SELECT COUNT(*) FROM campaign_target WHERE responded_at IS NOT NULL AND customer_id = ?", keep.id) == 2
    assert count("SELECT COUNT(*) FROM interaction WHERE kind = 'system' AND body LIKE 'merged customer #2 (Ann Smyth)%'") == 1
    assert count("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'smyth'") == 0
    assert count("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'berlin'") == 1


def test_prefer_takes_fields_from_other(pair, t0):
    keep, other, _ = pair
    update_customer(keep.id, t0, email="old@x.com")
    result = merge_customers(keep.id, other.id, t0, prefer=parse_prefer(["other:email,name"]))
    merged = get_customer(keep.id)
    assert (merged.name, merged.email) == ("Ann Smyth", "ann@x.com")
    assert "email" in result.filled


def test_undo_merge_restores_both_exactly(pair, t0):
    keep, other, _ = pair
    before = table_dump()
    result = merge_customers(keep.id, other.id, t0)
    undo = undo_merge(result.batch_id, datetime(2026, 11, 23))
    assert undo.restored > 0
    after = table_dump()
    for table in ("customer", "orders", "deal", "followup", "ticket", "campaign_target", "stage_change", "interaction",
                  "quote"):
        assert after[table] == before[table], table
    assert count("SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH 'smyth'") == 1
    with pytest.raises(ValidationError, match="already undone"):
        undo_merge(result.batch_id, t0)


def test_undo_merge_refuses_after_later_edits_unless_forced(pair, t0):
    keep, other, _ = pair
    result = merge_customers(keep.id, other.id, t0)
    update_customer(keep.id, datetime(2026, 11, 30), company="Acme Ltd")
    with pytest.raises(ValidationError, match="was edited after this batch"):
        undo_merge(result.batch_id, t0)
    undo_merge(result.batch_id, t0, force=True)
    assert get_customer(other.id).email == "ann@x.com"


def test_merge_refusals(pair, t0):
    keep, other, _ = pair
    with pytest.raises(ValidationError, match="with itself"):
        merge_customers(keep.id, keep.id, t0)
    with pytest.raises(NotFound, match="no customer #99"):
        merge_customers(keep.id, 99, t0)
    with pytest.raises(ValidationError, match='cannot prefer "shoe"') as refused:
        merge_customers(keep.id, other.id, t0, prefer={"shoe": "other"})
    assert refused.value.field == "shoe"
    with pytest.raises(ValidationError, match='prefer email from "keep" or "other"') as refused:
        merge_customers(keep.id, other.id, t0, prefer={"email": "mine"})
    assert refused.value.field == "email"
    with pytest.raises(ValidationError, match="should look like other:email,phone"):
        parse_prefer(["email"])
    with pytest.raises(NotFound, match='no batch "mrg-x"'):
        undo_merge("mrg-x", t0)


def test_duplicates_by_email_phone_and_similar_names(core_db, t0):
    a = create_customer(t0, name="Ann Smith", email="ann@x.com", company="Acme")
    b = create_customer(t0, name="Smith Ann", email="ann+shop@x.com", company="ACME")
    c = create_customer(t0, name="Bob Stone", phone="+49 30 1234567")
    d = create_customer(t0, name="Robert Stone", phone="030 1234567")
    e = create_customer(t0, name="Carla Rossi", city="Rome")
    f = create_customer(t0, name="Carla Rosi", city="rome")
    create_customer(t0, name="Carla Rossi", city="Milan")  # same name, other city, no shared data: not listed
    create_customer(t0, name="Dora Klein", company="Acme")
    pairs = {(p.first_id, p.second_id): p for p in find_duplicates()}
    assert set(pairs) == {(a.id, b.id), (c.id, d.id), (e.id, f.id)}
    assert pairs[(a.id, b.id)].reasons == ("same email", "similar name at the same company")
    assert pairs[(c.id, d.id)].reasons == ("same phone",)
    assert pairs[(e.id, f.id)].reasons == ("similar name in the same city",) and 90 <= pairs[(e.id, f.id)].score < 100
    assert [p.first_id for p in find_duplicates()][:2] == [a.id, c.id]  # exact evidence first
    assert len(find_duplicates(limit=1)) == 1


def test_duplicates_compare_only_inside_blocks(core_db, t0):
    """20k customers: names are only compared within a company or a city (timing lives in bench/)."""
    rows = [(f"Person {i} Name{i % 977}", f"City {i % 50}", f"Co {i % 300}", "2026-01-01 00:00:00",
             "2026-01-01 00:00:00") for i in range(20_000)]
    with database.atomic():
        database.connection().executemany(
            "INSERT INTO customer (name, city, company, created_at, updated_at, opt_out, tags, custom, revenue_cents, "
            "order_count, stage) VALUES (?, ?, ?, ?, ?, 0, '', '{}', 0, 0, 'lead')", rows)
    where = {i + 1: (city, company) for i, (_, city, company, _, _) in enumerate(rows)}
    pairs = find_duplicates()
    assert pairs
    for pair in pairs:
        (city_a, co_a), (city_b, co_b) = where[pair.first_id], where[pair.second_id]
        assert city_a == city_b or co_a == co_b
