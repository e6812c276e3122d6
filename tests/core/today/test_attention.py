"""Who deserves attention: value at risk (churn risk x CLV) with reasons, top customers by
CLV, stage counts, and the churn-risk suggestions in the Today queue."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from solocrm_tui.config import Today
from solocrm_tui.core.analytics import attention
from solocrm_tui.core.contacts.customers import archive_customers, create_customer
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.models import Customer
from solocrm_tui.core.today import sources
from solocrm_tui.core.today.dismissals import dismiss
from solocrm_tui.core.today.queue import todays_queue

NOW = datetime(2026, 11, 22, 10, 30)
D = timedelta(days=1)


def _customer(name: str, risk: float | None, clv: float | None, orders: tuple[int, ...] = (),
              contacted: int | None = None, segment: str | None = None) -> int:
    cid = create_customer(NOW - 400 * D, name=name).id
    for days_ago in orders:
        add_order(cid, "100", NOW, ordered_at=NOW - days_ago * D)
    if contacted is not None:
        add_interaction(cid, "call", "checked in", NOW, occurred_at=NOW - contacted * D)
    Customer.update(churn_risk=risk, clv=clv, segment=segment).where(Customer.id == cid).execute()
    return cid


@pytest.fixture
def book(db_path) -> dict[str, int]:
    ids = {
        "Hal": _customer("Hal", 0.7, 800.0, (90, 70, 50), contacted=40, segment="Loyal"),  # at risk 560
        "Ben": _customer("Ben", 0.5, 1000.0, (200, 80), contacted=5, segment="At risk"),   # 500, contacted lately
        "Ann": _customer("Ann", 0.6, 500.0, (135, 105, 75), segment="Loyal"),               # 300
        "Cy": _customer("Cy", 0.9, 100.0, (40,), segment="New"),                           # 90
        "Dee": _customer("Dee", 0.2, 10000.0, (10, 5), segment="Champions"),               # risk too low
        "Eve": _customer("Eve", 0.95, 0.0, (700,), segment="Lost"),                        # worth nothing
        "Fay": _customer("Fay", 0.9, 5000.0, (100, 50)),                                   # archived
        "Gus": _customer("Gus", None, 300.0, (20,)),                                       # not scored
        "Ivy": _customer("Ivy", None, None),                                               # a lead
    }
    archive_customers([ids["Fay"]], NOW)
    return ids


def names(rows) -> list[str]:
    return [r.name for r in rows]


def test_at_risk_is_ranked_by_risk_times_clv(book):
    rows = attention.at_risk(NOW)
    assert names(rows) == ["Hal", "Ben", "Ann", "Cy"]
    assert [r.value_at_risk for r in rows] == pytest.approx([560, 500, 300, 90])
    hal = rows[0]
    assert (hal.customer_id, hal.churn_risk, hal.clv) == (book["Hal"], 0.7, 800.0)
    assert hal.last_order_at == NOW - 50 * D
    assert hal.last_contact_at == NOW - 40 * D
    assert hal.usual_gap_days == 20


def test_at_risk_filters(book):
    assert names(attention.at_risk(NOW, 2)) == ["Hal", "Ben"]
    assert names(attention.at_risk(NOW, not_contacted_days=30)) == ["Hal", "Ann", "Cy"]
    assert names(attention.at_risk(NOW, not_contacted_days=60)) == ["Ann", "Cy"]
    assert names(attention.at_risk(NOW, min_risk=0.65)) == ["Hal", "Cy"]
    assert names(attention.at_risk(NOW, min_risk=0.1)) == ["Dee", "Hal", "Ben", "Ann", "Cy"]


def test_at_risk_reasons_use_the_customers_own_rhythm(book):
    reasons = {r.name: r.reason for r in attention.at_risk(NOW)}
    assert reasons == {
        "Hal": "last bought 50 days ago; usually every 20 days; churn risk 70%, 800 predicted value",
        "Ben": "last bought 80 days ago; usually every 120 days; churn risk 50%, 1,000 predicted value",
        "Ann": "last bought 75 days ago; usually every 30 days; churn risk 60%, 500 predicted value",
        "Cy": "last bought 40 days ago; churn risk 90%, 100 predicted value",
    }


def test_usual_gap_merges_same_day_orders(db_path):
    cid = create_customer(NOW, name="Same Day").id
    for when in (NOW - 30 * D, NOW - 30 * D + timedelta(hours=2), NOW, NOW - timedelta(hours=1)):
        add_order(cid, "10", NOW, ordered_at=when)
    assert attention.usual_gap(cid) == 30
    assert attention.usual_gap(create_customer(NOW, name="Nobody").id) is None


def test_top_by_clv(book):
    rows = attention.top_by_clv()
    assert names(rows) == ["Dee", "Ben", "Hal", "Ann", "Gus", "Cy", "Eve"]
    dee = rows[0]
    assert (dee.customer_id, dee.clv, dee.revenue, dee.order_count, dee.segment) == (
        book["Dee"], 10000.0, Decimal("200.00"), 2, "Champions")
    assert names(attention.top_by_clv(3)) == ["Dee", "Ben", "Hal"]


def test_stage_counts_skip_archived_customers(book):
    Customer.update(stage="loyal").where(Customer.name.in_(["Hal", "Ann", "Fay"])).execute()
    Customer.update(stage="at_risk").where(Customer.name == "Ben").execute()
    assert attention.stage_counts() == {"lead": 5, "loyal": 2, "at_risk": 1}


def test_churn_risk_items_only_for_valuable_customers_not_contacted_lately(book):
    items = list(sources.churn_risk_items(NOW, Today()))
    assert [i.customer_name for i in items] == ["Hal", "Ann", "Cy"]  # Ben was called 5 days ago
    hal = items[0]
    assert (hal.kind, hal.customer_id, hal.title) == ("churn_risk", book["Hal"], "valuable customer slipping away")
    assert hal.reasons == ("churn risk 70%, 800 predicted 12-month value", "no contact for 40 days",
                           "last bought 50 days ago; usually every 20 days")
    assert hal.urgency == round(4.0 + 0.5 * math.log10(561), 2)
    assert hal.due_at == NOW - 50 * D
    assert items[1].reasons[1] == "never contacted"
    assert [i.customer_name for i in sources.churn_risk_items(NOW, Today(no_contact_days=60))] == ["Ann", "Cy"]


def test_the_today_queue_shows_churn_risk_rows_and_they_can_be_dismissed(book):
    queue = todays_queue(NOW, Today())
    risky = [i for i in queue if i.kind == "churn_risk"]
    assert [i.customer_name for i in risky] == ["Hal", "Ann", "Cy"]
    assert not [i for i in queue if i.kind == "churn_risk" and i.customer_name in ("Ben", "Dee", "Eve", "Fay")]
    dismiss(risky[:1], NOW + D)
    assert [i.customer_name for i in todays_queue(NOW, Today()) if i.kind == "churn_risk"] == ["Ann", "Cy"]
    add_interaction(book["Ann"], "email", "how are you?", NOW)  # contacting her takes her off the list
    assert [i.customer_name for i in todays_queue(NOW, Today()) if i.kind == "churn_risk"] == ["Cy"]


def test_no_churn_rows_before_the_first_refit(db_path):
    _customer("Unscored", None, None, (400, 300, 200))
    assert attention.at_risk(NOW) == []
    assert not [i for i in todays_queue(NOW, Today()) if i.kind == "churn_risk"]
