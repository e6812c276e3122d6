"""Segments: a seeded population with known behaviours must land in the matching names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics.churn import compare_models
from solocrm_tui.core.analytics.features import customer_features
from solocrm_tui.core.analytics.segments import (
    kmeans_segments,
    rfm_scores,
    segment_profiles,
    state_segments,
)

AS_OF = pd.Timestamp("2024-06-30")
GROUP_SIZE = 250


def _population(seed: int = 7) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Four behaviours: frequent small buyers, rare big buyers, recent one-timers, lapsed regulars."""
    rng = np.random.default_rng(seed)
    rows, group = [], {}

    def buy(cid, days_ago, mean_amount):
        for d in days_ago:
            rows.append((cid, AS_OF - pd.Timedelta(days=int(d)), float(rng.gamma(10, mean_amount / 10))))

    for i in range(GROUP_SIZE):
        cid = f"freq{i}"; group[cid] = "frequent"
        buy(cid, np.cumsum(rng.integers(5, 15, 60)) - rng.integers(5, 15) + rng.integers(0, 8), 20)
        cid = f"big{i}"; group[cid] = "rare_big"
        buy(cid, rng.integers(0, 90) + np.arange(rng.integers(2, 4)) * 150, 500)
        cid = f"one{i}"; group[cid] = "one_timer"
        buy(cid, [rng.integers(0, 45)], 40)
        cid = f"lapsed{i}"; group[cid] = "lapsed"
        buy(cid, 450 + rng.integers(0, 200) + np.arange(rng.integers(2, 6)) * 30, 40)
    orders = pd.DataFrame(rows, columns=["customer_id", "ordered_at", "amount"])
    orders = orders[orders["ordered_at"] <= AS_OF]
    customers = pd.DataFrame({"customer_id": list(group) + ["ghost1", "ghost2"]})
    return orders, pd.Series(group), customers


@pytest.fixture(scope="module")
def population():
    orders, group, customers = _population()
    return customer_features(orders, AS_OF, customers), group


@pytest.fixture(scope="module")
def churn_risk():
    """The risk the refit would store for this population (the states are banded by it)."""
    orders, _group, _customers = _population()
    return compare_models(orders, AS_OF, 90).scores


def _share(names: pd.Series, group: pd.Series, which: str, allowed: set[str]) -> float:
    members = names.reindex(group.index[group == which])
    return members.map(lambda n: n.split(" · ")[0] in allowed).mean()


def test_rfm_scores_share_ties():
    f = pd.DataFrame({"occasions": 1.0, "recency_days": [5.0, 5, 5, 50, 500],
                      "frequency": [0.0, 0, 0, 0, 3], "monetary_mean": [1.0, 2, 3, 4, 5]})
    s = rfm_scores(f)
    assert s["F"].tolist() == [1, 1, 1, 1, 5]  # identical one-timers share a score
    assert s["R"].tolist() == [3, 3, 3, 2, 1]
    assert s["M"].tolist() == [1, 2, 3, 4, 5]


def test_state_names_separate_behaviours(population, churn_risk):
    features, group = population
    names = state_segments(features, churn_risk.reindex(features.index))
    assert names[["ghost1", "ghost2"]].isna().all()
    assert _share(names, group, "frequent", {"Champions"}) >= 0.9
    assert _share(names, group, "lapsed", {"Lost"}) >= 0.95
    assert _share(names, group, "one_timer", {"New", "Active"}) == 1.0
    assert _share(names, group, "rare_big", {"Active", "Loyal", "At risk"}) == 1.0


def test_kmeans_finds_and_names_the_groups(population):
    features, group = population
    seg = kmeans_segments(features, random_state=0)
    assert 3 <= seg.k <= 8 and seg.silhouette > 0.3
    assert seg.labels[["ghost1", "ghost2"]].isna().all()
    majority = {}
    for which in group.unique():
        counts = seg.labels.reindex(group.index[group == which]).value_counts()
        assert counts.iloc[0] / counts.sum() >= 0.8, which  # each behaviour mostly in one cluster
        majority[which] = counts.index[0]
    assert len(set(majority.values())) == 4
    assert majority["frequent"].split(" · ")[0] in {"Champions", "Loyal"}
    assert majority["lapsed"].split(" · ")[0] in {"Lost", "Hibernating", "At risk", "Can't lose them"}
    assert majority["one_timer"].split(" · ")[0] in {"New", "Potential loyalists"}
    assert majority["rare_big"].split(" · ")[0] in {"Loyal", "Potential loyalists", "Can't lose them"}
    assert seg.profile["name"].is_unique


def test_segment_profiles(population):
    features, group = population
    profile = segment_profiles(features, group)
    assert profile["size"].sum() == 4 * GROUP_SIZE
    assert profile["revenue_share"].sum() == pytest.approx(1.0)
    assert profile.iloc[0]["name"] in {"rare_big", "frequent"}  # sorted by revenue share
    by_name = profile.set_index("name")
    assert by_name.loc["lapsed", "recency_days"] > 400 > by_name.loc["frequent", "recency_days"]
    assert by_name.loc["rare_big", "monetary"] > 10 * by_name.loc["frequent", "monetary"]


def test_duplicate_cluster_names_get_told_apart():
    from solocrm_tui.core.analytics.segments import _cluster_names

    scores = pd.DataFrame({"R": [1, 1, 1, 5], "F": [1, 1, 1, 5], "M": [1, 5, 3, 5]})
    centres = np.array([[2.0, -1, -1.0], [2.0, -1, 1.5], [2.1, -1, 0.2], [-1.0, 2, 1.0]])
    names = _cluster_names(scores, np.array([0, 1, 2, 3]), centres)
    assert names == {0: "Lost · small baskets", 1: "Lost · big baskets",
                     2: "Lost · middle 1", 3: "Champions"}
