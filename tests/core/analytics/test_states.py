"""Named segments and lifecycle stages are states with an absolute meaning: checked against
what CDNOW customers did in the 90 days after the cut-off, on the whole sample and on
small books drawn from it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from solocrm_tui.core.analytics.churn import compare_models
from solocrm_tui.core.analytics.features import purchase_occasions
from solocrm_tui.core.analytics.segments import state_segments, validate_states
from solocrm_tui.core.contacts.lifecycle import Rules, stage_for

H = 90
AS_OF = pd.Timestamp("1997-12-29")  # the cut-off is 1997-09-30, the end of the standard calibration


def refit_risk(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    """The churn risk the refit would have stored at the cut-off."""
    return compare_models(orders, cutoff, H).scores


def next_period_buying(orders: pd.DataFrame, cutoff: pd.Timestamp) -> pd.Series:
    window = orders[(orders["ordered_at"] > cutoff) & (orders["ordered_at"] <= cutoff + pd.Timedelta(days=H))]
    return window.groupby("customer_id").size() > 0


def test_states_are_ordered_by_next_period_buying_on_cdnow(cdnow_orders):
    check = validate_states(cdnow_orders, AS_OF, H, refit_risk)
    assert check.cutoff == pd.Timestamp("1997-09-30")
    assert check.ordered is True, check.note
    rate = check.outcomes.set_index("name")["bought_again"]
    assert rate["Champions"] >= rate["Loyal"] > rate["Active"] > rate["At risk"] >= rate["Lost"]
    assert check.outcomes["size"].sum() == 2357


@pytest.mark.parametrize("seed", range(6))
def test_small_books_are_ordered_or_say_not_enough_data(cdnow_orders, seed):
    rng = np.random.default_rng(seed)
    ids = rng.choice(cdnow_orders["customer_id"].unique(), 300, replace=False)
    check = validate_states(cdnow_orders[cdnow_orders["customer_id"].isin(ids)], AS_OF, H, refit_risk)
    assert check.ordered is not False, check.note


@pytest.mark.parametrize("customers", [0, 1, 5])
def test_tiny_books_say_not_enough_data(cdnow_orders, customers):
    ids = cdnow_orders["customer_id"].unique()[:customers]
    check = validate_states(cdnow_orders[cdnow_orders["customer_id"].isin(ids)], AS_OF, H, refit_risk)
    assert check.ordered is None
    assert "not enough data" in check.note


def test_lifecycle_stages_are_ordered_by_next_period_buying_on_cdnow(cdnow_orders):
    cutoff = AS_OF - pd.Timedelta(days=H)
    past = cdnow_orders[cdnow_orders["ordered_at"] <= cutoff]
    risk = refit_risk(past, cutoff)
    occ = purchase_occasions(past, cutoff)
    days = occ.groupby("customer_id")["day"].agg(lambda d: [t.date() for t in d])
    stage = pd.Series({cid: stage_for(d, cutoff.date(), Rules(), risk[cid], risk.mean())[0]
                       for cid, d in days.items()})
    bought = next_period_buying(cdnow_orders, cutoff).reindex(stage.index, fill_value=False)
    rate = bought.groupby(stage).mean()
    assert min(rate["loyal"], rate["active"]) > rate["at_risk"] > rate["churned"], rate.to_dict()


def test_state_table():
    features = pd.DataFrame({"occasions": [1.0, 2, 3, 5, 6, 9, 3, 3, 0],
                             "tenure_days": [200.0, 200, 200, 200, 200, 200, 200, 20, np.nan]},
                            index=list("abcdefghi"))
    risk = pd.Series([0.5, 0.5, 0.5, 0.5, 0.5, 0.99, 0.5, 0.99], index=list("abcdefgh"))
    names = state_segments(features, risk)
    assert names.to_dict() == {
        "a": "Active", "b": "Active", "c": "Loyal", "d": "Loyal", "e": "Champions",  # no purchase count skipped
        "f": "Lost", "g": "Loyal", "h": "New", "i": np.nan} | {"i": names["i"]}
    assert pd.isna(names["i"])
    assert state_segments(features, risk, new_days=10)["h"] == "Lost"


def test_the_owners_new_days_reaches_the_segments(cdnow_orders):
    """`[lifecycle] new_days` is one setting: the refit's "New" segment uses it as the
    stages do, so a customer 45 days into their first purchase is New at 60, not at 30."""
    from solocrm_tui.config import parse_config
    from solocrm_tui.core.analytics.refit import compute

    as_of = pd.Timestamp("1997-05-01")
    orders = cdnow_orders[cdnow_orders["ordered_at"] <= as_of]
    customers = pd.DataFrame({"customer_id": orders["customer_id"].unique()})
    first = orders.groupby("customer_id")["ordered_at"].min()
    between = first[(first <= as_of - pd.Timedelta(days=31)) & (first > as_of - pd.Timedelta(days=60))].index
    assert len(between) > 100
    for days, expected in ((30, False), (60, True)):
        settings = parse_config({"lifecycle": {"new_days": days}}).analytics
        assert settings.new_days == days
        names = compute(orders, customers, as_of.to_pydatetime(), settings).figures["segment"]
        assert (names.reindex(between) == "New").mean() == (1.0 if expected else 0.0), days


def test_new_days_is_set_in_lifecycle_only():
    from solocrm_tui.config import parse_config
    from solocrm_tui.core.errors import ValidationError

    with pytest.raises(ValidationError, match=r"analytics.new_days.*\[lifecycle\]"):
        parse_config({"analytics": {"new_days": 14}})
