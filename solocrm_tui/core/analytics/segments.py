"""Customer segments with names a shop owner recognises.

Two views: RFM scores (transparent, stable, one rule table) and KMeans on
log-scaled RFM (finds the groups the data actually has). KMeans clusters are
named by scoring each cluster's median customer with the *same* RFM table, so
both views speak one vocabulary. M is the mean value per purchase occasion:
total spend is already F x M, so using it would double-count frequency.

RFM scores are quintiles 1-5 computed from *minimum* ranks: tied customers share
a score (plain ``qcut`` fails on the many ties in frequency, and ``rank('first')``
would split identical one-time buyers across scores arbitrarily). One-time
buyers therefore all get F = 1.

Name table (first matching row wins; R = recency score, 5 = most recent)::

    Champions            R >= 4, F >= 4
    Loyal                R >= 3, F >= 3
    New                  R >= 4, F = 1
    Potential loyalists  R >= 3, F <= 2
    Can't lose them      R <= 2, F >= 4, M >= 4
    At risk              R <= 2, F >= 3
    Hibernating          R = 2,  F <= 2
    Lost                 R = 1,  F <= 2

Customers without orders get no segment (NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

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


def rfm_segments(features: pd.DataFrame) -> pd.Series:
    """Segment name per customer from the RFM table above (NaN without orders)."""
    s = rfm_scores(features)
    names = pd.Series(_name(s["R"], s["F"], s["M"]), index=s.index, dtype=object)
    return names.reindex(features.index).rename("segment")


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
