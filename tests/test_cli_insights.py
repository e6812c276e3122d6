"""`solocrm insights [--refit] [--as-of DATE] [--json]`: the analytics summary from the
command line, the refit on demand, past dates that store nothing, one-line errors."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from solocrm_tui import cli
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.storage.models import Customer, Order, database

from .core.conftest import seed_book

NOW = datetime(2026, 11, 22, 10, 30)
D = timedelta(days=1)
KEYS = {"as_of", "customers", "customers_with_orders", "kpis", "segments", "kmeans", "churn", "clv", "forecast",
        "fitted_at"}


pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "book.db"
    open_database(path)
    try:
        seed_book(NOW)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        close_database()
    return path


@pytest.fixture
def db(template, tmp_path) -> Path:
    path = tmp_path / "crm.db"
    shutil.copy(template, path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv), now=NOW)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def query(path: Path, sql: str, *params) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def month_to_date(path: Path, as_of: datetime) -> float:
    start = as_of.replace(day=1, hour=0, minute=0, second=0)
    return query(path, "SELECT COALESCE(SUM(amount_cents), 0) FROM orders WHERE ordered_at >= ? AND ordered_at <= ?",
                 str(start), str(as_of))[0] / 100


def assert_one_line_error(code: int, out: str, err: str, text: str) -> None:
    assert code == 1, err
    assert out == ""
    assert "Traceback" not in err
    assert err.strip().splitlines() == [f"solocrm: error: {text}"]


def test_json_summary_without_a_fit(capsys, db):
    code, out, err = run(capsys, "--db", str(db), "insights", "--json")
    assert (code, err) == (0, "")
    s = json.loads(out)
    assert KEYS <= set(s)
    assert s["as_of"] == "2026-11-22 10:30:00"
    assert (s["customers"], s["customers_with_orders"]) == (420, 400)
    assert s["kpis"]["revenue_month"]["value"] == pytest.approx(month_to_date(db, NOW))
    assert s["churn"]["model"] is None and s["churn"]["rule_based"] is True
    assert s["clv"]["model"] is None and s["fitted_at"] is None
    assert query(db, "SELECT COUNT(*) FROM model_run")[0] == 0


def test_refit_stores_the_runs_and_json_reports_the_models(capsys, db):
    code, out, err = run(capsys, "--db", str(db), "insights", "--refit", "--json")
    assert (code, err) == (0, "")
    s = json.loads(out)
    assert KEYS <= set(s)
    assert s["fitted_at"] == "2026-11-22 10:30:00"
    churn, clv = s["churn"], s["clv"]
    assert {"horizon_days", "model", "auc", "brier", "candidates", "rule_based"} <= set(churn)
    assert churn["horizon_days"] == 90 and 0.5 < churn["auc"] <= 1 and 0 <= churn["brier"] < 0.25
    assert [c["model"] for c in churn["candidates"]] == ["rule_recency", "bgnbd", "logistic", "gbm", "svm", "knn", "tree", "forest"]
    assert clv["model"] == "bgnbd+gamma_gamma" and clv["time_unit"] == "weeks"
    assert set(clv["params"]) == {"r", "alpha", "a", "b", "p", "q", "gamma"}
    assert all(v > 0 for v in clv["params"].values())
    assert all({"name", "size", "revenue_share"} <= set(seg) for seg in s["segments"])
    assert sum(seg["size"] for seg in s["segments"]) == 400
    assert {"monthly_revenue", "next_months", "trend_per_month", "note"} <= set(s["forecast"])
    assert query(db, "SELECT GROUP_CONCAT(kind, ' ') FROM (SELECT kind FROM model_run ORDER BY kind)") == \
        ("churn clv purchases segments",)
    assert query(db, "SELECT COUNT(*) FROM customer WHERE clv IS NOT NULL AND churn_risk IS NOT NULL")[0] == 400

    code, out, _ = run(capsys, "--db", str(db), "insights", "--json")  # reads what was stored
    again = json.loads(out)
    assert code == 0 and again["clv"] == clv and again["churn"]["model"] == churn["model"]
    assert [c["model"] for c in again["purchase_lab"]["candidates"]] == ["bgnbd+gamma_gamma", "linear", "tree", "forest"]
    assert query(db, "SELECT COUNT(*) FROM model_run")[0] == 4


def test_text_output(capsys, db):
    code, out, err = run(capsys, "--db", str(db), "insights", "--refit")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Insights as of 2026-11-22 10:30:00 · 420 customers, 400 with orders"
    month = next(line for line in lines if line.strip().startswith("Revenue this month"))
    assert f"{month_to_date(db, NOW):,.0f}" in month and "Nov 2026 to date" in month
    for title in ("Revenue this quarter", "Active customers", "New customers", "Repeat-purchase rate",
                  "Avg order value", "Days between buys", "Retention (90d)", "Churn (90d)", "Pipeline win rate",
                  "Campaign response", "CSAT"):
        assert any(line.strip().startswith(title) for line in lines), title
    assert "Segments:" in lines
    assert any(line.startswith("  checked on your book: ") for line in lines)
    assert "Churn risk = P(no purchase in the next 90 days)" in lines
    assert any(line.startswith("in use: ") for line in lines)
    assert any(line.startswith("BG/NBD r=") for line in lines)
    assert any(line.startswith("Revenue forecast: 2026-11 ") for line in lines)
    assert "[b]" not in out and "[/]" not in out  # markup is for the screen only


def test_as_of_counts_only_orders_up_to_that_date_and_stores_nothing(capsys, db):
    code, out, err = run(capsys, "--db", str(db), "insights", "--as-of", "2025-06-30", "--json")
    assert (code, err) == (0, "")
    s = json.loads(out)
    assert s["as_of"] == "2025-06-30 23:59:59"
    bought = query(db, "SELECT COUNT(DISTINCT customer_id) FROM orders WHERE ordered_at <= '2025-06-30 23:59:59'")[0]
    assert s["customers_with_orders"] == bought < 400
    assert s["kpis"]["revenue_month"]["value"] == pytest.approx(month_to_date(db, datetime(2025, 6, 30, 23, 59, 59)))
    assert s["forecast"]["monthly_revenue"][-1]["month"] == "2025-06"
    assert s["churn"]["model"] is not None and s["clv"]["model"] is not None  # computed for that day
    assert query(db, "SELECT COUNT(*) FROM model_run")[0] == 0
    assert query(db, "SELECT COUNT(*) FROM customer WHERE clv IS NOT NULL OR churn_risk IS NOT NULL")[0] == 0


def test_as_of_today_means_now(capsys, db):
    code, out, err = run(capsys, "--db", str(db), "insights", "--as-of", "2026-11-22", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["as_of"] == "2026-11-22 10:30:00"


@pytest.mark.parametrize(("value", "message"), [
    ("2026-13-01", '--as-of "2026-13-01" is not a date (use YYYY-MM-DD)'),
    ("yesterday", '--as-of "yesterday" is not a date (use YYYY-MM-DD)'),
    ("2027-01-01", "--as-of 2027-01-01 is in the future"),
    ("2026-11-22T11:00", "--as-of 2026-11-22T11:00 is in the future"),
    ("2026-01-01T10:00+02:00", '--as-of "2026-01-01T10:00+02:00" has a time zone: give a local date (YYYY-MM-DD)'),
])
def test_bad_as_of_is_a_one_line_error(capsys, db, value, message):
    code, out, err = run(capsys, "--db", str(db), "insights", "--as-of", value)
    assert_one_line_error(code, out, err, message)


def test_a_missing_database_is_not_created(capsys, tmp_path):
    missing = tmp_path / "nope.db"
    code, out, err = run(capsys, "--db", str(missing), "insights")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "no database at" in err
    assert not missing.exists()


def test_an_empty_database(capsys, db_path):
    close_database()
    code, out, err = run(capsys, "--db", str(db_path), "insights", "--refit", "--json")
    assert (code, err) == (0, "")
    s = json.loads(out)
    assert (s["customers"], s["customers_with_orders"]) == (0, 0)
    assert s["kpis"]["revenue_month"]["value"] == 0
    assert s["forecast"]["monthly_revenue"] == [] and s["forecast"]["next_months"] == []
    code, out, err = run(capsys, "--db", str(db_path), "insights")
    assert (code, err) == (0, "")
    assert "Revenue forecast:  — not enough history for a forecast" in out


def test_thin_data_says_there_is_not_enough_data_for_model_figures(capsys, db_path):
    """One buyer, 40 days: the run-rate and r^2/(r^2+H^2) fallbacks used to print figures here."""
    cid = Customer.insert(name="Only One", created_at=NOW, updated_at=NOW).execute()
    Order.insert_many([(cid, 1000, "EUR", NOW - 40 * D), (cid, 2000, "EUR", NOW - 10 * D)],
                      fields=[Order.customer, Order.amount_cents, Order.currency, Order.ordered_at]).execute()
    close_database()
    code, out, err = run(capsys, "--db", str(db_path), "insights", "--refit")
    assert (code, err) == (0, "")
    assert "no churn figure:" in out and "no purchase figures:" in out
    assert "1 customer with orders and 40 days of history" in out and "not enough data" in out


def test_help_lists_the_options(capsys):
    code, out, _ = run(capsys, "insights", "--help")
    assert code == 0
    assert "--refit" in out and "--as-of" in out and "--json" in out


def test_models_prints_each_task_leaderboard(capsys, db):
    """`--models`: one section per task (churn, purchases, segmentation); the churn one lists
    every candidate with its AUC, fit time, n and gain interval, and marks the one in use."""
    code, out, err = run(capsys, "--db", str(db), "insights", "--refit", "--models")
    assert (code, err) == (0, "")
    assert out.startswith("Churn risk = P(no purchase in the next 90 days)\n")
    rows = [line for line in out.splitlines() if line[:2] in ("  ", "▶ ") and line[2:3].isalpha()]
    names = [row[2:].split()[0] for row in rows if row[2:].split()[0] in
             ("rule_recency", "bgnbd", "logistic", "gbm", "svm", "knn", "tree", "forest")]
    assert names == ["rule_recency", "bgnbd", "logistic", "gbm", "svm", "knn", "tree", "forest"]
    assert sum(line.startswith("▶ ") for line in out.splitlines()) == 1
    assert "Segments:" not in out  # the leaderboards alone, not the whole summary
    sections = out.split("\n\n")
    assert any(part.startswith("Purchase prediction lab") for part in sections)
    assert "forest" in next(part for part in sections if part.startswith("Purchase prediction lab"))
    assert any(part.startswith("Segmentation:") and "dbscan" in part.lower() for part in sections)
    code, _, err = run(capsys, "--db", str(db), "insights", "--models", "--customers")
    assert code == 2 and "not allowed with" in err
