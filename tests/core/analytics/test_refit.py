"""The refit end to end on a database file: frames loaded, figures and model runs written
back atomically, stale figures cleared, the thin-data fallback, when a refit is due, and
the child-process refit the app runs."""

from __future__ import annotations

import random
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from solocrm_tui.config import Analytics
from solocrm_tui.core import jobs
from solocrm_tui.core.analytics import refit, store
from solocrm_tui.core.analytics.churn import CANDIDATES
from solocrm_tui.core.analytics.runs import (
    Settings,
    latest_runs,
    order_stamp,
    refit_due,
)
from solocrm_tui.core.contacts.customers import archive_customers
from solocrm_tui.core.sales.orders import (
    add_order,
    delete_order,
    refresh_customer_totals,
)
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.storage.models import Customer, ModelRun, Order, database

NOW = datetime(2026, 11, 22, 10, 30)
D = timedelta(days=1)
DAY = timedelta(hours=24)
FIGURES = store.FIGURE_COLUMNS
# BG/NBD's P10-P90 purchase range: none when a regression won the purchase lab (as the forest
# does on this book), since its figure has no predictive distribution.
PURCHASE_RANGE = ["expected_purchases_low", "expected_purchases_high"]
GROUPS = {"frequent": 200, "big_rare": 100, "lapsed": 120, "one_timer": 50, "lead": 30}
BUYERS = sum(GROUPS.values()) - GROUPS["lead"]


def seed_book(now: datetime, seed: int = 7) -> dict[str, list[int]]:
    """Two years of history with known behaviours (ids per group):

    frequent   every 10-18 days, 20-40 each, up to yesterday
    big_rare   every 80-120 days, 300-600 each, up to now
    lapsed     monthly for about a year, silent for the last 380-420 days
    one_timer  a single purchase 500-600 days ago
    lead       never bought
    """
    rng = random.Random(seed)
    start = now - 730 * D
    ids: dict[str, list[int]] = {}
    rows: list[tuple[int, int, datetime]] = []
    with database.atomic():
        for group, n in GROUPS.items():
            ids[group] = [Customer.insert(name=f"{group} {i:03d}", created_at=start, updated_at=start).execute()
                          for i in range(n)]

        def series(cid, first, stop, gap, cents):
            t = first
            while t < stop:
                rows.append((cid, rng.randint(*cents), t))
                t += rng.uniform(*gap) * D

        for cid in ids["frequent"]:
            series(cid, start + rng.uniform(0, 20) * D, now - D, (10, 18), (2000, 4000))
        for cid in ids["big_rare"]:
            series(cid, start + rng.uniform(0, 60) * D, now - D, (80, 120), (30000, 60000))
        for cid in ids["lapsed"]:
            series(cid, start + rng.uniform(0, 30) * D, now - rng.uniform(380, 420) * D, (25, 35), (3000, 8000))
        rows += [(cid, rng.randint(2000, 9000), now - rng.uniform(500, 600) * D) for cid in ids["one_timer"]]
        for i in range(0, len(rows), 500):
            Order.insert_many([(cid, cents, "EUR", t.replace(microsecond=0)) for cid, cents, t in rows[i:i + 500]],
                              fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
        refresh_customer_totals()
    return ids


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict[str, list[int]]]:
    """One seeded database file per module; each test works on its own copy."""
    path = tmp_path_factory.mktemp("book") / "book.db"
    open_database(path)
    try:
        ids = seed_book(NOW)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        close_database()
    return path, ids


@pytest.fixture
def book(template, tmp_path):
    source, ids = template
    path = tmp_path / "crm.db"
    shutil.copy(source, path)
    open_database(path)
    try:
        yield path, ids
    finally:
        close_database()


def figures(ids: list[int]) -> pd.DataFrame:
    rows = Customer.select(Customer.id, *(getattr(Customer, c) for c in FIGURES)).where(Customer.id.in_(ids)).tuples()
    return pd.DataFrame(list(rows), columns=["id", *FIGURES]).set_index("id")


def test_store_loads_frames_from_the_database(book):
    _, ids = book
    orders = store.load_orders()
    assert len(orders) == Order.select().count()
    assert str(orders["ordered_at"].dtype).startswith("datetime64")
    assert orders["amount"].sum() == pytest.approx(
        database.execute_sql("SELECT SUM(amount_cents) FROM orders").fetchone()[0] / 100)
    assert set(orders["customer_id"]) == set(ids["frequent"] + ids["big_rare"] + ids["lapsed"] + ids["one_timer"])
    past = store.load_orders(NOW - 365 * D)
    assert 0 < len(past) < len(orders)
    assert past["ordered_at"].max() <= pd.Timestamp(NOW - 365 * D)
    assert len(store.load_customers()) == sum(GROUPS.values())
    assert store.load_tickets() is None


def test_refit_writes_figures_for_buyers_and_nulls_for_leads(book):
    _, ids = book
    result = refit.refit(NOW, Settings())
    buyers = figures(ids["frequent"] + ids["big_rare"] + ids["lapsed"] + ids["one_timer"])
    assert len(buyers) == BUYERS
    assert buyers.drop(columns=PURCHASE_RANGE).notna().all().all(), buyers.isna().sum()
    assert buyers["churn_risk"].between(0, 1).all()
    assert buyers["p_alive"].between(0, 1).all()
    assert (buyers["expected_purchases"] >= 0).all()
    assert (buyers["clv"] >= 0).all()
    assert figures(ids["lead"]).isna().all().all()
    stored = buyers["clv"].sort_index()
    assert stored.to_numpy() == pytest.approx(result.figures.loc[stored.index, "clv"].to_numpy())


def test_known_behaviours_get_the_expected_figures(book):
    _, ids = book
    refit.refit(NOW, Settings())
    frequent, lapsed = figures(ids["frequent"]), figures(ids["lapsed"])
    big, one_timers = figures(ids["big_rare"]), figures(ids["one_timer"])
    assert lapsed["churn_risk"].mean() > frequent["churn_risk"].mean() + 0.5
    assert one_timers["churn_risk"].mean() > 0.5 > frequent["churn_risk"].mean()
    assert frequent["segment"].isin(["Champions", "Loyal"]).mean() >= 0.9
    assert not lapsed["segment"].isin(["Champions", "Loyal"]).any()
    assert frequent["expected_purchases"].mean() > 3 * big["expected_purchases"].mean()
    assert big["clv"].mean() > frequent["clv"].mean()  # few purchases, but big ones
    assert frequent["clv"].mean() > 10 * lapsed["clv"].mean()


def test_refit_records_four_model_runs_with_metrics_and_the_order_stamp(book):
    refit.refit(NOW, Settings())
    assert sorted(k for (k,) in ModelRun.select(ModelRun.kind).tuples()) == ["churn", "clv", "purchases", "segments"]
    runs = latest_runs()
    stamp = {"orders": Order.select().count(), "max_order_id": Order.select().order_by(Order.id.desc()).get().id}
    assert order_stamp() == stamp
    for run in runs.values():
        assert run["trained_at"] == NOW
        assert run["as_of"] == NOW
        assert {k: run["parameters"][k] for k in stamp} == stamp

    clv = runs["clv"]
    assert clv["sample_size"] == BUYERS
    assert clv["parameters"]["model"] == "bgnbd+gamma_gamma"
    assert clv["parameters"]["time_unit"] == "weeks"
    assert all(clv["parameters"][k] > 0 for k in ("r", "alpha", "a", "b", "p", "q", "gamma"))
    assert clv["metrics"]["rule_based"] is False
    assert clv["metrics"]["repeaters"] == BUYERS - GROUPS["one_timer"]

    churn = runs["churn"]
    assert churn["parameters"]["horizon_days"] == 90
    m = churn["metrics"]
    assert [c["model"] for c in m["candidates"]] == ["rule_recency", *CANDIDATES]
    for c in m["candidates"]:
        assert 0.5 < c["auc"] <= 1 and 0 <= c["brier"] <= 0.25, c
    assert m["n_train"] == m["n_valid"] == BUYERS
    best = max(m["candidates"], key=lambda c: c["auc"])
    if m["rule_based"]:
        assert churn["parameters"]["model"] == "rule_recency"
    else:
        assert churn["parameters"]["model"] == best["model"]
        assert m["auc"] == best["auc"]

    segments = runs["segments"]
    assert segments["sample_size"] == BUYERS
    profiles = segments["metrics"]["segments"]
    assert sum(p["size"] for p in profiles) == BUYERS
    assert sum(p["revenue_share"] for p in profiles) == pytest.approx(1.0)
    assert 2 <= segments["metrics"]["kmeans"]["k"] <= 8
    lab = segments["metrics"]["lab"]
    assert [c["method"] for c in lab["candidates"]] == ["named states", "kmeans", "agglomerative", "dbscan"]
    assert all(c["low"] <= c["eta2"] <= c["high"] for c in lab["candidates"])
    assert lab["in_use"] == "named states" and lab["why"]
    assert [c["method"] for c in lab["clusters"]] == ["kmeans", "agglomerative", "dbscan"]

    purchases = runs["purchases"]
    assert purchases["parameters"]["horizon_days"] == 90
    m = purchases["metrics"]
    assert [c["model"] for c in m["candidates"]] == ["bgnbd+gamma_gamma", "linear", "tree", "forest"]
    assert m["n_holdout"] == purchases["sample_size"] == BUYERS and purchases["parameters"]["model"] in m["reason"]


def test_a_regression_that_beat_bgnbd_gives_the_expected_purchases(book):
    """On this seeded book (regular rhythms, unlike BG/NBD's Poisson buyers) the forest's MAE
    interval is below BG/NBD's on both targets, so its purchases are shown, without a range."""
    result = refit.refit(NOW, Settings())
    lab = next(r for r in result.runs if r["kind"] == "purchases")
    forest = lab["metrics"]["candidates"][-1]
    assert lab["parameters"]["model"] == "forest" and forest["spend_mae_diff_high"] < 0
    shown = result.figures.dropna(subset=["clv"])
    assert shown["expected_purchases"].notna().all() and shown["expected_purchases_low"].isna().all()


def test_a_second_refit_adds_runs_and_latest_runs_picks_the_newest(book):
    refit.refit(NOW, Settings())
    refit.refit(NOW + DAY, Settings(churn_horizon_days=60))
    assert ModelRun.select().count() == 8
    runs = latest_runs()
    assert {r["trained_at"] for r in runs.values()} == {NOW + DAY}
    assert runs["churn"]["parameters"]["horizon_days"] == 60


def test_stale_figures_are_cleared_on_the_next_refit(book):
    _, ids = book
    refit.refit(NOW, Settings())
    gone = ids["frequent"][0]
    assert figures([gone]).drop(columns=PURCHASE_RANGE).notna().all().all()
    lead, archived = ids["lead"][:2]
    Customer.update(segment="Champions", churn_risk=0.5, clv=999.0).where(Customer.id.in_([lead, archived])).execute()
    archive_customers([archived], NOW)  # not even loaded any more: still cleared
    for (oid,) in Order.select(Order.id).where(Order.customer == gone).tuples():
        delete_order(oid)
    refit.refit(NOW, Settings())
    assert figures([gone, lead, archived]).isna().all().all()
    assert figures(ids["frequent"][1:]).drop(columns=PURCHASE_RANGE).notna().all().all()


def test_a_failed_write_changes_nothing(book, monkeypatch):
    """The figures and the run records are one transaction: a failure half-way keeps the old ones."""
    _, ids = book
    refit.refit(NOW, Settings())
    before = figures(ids["frequent"] + ids["lapsed"])
    runs = ModelRun.select().count()
    result = refit.compute(store.load_orders(), store.load_customers(), NOW + DAY, Settings())

    def broken(*args, **kwargs):  # fails after the figures were updated, before the runs are stored
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "json", SimpleNamespace(dumps=broken))
    with pytest.raises(sqlite3.OperationalError):
        store.write_figures(result.figures.assign(clv=0.0), result.runs, NOW + DAY)
    pd.testing.assert_frame_equal(figures(ids["frequent"] + ids["lapsed"]), before)
    assert ModelRun.select().count() == runs


def _small_book() -> tuple[int, int, int]:
    two = Customer.insert(name="Two Orders", created_at=NOW, updated_at=NOW).execute()
    one = Customer.insert(name="One Order", created_at=NOW, updated_at=NOW).execute()
    lead = Customer.insert(name="Lead", created_at=NOW, updated_at=NOW).execute()
    add_order(two, "100", NOW, ordered_at=NOW - 365 * D)
    add_order(two, "200", NOW, ordered_at=NOW - 90 * D)
    add_order(one, "50", NOW, ordered_at=NOW - 10 * D)
    return two, one, lead


def test_a_tiny_book_gets_no_model_figures_rather_than_misleading_ones(db_path):
    """Two buyers: the old run-rate extrapolated one order 10 days ago to 12 orders a year and
    showed r^2 / (r^2 + H^2) as a probability; now there is no figure and the runs say why."""
    two, one, lead = _small_book()
    refit.refit(NOW, Settings())
    runs = latest_runs()
    assert runs["clv"]["parameters"]["model"] == "none"
    assert runs["clv"]["metrics"]["rule_based"] is True
    assert "2 customers with orders" in runs["clv"]["metrics"]["reason"]
    assert "not enough data" in runs["clv"]["metrics"]["reason"]
    assert runs["churn"]["parameters"]["model"] == "none"
    assert "not enough data" in runs["churn"]["metrics"]["reason"]
    assert runs["churn"]["metrics"]["candidates"] == []
    assert runs["segments"]["sample_size"] == 2
    assert "kmeans" not in runs["segments"]["metrics"]
    lab = runs["segments"]["metrics"]["lab"]
    assert lab["candidates"] == [] and lab["clusters"] == [] and "not enough data" in lab["why"]
    rows = figures([two, one, lead])
    assert rows[["churn_risk", "p_alive", "expected_purchases", "clv"]].isna().all().all()
    assert rows["segment"].isna().all()  # the states are banded by the churn risk: none without one


def test_a_short_history_is_not_extrapolated(db_path):
    """350 buyers, all within the last 59 days: under three months nothing is extrapolated."""
    rows = []
    with database.atomic():
        for i in range(350):
            cid = Customer.insert(name=f"C{i}", created_at=NOW, updated_at=NOW).execute()
            rows += [(cid, 1000 + i, "EUR", NOW - (10 + i % 50) * D), (cid, 2000, "EUR", NOW - (1 + i % 9) * D)]
        Order.insert_many(rows, fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
    result = refit.refit(NOW, Settings())
    clv, churn = (next(r for r in result.runs if r["kind"] == k) for k in ("clv", "churn"))
    assert clv["parameters"]["model"] == "none"
    assert "59 days of history" in clv["metrics"]["reason"]
    assert churn["parameters"]["model"] == "none" and churn["metrics"]["rule_based"] is True
    assert result.figures[["churn_risk", "expected_purchases", "clv"]].isna().all().all()


def test_min_customers_comes_from_the_settings(book):
    """Too few customers to validate out of time: BG/NBD figures, said to be from a small book."""
    _, ids = book
    refit.refit(NOW, Settings(min_customers=1000))
    runs = latest_runs()
    assert runs["clv"]["parameters"]["model"] == "bgnbd+gamma_gamma"
    assert "small book" in runs["clv"]["metrics"]["reason"]
    assert runs["churn"]["parameters"]["model"] == "bgnbd"
    assert runs["churn"]["metrics"]["rule_based"] is True
    rows = figures(ids["frequent"] + ids["one_timer"])
    assert (rows["expected_purchases_low"] <= rows["expected_purchases"]).all()
    assert (rows["expected_purchases"] <= rows["expected_purchases_high"] + 1).all()
    assert (rows["clv_low"] <= rows["clv_high"]).all() and rows["churn_why"].notna().all()


def test_refit_as_of_a_past_date_uses_only_orders_up_to_it(book):
    _, ids = book
    as_of = NOW - 560 * D  # 170 days into the book (over three months): some one-time buyers had not bought yet
    result = refit.refit(NOW, Settings(), as_of)
    runs = latest_runs()
    assert runs["clv"]["as_of"] == as_of and runs["clv"]["trained_at"] == NOW
    bought_by_then = set(store.load_orders(as_of)["customer_id"])
    assert 0 < len(bought_by_then) < BUYERS
    assert set(result.figures.index[result.figures["clv"].notna()]) == bought_by_then
    assert runs["clv"]["sample_size"] == len(bought_by_then)
    later = [cid for cid in ids["one_timer"] if cid not in bought_by_then]
    assert later and figures(later).isna().all().all()


def test_refit_due_daily_or_after_a_large_change_in_orders(db_path):
    two, one, _ = _small_book()
    assert refit_due(NOW, DAY, 0.05) is True  # never fitted
    refit.refit(NOW, Settings())
    assert refit_due(NOW, DAY, 0.05) is False
    assert refit_due(NOW + DAY - timedelta(minutes=1), DAY, 0.05) is False
    assert refit_due(NOW + DAY, DAY, 0.05) is True
    assert refit_due(NOW + timedelta(hours=2), timedelta(hours=1), 0.05) is True
    # 3 orders were seen; one more is a 33 % change
    add_order(one, "5", NOW, ordered_at=NOW)
    assert refit_due(NOW + timedelta(hours=1), DAY, 0.5) is False
    assert refit_due(NOW + timedelta(hours=1), DAY, 0.3) is True
    # deletions count as change too
    refit.refit(NOW + timedelta(hours=1), Settings())
    assert refit_due(NOW + timedelta(hours=2), DAY, 0.3) is False
    for (oid,) in Order.select(Order.id).where(Order.customer == two).tuples():
        delete_order(oid)
    assert refit_due(NOW + timedelta(hours=2), DAY, 0.3) is True


def test_refit_due_uses_the_share_of_the_orders_seen(book):
    refit.refit(NOW, Settings())
    seen = order_stamp()["orders"]
    cid = Customer.select(Customer.id).first().id
    extra = int(seen * 0.05)
    Order.insert_many([(cid, 100, "EUR", NOW)] * extra,
                      fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
    assert refit_due(NOW + timedelta(hours=1), DAY, 0.05) is False  # exactly 5 %: not more than
    Order.insert(customer=cid, amount_cents=100, currency="EUR", ordered_at=NOW).execute()
    assert refit_due(NOW + timedelta(hours=1), DAY, 0.05) is True


def test_refit_if_due_runs_only_when_due(db_path, monkeypatch):
    _small_book()
    calls = []

    def fake(path, now, settings, as_of=None):
        calls.append((path, now, settings))
        refit.refit(now, settings)
        return {"clv": True, "churn": True, "segments": False}

    monkeypatch.setattr(jobs, "refit_in_process", fake)
    analytics = Analytics(churn_horizon_days=60)
    assert jobs.refit_if_due(db_path, NOW, analytics, DAY, 0.05) == {"clv": True, "churn": True, "segments": False}
    assert calls == [(db_path, NOW, Settings(churn_horizon_days=60))]
    assert jobs.refit_if_due(db_path, NOW + timedelta(hours=1), analytics, DAY, 0.05) is None
    assert len(calls) == 1
    assert jobs.refit_if_due(db_path, NOW + DAY, analytics, DAY, 0.05) is not None
    assert len(calls) == 2


def test_refit_in_process_runs_the_worker_on_the_file(book):
    path, ids = book
    Customer.update(clv=12345.0).where(Customer.id == ids["lead"][0]).execute()  # stale: must be cleared
    out = jobs.refit_in_process(path, NOW, Settings())
    assert set(out) == {"clv", "churn", "segments", "purchases"}
    assert out["clv"] is False  # enough data for the models
    database.close()  # read what the child wrote through a fresh connection
    database.connect()
    assert figures(ids["frequent"]).drop(columns=PURCHASE_RANGE).notna().all().all()
    assert figures(ids["lead"]).isna().all().all()
    runs = latest_runs()
    assert set(runs) == {"clv", "churn", "segments", "purchases"}
    assert runs["clv"]["trained_at"] == NOW
    assert runs["clv"]["parameters"]["orders"] == order_stamp()["orders"]


def test_refit_in_process_reports_a_failure_in_one_line(tmp_path):
    with pytest.raises(RuntimeError, match=r"^refit failed: .*no database at"):
        jobs.refit_in_process(tmp_path / "missing.db", NOW, Settings())


def test_summary_in_process_is_the_summary_computed_here(book):
    from solocrm_tui.core.analytics.summary import Summary, summary

    path, _ids = book
    refit.refit(NOW, Settings())
    probabilities = {"lead": 10, "qualified": 30, "proposal": 60, "negotiation": 80}
    here = summary(NOW, Settings(), probabilities=probabilities)
    database.close()
    child = jobs.summary_in_process(path, NOW, Settings(), probabilities)
    assert isinstance(child, Summary)
    assert child == here
    assert child.customers_with_orders > 0 and child.forecast.monthly_revenue


def test_summary_in_process_reports_a_failure_in_one_line(tmp_path):
    with pytest.raises(RuntimeError, match=r"^summary failed: .*no database at"):
        jobs.summary_in_process(tmp_path / "missing.db", NOW, Settings())


def test_a_child_that_never_answers_is_a_one_line_failure(book, monkeypatch):
    path, _ids = book
    monkeypatch.setattr(jobs, "CHILD_MINUTES", 0.001)  # 60 ms: starting the child alone takes longer
    with pytest.raises(RuntimeError, match=r"^summary failed: no answer after 0.001 minutes$"):
        jobs.summary_in_process(path, NOW, Settings())


def test_a_score_that_could_not_be_computed_is_none_and_the_json_stays_valid(db_path):
    """Thin data: no churn model and no AUC, stored as NaN; the summary says None."""
    import json
    import math

    from solocrm_tui.core.analytics.summary import summary

    _small_book()
    refit.refit(NOW, Settings())
    assert math.isnan(latest_runs()["churn"]["metrics"]["auc"])
    figures = summary(NOW, Settings())
    assert (figures.churn.model, figures.churn.auc, figures.churn.brier) == ("none", None, None)

    def no_nan(constant):
        raise AssertionError(f"{constant} in the summary's JSON")

    assert json.loads(figures.to_json(), parse_constant=no_nan)["churn"]["auc"] is None
