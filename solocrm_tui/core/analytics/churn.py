"""Churn risk: the probability a customer makes no purchase in the next H days.

Why it is built this way (published findings on CDNOW, reproduced in tests/core/analytics):

* Models are compared *out of time*: train at ``as_of - 2H`` (outcome known by
  ``as_of - H``), validate at ``as_of - H`` (outcome known by ``as_of``). A random
  split would leak the future and flatter every model.
* "Days since last purchase" is a strong baseline (AUC ~0.77 on CDNOW). A model
  only ships if it beats that rule with confidence: the lower bound of a paired
  bootstrap interval (95 %, resampling the validation customers) on its AUC gain
  must be above 0. On 300-customer books a point gain of +0.02 is noise (the
  real gain was -0.002), and the interval says so.
* BG/NBD enters as P(no purchase in the next H), never as 1 - P(alive): P(alive)
  is 1 for every one-time buyer, which inverts the ranking (AUC ~0.32 on CDNOW).
* With too few buyers or too short a history there is nothing to validate on.
  The fallback is then BG/NBD's P(no purchase in H): it needs no labels, and it is
  a probability (on 250-customer CDNOW books its mean is within 4 points of the
  share that churned, where the old r^2 / (r^2 + H^2) rule was 13 points low). Its
  reliability is checked on the book's own past (fitted at ``as_of - H``, compared
  with what happened by ``as_of``) when the history allows.
* Under ``MIN_HISTORY_DAYS`` of history or ``MIN_BUYERS`` buyers even that is
  guesswork, so there is no score at all and ``reason`` says why.

The lab also fits the other methods the design documents name for churn: an SVM (its
margin calibrated into a probability by Platt scaling on held-out folds), k-nearest
neighbours, a decision tree and a random forest. They face the same interval rule. The SVM and k-NN cost grows with the
book (an SVM fit with the square of its training customers, every k-NN score with all of
them): above ``BUDGETS`` they fit on a seeded random subsample, and on far bigger books
they step aside; the candidate's row says which.

The rule, when it ships, is calibrated by a logistic regression of churn on
log1p(recency) fitted where the outcome is known. Recency relative to the
customer's own rhythm (days overdue, recency / median gap) was tried and ranks
*worse* on CDNOW (AUC 0.73-0.76 vs 0.77), mostly because one-time buyers have
no rhythm, so the rule uses plain recency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

from .clv import fit_bgnbd, p_no_purchase
from .features import align_tz, customer_features, summary_for_btyd

MIN_BUYERS = 30  # BG/NBD on fewer buyers is guesswork, not a probability
MIN_HISTORY_DAYS = 90  # never extrapolate from under about three months
RESAMPLES = 300  # bootstrap resamples of the validation customers
INTERVAL = (2.5, 97.5)  # percentiles of the bootstrap gains: a 95 % interval
_WEEK = 7.0
CANDIDATES = ("bgnbd", "logistic", "gbm", "svm", "knn", "tree", "forest")  # each faces the rule, in this order
NEIGHBOURS = 50  # k-NN: a risk in steps of 2 %, smooth enough to rank and calibrate
FOREST_TREE_SAMPLE = 10_000  # customers each forest tree sees: depth-8 trees gain little from more


@dataclass(frozen=True)
class Budget:
    """How big a book a heavy candidate takes whole (``sample_above``) and at all
    (``skip_above``); ``why`` and ``label`` word the row that says so."""

    sample_above: int
    skip_above: int
    why: str
    label: str


BUDGETS = {  # the refit runs compare_models twice (today and for the states check): each stays near 1 s
    "svm": Budget(1_000, 300_000, "an SVM's cost grows with its training customers", "an SVM"),
    "knn": Budget(2_000, 300_000, "each score compares with every training customer", "k-NN"),
}


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
    reliability: list = field(default_factory=list)  # [{"predicted", "observed", "n"}] per bin




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


def churn_reasons(features: pd.DataFrame) -> pd.Series:
    """The biggest drivers of a customer's churn risk, in words: "silent 94 days, usually
    every 21; 3 purchases". Silence against the customer's own rhythm comes first because
    it drives every model here (recency alone is the rule they must beat); the number of
    purchases next (it is what separates a lapsed regular from a one-time buyer); open
    tickets last, and only when there are any."""
    def words(row) -> str:
        silent = f"silent {row.recency_days:.0f} days"
        if row.occasions <= 1:
            return f"{silent}, bought only once"
        parts = [f"{silent}, usually every {row.median_gap_days:.0f}", f"{row.occasions:.0f} purchases"]
        tickets = getattr(row, "open_tickets", 0)
        if tickets and tickets > 0:
            parts.append(f"{tickets:.0f} open ticket{'' if tickets == 1 else 's'}")
        return "; ".join(parts)

    buyers = features.loc[features["occasions"] >= 1]
    return pd.Series([words(r) for r in buyers.itertuples()], index=buyers.index, name="churn_why", dtype=object)


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


def estimator(name: str, random_state: int):
    """The unfitted scikit-learn model behind candidate ``name``. Distance- and margin-based
    ones see standardised features; trees split on the raw (log-scaled) ones. The SVM's
    margin is no probability: Platt scaling, fitted on 3 held-out folds, makes it one, and
    one SVM refitted on all the customers scores (a third of the cost of keeping three)."""
    if name == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    if name == "gbm":
        return HistGradientBoostingClassifier(
            max_iter=80, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=40,
            l2_regularization=1.0, early_stopping=False, random_state=random_state)
    if name == "svm":
        return make_pipeline(StandardScaler(), CalibratedClassifierCV(
            SVC(C=0.1, class_weight="balanced", random_state=random_state), method="sigmoid", cv=3, ensemble=False))
    if name == "knn":
        return make_pipeline(StandardScaler(), KNeighborsClassifier(NEIGHBOURS, algorithm="brute"))
    if name == "tree":
        return DecisionTreeClassifier(max_depth=6, min_samples_leaf=40, random_state=random_state)
    if name == "forest":  # each tree sees at most FOREST_TREE_SAMPLE customers (set at fit)
        return RandomForestClassifier(n_estimators=100, max_depth=8, min_samples_leaf=20, n_jobs=1,
                                      random_state=random_state)
    raise ValueError(f"no churn candidate called {name!r}")


def training_plan(name: str, customers: int, budgets: dict[str, Budget] = BUDGETS) -> tuple[int | None, str]:
    """How many of ``customers`` training customers candidate ``name`` fits on (None: it is
    skipped) and the note its row carries ("" when it fits on all of them)."""
    budget = budgets.get(name)
    if budget is None or customers <= budget.sample_above:
        return customers, ""
    if customers > budget.skip_above:
        return None, (f"skipped: {customers:,} customers is above the {budget.skip_above:,} {budget.label} "
                      f"scores in time")
    return budget.sample_above, (f"fitted on a random {budget.sample_above:,} of {customers:,} training customers "
                                 f"({budget.why})")


def _fit_supervised(name: str, f: pd.DataFrame, random_state: int, sample: int | None = None):
    """Fit a candidate on a labelled frame (on a seeded random ``sample`` of its customers
    when given); return a function features -> risk."""
    if sample is not None and sample < len(f):
        f = f.sample(n=sample, random_state=random_state)
    y = f["churned"].to_numpy()
    if name == "rule_recency":
        X = lambda g: np.log1p(g["recency_days"].to_numpy())[:, None]  # noqa: E731
        model = LogisticRegression().fit(X(f), y)
    else:
        X = _design
        model = estimator(name, random_state)
        if name == "forest":
            model.set_params(max_samples=min(len(f), FOREST_TREE_SAMPLE))
        model.fit(X(f), y)
    return lambda g: model.predict_proba(X(g))[:, 1]


def _bgnbd_scorer(f: pd.DataFrame, horizon_days: int):
    """Fit BG/NBD on the history in ``f`` (no labels needed) and score the same customers."""
    s = summary_for_btyd(f, _WEEK)
    params = fit_bgnbd(s["x"], s["t_x"], s["T"])
    return p_no_purchase(params, horizon_days / _WEEK, s["x"], s["t_x"], s["T"])


def _evaluate(y: np.ndarray, risk: np.ndarray) -> tuple[float, float]:
    return float(roc_auc_score(y, risk)), float(brier_score_loss(y, risk))


def _weighted_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC under each row of ``weights`` (bootstrap counts), ties counted half.

    Scores are ranked once; each resample is then two bincounts, so 300 resamples
    of 100k customers take about a second instead of 300 sorts.
    """
    uniq, inv = np.unique(score, return_inverse=True)
    pos, neg = inv[y == 1], inv[y == 0]
    out = np.empty(len(weights))
    for i, w in enumerate(weights):
        p = np.bincount(pos, weights=w[y == 1], minlength=len(uniq))
        n = np.bincount(neg, weights=w[y == 0], minlength=len(uniq))
        below = np.cumsum(n) - n
        out[i] = float((p * (below + 0.5 * n)).sum()) / max(float(p.sum() * n.sum()), 1e-12)
    return out


def paired_gain_intervals(y: np.ndarray, rule: np.ndarray, risks: dict[str, np.ndarray],
                          random_state: int, metric=_weighted_auc) -> dict[str, tuple[float, float]]:
    """Paired bootstrap of each candidate's gain over the rule on the validation customers:
    AUC by default; any ``metric(y, score, weights)`` giving one value per resample (the
    purchase lab passes mean absolute error)."""
    rng = np.random.default_rng(random_state)
    n = len(y)
    weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(RESAMPLES)]).astype(float)
    rule_aucs = metric(y, rule, weights)
    out = {}
    for name, risk in risks.items():
        gains = metric(y, risk, weights) - rule_aucs
        low, high = np.nanpercentile(gains, INTERVAL)
        out[name] = (float(low), float(high))
    return out


def _reliability(y: np.ndarray, risk: np.ndarray) -> list[dict]:
    """Predicted vs observed churn per decile of predicted risk (fewer bins for small
    books, at least 30 customers a bin): the check that a "94 %" means 94 %."""
    order = np.argsort(risk, kind="stable")
    bins = max(1, min(10, len(y) // 30))
    return [{"predicted": float(risk[part].mean()), "observed": float(y[part].mean()), "n": int(len(part))}
            for part in np.array_split(order, bins)]


def _no_score(orders, as_of, horizon_days, reason, n_train=0, n_valid=0) -> ChurnResult:
    index = customer_features(orders, as_of).index if len(orders) else pd.Index([], name="customer_id")
    return ChurnResult("none", int(horizon_days), float("nan"), float("nan"), [], True,
                       f"{reason}: not enough data for a churn figure", pd.Series(np.nan, index=index, name="churn_risk"),
                       n_train, n_valid)


def _fallback(orders, as_of, horizon_days, reason, n_train=0, n_valid=0) -> ChurnResult:
    """BG/NBD's P(no purchase in H) where no model can be validated out of time, checked on
    the book's own past when there is enough of it; no score at all on too little data."""
    history = (as_of - orders["ordered_at"].min()).days if len(orders) else 0
    current = customer_features(orders, as_of) if len(orders) else None
    buyers = 0 if current is None else len(current)
    if history < MIN_HISTORY_DAYS or buyers < MIN_BUYERS:
        return _no_score(orders, as_of, horizon_days,
                         f"{reason}; {buyers} buyers and {history} days of history (a fallback needs "
                         f"{MIN_BUYERS} and {MIN_HISTORY_DAYS})", n_train, n_valid)
    scores = pd.Series(np.clip(_bgnbd_scorer(current, horizon_days), 0.0, 1.0), index=current.index,
                       name="churn_risk")
    auc = brier = float("nan")
    bins: list[dict] = []
    past = make_training_frame(orders, as_of - pd.Timedelta(days=horizon_days), horizon_days)
    past_history = history - horizon_days
    if len(past) >= MIN_BUYERS and past_history >= MIN_HISTORY_DAYS and past["churned"].nunique() == 2:
        y = past["churned"].to_numpy()
        risk = np.clip(_bgnbd_scorer(past, horizon_days), 0.0, 1.0)
        auc, brier = _evaluate(y, risk)
        bins = _reliability(y, risk)
        checked = f"; checked on the book's past: Brier {brier:.3f} on {len(past)} customers"
    else:
        checked = "; too little history to check it on the book's past"
    return ChurnResult("bgnbd", int(horizon_days), auc, brier, [], True,
                       f"{reason}; showing BG/NBD P(no purchase in {horizon_days} days), which needs no "
                       f"labels{checked}", scores, n_train, n_valid, bins)


def compare_models(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int = 90,
                   min_customers: int = 300, min_history_days: int = 180,
                   random_state: int = 0, tickets: pd.DataFrame | None = None,
                   budgets: dict[str, Budget] = BUDGETS,
                   competing: tuple[str, ...] = CANDIDATES) -> ChurnResult:
    """Compare the rule and every candidate (CANDIDATES, or the ones named) out of time; ship
    the best only if its gain over the rule is confidently above 0, and score every current
    customer as of ``as_of``. Each candidate's row carries its fit time and training size.

    Runs single-threaded: it is a background job next to an interactive UI, and
    OpenMP/BLAS thread pools slow down several-fold when a core is busy.
    """
    with threadpool_limits(limits=1):
        return _compare(orders, as_of, horizon_days, min_customers, min_history_days, random_state, tickets,
                        budgets, competing)


def _run_candidates(train, valid, horizon_days, random_state, budgets, competing) -> tuple[dict, dict]:
    """Each candidate's risk for the validation customers, and its row so far: seconds to fit
    and score, customers fitted on, and a note when it was subsampled or skipped (no risk)."""
    risks, runs = {}, {}
    for name in competing:
        started = time.perf_counter()
        if name == "bgnbd":  # needs no labels: fitted on the validation customers' own histories
            n, note = len(valid), ""
            risks[name] = _bgnbd_scorer(valid, horizon_days)
        else:
            n, note = training_plan(name, len(train), budgets)
            if n is None:
                runs[name] = {"model": name, "auc": None, "brier": None, "fit_seconds": None, "n": 0, "note": note}
                continue
            risks[name] = _fit_supervised(name, train, random_state, n)(valid)
        runs[name] = {"model": name, "fit_seconds": time.perf_counter() - started, "n": n,
                      **({"note": note} if note else {})}
    return risks, runs


def _compare(orders, as_of, horizon_days, min_customers, min_history_days, random_state, tickets,
             budgets, competing) -> ChurnResult:
    as_of = align_tz(as_of, orders["ordered_at"])
    H = pd.Timedelta(days=horizon_days)
    orders = orders.loc[orders["ordered_at"] <= as_of]
    if orders.empty:
        return _no_score(orders, as_of, horizon_days, "no orders yet")
    history = (as_of - orders["ordered_at"].min()).days
    if history < min_history_days:
        return _fallback(orders, as_of, horizon_days,
                         f"only {history} days of history (< {min_history_days}) to validate a model out of time")
    train = make_training_frame(orders, as_of - 2 * H, horizon_days, tickets)
    valid = make_training_frame(orders, as_of - H, horizon_days, tickets)
    n_train, n_valid = len(train), len(valid)
    if min(n_train, n_valid) < min_customers:
        return _fallback(orders, as_of, horizon_days,
                         f"only {n_train} customers had bought {2 * horizon_days} days before as_of "
                         f"(< {min_customers}): too few or too short a history to validate a model out of time",
                         n_train, n_valid)
    if train["churned"].nunique() < 2 or valid["churned"].nunique() < 2:
        return _fallback(orders, as_of, horizon_days,
                         "everyone (or no one) churned in the past windows", n_train, n_valid)

    y_valid = valid["churned"].to_numpy()
    rule_auc = float(roc_auc_score(y_valid, valid["recency_days"]))
    started = time.perf_counter()
    rule_risk = _fit_supervised("rule_recency", train, random_state)(valid)
    candidates = [{"model": "rule_recency", "auc": rule_auc, "brier": float(brier_score_loss(y_valid, rule_risk)),
                   "fit_seconds": time.perf_counter() - started, "n": n_train}]
    risks, runs = _run_candidates(train, valid, horizon_days, random_state, budgets, competing)
    intervals = paired_gain_intervals(y_valid, valid["recency_days"].to_numpy(), risks, random_state)
    for name, run in runs.items():
        if name in risks:
            auc, brier = _evaluate(y_valid, risks[name])
            low, high = intervals[name]
            run = {**run, "auc": auc, "brier": brier, "gain": auc - rule_auc, "gain_low": low, "gain_high": high}
        candidates.append(run)

    fitted = [c for c in candidates[1:] if c["auc"] is not None]
    winners = [c for c in fitted if c["gain_low"] > 0]
    best = max(fitted, key=lambda c: c["auc"]) if fitted else None
    if winners:
        chosen, rule_based = max(winners, key=lambda c: c["auc"]), False
        reason = (f"{chosen['model']} beat the recency rule on {n_valid:,} customers: AUC gain "
                  f"{chosen['gain']:+.3f} (95 % interval {chosen['gain_low']:+.3f} to {chosen['gain_high']:+.3f})")
    elif best is None:
        chosen, rule_based = candidates[0], True
        reason = f"the recency rule, validated on {n_valid:,} customers (no other candidate was compared)"
    else:
        chosen, rule_based = candidates[0], True
        reason = (f"no model beat the recency rule with confidence on {n_valid:,} customers (best "
                  f"{best['model']}: AUC gain {best['gain']:+.3f}, 95 % interval {best['gain_low']:+.3f} to "
                  f"{best['gain_high']:+.3f})")
    risks["rule_recency"] = rule_risk
    bins = _reliability(y_valid, np.clip(risks[chosen["model"]], 0.0, 1.0))

    current = customer_features(orders, as_of, tickets=tickets)
    if chosen["model"] == "bgnbd":
        risk = _bgnbd_scorer(current, horizon_days)
    else:  # refit where labels are known (as_of - H) and score today; a subsampled one as it was validated
        sample = chosen["n"] if chosen.get("note") else None
        risk = _fit_supervised(chosen["model"], valid, random_state, sample)(current)
    scores = pd.Series(np.clip(risk, 0.0, 1.0), index=current.index, name="churn_risk")
    return ChurnResult(chosen["model"], int(horizon_days), chosen["auc"], chosen["brier"], candidates,
                       rule_based, reason, scores, n_train, n_valid, bins)
