"""Cross-sell on a hand-worked book: the pairs the refit stores, what the profile reads
(`also_bought`) and the Today rows (`cross_sell_items`), dismissed and capped like the
other suggestions."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest

from solocrm_tui.core import jobs
from solocrm_tui.core.analytics import affinity, store
from solocrm_tui.core.analytics.runs import Settings
from solocrm_tui.core.contacts.customers import (
    archive_customers,
    create_customer,
    get_customer,
)
from solocrm_tui.core.sales import cross_sell
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.sales.products import Line, Product, add_product, update_product
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.today import dismissals
from solocrm_tui.core.today.items import MAX_SUGGESTIONS_PER_KIND, URGENCY, _extras
from solocrm_tui.core.today.queue import build_queue
from solocrm_tui.core.today.sources import cross_sell_items

DAY = timedelta(days=1)


def buy(customer_id: int, now: datetime, *products: Product, days_ago: int = 10) -> None:
    lines = [Line(p.name, 1, p.price, p.cost, p.sku, p.id) for p in products]
    add_order(customer_id, None, now, ordered_at=now - days_ago * DAY, lines=lines)


def measure(now: datetime, min_support: float = 0.01) -> pd.DataFrame:
    """What the refit stores: the pairs over every purchase, written in place of the last ones."""
    pairs = affinity.product_pairs(store.load_purchases(now), min_support)
    store.write_figures(pd.DataFrame(), [], now, pairs=pairs)
    return pairs


@pytest.fixture
def catalogue(core_db, now):
    return {key: add_product(name, now, price=price, cost=cost) for key, name, price, cost in (
        ("grinder", "Grinder EK43", "2400", "1500"), ("beans", "Espresso beans 1kg", "24", "11"),
        ("papers", "Filter papers", "6", "2"))}


@pytest.fixture
def book(catalogue, now):
    """Ten customers with a product (n = 10):
      Ann, Bob, Cid    grinder and beans (Ann bought beans three times over)
      Dee              grinder only, bought 10 days ago
      Eve              grinder only, last bought 400 days ago (not active: no Today row)
      Fay … Jo (5)     filter papers only
    Buyers: grinder 5, beans 3, papers 5.
      grinder → beans: 3 customers, support 3/10 = 0.3, confidence 3/5 = 0.6,
                       lift 0.6 / (3/10) = 2.0
      beans → grinder: confidence 3/3 = 1.0, lift 1.0 / (5/10) = 2.0
    """
    g, b, p = catalogue["grinder"], catalogue["beans"], catalogue["papers"]
    ids = {name: create_customer(now, name=name).id
           for name in ("Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jo")}
    for name in ("Ann", "Bob", "Cid"):
        buy(ids[name], now, g, b, days_ago=30)
    buy(ids["Ann"], now, b, days_ago=20)
    buy(ids["Ann"], now, b, days_ago=5)
    buy(ids["Dee"], now, g)
    buy(ids["Eve"], now, g, days_ago=400)
    for name in ("Fay", "Gus", "Hal", "Ida", "Jo"):
        buy(ids[name], now, p)
    return ids


def test_the_stored_pairs_match_the_hand_figures_and_count_each_customer_once(book, catalogue, now):
    measure(now)
    rows = database.execute_sql("SELECT antecedent_id, consequent_id, customers, support, confidence, lift "
                                "FROM product_affinity ORDER BY antecedent_id").fetchall()
    g, b = catalogue["grinder"].id, catalogue["beans"].id
    assert rows == [(g, b, 3, pytest.approx(0.3), pytest.approx(0.6), pytest.approx(2.0)),
                    (b, g, 3, pytest.approx(0.3), pytest.approx(1.0), pytest.approx(2.0))]


def test_a_refit_replaces_the_pairs_it_stored_before(book, now):
    measure(now)
    measure(now, min_support=0.31)  # 0.3 no longer qualifies: the old rows must not linger
    assert database.execute_sql("SELECT COUNT(*) FROM product_affinity").fetchone() == (0,)


def test_archived_customers_are_not_counted(book, catalogue, now):
    archive_customers([book["Cid"]], now)
    measure(now)  # two co-buyers left: fewer than MIN_CO_BUYERS
    assert database.execute_sql("SELECT COUNT(*) FROM product_affinity").fetchone() == (0,)


def test_also_bought_offers_what_the_customer_lacks(book, now):
    measure(now)
    [pair] = cross_sell.also_bought(book["Dee"])
    assert cross_sell.profile_line(pair) == ("Customers who bought Grinder EK43 also bought Espresso beans 1kg: "
                                             "60% of them, 2.0× as often as others")
    assert cross_sell.also_bought(book["Ann"]) == []  # bought both already
    assert cross_sell.also_bought(book["Fay"]) == []  # papers pair with nothing


def test_today_suggests_the_missing_product_to_recent_buyers_only(book, now):
    measure(now)
    items = list(cross_sell_items(now, type("T", (), {"cross_sell_min_lift": 2.0})()))
    assert [(i.kind, i.customer_name, i.title, i.reasons) for i in items] == [
        ("cross_sell", "Dee", "suggest Espresso beans 1kg",
         ("offer Espresso beans 1kg: 60% of Grinder EK43 buyers bought it too (lift 2.0)",))]
    assert not list(cross_sell_items(now, type("T", (), {"cross_sell_min_lift": 2.1})()))


def test_a_strong_lift_still_ranks_a_cross_sell_below_a_birthday(book, now):
    """Lift 2.0 over a minimum of 0.5 is 1.5 above it: 2.0 + 0.25 × 1.5 = 2.375 (plus the bonus for
    the money she spent, as every suggestion has). Lift counts only up to 4 above the minimum: at most 3.0, while a
    birthday alone is 6.0: a sale that may be waits behind a person's day."""
    measure(now)
    [item] = cross_sell_items(now, type("T", (), {"cross_sell_min_lift": 0.5})())
    assert item.urgency == pytest.approx(2.0 + 0.25 * 1.5 + _extras(None, int(get_customer(book["Dee"]).revenue * 100)), abs=0.01)
    assert URGENCY["cross_sell"] + URGENCY["cross_sell_lift"] * URGENCY["cross_sell_cap"] == 3.0 < URGENCY["birthday"]


def test_a_dismissed_suggestion_stays_away_until_tomorrow(book, now):
    measure(now)
    [item] = build_queue(now, None, (cross_sell_items,))
    dismissals.done_or_dismiss([item], now)
    assert build_queue(now, None, (cross_sell_items,), hidden=dismissals.hidden_keys(now)) == []
    tomorrow = now + DAY
    assert build_queue(tomorrow, None, (cross_sell_items,), hidden=dismissals.hidden_keys(tomorrow)) == [item]


def test_suggestions_are_capped_and_each_customer_has_one_row(catalogue, now):
    """36 customers: 6 bought grinder and beans, 12 the grinder alone, 18 papers alone.
    grinder → beans: confidence 6/18 = 0.33, lift 0.33 / (6/36) = 2.0, so all 12 qualify;
    Today shows MAX_SUGGESTIONS_PER_KIND of them."""
    g, b, p = catalogue["grinder"], catalogue["beans"], catalogue["papers"]
    for i in range(36):
        cid = create_customer(now, name=f"Customer {i:02}").id
        buy(cid, now, *((g, b) if i < 6 else (g,) if i < 18 else (p,)), days_ago=1 + i)
    pairs = measure(now)
    assert pairs.loc[pairs["antecedent_id"] == g.id, ["confidence", "lift"]].iloc[0].tolist() == pytest.approx(
        [6 / 18, 2.0])
    assert len(cross_sell.suggestions(now, 2.0, 50)) == 12
    shown = build_queue(now, None, (cross_sell_items,))
    assert len(shown) == MAX_SUGGESTIONS_PER_KIND
    assert len({i.customer_id for i in shown}) == len(shown)
    assert all(i.title == "suggest Espresso beans 1kg" for i in shown)


def test_a_product_no_longer_sold_is_not_suggested(book, catalogue, now):
    measure(now)
    update_product(catalogue["beans"].id, now, active=False)
    assert cross_sell.also_bought(book["Dee"]) == []
    assert cross_sell.suggestions(now, 2.0, 10) == []


def test_the_analytics_child_stores_the_pairs_at_refit(book, catalogue, core_db, now):
    """A real refit in the child process, as the app and the daily job run it: a support floor
    of 0.31 keeps no pair (support 0.3), one of 0.3 keeps both directions."""
    assert jobs.refit_in_process(core_db, now, Settings(cross_sell_min_support=0.31))
    assert database.execute_sql("SELECT COUNT(*) FROM product_affinity").fetchone() == (0,)
    jobs.refit_in_process(core_db, now, Settings(cross_sell_min_support=0.3))
    database.close()  # read what the child wrote through a fresh connection
    database.connect()
    g, b = catalogue["grinder"].id, catalogue["beans"].id
    assert database.execute_sql("SELECT antecedent_id, consequent_id, customers, computed_at FROM product_affinity "
                                "ORDER BY lift DESC, confidence DESC").fetchall() == [
        (b, g, 3, now.isoformat(sep=" ")), (g, b, 3, now.isoformat(sep=" "))]
    assert [p.consequent for p in cross_sell.also_bought(book["Dee"])] == ["Espresso beans 1kg"]
