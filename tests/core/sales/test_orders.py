"""Orders and the customer totals derived from them (revenue, order count, last order)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales.orders import (
    add_order,
    delete_order,
    list_orders,
    refresh_customer_totals,
    update_order,
)
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Order as OrderModel
from solocrm_tui.core.storage.records import Order


@pytest.fixture
def cid(core_db, t0) -> int:
    return create_customer(t0, name="Alice").id


def totals(customer_id):
    c = get_customer(customer_id)
    return c.revenue, c.order_count, c.last_order_at


def test_add_order_returns_the_record(cid, t0):
    order = add_order(cid, "1200.50", t0, currency="usd", description="  two   chairs ", cost="800")
    assert order == Order(order.id, cid, Decimal("1200.50"), "USD", "two chairs", t0, Decimal("800.00"))
    assert list_orders(cid) == [order]
    assert OrderModel.get_by_id(order.id).amount_cents == 120050


def test_defaults(cid, t0):
    order = add_order(cid, Decimal("5"), t0)
    assert (order.currency, order.description, order.cost, order.ordered_at) == ("EUR", "", None, t0)
    assert add_order(cid, 0, t0, cost="").cost is None


def test_totals_are_exact_and_kept_current(cid, t0):
    for amount in ("0.10", "0.20", "0.30"):
        add_order(cid, amount, t0 - timedelta(days=10))
    assert totals(cid) == (Decimal("0.60"), 3, t0 - timedelta(days=10))
    add_order(cid, "99.99", t0)
    assert totals(cid) == (Decimal("100.59"), 4, t0)


def test_back_dated_order_does_not_move_last_order_backwards(cid, t0):
    add_order(cid, "10", t0)
    add_order(cid, "10", t0, ordered_at=t0 - timedelta(days=400))
    assert totals(cid) == (Decimal("20.00"), 2, t0)


def test_totals_of_other_customers_are_untouched(cid, t0):
    bob = create_customer(t0, name="Bob").id
    add_order(bob, "7", t0 - timedelta(days=1))
    add_order(cid, "3", t0)
    assert totals(bob) == (Decimal("7.00"), 1, t0 - timedelta(days=1))
    assert totals(cid) == (Decimal("3.00"), 1, t0)


def test_delete_recomputes_totals(cid, t0):
    old = add_order(cid, "10", t0 - timedelta(days=30))
    new = add_order(cid, "25.50", t0)
    delete_order(new.id)
    assert totals(cid) == (Decimal("10.00"), 1, t0 - timedelta(days=30))
    delete_order(old.id)
    assert totals(cid) == (Decimal("0.00"), 0, None)
    assert list_orders(cid) == []


def test_delete_an_order_without_customer(cid, t0):
    OrderModel.insert(customer=None, amount_cents=500, currency="EUR", description="anonymised",
                      ordered_at=t0).execute()
    oid = OrderModel.select(OrderModel.id).scalar()
    delete_order(oid)
    assert OrderModel.select().count() == 0


def test_delete_missing_order(cid, t0, unchanged):
    add_order(cid, "1", t0)
    with unchanged(), pytest.raises(NotFound, match="#999"):
        delete_order(999)


@pytest.mark.parametrize("kwargs, message", [
    (dict(amount="-5"), "cannot be negative"),
    (dict(amount="1.234"), "more than 2 decimals"),
    (dict(amount="NaN"), "not a number"),
    (dict(amount="lots"), "not a number"),
    (dict(amount="1e20"), "large"),
    (dict(amount="5", cost="-1"), "cost cannot be negative"),
    (dict(amount="5", cost="0.001"), "cost has more than 2 decimals"),
    (dict(amount="5", currency="euro"), "3-letter"),
    (dict(amount="5", description="x" * 300), "too long"),
])
def test_invalid_orders_change_nothing(cid, t0, unchanged, kwargs, message):
    add_order(cid, "10", t0 - timedelta(days=1))
    with unchanged(), pytest.raises(ValidationError, match=message):
        add_order(cid, now=t0, **kwargs)


def test_order_for_unknown_customer(core_db, t0, unchanged):
    with unchanged(), pytest.raises(NotFound, match="#404"):
        add_order(404, "10", t0)


def test_list_orders_newest_first_with_limit(cid, t0):
    made = [add_order(cid, str(i), t0, ordered_at=t0 - timedelta(days=i % 5)) for i in range(12)]
    expected = sorted(made, key=lambda o: (o.ordered_at, o.id), reverse=True)
    assert list_orders(cid) == expected
    assert list_orders(cid, limit=4) == expected[:4]
    assert list_orders(12345) == []


def test_refresh_rebuilds_every_customer(cid, t0):
    bob = create_customer(t0, name="Bob").id
    carol = create_customer(t0, name="Carol").id
    add_order(cid, "10", t0)
    add_order(bob, "20", t0 - timedelta(days=2))
    add_order(bob, "5", t0 - timedelta(days=1))
    # a bulk load writes orders without maintaining totals, and scribbles on them
    OrderModel.insert(customer=carol, amount_cents=999, currency="EUR", description="", ordered_at=t0).execute()
    CustomerModel.update(revenue_cents=1, order_count=99, last_order_at=None).execute()
    refresh_customer_totals([cid])
    assert totals(cid) == (Decimal("10.00"), 1, t0)
    assert totals(bob) == (Decimal("0.01"), 99, None)  # not asked for, not touched
    refresh_customer_totals()
    assert totals(bob) == (Decimal("25.00"), 2, t0 - timedelta(days=1))
    assert totals(carol) == (Decimal("9.99"), 1, t0)
    assert totals(cid) == (Decimal("10.00"), 1, t0)


def test_refresh_with_no_orders_gives_zero(cid, t0):
    CustomerModel.update(revenue_cents=500, order_count=2, last_order_at=t0).execute()
    refresh_customer_totals([])
    assert totals(cid) == (Decimal("5.00"), 2, t0)
    refresh_customer_totals()
    assert totals(cid) == (Decimal("0.00"), 0, None)


def test_deleting_the_customer_deletes_the_orders(cid, t0):
    add_order(cid, "10", t0)
    CustomerModel.delete().where(CustomerModel.id == cid).execute()
    assert OrderModel.select().count() == 0


def test_update_order_corrects_amount_and_text_and_the_totals_follow(core_db, t0, unchanged):
    ann = create_customer(t0, name="Ann")
    order = add_order(ann.id, "10", t0, description="beans")
    update_order(order.id, "12.50", "more beans")
    (fixed,) = list_orders(ann.id)
    assert (str(fixed.amount), fixed.description) == ("12.50", "more beans")
    assert str(get_customer(ann.id).revenue) == "12.50"
    with unchanged():
        with pytest.raises(ValidationError):
            update_order(order.id, "-1", "refund")
        with pytest.raises(NotFound):
            update_order(order.id + 99, "1", "x")
