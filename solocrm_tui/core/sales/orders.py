"""Orders (purchases) and the per-customer totals derived from them.

Totals are stored on the customer (revenue, order count, last order) so the list
and the Today queue never aggregate a million orders on a keystroke; every write
here keeps them exact, and `refresh_customer_totals` rebuilds them in bulk.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from peewee import fn

from solocrm_tui.core import validate
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import products
from solocrm_tui.core.sales.campaign_results import attribute_conversions
from solocrm_tui.core.sales.products import Line
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Order as OrderModel
from solocrm_tui.core.storage.models import OrderLine as OrderLineModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import Order, cents_to_decimal


def _record(row: tuple) -> Order:
    oid, customer_id, amount, currency, description, ordered_at, cost = row
    return Order(oid, customer_id, cents_to_decimal(amount), currency, description, ordered_at,
                 cents_to_decimal(cost))


def add_order(customer_id: int, amount: Decimal | str | None, now: datetime, *, currency: str = "EUR",
              description: str = "", ordered_at: datetime | None = None,
              cost: Decimal | str | None = None, lines: list[Line] | None = None,
              deal_id: int | None = None) -> Order:
    """Record an order. With `lines`, the amount, cost and description default to the lines':
    their sum, their cost when every line's is known, and "2× EK43, 1× Beans"."""
    if lines:
        amount = products.lines_total(lines) if amount is None else amount
        cost = products.lines_cost(lines) if cost is None else cost
        description = description or products.describe(lines)
    if amount is None:
        raise ValidationError("an order needs an amount, or lines to sum")
    cents = validate.cents(amount)
    cost_cents = None if validate.blank(cost) else validate.cents(cost, "cost")
    currency = validate.currency(currency)
    description = validate.text(description, "description") or ""
    when = ordered_at or now
    with database.atomic():
        if not CustomerModel.select().where(CustomerModel.id == customer_id).exists():
            raise NotFound(f"no customer #{customer_id}")
        new_id = OrderModel.insert(customer=customer_id, amount_cents=cents, currency=currency,
                                   description=description, ordered_at=when,
                                   cost_cents=cost_cents, deal_id=deal_id).execute()
        if lines:
            write_lines(new_id, lines)
        refresh_customer_totals([customer_id])
        attribute_conversions(now, [customer_id])
    return Order(new_id, customer_id, cents_to_decimal(cents), currency, description, when,
                 cents_to_decimal(cost_cents))


def write_lines(order_id: int, lines: list[Line]) -> None:
    """The order's lines, in the order given, with what each unit cost at the time."""
    OrderLineModel.insert_many([
        {"order": order_id, "position": position, "name": line.name, "sku": line.sku, "quantity": line.quantity,
         "unit_price_cents": validate.cents(line.unit_price, "price"), "product": line.product_id,
         "unit_cost_cents": None if line.unit_cost is None else validate.cents(line.unit_cost, "cost")}
        for position, line in enumerate(lines, 1)]).execute()


def order_lines(order_id: int) -> list[Line]:
    return lines_by_order([order_id]).get(order_id, [])


def lines_by_order(order_ids: list[int]) -> dict[int, list[Line]]:
    """The lines of several orders in one query (a customer's Orders tab), in their order."""
    L = OrderLineModel
    query = (L.select(L.order, L.name, L.quantity, L.unit_price_cents, L.unit_cost_cents, L.sku, L.product)
             .where(L.order.in_(order_ids)).order_by(L.order, L.position, L.id))
    out: dict[int, list[Line]] = {}
    for order_id, *line in query.tuples():
        out.setdefault(order_id, []).append(Line.stored(*line))
    return out


def update_order(order_id: int, amount: Decimal | str, description: str) -> None:
    """Correct what an order says (a typo in the amount or the text); totals follow."""
    cents = validate.cents(amount)
    description = validate.text(description, "description") or ""
    with database.atomic():
        row = OrderModel.select(OrderModel.customer).where(OrderModel.id == order_id).tuples().first()
        if row is None:
            raise NotFound(f"no order #{order_id}")
        OrderModel.update(amount_cents=cents, description=description).where(OrderModel.id == order_id).execute()
        if row[0] is not None:
            refresh_customer_totals([row[0]])


def delete_order(order_id: int) -> None:
    with database.atomic():
        row = OrderModel.select(OrderModel.customer).where(OrderModel.id == order_id).tuples().first()
        if row is None:
            raise NotFound(f"no order #{order_id}")
        OrderModel.delete().where(OrderModel.id == order_id).execute()
        if row[0] is not None:
            refresh_customer_totals([row[0]])


def list_orders(customer_id: int, limit: int = 200) -> list[Order]:
    O = OrderModel
    query = (O.select(O.id, O.customer, O.amount_cents, O.currency, O.description, O.ordered_at, O.cost_cents)
             .where(O.customer == customer_id).order_by(O.ordered_at.desc(), O.id.desc()).limit(limit))
    return [_record(r) for r in query.tuples()]


def deal_order(deal_id: int) -> Order | None:
    """The order a deal's win created (None while the deal is not won)."""
    O = OrderModel
    row = (O.select(O.id, O.customer, O.amount_cents, O.currency, O.description, O.ordered_at, O.cost_cents)
           .where(O.deal_id == deal_id).order_by(O.id.desc()).tuples().first())
    return None if row is None else _record(row)


def refresh_customer_totals(customer_ids: list[int] | None = None) -> None:
    """Recompute revenue, order count and last order from the orders table.

    With no ids, every customer is refreshed in one statement (used after bulk loads).
    """
    O, C = OrderModel, CustomerModel
    revenue = O.select(fn.COALESCE(fn.SUM(O.amount_cents), 0)).where(O.customer == C.id)
    count = O.select(fn.COUNT(O.id)).where(O.customer == C.id)
    last = O.select(fn.MAX(O.ordered_at)).where(O.customer == C.id)
    query = C.update(revenue_cents=revenue, order_count=count, last_order_at=last)
    if customer_ids is not None:
        query = query.where(C.id.in_(customer_ids))
    query.execute()
