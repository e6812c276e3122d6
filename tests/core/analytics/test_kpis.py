"""KPIs with their periods (known answers on a tiny hand-made book) and the analytics
summary that the CLI and the Insights screen show."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from solocrm_tui.core.analytics import kpis, refit, summary
from solocrm_tui.core.analytics.churn import CANDIDATES
from solocrm_tui.core.analytics.runs import Settings
from solocrm_tui.core.analytics.summary import ClvModel, Kpi
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.models import Customer, ModelRun, database

from ..conftest import seed_book

NOW = datetime(2026, 11, 22, 10, 30)
AS_OF = pd.Timestamp(NOW)
D = timedelta(days=1)

# (customer, ordered_at, amount): every figure below is worked out by hand from these rows
ROWS = [
    (1, "2026-06-01 12:00", 30), (1, "2026-11-05 12:00", 100), (1, "2026-11-20 12:00", 50),
    (2, "2026-10-10 12:00", 80), (2, "2026-10-25 12:00", 100),  # 25 Oct: after "Oct to the 22nd"
    (3, "2025-11-15 12:00", 60), (3, "2026-07-15 12:00", 40),
    (4, "2026-08-30 09:00", 70), (4, "2026-08-30 17:00", 30),  # one purchase day, two orders
    (5, "2026-11-22 12:00", 500),  # after as_of (10:30): not counted anywhere
    (6, "2026-11-10 12:00", 20),
]


def frame(rows=ROWS) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    out["ordered_at"] = pd.to_datetime(out["ordered_at"])
    return out


def test_revenue_month_and_quarter_to_date_against_previous_and_last_year():
    periods = kpis.revenue_periods(frame(), AS_OF)
    month = periods["revenue_month"]
    # Nov 1-22: 100 + 50 + 20; Oct 1-22 10:30: 80; Nov 1-22 2025: 60
    assert month["label"] == "Nov 2026 to date"
    assert (month["value"], month["previous"], month["last_year"]) == (170, 80, 60)
    assert month["change"] == pytest.approx(90 / 80)
    assert month["change_vs_last_year"] == pytest.approx(110 / 60)
    quarter = periods["revenue_quarter"]
    # Oct 1 - Nov 22: 80 + 100 + 100 + 50 + 20; Jul 1 - Aug 22: 40 (30 Aug is past the span); Q4 2025 span: 60
    assert quarter["label"] == "Q4 2026 to date"
    assert (quarter["value"], quarter["previous"], quarter["last_year"]) == (350, 40, 60)
    assert quarter["change"] == pytest.approx(310 / 40)


def test_the_previous_period_never_runs_into_the_current_one():
    """On 31 March, "February to date" must not borrow 1-3 March."""
    rows = [(1, "2026-02-10 12:00", 10), (1, "2026-03-02 12:00", 100), (2, "2026-03-30 12:00", 5),
            (3, "2025-12-31 12:00", 7), (3, "2026-01-01 12:00", 1000)]
    periods = kpis.revenue_periods(frame(rows), pd.Timestamp("2026-03-31 10:00"))
    assert periods["revenue_month"]["value"] == 105
    assert periods["revenue_month"]["previous"] == 10
    quarter = kpis.revenue_periods(frame(rows), pd.Timestamp("2026-06-30 10:00"))["revenue_quarter"]
    assert quarter["value"] == 0
    assert quarter["previous"] == 1115  # all of Q1 (90 days), not 1 April too
    rows = [(1, "2026-06-30 12:00", 3), (1, "2026-07-01 12:00", 4)]
    quarter = kpis.revenue_periods(frame(rows), pd.Timestamp("2026-09-30 10:00"))["revenue_quarter"]
    assert (quarter["value"], quarter["previous"]) == (4, 3)


def test_customer_kpis_known_answers():
    k = kpis.customer_kpis(frame(), AS_OF)
    # bought in (24 Aug, 22 Nov]: customers 1, 2, 4, 6; in (26 May, 24 Aug]: 1 and 3
    assert (k["active_customers"]["value"], k["active_customers"]["previous"]) == (4, 2)
    assert k["active_customers"]["change"] == pytest.approx(1.0)
    assert k["active_customers"]["label"] == "bought in the last 90 days"
    # first order in the last 30 days: customer 6; the 30 days before: customer 2
    assert (k["new_customers"]["value"], k["new_customers"]["previous"]) == (1, 1)
    # of {1, 3} only 1 bought again
    assert k["retention_rate"]["value"] == pytest.approx(0.5)
    assert k["retention_rate"]["label"].startswith("of the 2 buyers of the previous 90 days")
    assert k["churn_rate"]["value"] == pytest.approx(0.5)
    # purchase days per buyer: 3, 2, 2, 1, 1 (customer 5 only bought after as_of)
    assert k["repeat_purchase_rate"]["value"] == pytest.approx(3 / 5)
    # orders in the last 90 days: 100 50 80 100 70 30 20
    assert k["average_order_value"]["value"] == pytest.approx(450 / 7)
    # gaps 157, 15 (customer 1), 15 (customer 2), 242 (customer 3)
    assert k["median_days_between_purchases"]["value"] == pytest.approx(86.0)


def test_kpis_without_orders():
    empty = frame([])
    assert kpis.customer_kpis(empty, AS_OF) == {}
    month = kpis.revenue_periods(empty, AS_OF)["revenue_month"]
    assert (month["value"], month["previous"], month["change"], month["change_vs_last_year"]) == (0, 0, None, None)


def test_retention_is_none_without_earlier_buyers():
    k = kpis.customer_kpis(frame([(1, "2026-11-01 12:00", 10)]), AS_OF)
    assert k["retention_rate"]["value"] is None and k["churn_rate"]["value"] is None
    assert k["median_days_between_purchases"]["value"] is None
    assert k["repeat_purchase_rate"]["value"] == 0.0


# --- the summary, from the database ----------------------------------------------------------------


def _hand_made_book() -> dict[int, int]:
    ids = {n: create_customer(NOW - 800 * D, name=f"Customer {n}").id for n in range(1, 7)}
    create_customer(NOW, name="Lead only")
    for n, when, amount in ROWS:
        add_order(ids[n], str(amount), NOW, ordered_at=datetime.fromisoformat(when))
    return ids


def test_summary_kpis_come_from_the_stored_orders(db_path):
    ids = _hand_made_book()
    won = create_deal(ids[1], "Won deal", "100", NOW - 30 * D)
    move_deal(won.id, "won", NOW - 5 * D)
    lost = create_deal(ids[2], "Lost deal", "100", NOW - 30 * D)
    move_deal(lost.id, "lost", NOW - 5 * D, reason="price")
    s = summary.summary(NOW, Settings())
    assert s.as_of == datetime(2026, 11, 22, 10, 30)
    assert (s.customers, s.customers_with_orders) == (7, 5)  # customer 5 only bought after now
    k = s.kpis
    # The won deal is an order of 100 on the day it was won (NOW − 5 days), beside the 170 of orders
    assert (k.revenue_month.value, k.revenue_month.previous) == (170 + 100, 80)
    assert k.revenue_quarter.value == 350 + 100
    assert k.active_customers.value == 4  # customer 1, who won it, was active already
    assert k.average_order_value.value == pytest.approx((450 + 100) / 8)
    assert k.pipeline_win_rate == Kpi(label="deals closed in the last 90 days (2)", value=0.5)
    assert k.campaign_response_rate.value is None and k.csat.value is None
    months = {m.month: m.revenue for m in s.forecast.monthly_revenue}
    assert next(iter(months)) == date(2025, 11, 1) and list(months)[-1] == date(2026, 10, 1)  # Nov 2026 is not over
    assert (months[date(2025, 11, 1)], months[date(2026, 6, 1)], months[date(2026, 7, 1)], months[date(2026, 8, 1)],
            months[date(2026, 10, 1)]) == (60, 30, 40, 100, 180)
    assert sum(months.values()) == 410
    assert len(s.forecast.next_months) == 3
    assert s.forecast.note == "seasonality not modelled"
    # nothing fitted yet: the summary says so instead of inventing figures
    assert s.churn.model is None and s.churn.rule_based is True
    assert "insights --refit" in s.churn.reason
    assert s.clv == ClvModel(model=None, time_unit=None, params=None, horizon_months=None, rule_based=True,
                             reason="", sample_size=None)
    assert s.segments == () and s.fitted_at is None


def test_summary_fields_and_types_after_a_refit(db_path):
    seed_book(NOW)
    s = summary.summary(NOW, Settings(), do_refit=True)
    assert isinstance(s, summary.Summary)
    assert (s.customers, s.customers_with_orders) == (420, 400)
    assert s.fitted_at == datetime(2026, 11, 22, 10, 30)
    for key in ("revenue_month", "revenue_quarter", "active_customers", "new_customers", "retention_rate",
                "churn_rate", "repeat_purchase_rate", "average_order_value", "median_days_between_purchases",
                "pipeline_win_rate", "campaign_response_rate", "csat"):
        assert isinstance(getattr(s.kpis, key), Kpi) and isinstance(getattr(s.kpis, key).label, str), key
    assert s.segments and sum(seg.size for seg in s.segments) == 400
    for seg in s.segments:
        assert isinstance(seg.name, str) and isinstance(seg.size, int)
        assert isinstance(seg.revenue_share, float) and 0 <= seg.revenue_share <= 1
    assert sum(seg.revenue_share for seg in s.segments) == pytest.approx(1.0)

    churn = s.churn
    assert churn.horizon_days == 90
    assert churn.model in ("rule_recency", *CANDIDATES)
    assert isinstance(churn.auc, float) and 0.5 < churn.auc <= 1
    assert isinstance(churn.brier, float) and 0 <= churn.brier < 0.25
    assert [c.model for c in churn.candidates] == ["rule_recency", *CANDIDATES]
    assert isinstance(churn.rule_based, bool)
    assert churn.n_train == churn.n_valid == 400

    clv = s.clv
    assert clv.model == "bgnbd+gamma_gamma" and clv.time_unit == "weeks" and clv.rule_based is False
    assert set(asdict(clv.params)) == {"r", "alpha", "a", "b", "p", "q", "gamma"}
    assert all(isinstance(v, float) and v > 0 for v in asdict(clv.params).values())
    assert clv.horizon_months == 12 and clv.sample_size == 400

    f = s.forecast
    assert len(f.monthly_revenue) == 24
    assert all(isinstance(m.month, date) and isinstance(m.revenue, float) for m in f.monthly_revenue)
    assert isinstance(f.trend_per_month, float)
    for m in f.next_months:
        assert 0 <= m.low <= m.forecast <= m.high
    assert [m.month for m in f.next_months] == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    assert isinstance(f.pipeline_this_month, float) and isinstance(f.pipeline_next_month, float)
    assert s.kmeans.k >= 2


def test_summary_without_refit_reads_the_stored_runs(db_path):
    seed_book(NOW)
    refit.refit(NOW - D, Settings())
    s = summary.summary(NOW, Settings())
    assert s.fitted_at == datetime(2026, 11, 21, 10, 30)
    assert s.clv.model == "bgnbd+gamma_gamma"
    assert ModelRun.select().count() == 4  # churn, clv, segments, purchases


def test_summary_as_of_counts_orders_up_to_that_date_and_stores_nothing(db_path):
    seed_book(NOW)
    refit.refit(NOW, Settings())
    figures = list(Customer.select(Customer.id, Customer.clv, Customer.churn_risk, Customer.segment).tuples())
    as_of = datetime(2025, 6, 30, 23, 59, 59)
    s = summary.summary(NOW, Settings(), as_of=as_of)
    assert s.as_of == as_of
    bought = database.execute_sql("SELECT COUNT(DISTINCT customer_id) FROM orders WHERE ordered_at <= ?",
                                  (as_of.isoformat(sep=" "),)).fetchone()[0]
    assert s.customers_with_orders == bought < 400
    assert s.forecast.monthly_revenue[-1].month == date(2025, 6, 1)
    june = database.execute_sql("SELECT SUM(amount_cents) FROM orders WHERE ordered_at >= '2025-06-01' "
                                "AND ordered_at <= ?", (as_of.isoformat(sep=" "),)).fetchone()[0] / 100
    assert s.kpis.revenue_month.value == pytest.approx(june)
    assert s.churn.model is not None and s.clv.model is not None  # computed for that date
    assert ModelRun.select().count() == 4  # churn, clv, segments, purchases
    assert list(Customer.select(Customer.id, Customer.clv, Customer.churn_risk, Customer.segment).tuples()) == figures
