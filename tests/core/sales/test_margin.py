"""Margin and contribution share on a hand-made book: every figure is worked out by hand.

Margin is amount − cost over the orders that have a cost; an order without one is left
out and counted, never read as free."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts.customers import archive_customers, create_customer
from solocrm_tui.core.sales import margin
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.sales.products import Line


@pytest.fixture
def book(core_db, t0):
    """Ann: 100−40 and 50−20 (margin 90). Bob: 200−150 (50) and 80 with no cost.
    Cid: 30 with no cost only. Dee: 10−25 (−15, sold at a loss). Book margin 90+50−15 = 125."""
    day = timedelta(days=1)
    ids = {name: create_customer(t0, name=name).id for name in ("Ann", "Bob", "Cid", "Dee", "Eve")}
    add_order(ids["Ann"], "100", t0, ordered_at=t0 - 40 * day, cost="40")
    add_order(ids["Ann"], "50", t0, ordered_at=t0 - 5 * day, cost="20")
    add_order(ids["Bob"], "200", t0, ordered_at=t0 - 10 * day, cost="150")
    add_order(ids["Bob"], "80", t0, ordered_at=t0 - 3 * day)
    add_order(ids["Cid"], "30", t0, ordered_at=t0 - 2 * day)
    add_order(ids["Dee"], "10", t0, ordered_at=t0 - 1 * day, cost="25")
    return ids


def test_customer_margin_and_contribution_share_match_the_hand_figures(book):
    ann = margin.customer_margin(book["Ann"])
    assert (ann.margin, ann.revenue_with_cost, ann.orders_with_cost, ann.orders_without_cost) == (
        Decimal("90.00"), Decimal("150.00"), 2, 0)
    book_margin = margin.book_margin()
    assert ann.share_of(book_margin) == pytest.approx(90 / 125)
    assert ann.rate == pytest.approx(90 / 150)
    bob = margin.customer_margin(book["Bob"])
    assert (bob.margin, bob.orders_with_cost, bob.orders_without_cost) == (Decimal("50.00"), 1, 1)
    assert bob.share_of(book_margin) == pytest.approx(50 / 125)
    assert margin.customer_margin(book["Dee"]).share_of(book_margin) == pytest.approx(-15 / 125)


def test_a_customer_without_any_cost_has_no_margin_not_zero(book):
    cid = margin.customer_margin(book["Cid"])
    assert (cid.margin, cid.share_of(margin.book_margin()), cid.rate, cid.orders_without_cost) == (None, None, None, 1)
    eve = margin.customer_margin(book["Eve"])  # no orders at all
    assert (eve.margin, eve.orders_with_cost, eve.orders_without_cost) == (None, 0, 0)


def test_book_margin_counts_the_orders_it_leaves_out(book, t0):
    total = margin.book_margin()
    assert (total.margin, total.revenue_with_cost, total.orders_with_cost, total.orders_without_cost) == (
        Decimal("125.00"), Decimal("360.00"), 4, 2)
    # as it stood 4 days ago: Ann's two orders and Bob's costed one (60 + 30 + 50), Dee's not yet
    past = margin.book_margin(t0 - timedelta(days=4))
    assert (past.margin, past.orders_with_cost, past.orders_without_cost) == (Decimal("140.00"), 3, 0)


def test_top_by_margin_ranks_customers_with_a_cost_and_their_shares(book, t0):
    top = margin.top_by_margin(10)
    assert [(row.name, row.margin) for row in top] == [
        ("Ann", Decimal("90.00")), ("Bob", Decimal("50.00")), ("Dee", Decimal("-15.00"))]
    assert [row.share for row in top] == pytest.approx([90 / 125, 50 / 125, -15 / 125])
    assert [row.orders_without_cost for row in top] == [0, 1, 0]
    assert [row.name for row in margin.top_by_margin(1)] == ["Ann"]
    archive_customers([book["Ann"]], t0)
    assert [row.name for row in margin.top_by_margin(10)][0] == "Bob"  # archived customers are not listed


def test_no_share_when_the_book_has_no_positive_margin(core_db, t0):
    """A share of a total at or below zero would flip signs or divide by zero: none is shown."""
    cid = create_customer(t0, name="Loss").id
    add_order(cid, "10", t0, cost="30")
    assert margin.book_margin().margin == Decimal("-20.00")
    assert margin.customer_margin(cid).share_of(margin.book_margin()) is None
    assert [row.share for row in margin.top_by_margin(5)] == [None]


def test_orders_from_catalogue_lines_count_their_margin_only_when_every_line_has_a_cost(core_db, t0):
    """Ann: 2 × EK43 at 2,400 (cost 1,500) + 3 × beans at 24 (cost 11): amount 4,872, cost
    3,033, margin 1,839, rate 1,839 / 4,872 = 37.7 %. Bob: one EK43 (margin 900) and a scale
    whose cost is unknown: that order's cost is unknown, so it is left out and counted, not
    read as 900 + a free scale. Book margin 1,839 + 0 = 1,839; Ann's share 100 %."""
    ek43 = Line("Grinder EK43", 2, Decimal("2400"), Decimal("1500"))
    beans = Line("Espresso beans 1kg", 3, Decimal("24"), Decimal("11"))
    ann, bob = (create_customer(t0, name=name).id for name in ("Ann", "Bob"))
    add_order(ann, None, t0, lines=[ek43, beans])
    add_order(bob, None, t0, lines=[Line("Grinder EK43", 1, Decimal("2400"), Decimal("1500")),
                                    Line("Scale", 1, Decimal("60"))])
    m = margin.customer_margin(ann)
    assert (m.margin, m.revenue_with_cost) == (Decimal("1839.00"), Decimal("4872.00"))
    assert m.rate == pytest.approx(1839 / 4872)
    b = margin.customer_margin(bob)
    assert (b.margin, b.orders_with_cost, b.orders_without_cost) == (None, 0, 1)
    assert [(t.name, t.share) for t in margin.top_by_margin()] == [("Ann", pytest.approx(1.0))]
