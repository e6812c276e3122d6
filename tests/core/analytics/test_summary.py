"""The analytics summary as a typed record: what `summary()` computes on a seeded book
survives its JSON unchanged (it crosses from the child process to the app that way),
the JSON keeps the shape `solocrm insights --json` users script against, and the
record can be read without loading pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from solocrm_tui.core.analytics import refit
from solocrm_tui.core.analytics.runs import Settings
from solocrm_tui.core.analytics.summary import (
    ChurnCandidate,
    ChurnModel,
    ClvModel,
    Kpi,
    Kpis,
    PurchaseCandidate,
    PurchaseLab,
    ReliabilityBin,
    Segment,
    SegmentationCandidate,
    Summary,
    summary,
)
from solocrm_tui.core.storage.models import Customer, Order
from solocrm_tui.text.insights import TILES

from ..conftest import seed_book

ROOT = Path(__file__).resolve().parents[3]
D = timedelta(days=1)


@pytest.fixture
def book(db_path, now):
    seed_book(now)
    return db_path


@pytest.mark.parametrize("state", ["before the first refit", "after a refit", "as of a past date"])
def test_a_real_summary_survives_its_json(book, now, state):
    if state == "after a refit":
        refit.refit(now, Settings())
    as_of = datetime(2026, 6, 30, 23, 59, 59) if state == "as of a past date" else None
    s = summary(now, Settings(), as_of=as_of)
    text = s.to_json()
    assert Summary.from_json(text) == s
    assert Summary.from_json(text).to_json() == text


def test_the_summary_holds_real_types(book, now):
    refit.refit(now, Settings())
    s = summary(now, Settings())
    assert (s.as_of, s.fitted_at) == (now, now)
    assert (s.customers, s.customers_with_orders) == (420, 400)
    assert isinstance(s.kpis.revenue_month, Kpi) and isinstance(s.kpis.revenue_month.value, float)
    assert isinstance(s.kpis.active_customers.value, int)  # a count stays a count
    assert all(isinstance(seg, Segment) for seg in s.segments) and sum(seg.size for seg in s.segments) == 400
    assert s.kmeans is not None and all(isinstance(seg, Segment) for seg in s.kmeans.profile)
    months = [m.month for m in s.forecast.monthly_revenue]
    assert all(type(m) is date and m.day == 1 for m in months) and months[-1] == date(2026, 10, 1)
    assert [m.month for m in s.forecast.next_months] == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    assert isinstance(s.churn, ChurnModel) and isinstance(s.clv, ClvModel)
    assert s.clv.params is not None and s.clv.params.r > 0
    assert isinstance(s.segments, tuple) and isinstance(s.churn.candidates, tuple)
    check = s.segment_check
    assert check.cutoff == date(2026, 8, 24) and check.horizon_days == 90 and check.note
    assert sum(o.size for o in check.states) > 0 and all(0 <= o.bought_again <= 1 for o in check.states)
    lab = s.segment_lab
    assert [c.method for c in lab.candidates] == ["named states", "kmeans", "agglomerative", "dbscan"]
    assert all(isinstance(c, SegmentationCandidate) and c.n > 0 for c in lab.candidates)
    assert lab.cutoff == date(2026, 8, 24) and lab.in_use == "named states"
    assert all(isinstance(seg, Segment) for c in lab.clusters for seg in c.profile)
    assert Summary.from_json(s.to_json()) == s


def test_the_json_keeps_the_shape_users_script_against(book, now):
    """A figure without a comparison has no comparison keys, a model not fitted yet no training
    figures, and the customer KPIs are missing before the first order: as it always printed."""
    data = json.loads(summary(now, Settings()).to_json())
    assert list(data) == ["as_of", "customers", "customers_with_orders", "kpis", "segments", "kmeans", "churn",
                          "clv", "forecast", "fitted_at", "segment_check", "purchase_lab", "segment_lab",
                          "contribution", "bought_together", "unsegmented_buyers"]
    assert data["as_of"] == "2026-11-22 10:30:00" and data["fitted_at"] is None and data["segment_check"] is None
    assert data["purchase_lab"] is None and data["segment_lab"] is None
    assert list(data["kpis"]) == ["revenue_month", "revenue_quarter", "active_customers", "new_customers",
                                  "retention_rate", "churn_rate", "repeat_purchase_rate", "average_order_value",
                                  "median_days_between_purchases", "pipeline_win_rate", "campaign_response_rate",
                                  "csat", "loyalty_rate", "gross_margin"]
    assert set(data["kpis"]["revenue_month"]) == {"label", "value", "previous", "change", "last_year",
                                                  "change_vs_last_year"}
    assert set(data["kpis"]["active_customers"]) == {"label", "value", "previous", "change"}
    assert set(data["kpis"]["csat"]) == {"label", "value"}
    assert set(data["churn"]) == {"horizon_days", "model", "auc", "brier", "candidates", "rule_based", "reason"}
    assert data["clv"] == {"model": None, "params": {}, "time_unit": None, "rule_based": True}
    assert set(data["forecast"]["next_months"][0]) == {"month", "forecast", "low", "high"}
    assert data["forecast"]["monthly_revenue"][-1]["month"] == "2026-10"


def test_no_orders_yet_leaves_the_customer_figures_out(db_path, now):
    s = summary(now, Settings())
    assert s.kpis.active_customers is None and s.kpis.revenue_month.value == 0
    assert set(json.loads(s.to_json())["kpis"]) == {"revenue_month", "revenue_quarter", "pipeline_win_rate",
                                                   "campaign_response_rate", "csat"}
    assert Summary.from_json(s.to_json()) == s


def alike_buyers(now: datetime, n: int = 25) -> None:
    """Enough buyers for KMeans, all with the same one order: nothing to tell them apart."""
    for i in range(n):
        cid = Customer.insert(name=f"Same {i}", created_at=now - 400 * D, updated_at=now).execute()
        Order.insert(customer=cid, amount_cents=5000, currency="EUR", ordered_at=now - 30 * D).execute()


def test_buyers_too_alike_to_cluster_have_no_silhouette(db_path, now):
    alike_buyers(now)
    refit.refit(now, Settings())
    s = summary(now, Settings())
    assert (s.kmeans.k, s.kmeans.silhouette, [p.size for p in s.kmeans.profile]) == (1, None, [25])
    assert json.loads(s.to_json())["kmeans"]["silhouette"] is None
    assert Summary.from_json(s.to_json()) == s


def test_the_tiles_name_the_kpis():
    assert sorted(key for key, _, _ in TILES) == sorted(f.name for f in fields(Kpis))


def test_reading_the_record_loads_neither_pandas_nor_the_database_layer():
    """The app and every CLI command import the record (and its presenters) to read the
    child's answer: that costs the standard library only."""
    code = ("import json, sys\n"
            "import solocrm_tui.core.analytics.summary, solocrm_tui.text.insights\n"
            "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    assert loaded & {"pandas", "numpy", "scipy", "sklearn", "peewee"} == set()


def test_the_churn_interval_and_reliability_survive_the_json():
    """n, each candidate's gain interval and the reliability bins reach `--json` and come back."""
    churn = ChurnModel(horizon_days=90, model="logistic", auc=0.79, brier=0.14, rule_based=False, reason="beat it",
                       candidates=(ChurnCandidate("rule_recency", 0.78, 0.15),
                                   ChurnCandidate("logistic", 0.79, 0.14, 0.015, 0.004, 0.026)),
                       n_train=2357, n_valid=2357, reliability=(ReliabilityBin(0.31, 0.29, 236),))
    data = churn.to_dict()
    assert data["n_valid"] == 2357 and data["reliability"] == [{"predicted": 0.31, "observed": 0.29, "n": 236}]
    assert data["candidates"][0] == {"model": "rule_recency", "auc": 0.78, "brier": 0.15}
    assert data["candidates"][1]["gain_low"] == 0.004
    assert ChurnModel.from_dict(json.loads(json.dumps(data))) == churn


def test_the_purchase_lab_survives_the_json():
    """Each candidate's metrics, MAE-difference intervals, fit time and n reach `--json` and come
    back; BG/NBD, the baseline, has no difference keys, and a figure that could not be computed is null."""
    lab = PurchaseLab(horizon_days=90, in_use="bgnbd+gamma_gamma", reason="stays in use", n_train=2357,
                      n_holdout=2357, candidates=(
                          PurchaseCandidate("bgnbd+gamma_gamma", 0.275, 0.25, 0.39, 10.4, 0.27, 0.38, 0.59,
                                            fit_seconds=0.02, n_train=2357, note="fitted without labels"),
                          PurchaseCandidate("forest", 0.301, 0.39, None, 11.4, 0.45, 0.37, 0.58, 0.026, 0.017,
                                            0.035, 1.04, 0.68, 1.43, 0.3, 2357, "")))
    data = json.loads(json.dumps(lab.to_dict()))
    assert "purchases_mae_diff" not in data["candidates"][0]
    assert data["candidates"][1]["spend_mae_diff_low"] == 0.68 and data["candidates"][1]["purchases_rank"] is None
    assert PurchaseLab.from_dict(data) == lab


def test_each_churn_candidate_carries_its_fit_time_size_and_note_through_the_json():
    """The leaderboard row: fit seconds, customers fitted on, and why a heavy one was
    subsampled or skipped (a skipped one has no scores). Runs stored before the lab have
    none of these and still load."""
    skipped = ChurnCandidate("knn", None, None, fit_seconds=None, n=0,
                             note="skipped: 400,000 customers is above the 300,000 k-NN scores in time")
    sampled = ChurnCandidate("svm", 0.78, 0.12, -0.01, -0.02, 0.0, fit_seconds=2.5, n=3000,
                             note="fitted on a random 3,000 of 95,957 training customers")
    churn = ChurnModel(horizon_days=90, model="rule_recency", auc=0.8, brier=0.13, rule_based=True, reason="r",
                       candidates=(ChurnCandidate("rule_recency", 0.8, 0.13, fit_seconds=0.01, n=95957),
                                   sampled, skipped))
    data = json.loads(json.dumps(churn.to_dict()))
    assert data["candidates"][0] == {"model": "rule_recency", "auc": 0.8, "brier": 0.13, "fit_seconds": 0.01,
                                     "n": 95957}
    assert data["candidates"][2] == {"model": "knn", "auc": None, "brier": None, "fit_seconds": None, "n": 0,
                                     "note": skipped.note}
    assert ChurnModel.from_dict(data) == churn
    old = ChurnCandidate.from_dict({"model": "gbm", "auc": 0.8, "brier": 0.1})
    assert (old.fit_seconds, old.n, old.note) == (None, None, "")
    assert old.to_dict() == {"model": "gbm", "auc": 0.8, "brier": 0.1}
