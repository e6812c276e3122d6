"""The figures shown on books too small to validate a model out of time, checked against what
CDNOW customers did next: 250-customer books sub-sampled from the sample, cut at the end of the
calibration period (1997-09-30), compared with their next 90 days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics import refit
from solocrm_tui.core.analytics.runs import Settings

CUT = pd.Timestamp("1997-09-30")
HORIZON = pd.Timedelta(days=90)
SEEDS = range(6)


def _book(cdnow_orders, seed: int, size: int = 250):
    ids = np.random.default_rng(seed).choice(cdnow_orders["customer_id"].unique(), size, replace=False)
    book = cdnow_orders[cdnow_orders["customer_id"].isin(ids)]
    later = book[(book["ordered_at"] > CUT) & (book["ordered_at"] <= CUT + HORIZON)]
    result = refit.compute(book[book["ordered_at"] <= CUT], pd.DataFrame({"customer_id": ids}),
                           CUT.to_pydatetime(), Settings())
    return result, later


@pytest.fixture(scope="module")
def books(cdnow_orders):
    return [_book(cdnow_orders, seed) for seed in SEEDS]


def test_expected_purchases_are_within_35_percent_on_small_books(books):
    """The historic run-rate said +134 to +186 % on these books; BG/NBD is within 35 % on each."""
    errors = []
    for result, later in books:
        clv_run = next(r for r in result.runs if r["kind"] == "clv")
        assert clv_run["parameters"]["model"].startswith("bgnbd") and "small book" in clv_run["metrics"]["reason"]
        truth = later.groupby("customer_id")["ordered_at"].nunique().sum()  # purchase days, as the model counts
        errors.append(result.figures["expected_purchases"].sum() / truth - 1)
    assert all(abs(e) <= 0.35 for e in errors), errors
    assert abs(np.mean(errors)) <= 0.15


def test_churn_risk_on_small_books_is_a_calibrated_probability(books):
    """The old r^2 / (r^2 + H^2) fallback averaged 0.68-0.72 where 82-85 % churned."""
    for result, later in books:
        risk = result.figures["churn_risk"].dropna()
        churned = ~risk.index.isin(later["customer_id"])
        assert abs(risk.mean() - churned.mean()) < 0.05
        assert np.mean((risk - churned) ** 2) < 0.16  # Brier


def test_purchase_ranges_hold_most_customers(books):
    for result, later in books:
        f = result.figures.dropna(subset=["expected_purchases"])
        actual = later.groupby("customer_id")["ordered_at"].nunique().reindex(f.index).fillna(0)
        inside = (actual >= f["expected_purchases_low"]) & (actual <= f["expected_purchases_high"])
        assert inside.mean() >= 0.8


def test_one_customer_and_no_orders_give_no_figures_and_no_exception(cdnow_orders):
    one = cdnow_orders[(cdnow_orders["customer_id"] == 1) & (cdnow_orders["ordered_at"] <= CUT)]
    empty = one.iloc[:0]
    for orders in (one, empty):
        result = refit.compute(orders, pd.DataFrame({"customer_id": [1]}), CUT.to_pydatetime(), Settings())
        runs = {r["kind"]: r for r in result.runs}
        assert runs["clv"]["parameters"]["model"] == "none" and runs["churn"]["parameters"]["model"] == "none"
        assert result.figures[["churn_risk", "expected_purchases", "clv"]].isna().all().all()
