"""Open tickets and recent complaints as churn features, seen as they were at each cut-off."""

from __future__ import annotations

import numpy as np
import pandas as pd

from solocrm_tui.core.analytics.churn import _design, compare_models
from solocrm_tui.core.analytics.features import customer_features

AS_OF = pd.Timestamp("2026-11-22")


def _orders() -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [1, 1, 2, 2], "amount": [10.0, 20.0, 5.0, 5.0],
                         "ordered_at": pd.to_datetime(["2026-01-01", "2026-06-01", "2026-02-01", "2026-10-01"])})


def test_a_ticket_closed_after_the_cut_off_was_still_open_then():
    tickets = pd.DataFrame({"customer_id": [1, 2], "status": ["closed", "open"],
                            "opened_at": pd.to_datetime(["2026-05-01", "2026-11-01"]),
                            "closed_at": pd.to_datetime(["2026-09-01", None])})
    past = customer_features(_orders(), pd.Timestamp("2026-07-01"), tickets=tickets)
    now = customer_features(_orders(), AS_OF, tickets=tickets)
    assert past.loc[1, "open_tickets"] == 1  # closed only in September
    assert now.loc[1, "open_tickets"] == 0
    assert now.loc[2, "open_tickets"] == 1
    assert now.loc[2, "complaints_90d"] == 1 and now.loc[1, "complaints_90d"] == 0


def test_the_design_matrix_gains_the_service_columns_only_when_known():
    f = customer_features(_orders(), AS_OF)
    plain = _design(f)
    tickets = pd.DataFrame({"customer_id": [2], "status": ["open"], "opened_at": pd.to_datetime(["2026-11-01"]),
                            "closed_at": pd.to_datetime([None])})
    with_service = _design(customer_features(_orders(), AS_OF, tickets=tickets))
    assert with_service.shape[1] == plain.shape[1] + 2


def test_complaints_that_precede_churn_make_the_logistic_model_better():
    """Synthetic book: identical buying, but customers who complained stop buying."""
    rng = np.random.default_rng(0)
    rows, tickets = [], []
    start = pd.Timestamp("2024-01-01")
    for cid in range(1, 1601):
        complains = rng.random() < 0.3
        complaint_day = start + pd.Timedelta(days=int(rng.integers(100, 1050)))
        day = start + pd.Timedelta(days=int(rng.integers(0, 30)))
        while day < AS_OF:
            if complains and day > complaint_day:  # a complaint is the last thing they do
                break
            rows.append((cid, day, float(rng.gamma(2, 20))))
            day += pd.Timedelta(days=int(rng.integers(25, 36)))
        if complains:
            tickets.append((cid, "closed", complaint_day, complaint_day + pd.Timedelta(days=3)))
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    t = pd.DataFrame(tickets, columns=["customer_id", "status", "opened_at", "closed_at"])
    without = compare_models(orders, AS_OF, 90)
    with_service = compare_models(orders, AS_OF, 90, tickets=t)
    score = lambda r, key: next(c[key] for c in r.candidates if c["model"] == "logistic")  # noqa: E731
    # recency already catches the old complainers; the complaint flags catch the recent ones
    assert score(with_service, "auc") > score(without, "auc") + 0.003
    assert score(with_service, "brier") < score(without, "brier") * 0.8
