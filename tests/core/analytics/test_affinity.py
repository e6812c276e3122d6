"""Product affinity on a hand-worked book of ten customers: every support, confidence and
lift below is computed by hand in the comments, then by `product_pairs`."""

from __future__ import annotations

import pandas as pd
import pytest

from solocrm_tui.core.analytics.affinity import MIN_CO_BUYERS, product_pairs

GRINDER, BEANS, FILTER, SCALE = 1, 2, 3, 4
# Ten customers with a catalogue product (n = 10):
#   1-4  grinder and beans (customer 4 bought beans three times: still one buyer)
#   5    grinder only
#   6-8  filter only
#   9    grinder and filter
#   10   a scale, twice
# Buyers: grinder 6 (1-5, 9), beans 4 (1-4), filter 4 (6-9), scale 1.
# grinder & beans: 4 customers -> support 4/10 = 0.4
#   grinder → beans: confidence 4/6 = 0.667, lift 0.667 / (4/10) = 1.667
#   beans → grinder: confidence 4/4 = 1.0,   lift 1.0 / (6/10)  = 1.667
# grinder & filter: 1 customer (9) -> fewer than MIN_CO_BUYERS, never kept
PURCHASES = pd.DataFrame(
    [(1, GRINDER), (1, BEANS), (2, GRINDER), (2, BEANS), (3, BEANS), (3, GRINDER),
     (4, GRINDER), (4, BEANS), (4, BEANS), (4, BEANS), (5, GRINDER), (6, FILTER), (7, FILTER), (8, FILTER),
     (9, GRINDER), (9, FILTER), (10, SCALE), (10, SCALE)],
    columns=["customer_id", "product_id"])


def rules(pairs: pd.DataFrame) -> dict[tuple[int, int], tuple]:
    return {(r.antecedent_id, r.consequent_id): (r.customers, r.support, r.confidence, r.lift)
            for r in pairs.itertuples()}


def test_support_confidence_and_lift_match_the_hand_figures():
    found = rules(product_pairs(PURCHASES, 0.01))
    assert set(found) == {(GRINDER, BEANS), (BEANS, GRINDER)}
    assert found[(GRINDER, BEANS)] == pytest.approx((4, 0.4, 4 / 6, (4 / 6) / 0.4))
    assert found[(BEANS, GRINDER)] == pytest.approx((4, 0.4, 1.0, 1.0 / 0.6))
    assert found[(GRINDER, BEANS)][3] == pytest.approx(1.667, abs=1e-3)


def test_a_repeat_purchase_never_counts_a_customer_twice():
    # Customer 4 bought beans twice more; with each repeat counted the pair would have 6.
    repeats = pd.concat([PURCHASES, pd.DataFrame([(4, BEANS), (4, GRINDER)], columns=PURCHASES.columns)])
    assert rules(product_pairs(repeats, 0.01)) == rules(product_pairs(PURCHASES, 0.01))


def test_min_support_keeps_a_pair_exactly_at_it_and_drops_it_just_above():
    assert len(product_pairs(PURCHASES, 0.4)) == 2  # support 4/10 = 0.4: kept
    assert product_pairs(PURCHASES, 0.41).empty


def test_fewer_co_buyers_than_the_minimum_are_dropped_even_without_a_support_floor():
    # grinder & filter (customer 9 alone) and no pair of 2: only the 4-customer pair stays.
    two_more = pd.concat([PURCHASES, pd.DataFrame([(5, FILTER)], columns=PURCHASES.columns)])
    found = rules(product_pairs(two_more, 0.0))
    assert MIN_CO_BUYERS == 3
    assert (GRINDER, FILTER) not in found  # customers 5 and 9: two co-buyers
    three = pd.concat([two_more, pd.DataFrame([(1, FILTER)], columns=PURCHASES.columns)])
    # now 1, 5, 9 bought both: support 3/10, confidence 3/6 (six grinder buyers), and filter
    # has six buyers (1, 5-9), so lift 0.5 / (6/10) = 0.833: bought together less than by chance
    assert rules(product_pairs(three, 0.0))[(GRINDER, FILTER)] == pytest.approx((3, 0.3, 0.5, 0.5 / 0.6))


def test_no_purchases_no_pairs():
    assert product_pairs(PURCHASES.iloc[:0], 0.01).empty
