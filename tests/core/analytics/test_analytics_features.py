"""Features: hand-checked small cases plus the CDNOW counts every BTYD paper quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics.features import customer_features, summary_for_btyd

CALIBRATION_END = pd.Timestamp("1997-09-30")  # end of the 39-week calibration period

DAY0 = pd.Timestamp("2024-01-01")


def _orders(rows):
    return pd.DataFrame(
        [(c, DAY0 + pd.Timedelta(days=d, hours=h), a) for c, d, h, a in rows],
        columns=["customer_id", "ordered_at", "amount"],
    )


@pytest.fixture
def orders():
    return _orders([
        ("a", 0, 9, 10.0), ("a", 0, 15, 5.0),   # same day: one occasion worth 15
        ("a", 10, 9, 30.0), ("a", 30, 9, 45.0),
        ("b", 20, 9, 100.0),
        ("a", 50, 9, 999.0),                      # after as_of: ignored
    ])


def test_rfm_rhythm_and_occasions(orders):
    f = customer_features(orders, DAY0 + pd.Timedelta(days=40))
    a = f.loc["a"]
    assert a["occasions"] == 3 and a["frequency"] == 2
    assert a["monetary_total"] == 90.0
    assert a["monetary_mean"] == pytest.approx(30.0)
    assert a["repeat_monetary_mean"] == pytest.approx(37.5)
    assert (a["recency_days"], a["tenure_days"], a["t_x_days"]) == (10.0, 40.0, 30.0)
    assert a["median_gap_days"] == 15.0 and a["days_overdue"] == -5.0
    assert a["first_order"] == DAY0 and a["last_order"] == DAY0 + pd.Timedelta(days=30)
    b = f.loc["b"]
    assert b["frequency"] == 0 and np.isnan(b["repeat_monetary_mean"])
    assert np.isnan(b["median_gap_days"]) and np.isnan(b["days_overdue"])


def test_customers_without_orders_interactions_and_tickets(orders):
    as_of = DAY0 + pd.Timedelta(days=40)
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"]})
    interactions = pd.DataFrame({
        "customer_id": ["a", "a", "a", "c", "b"],
        "kind": ["call", "call", "email", "email", "call"],
        "occurred_at": [as_of - pd.Timedelta(days=d) for d in (1, 89, 5, 3, 120)],
    })
    tickets = pd.DataFrame({
        "customer_id": ["a", "a", "c", "c"],
        "status": ["open", "closed", "Pending", "open"],
        "opened_at": [as_of - pd.Timedelta(days=2)] * 3 + [as_of + pd.Timedelta(days=1)],
    })
    f = customer_features(orders, as_of, customers, interactions, tickets)
    assert list(f.index) == ["a", "b", "c"]
    assert f.loc["c", "occasions"] == 0 and np.isnan(f.loc["c", "recency_days"])
    assert f.loc["a", "n_call_90d"] == 2 and f.loc["a", "n_email_90d"] == 1
    assert f.loc["b", "n_call_90d"] == 0  # 120 days ago is outside the window
    assert f.loc["c", "n_email_90d"] == 1
    assert f["open_tickets"].to_dict() == {"a": 1, "b": 0, "c": 1}


def test_summary_for_btyd_units(orders):
    f = customer_features(orders, DAY0 + pd.Timedelta(days=42),
                          customers=pd.DataFrame({"customer_id": ["a", "b", "z"]}))
    s = summary_for_btyd(f, time_unit_days=7)
    assert list(s.index) == ["a", "b"]  # no-order customers are not in BTYD summaries
    assert s.loc["a"].tolist() == pytest.approx([2.0, 30 / 7, 6.0])
    assert s.loc["b"].tolist() == pytest.approx([0.0, 0.0, 22 / 7])


def test_cdnow_standard_counts(cdnow_orders):
    s = summary_for_btyd(customer_features(cdnow_orders, CALIBRATION_END))
    assert len(s) == 2357
    assert (s["x"] > 0).sum() == 946
    assert s["x"].sum() == 2457
    assert s["T"].max() == pytest.approx(272 / 7)  # first purchase 1997-01-01
