"""Model runs: what was fitted when, on how much data, and whether a refit is due.

Headless and free of pandas, so the app can decide whether to refit (and show
model quality) without loading the analytics libraries.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import fn

from solocrm_tui.core.storage.models import ModelRun, database
from solocrm_tui.core.validate import setting


@dataclass(frozen=True)
class Settings:
    churn_horizon_days: int = setting(90, 7, 730)
    min_customers: int = setting(300, 1, 1_000_000)
    min_history_days: int = setting(180, 1, 3650)
    clv_horizon_months: int = setting(12, 1, 120)
    annual_discount_rate: float = setting(0.10, 0.0, 1.0)
    # The "New" segment's window: `[lifecycle] new_days`, copied here by config.parse_config so
    # the analytics child names segments as the stages are named (not settable in [analytics]).
    new_days: int = setting(30, 1, 365)
    # Cross-sell: a product pair is kept when this share of the customers with any product
    # bought both (affinity.py), and suggested on Today at this lift or more (today.sources).
    cross_sell_min_support: float = setting(0.01, 0.0, 1.0)
    cross_sell_min_lift: float = setting(2.0, 1.0, 1000.0)



def latest_runs() -> dict[str, dict]:
    """The newest model run of each kind, with metrics and parameters decoded.

    Only those rows are read: runs accumulate (three per refit), and this is asked on
    every Insights load and every refit check.
    """
    M = ModelRun
    newest = M.select(fn.MAX(M.id)).group_by(M.kind)
    out = {}
    for kind, trained, as_of, n, metrics, params in (
            M.select(M.kind, M.trained_at, M.as_of, M.sample_size, M.metrics, M.parameters)
            .where(M.id.in_(newest)).tuples()):
        out[kind] = {"kind": kind, "trained_at": trained, "as_of": as_of, "sample_size": n,
                     "metrics": json.loads(metrics), "parameters": json.loads(params)}
    return out


def order_stamp() -> dict[str, int]:
    """How many orders exist and the newest id: stored with a fit to detect large changes later."""
    count, newest = database.execute_sql("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM orders").fetchone()
    return {"orders": count, "max_order_id": newest}


def refit_due(now: datetime, every: timedelta, change_share: float) -> bool:
    """Refit when the last fit is older than `every` or orders changed by more than `change_share`."""
    last = latest_runs().get("clv")
    if last is None:
        return True
    if last["trained_at"] <= now - every:
        return True
    seen = last["parameters"].get("orders", 0)
    current = order_stamp()["orders"]
    return abs(current - seen) > change_share * max(seen, 1)
