"""Purchase prediction lab: regression models against BG/NBD + Gamma-Gamma on the owner's book.

The design documents name linear regression, decision trees and random forests for
purchase prediction; the figures shown come from BG/NBD (purchases) and Gamma-Gamma
(spend per purchase). This module checks, on the owner's own history, whether any of the
regressions would do better:

* Every candidate predicts the same thing for the same customers: purchase days and spend
  in the H days after ``as_of - H``, for everyone who had bought by then. Regressions
  learn from the window before (features at ``as_of - 2H``, outcome by ``as_of - H``), so
  none of them sees the period it is judged on; BG/NBD + Gamma-Gamma needs no labels and
  is fitted on the history up to ``as_of - H``.
* Judged by mean absolute error, bias (predicted total against the actual total), rank
  correlation (does it order customers right) and the share of next-period revenue the
  top tenth by predicted spend brought in (who to call first).
* BG/NBD + Gamma-Gamma stays in use unless a regression has the lower MAE on *both*
  purchases and spend with the 95 % paired bootstrap interval of the difference below 0
  (churn.py's interval, on MAE instead of AUC). A point difference on one holdout is not
  enough: on small books it flips sign from one sample to the next.
* Books too small or too short to hold out a period give no comparison, and say why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor
from threadpoolctl import threadpool_limits

from .churn import MIN_BUYERS, MIN_HISTORY_DAYS, paired_gain_intervals
from .clv import (
    conditional_expected_transactions,
    expected_spend,
    fit_bgnbd,
    fit_gamma_gamma,
)
from .features import align_tz, customer_features, purchase_occasions, summary_for_btyd

BASELINE = "bgnbd+gamma_gamma"
CANDIDATES = (BASELINE, "linear", "tree", "forest")
TARGETS = ("purchases", "spend")
FOREST_ROWS = 20_000  # a forest trains on a random sample of this many customers above it
MIN_REPEATERS = 20  # as refit: Gamma-Gamma on fewer repeat buyers is noise, use each buyer's own mean
_WEEK = 7.0


@dataclass(frozen=True)
class PurchaseLabResult:
    horizon_days: int
    in_use: str  # BASELINE, a regression that beat it, or "none" with too little data for any figure
    reason: str
    candidates: list = field(default_factory=list)  # one dict per model, CANDIDATES order
    n_train: int = 0
    n_holdout: int = 0


def error_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict:
    """MAE; bias = predicted total / actual total - 1 (None when nothing was bought); Spearman
    rank correlation (None when either side ranks everyone the same)."""
    total = float(actual.sum())
    flat = np.ptp(actual) == 0 or np.ptp(predicted) == 0
    return {"mae": float(np.abs(predicted - actual).mean()),
            "bias": float(predicted.sum()) / total - 1.0 if total > 0 else None,
            "rank": None if flat else float(spearmanr(actual, predicted).statistic)}


def top_decile_share(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    """Share of the actual total brought in by the tenth of customers predicted highest
    (rounded up; ties kept in customer order). None when nothing was bought."""
    total = float(actual.sum())
    if total <= 0:
        return None
    top = np.argsort(-predicted, kind="stable")[: int(np.ceil(len(actual) / 10))]
    return float(actual[top].sum()) / total


def _weighted_mae(actual: np.ndarray, predicted: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return weights @ np.abs(predicted - actual) / weights.sum(axis=1)


def mae_intervals(actual: np.ndarray, baseline: np.ndarray, candidates: dict[str, np.ndarray],
                  random_state: int) -> dict[str, tuple[float, float]]:
    """95 % paired bootstrap interval of each candidate's MAE minus the baseline's (below 0: better)."""
    return paired_gain_intervals(actual, baseline, candidates, random_state, metric=_weighted_mae)


def next_period(orders: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int, customers: pd.Index) -> pd.DataFrame:
    """Purchase days and spend of each of ``customers`` in (cutoff, cutoff + H]."""
    cutoff = align_tz(cutoff, orders["ordered_at"])
    later = orders.loc[orders["ordered_at"] > cutoff]
    occ = purchase_occasions(later, cutoff + pd.Timedelta(days=horizon_days))
    g = occ.groupby("customer_id")
    out = pd.DataFrame({"purchases": g.size(), "spend": g["amount"].sum()}).reindex(customers, fill_value=0)
    out["purchases"] = out["purchases"].astype(int)
    out["spend"] = out["spend"].astype(float)
    return out


def _inputs(f: pd.DataFrame) -> np.ndarray:
    """What a regression sees: log recency, purchases, spend (mean and total), tenure and
    rhythm, with a flag for one-time buyers (who have no rhythm)."""
    return np.column_stack([
        np.log1p(f["recency_days"]),
        np.log1p(f["frequency"]),
        np.log1p(f["monetary_mean"].clip(lower=0)),
        np.log1p(f["monetary_total"].clip(lower=0)),
        np.log1p(f["tenure_days"]),
        np.log1p(f["median_gap_days"]).fillna(0.0),
        (f["occasions"] <= 1).astype(float),
    ])


def _regressor(name: str, random_state: int):
    if name == "linear":
        return LinearRegression()
    if name == "tree":
        return DecisionTreeRegressor(max_depth=6, min_samples_leaf=40, random_state=random_state)
    return RandomForestRegressor(n_estimators=60, min_samples_leaf=20, max_features=0.6, n_jobs=1,
                                 random_state=random_state)


def _fit_regression(name: str, train: pd.DataFrame, labels: pd.DataFrame, random_state: int):
    """One model per target, fitted on ``train`` (a sample of FOREST_ROWS for the forest);
    returns features -> {target: prediction} (never below 0), and a note on the sample."""
    note = ""
    if name == "forest" and len(train) > FOREST_ROWS:
        train = train.sample(FOREST_ROWS, random_state=random_state)
        note = f"trained on a random {FOREST_ROWS:,} of {len(labels):,} customers"
    X = _inputs(train)
    models = {t: _regressor(name, random_state).fit(X, labels.loc[train.index, t].to_numpy()) for t in TARGETS}
    return (lambda f: {t: np.clip(m.predict(_inputs(f)), 0.0, None) for t, m in models.items()}), note


def _bgnbd_gg(f: pd.DataFrame, horizon_days: int) -> dict[str, np.ndarray]:
    """Expected purchase days in H (BG/NBD) and spend = purchases x Gamma-Gamma spend per
    purchase (each buyer's own mean with under MIN_REPEATERS repeat buyers), as refit does."""
    s = summary_for_btyd(f, _WEEK)
    bg = fit_bgnbd(s["x"], s["t_x"], s["T"])
    purchases = conditional_expected_transactions(bg, horizon_days / _WEEK, s["x"], s["t_x"], s["T"])
    own = f["repeat_monetary_mean"].fillna(f["monetary_mean"]).to_numpy()
    repeaters = f.loc[(f["frequency"] > 0) & (f["repeat_monetary_mean"] > 0)]
    if len(repeaters) >= MIN_REPEATERS:
        per_purchase = expected_spend(fit_gamma_gamma(repeaters["frequency"], repeaters["repeat_monetary_mean"]),
                                      s["x"], own)
    else:
        per_purchase = own
    return {"purchases": purchases, "spend": purchases * per_purchase}


def _empty(horizon_days: int, in_use: str, reason: str, n_train: int = 0, n_holdout: int = 0) -> PurchaseLabResult:
    return PurchaseLabResult(int(horizon_days), in_use, f"{reason}: not enough data to compare purchase models",
                             [], n_train, n_holdout)


def compare_purchase_models(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int = 90,
                            min_customers: int = 300, min_history_days: int = 180,
                            random_state: int = 0) -> PurchaseLabResult:
    """Every candidate against BG/NBD + Gamma-Gamma on the H days before ``as_of``.

    Single-threaded, like the churn comparison: a background job next to an interactive UI."""
    with threadpool_limits(limits=1):
        return _compare(orders, as_of, horizon_days, min_customers, min_history_days, random_state)


def _compare(orders, as_of, horizon_days, min_customers, min_history_days, random_state) -> PurchaseLabResult:
    as_of = align_tz(as_of, orders["ordered_at"])
    H = pd.Timedelta(days=horizon_days)
    orders = orders.loc[orders["ordered_at"] <= as_of]
    buyers = int(orders["customer_id"].nunique())
    history = (as_of - orders["ordered_at"].min()).days if len(orders) else 0
    figures = BASELINE if buyers >= MIN_BUYERS and history >= MIN_HISTORY_DAYS else "none"
    if history < max(min_history_days, 2 * horizon_days):
        return _empty(horizon_days, figures, f"{buyers:,} customers and {history} days of history (holding out "
                      f"{horizon_days} days to learn from and {horizon_days} to judge on needs "
                      f"{max(min_history_days, 2 * horizon_days)})")
    train = customer_features(orders, as_of - 2 * H)
    holdout = customer_features(orders, as_of - H)
    if min(len(train), len(holdout)) < min_customers:
        return _empty(horizon_days, figures, f"only {len(train):,} customers had bought {2 * horizon_days} days "
                      f"before as_of (< {min_customers})", len(train), len(holdout))
    train_labels = next_period(orders, as_of - 2 * H, horizon_days, train.index)
    actual = next_period(orders, as_of - H, horizon_days, holdout.index)

    predictions, fit_seconds, notes = {}, {}, {}
    started = time.perf_counter()
    predictions[BASELINE] = _bgnbd_gg(holdout, horizon_days)
    fit_seconds[BASELINE], notes[BASELINE] = time.perf_counter() - started, "fitted without labels"
    for name in CANDIDATES[1:]:
        started = time.perf_counter()
        predict, notes[name] = _fit_regression(name, train, train_labels, random_state)
        predictions[name] = predict(holdout)
        fit_seconds[name] = time.perf_counter() - started

    intervals = {t: mae_intervals(actual[t].to_numpy(), predictions[BASELINE][t],
                                  {name: predictions[name][t] for name in CANDIDATES[1:]}, random_state)
                 for t in TARGETS}
    candidates = []
    for name in CANDIDATES:
        row: dict = {"model": name}
        for t in TARGETS:
            metrics = error_metrics(actual[t].to_numpy(), predictions[name][t])
            row.update({f"{t}_{k}": v for k, v in metrics.items()})
        row["top_decile_share"] = top_decile_share(actual["spend"].to_numpy(), predictions[name]["spend"])
        candidates.append(row)
    base = candidates[0]
    for row in candidates[1:]:
        for t in TARGETS:
            low, high = intervals[t][row["model"]]
            row.update({f"{t}_mae_diff": row[f"{t}_mae"] - base[f"{t}_mae"], f"{t}_mae_diff_low": low,
                        f"{t}_mae_diff_high": high})
    for row in candidates:
        row.update({"fit_seconds": fit_seconds[row["model"]], "n_train": len(train) if row["model"] != BASELINE
                    else len(holdout), "note": notes[row["model"]]})
    return PurchaseLabResult(int(horizon_days), *_choice(candidates, len(holdout)), candidates,
                             len(train), len(holdout))


def predict_purchases(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int, model: str,
                      random_state: int = 0) -> pd.Series:
    """Purchase days in the next H for every buyer as of ``as_of``, from a regression that won
    the lab: refitted where the outcome is known (features at ``as_of - H``) and applied today."""
    with threadpool_limits(limits=1):
        as_of = align_tz(as_of, orders["ordered_at"])
        orders = orders.loc[orders["ordered_at"] <= as_of]
        known = customer_features(orders, as_of - pd.Timedelta(days=horizon_days))
        labels = next_period(orders, as_of - pd.Timedelta(days=horizon_days), horizon_days, known.index)
        predict, _ = _fit_regression(model, known, labels, random_state)
        current = customer_features(orders, as_of)
        return pd.Series(predict(current)["purchases"], index=current.index, name="expected_purchases")


def _choice(candidates: list[dict], n_holdout: int) -> tuple[str, str]:
    """BG/NBD + Gamma-Gamma unless a regression is better on both targets with confidence."""
    better = [c for c in candidates[1:] if c["purchases_mae_diff_high"] < 0 and c["spend_mae_diff_high"] < 0]
    if better:
        best = min(better, key=lambda c: c["spend_mae"])
        return best["model"], (f"{best['model']} beat {BASELINE} on {n_holdout:,} customers: spend MAE "
                               f"{best['spend_mae_diff']:+,.2f} (95 % interval {best['spend_mae_diff_low']:+,.2f} "
                               f"to {best['spend_mae_diff_high']:+,.2f}), purchases MAE "
                               f"{best['purchases_mae_diff']:+.3f}")
    closest = min(candidates[1:], key=lambda c: c["spend_mae_diff"])
    return BASELINE, (f"{BASELINE} stays in use: no regression had a lower MAE on both purchases and spend with "
                      f"confidence on {n_holdout:,} customers (closest {closest['model']}: spend MAE "
                      f"{closest['spend_mae_diff']:+,.2f}, 95 % interval {closest['spend_mae_diff_low']:+,.2f} to "
                      f"{closest['spend_mae_diff_high']:+,.2f})")
