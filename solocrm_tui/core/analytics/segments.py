"""Customer segments: named states with an absolute meaning, and KMeans shown beside them.

The named segments are states every owner can read the same way on any book; the
thresholds (first matching row wins)::

    New        first purchase within `[lifecycle] new_days` (default NEW_DAYS, 30) days
    Lost       churn risk odds >= CHURNED_ODDS (4) x the book's base-rate odds
    At risk    churn risk at or above the book's base rate (odds >= AT_RISK_ODDS x)
    Champions  neither, with >= CHAMPION_PURCHASES (6) purchase days
    Loyal      neither, with LOYAL_PURCHASES..CHAMPION_PURCHASES - 1 (3-5) purchase days
    Active     neither, with 1-2 purchase days

The churn risk is the refit's P(no purchase in the next H days) and the base rate its
mean over the book, so "Lost" and "At risk" are the lifecycle stages' own bands
(core/stages.py): one increasing quantity, ordered by construction. The old names were
relative RFM quintiles, which on a grocery panel called households "Lost" that bought
again within 90 days at 76 %, and whose min-rank frequency scores skipped 2.
`validate_states` checks the order on the owner's own book at a past cut-off.

KMeans on log-scaled RFM finds the groups the data actually has; its clusters are
named by their members' mean RFM quintile scores (``rfm_scores``, minimum ranks so tied
customers share a score) through the table below, so they describe a cluster relative
to the rest of the book. M is the mean value per purchase occasion: total spend is
already F x M, so using it would double-count frequency::

    Champions            R >= 4, F >= 4
    Loyal                R >= 3, F >= 3
    New                  R >= 4, F = 1
    Potential loyalists  R >= 3, F <= 2
    Can't lose them      R <= 2, F >= 4, M >= 4
    At risk              R <= 2, F >= 3
    Hibernating          R = 2,  F <= 2
    Lost                 R = 1,  F <= 2

Customers without orders (or without a churn risk) get no segment (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from solocrm_tui.core.stages import risk_level

from .features import align_tz, customer_features

NEW_DAYS = 30
LOYAL_PURCHASES = 3
CHAMPION_PURCHASES = 6
#: Best first: validate_states checks next-period buying falls along this order.
STATE_ORDER = (("Champions", "Loyal"), ("Active", "New"), ("At risk",), ("Lost",))
#: A state with fewer customers at the cut-off says too little to be compared.
MIN_STATE_CUSTOMERS = 20
RFM_COLUMNS = ("recency_days", "frequency", "monetary_mean")
SILHOUETTE_SAMPLE = 2500  # silhouette is O(n^2); 2,500 points rank k stably
_WORDS = {"recency_days": ("more recent", "less recent"),
          "frequency": ("occasional", "frequent"),
          "monetary_mean": ("small baskets", "big baskets")}


def _buyers(features: pd.DataFrame) -> pd.DataFrame:
    return features.loc[features["occasions"] >= 1, list(RFM_COLUMNS)].astype(float)


def _score(goodness: pd.Series) -> pd.Series:
    """Quintile score 1-5 from minimum ranks: ties share the lower score."""
    rank = goodness.rank(method="min").to_numpy()
    return pd.Series(1 + np.floor(5 * (rank - 1) / len(goodness)).astype(int), index=goodness.index)


def rfm_scores(features: pd.DataFrame) -> pd.DataFrame:
    """R, F and M scores (1-5) for customers with at least one order."""
    b = _buyers(features)
    return pd.DataFrame({"R": _score(-b["recency_days"]), "F": _score(b["frequency"]),
                         "M": _score(b["monetary_mean"])}, index=b.index)


def _name(R, F, M) -> np.ndarray:
    R, F, M = (np.asarray(v) for v in (R, F, M))
    conditions = [(R >= 4) & (F >= 4), (R >= 3) & (F >= 3), (R >= 4) & (F == 1), R >= 3,
                  (F >= 4) & (M >= 4), F >= 3, R == 2]
    names = ["Champions", "Loyal", "New", "Potential loyalists", "Can't lose them", "At risk", "Hibernating"]
    return np.select(conditions, names, default="Lost")


def state_segments(features: pd.DataFrame, churn_risk: pd.Series, new_days: int = NEW_DAYS) -> pd.Series:
    """Segment name per customer from the state table above (NaN without orders or a risk)."""
    buyers = features.loc[features["occasions"] >= 1]
    risk = churn_risk.reindex(buyers.index).astype(float)
    base_rate = float(risk.mean())
    if not 0 < base_rate < 1:  # no scores, or all alike: nothing to judge a risk against
        return pd.Series(np.nan, index=features.index, dtype=object, name="segment")
    level = risk_level(risk.fillna(0.0).to_numpy(), base_rate)
    days = buyers["occasions"].to_numpy()
    names = np.select(
        [buyers["tenure_days"].to_numpy() <= new_days, level == 2, level == 1,
         days >= CHAMPION_PURCHASES, days >= LOYAL_PURCHASES],
        ["New", "Lost", "At risk", "Champions", "Loyal"], default="Active")
    names = pd.Series(names, index=buyers.index, dtype=object).where(risk.notna())
    return names.reindex(features.index).rename("segment")


@dataclass(frozen=True)
class StateCheck:
    """What customers in each state did next, at a past cut-off where that is known."""

    cutoff: pd.Timestamp
    horizon_days: int
    outcomes: pd.DataFrame  # per state, best first: size, bought_again (share), mean_purchases
    ordered: bool | None  # None: too few customers in too few states to tell
    note: str


def validate_states(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int, score,
                    new_days: int = NEW_DAYS) -> StateCheck:
    """Assign the states at ``as_of - H``, then measure who bought again by ``as_of``.

    ``score(orders, cutoff)`` gives each customer's churn risk at the cut-off the way the
    refit would; the states are ordered when each group in STATE_ORDER (with at least
    MIN_STATE_CUSTOMERS) bought again at a rate no higher than the group before it.
    """
    as_of = align_tz(as_of, orders["ordered_at"])
    cutoff = as_of - pd.Timedelta(days=horizon_days)
    past = orders.loc[orders["ordered_at"] <= cutoff]
    empty = pd.DataFrame(columns=["name", "size", "bought_again", "mean_purchases"])
    if past.empty:
        return StateCheck(cutoff, horizon_days, empty, None, "no orders before the cut-off: not enough data")
    features = customer_features(past, cutoff)
    states = state_segments(features, score(past, cutoff), new_days).dropna()
    window = orders.loc[(orders["ordered_at"] > cutoff) & (orders["ordered_at"] <= as_of)]
    purchases = (window.assign(day=window["ordered_at"].dt.normalize()).groupby("customer_id")["day"]
                 .nunique().reindex(states.index, fill_value=0))
    names = [n for group in STATE_ORDER for n in group]
    g = pd.DataFrame({"name": states, "bought": purchases > 0, "n": purchases}).groupby("name")
    outcomes = (pd.DataFrame({"size": g.size(), "bought_again": g["bought"].mean(),
                              "mean_purchases": g["n"].mean()})
                .reindex([n for n in names if n in g.groups]).rename_axis("name").reset_index())
    rates = []
    for group in STATE_ORDER:
        members = states.isin(group)
        if members.sum() >= MIN_STATE_CUSTOMERS:
            rates.append((" / ".join(group), float((purchases[members] > 0).mean())))
    if len(rates) < 2:
        return StateCheck(cutoff, horizon_days, outcomes, None,
                          f"fewer than two states with {MIN_STATE_CUSTOMERS} customers at "
                          f"{cutoff:%Y-%m-%d}: not enough data to check the order")
    inversions = [f"{a} {ra:.0%} < {b} {rb:.0%}" for (a, ra), (b, rb) in zip(rates, rates[1:]) if rb > ra]
    text = " ≥ ".join(f"{name} {rate:.0%}" for name, rate in rates)
    if inversions:
        return StateCheck(cutoff, horizon_days, outcomes, False,
                          f"out of order at {cutoff:%Y-%m-%d}: " + "; ".join(inversions))
    return StateCheck(cutoff, horizon_days, outcomes, True,
                      f"bought again within {horizon_days} days of {cutoff:%Y-%m-%d}: {text}")


def segment_profiles(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Size, revenue share and mean recency/frequency/monetary per segment, biggest revenue first."""
    df = features.assign(segment=labels.reindex(features.index)).dropna(subset=["segment"])
    g = df.groupby("segment")
    total = df["monetary_total"].sum()
    out = pd.DataFrame({
        "size": g.size(),
        "revenue_share": g["monetary_total"].sum() / total if total else 0.0,
        "recency_days": g["recency_days"].mean(),
        "frequency": g["frequency"].mean(),
        "monetary": g["monetary_mean"].mean(),
    })
    out = out.sort_values(["revenue_share", "size"], ascending=False)
    return out.rename_axis("name").reset_index()


@dataclass(frozen=True)
class KMeansSegments:
    labels: pd.Series          # segment name per customer, NaN without orders
    k: int
    silhouette: float
    silhouettes: dict          # k -> silhouette on the sample
    profile: pd.DataFrame      # segment_profiles() of the labels


def _cluster_names(scores: pd.DataFrame, cluster: np.ndarray, centres: np.ndarray) -> dict[int, str]:
    """Name each cluster from its members' mean R, F, M scores, rounded, via the RFM table.

    Mean scores rather than the median customer's position: a cluster whose
    members straddle two quintiles should not be pushed to the harsher one.
    """
    mean = np.floor(scores.groupby(cluster).mean() + 0.5).astype(int)
    names = {c: str(_name(row.R, row.F, row.M)) for c, row in mean.iterrows()}
    for name in set(names.values()):
        same = [c for c in names if names[c] == name]
        if len(same) < 2:
            continue
        spread = centres[same].max(axis=0) - centres[same].min(axis=0)
        col = int(np.argmax(spread))
        ordered = sorted(same, key=lambda c: centres[c, col])
        words = _WORDS[RFM_COLUMNS[col]]
        for i, c in enumerate(ordered):
            tag = words[0] if i == 0 else words[1] if i == len(same) - 1 else f"middle {i}"
            names[c] = f"{name} · {tag}"
    return names


def _best_k(Xs: np.ndarray, k_range, random_state: int) -> tuple[dict, KMeans | None]:
    """Fit KMeans for each k on the sample; keep the one with the best silhouette."""
    n_distinct = len(np.unique(Xs, axis=0)) if len(Xs) else 0
    silhouettes, best = {}, None
    for k in k_range:
        if k >= n_distinct:
            break
        km = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit(Xs)
        silhouettes[k] = float(silhouette_score(Xs, km.labels_, sample_size=min(len(Xs), SILHOUETTE_SAMPLE),
                                                random_state=random_state))
        if best is None or silhouettes[k] > silhouettes[best.n_clusters]:
            best = km
    return silhouettes, best


def kmeans_segments(features: pd.DataFrame, k_range=range(2, 9), random_state: int = 0,
                    sample: int = 20000) -> KMeansSegments:
    """KMeans on standardised log1p RFM with k chosen by silhouette.

    Fitting and the silhouette use a random sample (silhouette is quadratic in
    the number of points); every buyer is then assigned to its nearest centre.
    Single-threaded: on data this small, thread pools cost more than they save,
    and much more when the UI or another process holds a core.
    """
    b = _buyers(features)
    X = StandardScaler().fit_transform(np.log1p(b.clip(lower=0)).to_numpy()) if len(b) else np.zeros((0, 3))
    rng = np.random.default_rng(random_state)
    Xs = X[rng.choice(len(X), size=min(len(X), sample), replace=False)]
    with threadpool_limits(limits=1):
        silhouettes, km = _best_k(Xs, k_range, random_state)
        if km is None:  # too few distinct customers to cluster: one segment
            cluster, centres, k, sil = np.zeros(len(b), int), np.zeros((1, 3)), 1, float("nan")
        else:
            cluster, centres, k, sil = km.predict(X), km.cluster_centers_, km.n_clusters, silhouettes[km.n_clusters]
    names = _cluster_names(rfm_scores(features), cluster, centres) if len(b) else {}
    labels = pd.Series(cluster, index=b.index).map(names).astype(object)
    labels = labels.reindex(features.index).rename("segment")
    return KMeansSegments(labels, k, sil, silhouettes, segment_profiles(features, labels))
