"""Churn risk: the probability a customer makes no purchase in the next H days.

Why it is built this way (published findings on CDNOW, reproduced in tests/core/analytics):

* Models are compared *out of time*: train at ``as_of - 2H`` (outcome known by
  ``as_of - H``), validate at ``as_of - H`` (outcome known by ``as_of``). A random
  split would leak the future and flatter every model.
* "Days since last purchase" is a strong baseline (AUC ~0.77 on CDNOW). A model
  only ships if it beats that rule on validation AUC by ``MIN_AUC_GAIN``; a
  model that merely ties it is not worth its opacity.
* BG/NBD enters as P(no purchase in the next H), never as 1 - P(alive): P(alive)
  is 1 for every one-time buyer, which inverts the ranking (AUC ~0.32 on CDNOW).
* With too few buyers or too short a history there is nothing to validate on,
  so the rule is shipped and ``reason`` says why.

Rule scores. When labels exist the rule is calibrated by a logistic regression
of churn on log1p(recency) (this also gives its Brier score). Without labels it
is ``r^2 / (r^2 + H^2)`` with r = recency in days: monotone in recency, 0.5 after
H silent days. Recency relative to the customer's own rhythm (days overdue,
recency / median gap) was tried and ranks *worse* on CDNOW (AUC 0.73-0.76 vs
0.77), mostly because one-time buyers have no rhythm, so the rule uses plain
recency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .clv import fit_bgnbd, p_no_purchase
from .features import align_tz, customer_features, summary_for_btyd

MIN_AUC_GAIN = 0.005
_WEEK = 7.0


@dataclass(frozen=True)
class ChurnResult:
    model: str
    horizon_days: int
    auc: float
    brier: float
    candidates: list = field(default_factory=list)
    rule_based: bool = True
    reason: str = ""
    scores: pd.Series = field(default_factory=lambda: pd.Series(dtype=float, name="churn_risk"))
    n_train: int = 0
    n_valid: int = 0


def make_training_frame(orders: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int,
                        tickets: pd.DataFrame | None = None) -> pd.DataFrame:
    """Features at ``cutoff`` for customers who had bought by then, plus ``churned``
    = 1 if they made no purchase in (cutoff, cutoff + H]."""
    cutoff = align_tz(cutoff, orders["ordered_at"])
    f = customer_features(orders, cutoff, tickets=tickets)
    when = orders["ordered_at"]
    window = (when > cutoff) & (when <= cutoff + pd.Timedelta(days=horizon_days))
    came_back = pd.Index(orders.loc[window, "customer_id"].unique())
    f["churned"] = (~f.index.isin(came_back)).astype(int)
    return f


def rule_score(features: pd.DataFrame, horizon_days: int) -> pd.Series:
    """Uncalibrated rule: r^2 / (r^2 + H^2), r = days since last purchase."""
    r2 = features["recency_days"].astype(float) ** 2
    return (r2 / (r2 + float(horizon_days) ** 2)).rename("churn_risk")


def _design(f: pd.DataFrame) -> np.ndarray:
    """Log-scaled RFM, tenure and rhythm; one-timers get gap 0 plus a flag; open tickets
    and recent complaints when the service desk is known."""
    gap = np.log1p(f["median_gap_days"]).fillna(0.0)
    rec = np.log1p(f["recency_days"])
    service = [np.log1p(f[c].fillna(0)) for c in ("open_tickets", "complaints_90d") if c in f]
    return np.column_stack([
        *service,
        rec,
        np.log1p(f["frequency"]),
        np.log1p(f["monetary_mean"].clip(lower=0)),
        np.log1p(f["tenure_days"]),
        gap,
        (f["occasions"] <= 1).astype(float),
        np.where(f["occasions"] > 1, rec - gap, 0.0),
    ])


def _fit_supervised(name: str, f: pd.DataFrame, random_state: int):
    """Fit a candidate on a labelled frame; return a function features -> risk."""
    y = f["churned"].to_numpy()
    if name == "rule_recency":
        X = lambda g: np.log1p(g["recency_days"].to_numpy())[:, None]  # noqa: E731
        model = LogisticRegression().fit(X(f), y)
    elif name == "logistic":
        X = _design
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X(f), y)
    else:
        X = _design
        model = HistGradientBoostingClassifier(
            max_iter=80, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=40,
            l2_regularization=1.0, early_stopping=False, random_state=random_state,
        ).fit(X(f), y)
    return lambda g: model.predict_proba(X(g))[:, 1]


def _bgnbd_scorer(f: pd.DataFrame, horizon_days: int):
    """Fit BG/NBD on the history in ``f`` (no labels needed) and score the same customers."""
    s = summary_for_btyd(f, _WEEK)
    params = fit_bgnbd(s["x"], s["t_x"], s["T"])
    return p_no_purchase(params, horizon_days / _WEEK, s["x"], s["t_x"], s["T"])


def _evaluate(y: np.ndarray, risk: np.ndarray) -> tuple[float, float]:
    return float(roc_auc_score(y, risk)), float(brier_score_loss(y, risk))


def _rule_only(orders, as_of, horizon_days, reason, n_train=0, n_valid=0) -> ChurnResult:
    f = customer_features(orders, as_of)
    return ChurnResult("rule_recency", int(horizon_days), float("nan"), float("nan"), [], True,
                       reason, rule_score(f, horizon_days), n_train, n_valid)


def compare_models(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int = 90,
                   min_customers: int = 300, min_history_days: int = 180,
                   random_state: int = 0, tickets: pd.DataFrame | None = None) -> ChurnResult:
    """Compare rule, BG/NBD, logistic and gradient boosting out of time; ship the best
    only if it beats the rule, and score every current customer as of ``as_of``.

    Runs single-threaded: it is a background job next to an interactive UI, and
    OpenMP/BLAS thread pools slow down several-fold when a core is busy.
    """
    with threadpool_limits(limits=1):
        return _compare(orders, as_of, horizon_days, min_customers, min_history_days, random_state, tickets)


def _compare(orders, as_of, horizon_days, min_customers, min_history_days, random_state, tickets) -> ChurnResult:
    as_of = align_tz(as_of, orders["ordered_at"])
    H = pd.Timedelta(days=horizon_days)
    orders = orders.loc[orders["ordered_at"] <= as_of]
    if orders.empty:
        return _rule_only(orders, as_of, horizon_days, "no orders yet")
    history = (as_of - orders["ordered_at"].min()).days
    if history < min_history_days:
        return _rule_only(orders, as_of, horizon_days,
                          f"only {history} days of history (< {min_history_days}); showing the recency rule")
    train = make_training_frame(orders, as_of - 2 * H, horizon_days, tickets)
    valid = make_training_frame(orders, as_of - H, horizon_days, tickets)
    n_train, n_valid = len(train), len(valid)
    if min(n_train, n_valid) < min_customers:
        return _rule_only(orders, as_of, horizon_days,
                          f"only {n_train} customers had bought {2 * horizon_days} days before as_of "
                          f"(< {min_customers}): too few or too short a history to validate a model "
                          f"out of time, showing the recency rule",
                          n_train, n_valid)
    if train["churned"].nunique() < 2 or valid["churned"].nunique() < 2:
        return _rule_only(orders, as_of, horizon_days,
                          "everyone (or no one) churned in the past windows; showing the recency rule",
                          n_train, n_valid)

    y_valid = valid["churned"].to_numpy()
    rule_auc = float(roc_auc_score(y_valid, valid["recency_days"]))
    rule_brier = float(brier_score_loss(y_valid, _fit_supervised("rule_recency", train, random_state)(valid)))
    candidates = [{"model": "rule_recency", "auc": rule_auc, "brier": rule_brier}]
    auc, brier = _evaluate(y_valid, _bgnbd_scorer(valid, horizon_days))
    candidates.append({"model": "bgnbd", "auc": auc, "brier": brier})
    for name in ("logistic", "gbm"):
        auc, brier = _evaluate(y_valid, _fit_supervised(name, train, random_state)(valid))
        candidates.append({"model": name, "auc": auc, "brier": brier})

    best = max(candidates[1:], key=lambda c: c["auc"])
    if best["auc"] >= rule_auc + MIN_AUC_GAIN:
        chosen, rule_based = best, False
        reason = f"{best['model']} beat the recency rule (AUC {best['auc']:.3f} vs {rule_auc:.3f})"
    else:
        chosen, rule_based = candidates[0], True
        reason = (f"no model beat the recency rule by {MIN_AUC_GAIN} AUC "
                  f"(best {best['model']} {best['auc']:.3f} vs {rule_auc:.3f})")

    current = customer_features(orders, as_of, tickets=tickets)
    if chosen["model"] == "bgnbd":
        risk = _bgnbd_scorer(current, horizon_days)
    else:  # refit where labels are known (as_of - H) and score today
        risk = _fit_supervised(chosen["model"], valid, random_state)(current)
    scores = pd.Series(np.clip(risk, 0.0, 1.0), index=current.index, name="churn_risk")
    return ChurnResult(chosen["model"], int(horizon_days), chosen["auc"], chosen["brier"], candidates,
                       rule_based, reason, scores, n_train, n_valid)
