"""`solocrm insights --as-of D --customers` (what the models said about each customer at D)
and `solocrm insights --backtest` (those figures against what the customers did next), on a
book holding the CDNOW sample: 2,357 customers whose first purchase was in Q1 1997. Cut at
the end of the standard 39-week calibration (1997-09-30), the next 39 weeks hold 1,882
repeat purchase days (Fader & Hardie), and BG/NBD expects 12-17 % fewer (Christmas)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from solocrm_tui import cli
from solocrm_tui.core.sales.orders import refresh_customer_totals
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.storage.models import Customer, Order, database

CDNOW = Path(__file__).parent / "data" / "CDNOW_sample.txt"
NOW = datetime(1998, 7, 1, 10, 0)
CALIBRATION_END = "1997-09-30"
HOLDOUT_DAYS = 273  # 39 weeks, to 1998-06-30


pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture(scope="module")
def cdnow_book(tmp_path_factory) -> Path:
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["cohort_id", "customer_id", "date", "cds", "amount"])
    raw["ordered_at"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    first = raw.groupby("customer_id")["ordered_at"].min()
    path = tmp_path_factory.mktemp("cdnow") / "crm.db"
    open_database(path)
    try:
        with database.atomic():
            Customer.insert_many([{"id": int(cid), "name": f"CDNOW {cid}", "created_at": when.to_pydatetime(),
                                   "updated_at": when.to_pydatetime()} for cid, when in first.items()]).execute()
            Order.insert_many([{"customer": int(r.customer_id), "amount_cents": round(r.amount * 100),
                                "currency": "USD", "ordered_at": r.ordered_at.to_pydatetime()}
                               for r in raw.itertuples()]).execute()
        refresh_customer_totals()
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        close_database()
    return path


def insights(capsys, book: Path, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--db", str(book), "insights", *argv], now=NOW)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_customers_as_of_a_past_date_are_the_models_figures_then_and_store_nothing(capsys, cdnow_book):
    code, out, err = insights(capsys, cdnow_book, "--as-of", CALIBRATION_END, "--customers", "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["as_of"] == "1997-09-30 23:59:59"
    rows = {row["id"]: row for row in data["customers"]}
    assert len(rows) == 2357
    assert set(rows[1]) >= {"id", "name", "churn_risk", "expected_purchases", "p_alive", "clv", "segment", "stage"}
    assert rows[1]["name"] == "CDNOW 1"
    assert data["clv_model"] == "bgnbd+gamma_gamma"
    assert data["horizon_days"] == 90
    expected = sum(row["expected_purchases"] for row in rows.values())
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["cohort_id", "customer_id", "date", "cds", "amount"])
    next_90_days = raw.loc[(raw["date"] > 19970930) & (raw["date"] <= 19971229)].drop_duplicates(["customer_id", "date"])
    assert 0.7 < expected / len(next_90_days) < 1.0  # stationary BG/NBD misses some of Christmas
    assert all(0 <= row["churn_risk"] <= 1 for row in rows.values())
    assert {row["stage"] for row in rows.values()} <= {"new", "active", "loyal", "at_risk", "churned"}
    conn = sqlite3.connect(cdnow_book)
    try:
        assert conn.execute("SELECT COUNT(*) FROM customer WHERE clv IS NOT NULL OR churn_risk IS NOT NULL"
                            ).fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM model_run").fetchone() == (0,)
    finally:
        conn.close()
    code, out, _ = insights(capsys, cdnow_book, "--customers", "--json")  # today: the stored figures, none yet
    assert code == 0 and json.loads(out)["customers"] == []


@pytest.mark.slow
def test_backtest_compares_what_the_models_said_with_what_happened(capsys, cdnow_book):
    code, out, err = insights(capsys, cdnow_book, "--backtest", "--as-of", CALIBRATION_END,
                              "--horizon", str(HOLDOUT_DAYS), "--json")
    assert (code, err) == (0, "")
    b = json.loads(out)
    assert (b["customers"], b["horizon_days"], b["until"]) == (2357, HOLDOUT_DAYS, "1998-06-30 23:59:59")
    assert b["actual_purchases"] == 1882  # purchase days in the holdout: the published count
    assert 0.80 < b["predicted_purchases"] / b["actual_purchases"] < 1.0
    assert b["churn_auc"] > 0.7 and 0 < b["churn_brier"] < 1
    raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["cohort_id", "customer_id", "date", "cds", "amount"])
    holdout = raw.loc[raw["date"] > 19970930]
    assert b["actual_churn_rate"] == pytest.approx(1 - holdout["customer_id"].nunique() / 2357)
    assert b["actual_revenue"] == pytest.approx(holdout["amount"].sum())
    deciles = b["deciles"]
    assert len(deciles) == 10 and sum(d["customers"] for d in deciles) == 2357
    assert deciles[-1]["actual_churn_rate"] > deciles[0]["actual_churn_rate"]  # riskiest decile churned most
    assert b["actual_revenue"] > 0 and b["predicted_revenue"] > 0
    code, text, err = insights(capsys, cdnow_book, "--backtest", "--as-of", CALIBRATION_END,
                               "--horizon", str(HOLDOUT_DAYS))
    assert (code, err) == (0, "")
    assert "purchases (bgnbd+gamma_gamma): predicted" in text and "AUC" in text and "decile" in text


def test_backtest_refuses_a_horizon_that_has_not_happened_yet(capsys, cdnow_book):
    code, out, err = insights(capsys, cdnow_book, "--backtest", "--as-of", "1998-05-01", "--horizon", "90")
    assert code == 1 and out == ""
    assert err.strip() == ("solocrm: error: --backtest needs the 90 days after 1998-05-01 to have passed "
                           "(they end 1998-07-30); choose an earlier --as-of")
