"""Loyalty rate and margin KPIs: known answers on a hand-made book, and the loyalty rate
against hand-written SQL on the CDNOW sample stored in a real database."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from solocrm_tui.core.analytics import kpis, store
from solocrm_tui.core.storage.models import Customer, Order, database

from .test_kpis import AS_OF, frame

# (customer, ordered_at, amount, cost): margins by hand in the test below
COSTED = [
    (1, "2026-06-01 12:00", 30, 10), (1, "2026-11-05 12:00", 100, 60), (1, "2026-11-20 12:00", 50, None),
    (2, "2026-08-10 12:00", 80, 50), (2, "2026-10-25 12:00", 100, None),
    (3, "2026-11-21 12:00", 40, 45),
    (4, "2026-11-22 12:00", 500, 100),  # after as_of (10:30)
]


def costed_frame(rows=COSTED) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount", "cost"])
    out["ordered_at"] = pd.to_datetime(out["ordered_at"])
    out["cost"] = out["cost"].astype(float)
    return out


def test_loyalty_rate_known_answer():
    k = kpis.customer_kpis(frame(), AS_OF)["loyalty_rate"]
    # 22 Nov: buyers 1, 2, 3, 4, 6; only customer 1 has 3 purchase days, the last within 90 days
    # and the first over 30 days ago. 24 Aug: buyers 1 and 3, neither with 3 purchase days.
    assert (k["value"], k["previous"], k["change"]) == (pytest.approx(1 / 5), 0, None)
    assert k["label"] == "of buyers: 3+ purchase days, the last within 90 days"


def test_margin_kpi_leaves_out_orders_without_a_cost_and_says_how_many():
    k = kpis.margin_kpis(costed_frame(), AS_OF)["gross_margin"]
    # last 90 days (24 Aug - 22 Nov 10:30): 100-60 and 40-45; 50 and 100 have no cost
    # the 90 days before (26 May - 24 Aug): 30-10 and 80-50
    assert (k["value"], k["previous"]) == (35, 50)
    assert k["change"] == pytest.approx(-15 / 50)
    assert k["label"] == "last 90 days, 2 orders with a cost (2 without, left out)"


def test_margin_kpi_without_any_cost_is_no_figure_not_zero():
    rows = [(1, "2026-11-05 12:00", 100, None), (2, "2026-07-05 12:00", 50, None)]
    k = kpis.margin_kpis(costed_frame(rows), AS_OF)["gross_margin"]
    assert (k["value"], k["previous"]) == (None, None)
    assert k["label"] == "no order in the last 180 days has a cost"
    assert kpis.margin_kpis(frame(), AS_OF) == {}  # a frame without costs at all says nothing


LOYALTY_SQL = """
WITH days AS (SELECT DISTINCT customer_id, date(ordered_at) AS day FROM orders
              WHERE customer_id IS NOT NULL AND ordered_at <= :as_of),
     buyer AS (SELECT customer_id, COUNT(*) AS n, MIN(day) AS first, MAX(day) AS last FROM days
               WHERE day <= :day GROUP BY customer_id)
SELECT 1.0 * SUM(n >= 3 AND last > date(:day, '-90 days') AND first <= date(:day, '-30 days')) / COUNT(*)
FROM buyer
"""


def _sql_loyalty(as_of: pd.Timestamp, day: pd.Timestamp) -> float:
    params = {"as_of": str(as_of.to_pydatetime()), "day": str(day.date())}
    return database.execute_sql(LOYALTY_SQL, params).fetchone()[0]


@pytest.mark.parametrize("as_of", ["1997-06-30 12:00", "1997-09-30 23:00", "1998-03-15 08:00"])
def test_loyalty_rate_matches_hand_written_sql_on_cdnow(db_path, cdnow_orders, as_of):
    ids = sorted(cdnow_orders["customer_id"].unique())
    with database.atomic():
        Customer.insert_many([(i, f"C{i}", datetime(1997, 1, 1), datetime(1997, 1, 1)) for i in ids],
                             fields=[Customer.id, Customer.name, Customer.created_at, Customer.updated_at]).execute()
        rows = [(int(c), int(round(a * 100)), "USD", t.to_pydatetime())
                for c, t, a in cdnow_orders[["customer_id", "ordered_at", "amount"]].itertuples(index=False)]
        for start in range(0, len(rows), 5000):
            Order.insert_many(rows[start:start + 5000],
                              fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
    as_of = pd.Timestamp(as_of)
    k = kpis.customer_kpis(store.load_orders(as_of.to_pydatetime()), as_of)["loyalty_rate"]
    day = as_of.normalize()
    assert k["value"] == pytest.approx(_sql_loyalty(as_of, day))
    assert k["previous"] == pytest.approx(_sql_loyalty(as_of, day - pd.Timedelta(days=90)))
    assert 0 < k["value"] < 1


def test_stored_orders_carry_their_cost_and_unknown_stays_unknown(db_path):
    from solocrm_tui.core.contacts.customers import create_customer
    from solocrm_tui.core.sales.orders import add_order

    cid = create_customer(AS_OF.to_pydatetime(), name="Ann").id
    add_order(cid, "100", AS_OF.to_pydatetime(), cost="40.50")
    add_order(cid, "20", AS_OF.to_pydatetime())
    cost = store.load_orders()["cost"]
    assert cost.iloc[0] == 40.5 and pd.isna(cost.iloc[1])
    assert "cost" in store.load_orders(datetime(2000, 1, 1)).columns  # an empty frame has the column too


def _costed_book() -> dict[int, int]:
    """COSTED in a database, plus a customer without orders."""
    from solocrm_tui.core.contacts.customers import create_customer
    from solocrm_tui.core.sales.orders import add_order

    now = AS_OF.to_pydatetime()
    ids = {n: create_customer(datetime(2025, 1, 1), name=f"Customer {n}").id for n in range(1, 5)}
    create_customer(now, name="Lead only")
    for n, when, amount, cost in COSTED:
        add_order(ids[n], str(amount), now, ordered_at=datetime.fromisoformat(when),
                  cost=None if cost is None else str(cost))
    return ids


def test_summary_carries_margin_contribution_and_loyalty_through_json(db_path):
    from solocrm_tui.core.analytics.runs import Settings
    from solocrm_tui.core.analytics.summary import Summary, summary

    _costed_book()
    s = summary(AS_OF.to_pydatetime(), Settings())
    assert (s.kpis.gross_margin.value, s.kpis.gross_margin.previous) == (35, 50)
    # buyers by 22 Nov: 1, 2, 3; customer 1 is loyal (1 Jun, 5 and 20 Nov). By 24 Aug: 1 and 2, neither.
    assert (s.kpis.loyalty_rate.value, s.kpis.loyalty_rate.previous) == (pytest.approx(1 / 3), 0)
    c = s.contribution
    # up to 22 Nov 10:30: 30-10, 100-60, 80-50, 40-45 = 85; 50 and 100 have no cost; 500-100 is later
    assert (c.margin, c.orders_with_cost, c.orders_without_cost) == (85, 4, 2)
    assert [(t.name, t.margin, t.orders_without_cost) for t in c.top] == [
        ("Customer 1", 60, 1), ("Customer 2", 30, 1), ("Customer 3", -5, 0)]
    assert [t.share for t in c.top] == pytest.approx([60 / 85, 30 / 85, -5 / 85])
    back = Summary.from_json(s.to_json())
    assert back == s
    data = json.loads(s.to_json())
    assert data["contribution"]["margin"] == 85 and data["kpis"]["loyalty_rate"]["value"] == pytest.approx(1 / 3)
    assert data["contribution"]["top"][0] == {"customer_id": 1, "name": "Customer 1", "margin": 60.0,
                                              "share": pytest.approx(60 / 85), "orders_without_cost": 1}


SEGMENT_MARGIN_SQL = """
SELECT c.segment, SUM(o.amount_cents - o.cost_cents) / 100.0 FROM orders o JOIN customer c ON c.id = o.customer_id
WHERE o.cost_cents IS NOT NULL AND c.segment IS NOT NULL AND o.ordered_at <= ? GROUP BY c.segment
"""


def test_segment_margin_matches_hand_written_sql_after_a_refit(db_path):
    from solocrm_tui.core.analytics.runs import Settings
    from solocrm_tui.core.analytics.summary import summary

    from ..conftest import seed_book

    now = AS_OF.to_pydatetime()
    seed_book(now)
    # a cost on two orders in three, none on the third: margins differ from revenue shares
    database.execute_sql("UPDATE orders SET cost_cents = amount_cents * (id % 5) / 10 WHERE id % 3 != 0")
    s = summary(now, Settings(), do_refit=True)
    expected = dict(database.execute_sql(SEGMENT_MARGIN_SQL, (str(now),)).fetchall())
    assert len(expected) >= 2
    assert {seg.name: seg.margin for seg in s.segments} == pytest.approx(expected)
    assert sum(expected.values()) == pytest.approx(s.contribution.margin)  # every buyer has a segment


def test_no_margin_figure_before_the_first_order():
    assert kpis.margin_kpis(costed_frame([]), AS_OF) == {}
