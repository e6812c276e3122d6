"""The segmentation lab: KMeans, agglomerative and DBSCAN on scaled log RFM, judged by
silhouette and by how well their groups at a past cut-off separate who bought again.

Known answers: three well-separated synthetic groups (every method must find them, and
DBSCAN must call the planted outliers noise); an exact eta² on a two-group book; and the
CDNOW sample, whose named states' eta² must equal the one their check table implies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from solocrm_tui.core.analytics.churn import compare_models
from solocrm_tui.core.analytics.segments import (
    agglomerative_segments,
    dbscan_segments,
    kmeans_segments,
    segmentation_lab,
    separation,
)

H = 90
AS_OF = pd.Timestamp("1997-12-29")  # cut-off 1997-09-30, the end of the standard calibration
GROUP = 200
OUTLIERS = 5


def _blobs(seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """Three tight groups far apart in log RFM, plus OUTLIERS buyers far from all of them."""
    rng = np.random.default_rng(seed)
    centres = {"recent small": (1.0, 3.0, 2.5), "lapsed one-off": (6.0, 0.0, 3.5), "big regular": (3.0, 1.5, 6.5)}
    rows, truth = [], []
    for name, centre in centres.items():
        rows.append(rng.normal(centre, 0.12, (GROUP, 3)))
        truth += [name] * GROUP
    rows.append(np.array([[7.5, 3.5, 1.0], [0.2, 3.6, 7.5], [7.0, 0.5, 8.0], [0.5, 0.2, 0.5], [4.5, 3.8, 4.5]]))
    truth += ["outlier"] * OUTLIERS
    logs = np.clip(np.vstack(rows), 0, None)
    recency, frequency, monetary = np.expm1(logs).T
    index = pd.Index([f"c{i}" for i in range(len(truth))], name="customer_id")
    features = pd.DataFrame({"occasions": frequency + 1, "recency_days": recency, "frequency": frequency,
                             "monetary_mean": monetary, "monetary_total": monetary * (frequency + 1),
                             "tenure_days": recency + 10}, index=index)
    return features, pd.Series(truth, index=index)


@pytest.fixture(scope="module")
def blobs():
    return _blobs()


@pytest.mark.parametrize("method", [kmeans_segments, agglomerative_segments, dbscan_segments])
def test_every_method_finds_three_separated_groups(blobs, method):
    """Without the outliers (KMeans and Ward would rightly give five far-off buyers a cluster)."""
    features, truth = blobs
    grouped = truth != "outlier"
    clusters = method(features[grouped])
    assert clusters.k == 3
    assert clusters.silhouette > 0.7
    assert clusters.noise <= 0.05 * grouped.sum()  # DBSCAN calls a Gaussian's far tail noise
    inside = clusters.labels != "Noise"
    assert adjusted_rand_score(truth[grouped][inside], clusters.labels[inside]) == pytest.approx(1.0)
    assert clusters.profile["size"].sum() == grouped.sum()


def test_dbscan_calls_the_planted_outliers_noise(blobs):
    features, truth = blobs
    clusters = dbscan_segments(features)
    noise = clusters.labels == "Noise"
    assert noise[truth == "outlier"].all()
    assert clusters.noise == noise.sum() <= OUTLIERS + 3  # a blob's edge may fall outside eps
    assert clusters.k == 3
    grouped = ~noise
    assert adjusted_rand_score(truth[grouped], clusters.labels[grouped]) == pytest.approx(1.0)
    assert "eps" in clusters.note and "noise" in clusters.note


def test_agglomerative_subsamples_a_big_book_and_says_so(blobs):
    features, truth = blobs
    clusters = agglomerative_segments(features, sample=120)
    assert "fitted on 120 of 605 buyers" in clusters.note
    assert clusters.labels.notna().all()  # the rest join the nearest cluster centre
    grouped = truth != "outlier"
    assert adjusted_rand_score(truth[grouped], clusters.labels[grouped]) == pytest.approx(1.0)


def test_eta_squared_of_two_groups_is_the_known_share_of_variance():
    """Group A: 80 of 100 bought again; B: 20 of 100. Between-group variance
    (100·0.3² + 100·0.3²)/200 = 0.09 over total 0.5·0.5 = 0.25: eta² = 0.36."""
    labels = pd.Series(["A"] * 100 + ["B"] * 100)
    bought = pd.Series([1] * 80 + [0] * 20 + [1] * 20 + [0] * 80).astype(bool)
    s = separation(labels, bought)
    assert s.eta2 == pytest.approx(0.36)
    assert s.spread == pytest.approx(0.6)
    assert s.low < 0.36 < s.high
    assert 0.2 < s.low and s.high < 0.55  # 200 customers: about ±0.13


def test_groups_unrelated_to_buying_separate_nothing():
    rng = np.random.default_rng(0)
    labels = pd.Series(rng.choice(list("ABCD"), 2000))
    s = separation(labels, pd.Series(rng.random(2000) < 0.3))
    assert s.eta2 < 0.01 and s.low < 0.01


def refit_risk(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    return compare_models(orders, cutoff, H).scores


@pytest.fixture(scope="module")
def cdnow_lab(cdnow_orders):
    return segmentation_lab(cdnow_orders, AS_OF, H, refit_risk)


def test_cdnow_leaderboard_lists_every_method_with_its_figures(cdnow_lab):
    board = {c.method: c for c in cdnow_lab.candidates}
    assert list(board) == ["named states", "kmeans", "agglomerative", "dbscan"]
    for c in board.values():
        assert c.n == 2357
        assert c.groups >= 2
        assert -1 <= c.silhouette <= 1
        assert 0 <= c.low <= c.eta2 <= c.high <= 1, c
        assert 0 < c.spread <= 1
        assert c.fit_seconds >= 0
    assert "eps" in board["dbscan"].note
    assert cdnow_lab.in_use == "named states"
    assert cdnow_lab.why
    for method, clusters in cdnow_lab.clusters.items():  # today's clusters, profiled for the owner
        assert clusters.profile["size"].sum() == 2357, method


def test_cdnow_states_eta_squared_matches_their_check_table(cdnow_lab):
    out = cdnow_lab.check.outcomes
    rate = (out["size"] * out["bought_again"]).sum() / out["size"].sum()
    between = (out["size"] * (out["bought_again"] - rate) ** 2).sum() / out["size"].sum()
    states = next(c for c in cdnow_lab.candidates if c.method == "named states")
    assert states.eta2 == pytest.approx(between / (rate * (1 - rate)))
    assert states.spread == pytest.approx(out.loc[out["size"] >= 20, "bought_again"].max()
                                          - out.loc[out["size"] >= 20, "bought_again"].min())


@pytest.mark.parametrize("customers", [0, 1, 5])
def test_tiny_books_get_an_empty_leaderboard_that_says_why(cdnow_orders, customers):
    ids = cdnow_orders["customer_id"].unique()[:customers]
    lab = segmentation_lab(cdnow_orders[cdnow_orders["customer_id"].isin(ids)], AS_OF, H, refit_risk)
    assert lab.candidates == ()
    assert "not enough data" in lab.why
    assert lab.check.ordered is None
