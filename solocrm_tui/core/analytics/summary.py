"""The analytics summary shown by `solocrm insights` and the Insights screen.

Without `as_of` the model figures are the stored ones from the latest refit (cheap);
with `as_of` everything is computed as if today were that date, from orders up to
it, and nothing is stored.
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

from solocrm_tui.core.analytics import runs
from solocrm_tui.core.sales import campaigns
from solocrm_tui.core.sales.board import build_board
from solocrm_tui.core.service import tickets

from . import kpis, store
from .revenue import monthly_revenue, revenue_trend_and_forecast


def json_safe(value):
    """NaN and infinities (pandas' "no value") as None, so the summary is valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def summary(now: datetime, settings: runs.Settings, *, as_of: datetime | None = None,
            do_refit: bool = False, probabilities: dict | None = None) -> dict:
    moment = as_of or now
    orders = store.load_orders(moment)
    customers = store.load_customers()
    if as_of is not None or do_refit:
        from . import refit  # scikit-learn loads only when models are fitted

    if as_of is not None:  # a past date: computed fresh, never stored over today's figures
        latest = {run["kind"]: {**run, "trained_at": now}
                  for run in refit.compute(orders, customers, moment, settings, store.load_tickets(moment)).runs}
    else:
        if do_refit:
            refit.refit(now, settings)
        latest = runs.latest_runs()
    ts = pd.Timestamp(moment)
    series = monthly_revenue(orders, ts, months=24) if len(orders) else pd.Series(dtype=float)
    trend = revenue_trend_and_forecast(series, horizon=3) if len(series) >= 3 else None
    board = build_board(moment, probabilities)
    kpi = {**kpis.revenue_periods(orders, ts), **kpis.customer_kpis(orders, ts),
           "pipeline_win_rate": {"label": f"deals closed in the last 90 days ({board.forecast.closed_90d})",
                                 "value": board.forecast.win_rate_90d},
           "campaign_response_rate": campaigns.response_rate(moment),
           "csat": tickets.csat(moment)}
    churn, clv, segs = latest.get("churn"), latest.get("clv"), latest.get("segments")
    return {
        "as_of": moment.isoformat(sep=" "),
        "customers": int(len(customers)),
        "customers_with_orders": int(orders["customer_id"].nunique()) if len(orders) else 0,
        "kpis": kpi,
        "segments": [{"name": s["name"], "size": int(s["size"]), "revenue_share": float(s["revenue_share"]),
                      "recency_days": s.get("recency_days"), "frequency": s.get("frequency"),
                      "monetary": s.get("monetary")}
                     for s in (segs or {}).get("metrics", {}).get("segments", [])],
        "kmeans": (segs or {}).get("metrics", {}).get("kmeans"),
        "churn": _churn_part(churn, settings),
        "clv": _clv_part(clv),
        "forecast": {
            "monthly_revenue": [{"month": f"{m:%Y-%m}", "revenue": float(v)} for m, v in series.items()],
            "trend_per_month": trend.slope_per_month if trend else None,
            "next_months": ([{"month": f"{m:%Y-%m}", "forecast": float(r.forecast), "low": float(r.low),
                              "high": float(r.high)} for m, r in trend.forecast.iterrows()] if trend else []),
            "note": trend.note if trend else "not enough history for a forecast",
            "pipeline_this_month": float(board.forecast.this_month),
            "pipeline_next_month": float(board.forecast.next_month),
        },
        "fitted_at": churn["trained_at"].isoformat(sep=" ") if churn and hasattr(churn.get("trained_at"), "isoformat") else None,
    }


def _churn_part(run: dict | None, settings: runs.Settings) -> dict:
    if run is None:
        return {"horizon_days": settings.churn_horizon_days, "model": None, "auc": None, "brier": None,
                "candidates": [], "rule_based": True, "reason": "not fitted yet: run `solocrm insights --refit`"}
    m = run["metrics"]
    nan_free = lambda v: None if v is None or v != v else v  # noqa: E731
    return {"horizon_days": run["parameters"].get("horizon_days", settings.churn_horizon_days),
            "model": run["parameters"].get("model"), "auc": nan_free(m.get("auc")), "brier": nan_free(m.get("brier")),
            "candidates": [{k: nan_free(v) for k, v in c.items()} for c in m.get("candidates", [])],
            "rule_based": bool(m.get("rule_based", True)), "reason": m.get("reason", ""),
            "n_train": m.get("n_train"), "n_valid": m.get("n_valid"), "sample_size": run.get("sample_size")}


def _clv_part(run: dict | None) -> dict:
    if run is None:
        return {"model": None, "params": {}, "time_unit": None, "rule_based": True}
    p = run["parameters"]
    return {"model": p.get("model"), "time_unit": p.get("time_unit"),
            "params": {k: p.get(k) for k in ("r", "alpha", "a", "b", "p", "q", "gamma")},
            "horizon_months": p.get("horizon_months"), "rule_based": bool(run["metrics"].get("rule_based")),
            "reason": run["metrics"].get("reason", ""), "sample_size": run.get("sample_size")}
