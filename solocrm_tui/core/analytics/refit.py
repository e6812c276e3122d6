"""The full refit: features, churn model comparison, BG/NBD + Gamma-Gamma CLV, segments.

`compute` is a pure function of frames (tested on data with known answers);
`refit` loads, computes and writes back in one go, as the daily job and
`solocrm insights --refit` do. With too few buyers or too short a history the
model figures are not trustworthy, so CLV and expected purchases fall back to each
customer's historic run-rate and the run says it is rule-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from solocrm_tui.core.analytics.runs import Settings, order_stamp

from . import store
from .churn import compare_models
from .clv import (
    conditional_expected_transactions,
    discounted_clv,
    fit_bgnbd,
    fit_gamma_gamma,
    p_alive,
)
from .features import customer_features, summary_for_btyd
from .segments import kmeans_segments, segment_profiles, state_segments, validate_states

WEEK_DAYS = 7.0
WEEKS_PER_MONTH = 52.1775 / 12


@dataclass(frozen=True)
class RefitResult:
    figures: pd.DataFrame  # indexed by customer_id: segment, churn_risk, p_alive, expected_purchases, clv
    runs: list[dict]


def _clv_models(features: pd.DataFrame, settings: Settings, as_of) -> tuple[pd.DataFrame, dict]:
    summary = summary_for_btyd(features, WEEK_DAYS)
    horizon_weeks = settings.churn_horizon_days / WEEK_DAYS
    bg = fit_bgnbd(summary["x"], summary["t_x"], summary["T"])
    repeaters = features.loc[(features["frequency"] > 0) & (features["repeat_monetary_mean"] > 0)]
    gg = fit_gamma_gamma(repeaters["frequency"], repeaters["repeat_monetary_mean"])
    weekly_rate = (1 + settings.annual_discount_rate) ** (1 / 52.1775) - 1
    mean_spend = features.loc[summary.index, "repeat_monetary_mean"].fillna(features.loc[summary.index, "monetary_mean"])
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = p_alive(bg, summary["x"], summary["t_x"], summary["T"])
    out["expected_purchases"] = conditional_expected_transactions(bg, horizon_weeks, summary["x"], summary["t_x"], summary["T"])
    out["clv"] = discounted_clv(bg, gg, summary["x"], summary["t_x"], summary["T"], mean_spend.to_numpy(),
                                settings.clv_horizon_months * WEEKS_PER_MONTH, weekly_rate, step=4)
    run = {"kind": "clv", "as_of": as_of, "sample_size": len(summary),
           "parameters": {"model": "bgnbd+gamma_gamma", "time_unit": "weeks", "r": bg.r, "alpha": bg.alpha,
                          "a": bg.a, "b": bg.b, "p": gg.p, "q": gg.q, "gamma": gg.gamma,
                          "horizon_months": settings.clv_horizon_months,
                          "annual_discount_rate": settings.annual_discount_rate},
           "metrics": {"bgnbd_loglik": bg.loglik, "gg_loglik": gg.loglik, "repeaters": len(repeaters),
                       "rule_based": False}}
    return out, run


def _run_rate(features: pd.DataFrame, settings: Settings, as_of, reason: str) -> tuple[pd.DataFrame, dict]:
    """Historic run-rate per customer: honest when there is too little data for a model."""
    buyers = features.loc[features["occasions"] >= 1]
    months = np.maximum(buyers["tenure_days"] / 30.4, 1.0)
    out = pd.DataFrame(index=buyers.index)
    out["p_alive"] = np.nan
    out["expected_purchases"] = buyers["occasions"] / months * (settings.churn_horizon_days / 30.4)
    out["clv"] = buyers["monetary_total"] / months * settings.clv_horizon_months
    run = {"kind": "clv", "as_of": as_of, "sample_size": len(buyers),
           "parameters": {"model": "historic_run_rate", "time_unit": "months",
                          "horizon_months": settings.clv_horizon_months},
           "metrics": {"rule_based": True, "reason": reason}}
    return out, run


def compute(orders: pd.DataFrame, customers: pd.DataFrame, as_of: datetime, settings: Settings,
            tickets: pd.DataFrame | None = None) -> RefitResult:
    as_of_ts = pd.Timestamp(as_of)
    features = customer_features(orders, as_of_ts, customers=customers[["customer_id"]] if len(customers) else None)
    buyers = int((features["occasions"] >= 1).sum())
    churn = compare_models(orders, as_of_ts, settings.churn_horizon_days, settings.min_customers,
                           settings.min_history_days, tickets=tickets)
    history = (as_of_ts - orders["ordered_at"].min()).days if len(orders) else 0
    thin = buyers < settings.min_customers or history < settings.min_history_days
    if thin:
        reason = (f"{buyers} customers with orders and {history} days of history (models need "
                  f"{settings.min_customers} and {settings.min_history_days}): showing historic run-rates")
        clv, clv_run = _run_rate(features, settings, as_of, reason)
    else:
        with threadpool_limits(limits=1):
            clv, clv_run = _clv_models(features, settings, as_of)
    figures = clv.reindex(features.index)
    figures["churn_risk"] = churn.scores.reindex(features.index)
    figures["segment"] = state_segments(features, figures["churn_risk"]).reindex(features.index)
    runs = [clv_run, {
        "kind": "churn", "as_of": as_of, "sample_size": churn.n_valid or buyers,
        "parameters": {"horizon_days": churn.horizon_days, "model": churn.model},
        "metrics": {"auc": churn.auc, "brier": churn.brier, "candidates": churn.candidates,
                    "rule_based": churn.rule_based, "reason": churn.reason, "n_train": churn.n_train,
                    "n_valid": churn.n_valid}}]
    check = validate_states(orders, as_of_ts, settings.churn_horizon_days, lambda past, cutoff: compare_models(
        past, cutoff, settings.churn_horizon_days, settings.min_customers, settings.min_history_days).scores)
    runs.append(_segments_run(features, figures["segment"], as_of, buyers, check))
    return RefitResult(figures, runs)


def _segments_run(features: pd.DataFrame, names: pd.Series, as_of, buyers: int, check) -> dict:
    profiles = segment_profiles(features, names.dropna()) if buyers else pd.DataFrame()
    metrics: dict = {"segments": profiles.to_dict("records") if len(profiles) else [],
                     "check": {"cutoff": f"{check.cutoff:%Y-%m-%d}", "horizon_days": check.horizon_days,
                               "ordered": check.ordered, "note": check.note,
                               "states": check.outcomes.to_dict("records")}}
    if buyers >= 20:
        km = kmeans_segments(features)
        metrics["kmeans"] = {"k": km.k, "silhouette": km.silhouette,
                             "profile": km.profile.to_dict("records")}
    return {"kind": "segments", "as_of": as_of, "sample_size": buyers, "metrics": metrics}


def refit(now: datetime, settings: Settings, as_of: datetime | None = None,
          before_commit: Callable[[], None] | None = None) -> RefitResult:
    """Load everything up to `as_of` (default now), compute, and store the figures and runs.

    `before_commit` runs inside the write transaction, last: the analytics child uses it to
    stop (and roll the write back) if the app that asked for the fit has died meanwhile."""
    as_of = as_of or now
    orders = store.load_orders(as_of)
    result = compute(orders, store.load_customers(as_of), as_of, settings, store.load_tickets(as_of))
    stamp = order_stamp()
    for run in result.runs:
        run.setdefault("parameters", {}).update(stamp)
    store.write_figures(result.figures, result.runs, now, before_commit)
    return result
