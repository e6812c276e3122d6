"""Customer segments: named states with an absolute meaning, and a lab of clusterings beside them.

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

The segmentation lab (``segmentation_lab``) fits KMeans, Ward's agglomerative clustering
and DBSCAN on the same scaled log RFM and judges each, and the named states, by how well
their groups at ``as_of - H`` separate who bought again within H days: eta², the share
of the variance of "bought again" between the groups, with a bootstrap interval, and the
spread between the best and the worst group. On CDNOW (cut-off 1997-09-30, H 90) the
states explain 0.177 [0.143, 0.218], KMeans 0.164, agglomerative 0.147, DBSCAN 0.166:
no clustering beats them, so the owner keeps the states and sees the clusters beside.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from solocrm_tui.core.stages import risk_level

from .churn import INTERVAL, RESAMPLES
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
AGGLOMERATIVE_SAMPLE = 3000  # Ward's linkage holds n(n-1)/2 distances: 36 MB here
DBSCAN_SAMPLE = 10000
DBSCAN_MIN_SAMPLES = 10  # a dense neighbourhood: ~3x the dimensions, and few enough for 250-customer books
MIN_LAB_BUYERS = 20  # fewer buyers at the cut-off say nothing about which grouping separates buying
NOISE = "Noise"
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


@dataclass(frozen=True)
class _Cutoff:
    """The book at ``at`` = as_of - H: features, named states, and purchase days in the H days after."""

    at: pd.Timestamp
    features: pd.DataFrame | None
    states: pd.Series | None      # per buyer with a churn risk at the cut-off
    purchases: pd.Series | None   # purchase days in (at, as_of], same index as states


def _at_cutoff(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int, score, new_days: int) -> _Cutoff:
    cutoff = as_of - pd.Timedelta(days=horizon_days)
    past = orders.loc[orders["ordered_at"] <= cutoff]
    if past.empty:
        return _Cutoff(cutoff, None, None, None)
    features = customer_features(past, cutoff)
    states = state_segments(features, score(past, cutoff), new_days).dropna()
    window = orders.loc[(orders["ordered_at"] > cutoff) & (orders["ordered_at"] <= as_of)]
    purchases = (window.assign(day=window["ordered_at"].dt.normalize()).groupby("customer_id")["day"]
                 .nunique().reindex(states.index, fill_value=0))
    return _Cutoff(cutoff, features, states, purchases)


def validate_states(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int, score,
                    new_days: int = NEW_DAYS) -> StateCheck:
    """Assign the states at ``as_of - H``, then measure who bought again by ``as_of``.

    ``score(orders, cutoff)`` gives each customer's churn risk at the cut-off the way the
    refit would; the states are ordered when each group in STATE_ORDER (with at least
    MIN_STATE_CUSTOMERS) bought again at a rate no higher than the group before it.
    """
    as_of = align_tz(as_of, orders["ordered_at"])
    return _state_check(_at_cutoff(orders, as_of, horizon_days, score, new_days), horizon_days)


def _state_check(cut: _Cutoff, horizon_days: int) -> StateCheck:
    cutoff, states, purchases = cut.at, cut.states, cut.purchases
    empty = pd.DataFrame(columns=["name", "size", "bought_again", "mean_purchases"])
    if states is None:
        return StateCheck(cutoff, horizon_days, empty, None, "no orders before the cut-off: not enough data")
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
class Clusters:
    """One clustering method's groups of the buyers, named from their RFM profile."""

    method: str
    labels: pd.Series          # cluster name per customer (NOISE for DBSCAN's outliers), NaN without orders
    k: int                     # clusters found, noise not counted
    silhouette: float          # NaN with fewer than two clusters
    silhouettes: dict          # k -> silhouette, for the methods that choose k by it
    profile: pd.DataFrame      # segment_profiles() of the labels
    noise: int = 0             # buyers DBSCAN left in no cluster
    note: str = ""             # how it was fitted: subsample, eps


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


def _scaled_rfm(features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The buyers and their standardised log1p RFM: every method clusters the same space."""
    b = _buyers(features)
    return b, StandardScaler().fit_transform(np.log1p(b.clip(lower=0)).to_numpy()) if len(b) else np.zeros((0, 3))


def _sample(n: int, size: int, random_state: int) -> np.ndarray:
    return np.sort(np.random.default_rng(random_state).choice(n, size=min(n, size), replace=False))


def _distinct(X: np.ndarray) -> int:
    return len(np.unique(X, axis=0)) if len(X) else 0


def _silhouette(X: np.ndarray, cluster: np.ndarray, random_state: int) -> float:
    """Silhouette of the clustered points (noise, -1, left out) on a sample: it is O(n²)."""
    inside = cluster >= 0
    if len(np.unique(cluster[inside])) < 2:
        return float("nan")
    return float(silhouette_score(X[inside], cluster[inside], sample_size=min(int(inside.sum()), SILHOUETTE_SAMPLE),
                                  random_state=random_state))


def _nearest(X: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return ((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def _clusters(method: str, features: pd.DataFrame, b: pd.DataFrame, X: np.ndarray, cluster: np.ndarray,
              silhouettes: dict, silhouette: float, note: str = "") -> Clusters:
    """Name the clusters (ids 0..k-1, -1 noise) and profile them."""
    k = int(cluster.max()) + 1 if len(cluster) else 0
    inside = cluster >= 0
    names: dict[int, str] = {}
    if inside.any():
        centres = np.array([X[cluster == c].mean(axis=0) for c in range(k)])
        names = _cluster_names(rfm_scores(features).loc[b.index[inside]], cluster[inside], centres)
    labels = pd.Series(cluster, index=b.index).map({**names, -1: NOISE}).astype(object)
    labels = labels.reindex(features.index).rename("segment")
    return Clusters(method, labels, k, silhouette, silhouettes, segment_profiles(features, labels),
                    int((~inside).sum()), note)


def kmeans_segments(features: pd.DataFrame, k_range=range(2, 9), random_state: int = 0,
                    sample: int = 20000) -> Clusters:
    """KMeans on standardised log1p RFM with k chosen by silhouette.

    Fitting and the silhouette use a random sample (silhouette is quadratic in
    the number of points); every buyer is then assigned to its nearest centre.
    Single-threaded: on data this small, thread pools cost more than they save,
    and much more when the UI or another process holds a core.
    """
    b, X = _scaled_rfm(features)
    Xs = X[_sample(len(X), sample, random_state)]
    n_distinct = _distinct(Xs)
    silhouettes, best = {}, None
    with threadpool_limits(limits=1):
        for k in k_range:
            if k >= n_distinct:
                break
            km = KMeans(n_clusters=k, n_init=4, random_state=random_state).fit(Xs)
            silhouettes[k] = _silhouette(Xs, km.labels_, random_state)
            if best is None or silhouettes[k] > silhouettes[best.n_clusters]:
                best = km
        cluster = best.predict(X) if best is not None else np.zeros(len(X), int)
    silhouette = silhouettes[best.n_clusters] if best is not None else float("nan")
    return _clusters("kmeans", features, b, X, cluster, silhouettes, silhouette)


def agglomerative_segments(features: pd.DataFrame, k_range=range(2, 9), random_state: int = 0,
                           sample: int = AGGLOMERATIVE_SAMPLE) -> Clusters:
    """Ward's hierarchical clustering, the tree cut at the k with the best silhouette.

    Ward's linkage keeps every pairwise distance (O(n²) memory: 3,000 buyers take 36 MB,
    100,000 would take 40 GB), so above ``sample`` buyers it is fitted on a random
    subsample and the rest join the nearest cluster centre; the note says so.
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    b, X = _scaled_rfm(features)
    chosen = _sample(len(X), sample, random_state)
    Xs = X[chosen]
    silhouettes, best = {}, None
    if _distinct(Xs) > 2:
        tree = linkage(Xs, "ward")
        for k in k_range:
            cut = fcluster(tree, k, "maxclust") - 1
            if len(np.unique(cut)) < k:
                break
            silhouettes[k] = _silhouette(Xs, cut, random_state)
            if best is None or silhouettes[k] > silhouettes[int(best.max()) + 1]:
                best = cut
    if best is None:
        cluster, silhouette = np.zeros(len(X), int), float("nan")
    else:
        k = int(best.max()) + 1
        silhouette = silhouettes[k]
        cluster = _nearest(X, np.array([Xs[best == c].mean(axis=0) for c in range(k)])) if len(Xs) < len(X) else best
    note = (f"fitted on {len(Xs):,} of {len(X):,} buyers (Ward's linkage is O(n²) in memory); "
            f"the rest joined the nearest cluster centre" if len(Xs) < len(X) else "")
    return _clusters("agglomerative", features, b, X, cluster, silhouettes, silhouette, note)


def knee_eps(X: np.ndarray, min_samples: int) -> float:
    """DBSCAN's eps from the knee of the sorted k-nearest-neighbour distances (k = min_samples).

    Sorted ascending, those distances stay flat inside dense regions and climb steeply
    for outliers; the knee is the point farthest below the straight line from the first
    to the last one, both axes scaled to [0, 1] (the "kneedle" rule). Points whose
    neighbourhood is wider than that are noise unless a dense point reaches them.
    """
    from sklearn.neighbors import NearestNeighbors

    distances = NearestNeighbors(n_neighbors=min_samples).fit(X).kneighbors(X)[0][:, -1]
    d = np.sort(distances)
    span = d[-1] - d[0]
    if span <= 0:
        return float(d[-1]) or 1e-9
    x = np.linspace(0.0, 1.0, len(d))
    knee = int(np.argmax(x - (d - d[0]) / span))
    return float(d[knee]) or 1e-9


def dbscan_segments(features: pd.DataFrame, min_samples: int = DBSCAN_MIN_SAMPLES, random_state: int = 0,
                    sample: int = DBSCAN_SAMPLE) -> Clusters:
    """DBSCAN with eps from ``knee_eps``; buyers in no dense region are labelled NOISE.

    Above ``sample`` buyers it is fitted on a random subsample (its neighbourhood
    queries grow with density); every other buyer joins the cluster of the nearest
    core buyer within eps, or is noise.
    """
    from sklearn.cluster import DBSCAN
    from sklearn.neighbors import NearestNeighbors

    b, X = _scaled_rfm(features)
    Xs = X[_sample(len(X), sample, random_state)]
    if len(Xs) <= min_samples:
        return _clusters("dbscan", features, b, X, np.zeros(len(X), int), {}, float("nan"),
                         f"{len(X)} buyers: too few for DBSCAN's {min_samples}-buyer neighbourhoods")
    eps = knee_eps(Xs, min_samples)
    db = DBSCAN(eps=eps, min_samples=min_samples).fit(Xs)
    cluster = db.labels_
    if len(Xs) < len(X):
        core = Xs[db.core_sample_indices_]
        distance, nearest = NearestNeighbors(n_neighbors=1).fit(core).kneighbors(X)
        cluster = np.where(distance[:, 0] <= eps, cluster[db.core_sample_indices_][nearest[:, 0]], -1)
    noise = int((cluster < 0).sum())
    note = (f"eps {eps:.2f} from the knee of the {min_samples}-nearest-neighbour distances; "
            f"{noise:,} buyers ({noise / len(X):.0%}) are noise")
    if len(Xs) < len(X):
        note += f"; fitted on {len(Xs):,} of {len(X):,} buyers, the rest joined the nearest core buyer within eps"
    return _clusters("dbscan", features, b, X, cluster, {}, _silhouette(X, cluster, random_state), note)


@dataclass(frozen=True)
class Separation:
    """How much of the variance in "bought again within H days" the groups explain.

    eta² = Σ_g n_g (p_g - p)² / (N p (1 - p)): 0 when every group buys again at the
    book's rate, 1 when each group either all bought or all did not. It compares
    groupings with different numbers of groups fairly only roughly (more groups
    can only explain more), which is why ``spread`` (best minus worst group's rate,
    groups of at least MIN_STATE_CUSTOMERS) is shown beside it. ``low``/``high`` is
    a 95 % bootstrap interval; ``gain_low``/``gain_high`` the paired interval of the
    difference to a baseline grouping of the same customers, when one is given.
    """

    eta2: float
    low: float
    high: float
    spread: float
    groups: int
    gain_low: float = float("nan")
    gain_high: float = float("nan")


def _eta2(counts: np.ndarray, group: np.ndarray, bought: np.ndarray, groups: int) -> np.ndarray:
    """eta² per row of ``counts`` (customers per cell; each cell one group and one outcome)."""
    n = np.stack([np.bincount(group, weights=row, minlength=groups) for row in counts])
    b = np.stack([np.bincount(group, weights=row * bought, minlength=groups) for row in counts])
    total = n.sum(axis=1)
    p = b.sum(axis=1) / total
    between = (np.divide(b ** 2, n, out=np.zeros_like(b), where=n > 0).sum(axis=1) / total) - p ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(between / (p * (1 - p)), 0.0, 1.0)


def separation(labels: pd.Series, bought: pd.Series, baseline: pd.Series | None = None,
               random_state: int = 0) -> Separation:
    """eta² of next-period buying across ``labels``, with bootstrap intervals.

    The bootstrap is churn's (RESAMPLES resamples of the customers, the INTERVAL
    percentiles), drawn as multinomial counts over the (group, baseline group, bought)
    cells: the same distribution as resampling customers, without an n × RESAMPLES
    weight matrix (100k customers would need 240 MB).
    """
    frame = pd.DataFrame({"g": labels.astype(str).to_numpy(), "bought": bought.astype(bool).to_numpy(),
                          "base": baseline.astype(str).to_numpy() if baseline is not None else ""})
    cells = frame.value_counts().reset_index(name="n")
    g = pd.factorize(cells["g"])[0]
    base = pd.factorize(cells["base"])[0]
    y = cells["bought"].to_numpy(float)
    observed = cells["n"].to_numpy(float)
    draws = np.random.default_rng(random_state).multinomial(int(observed.sum()), observed / observed.sum(),
                                                            size=RESAMPLES).astype(float)
    eta2 = float(_eta2(observed[None, :], g, y, g.max() + 1)[0])
    resampled = _eta2(draws, g, y, g.max() + 1)
    low, high = np.nanpercentile(resampled, INTERVAL) if np.isfinite(resampled).any() else (np.nan, np.nan)
    rates = frame.groupby("g")["bought"].agg(["mean", "size"])
    rates = rates.loc[rates["size"] >= MIN_STATE_CUSTOMERS, "mean"]
    spread = float(rates.max() - rates.min()) if len(rates) >= 2 else float("nan")
    gain = (np.nan, np.nan)
    if baseline is not None:
        gains = resampled - _eta2(draws, base, y, base.max() + 1)
        gain = tuple(np.nanpercentile(gains, INTERVAL)) if np.isfinite(gains).any() else gain
    return Separation(eta2, float(low), float(high), spread, int(g.max() + 1), float(gain[0]), float(gain[1]))


@dataclass(frozen=True)
class LabCandidate:
    """One grouping on the segmentation leaderboard, judged at the past cut-off."""

    method: str
    groups: int
    silhouette: float
    eta2: float
    low: float
    high: float
    spread: float
    gain_low: float      # paired 95 % interval of eta² minus the named states' (NaN for the states)
    gain_high: float
    noise: int
    fit_seconds: float
    n: int
    note: str


@dataclass(frozen=True)
class SegmentLab:
    """The named states and every clustering method, compared on the owner's own book.

    ``candidates`` are fitted on the book as it was at ``cutoff`` (as_of - H) and
    judged by who bought again by as_of; ``clusters`` are the same methods fitted on
    today's book, whose profiles the owner sees beside the named states.
    """

    cutoff: pd.Timestamp
    horizon_days: int
    candidates: tuple[LabCandidate, ...]
    in_use: str
    why: str
    check: StateCheck
    clusters: dict  # method -> Clusters on today's book


METHODS = {"kmeans": kmeans_segments, "agglomerative": agglomerative_segments, "dbscan": dbscan_segments}


def _in_use(candidates: list[LabCandidate]) -> str:
    states, *methods = candidates
    best = max(methods, key=lambda c: c.eta2 if np.isfinite(c.eta2) else -1.0)
    figure = (f"{best.method} eta² {best.eta2:.3f} vs the states' {states.eta2:.3f}, "
              f"gain {best.gain_low:+.3f} to {best.gain_high:+.3f}")
    if best.gain_low > 0:
        return (f"{best.method} separates next-period buying better ({figure}): its clusters are shown beside "
                f"the states, which stay because each has a fixed meaning and action")
    return f"no clustering separates next-period buying better than the named states ({figure})"


def segmentation_lab(orders: pd.DataFrame, as_of: pd.Timestamp, horizon_days: int, score,
                     new_days: int = NEW_DAYS, features: pd.DataFrame | None = None,
                     random_state: int = 0) -> SegmentLab:
    """Fit every method at ``as_of - H`` and score how its groups separate the next H days' buying.

    ``score`` is validate_states' churn-risk function (the named states need it);
    ``features`` are today's (computed from ``orders`` when not given), on which the
    methods are fitted once more for the profiles the owner sees.
    """
    as_of = align_tz(as_of, orders["ordered_at"])
    cut = _at_cutoff(orders, as_of, horizon_days, score, new_days)
    check = _state_check(cut, horizon_days)
    if features is None:
        features = customer_features(orders, as_of) if len(orders) else pd.DataFrame(columns=RFM_COLUMNS)
    buyers = int((features["occasions"] >= 1).sum()) if len(features) else 0
    clusters = {name: fit(features) for name, fit in METHODS.items()} if buyers >= MIN_LAB_BUYERS else {}
    if cut.states is None or len(cut.states) < MIN_LAB_BUYERS or cut.purchases.gt(0).nunique() < 2:
        why = (f"fewer than {MIN_LAB_BUYERS} customers with a state at {cut.at:%Y-%m-%d}, or none bought again "
               f"(or all did) by {as_of:%Y-%m-%d}: not enough data to compare segmentations")
        return SegmentLab(cut.at, horizon_days, (), "named states", why, check, clusters)
    states, bought = cut.states, cut.purchases.gt(0)
    b, X = _scaled_rfm(cut.features.loc[states.index])
    state_ids = pd.factorize(states)[0]
    s = separation(states, bought)
    candidates = [LabCandidate("named states", s.groups, _silhouette(X, state_ids, random_state), s.eta2, s.low,
                               s.high, s.spread, float("nan"), float("nan"), 0, 0.0, len(states),
                               "fixed thresholds on purchases and churn risk")]
    for name, fit in METHODS.items():
        start = time.perf_counter()
        c = fit(cut.features.loc[states.index], random_state=random_state)
        seconds = time.perf_counter() - start
        s = separation(c.labels, bought, baseline=states)
        candidates.append(LabCandidate(name, s.groups, c.silhouette, s.eta2, s.low, s.high, s.spread, s.gain_low,
                                       s.gain_high, c.noise, seconds, len(states), c.note))
    return SegmentLab(cut.at, horizon_days, tuple(candidates), "named states", _in_use(candidates), check, clusters)
