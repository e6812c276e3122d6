"""Margin and contribution share: what each customer leaves after the cost of what they bought.

Margin is amount − cost summed over the orders that have a cost. An order without a
cost is left out and counted, never read as cost 0: that would call its whole amount
profit. Contribution share is a customer's margin / the book's margin (the design
documents' "customer profit / total profit"); it is None when the book's margin is not
positive, since a share of a loss would flip signs.

Plain SQL sums, so the app can show them without the analytics process. A customer's own
margin reads their orders through the customer index; the book's margin scans every order
(~100 ms at a million), so the customer screen reads it after its first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from peewee import SQL, fn

from solocrm_tui.core.storage.models import Customer, Order
from solocrm_tui.core.storage.records import cents_to_decimal

_COSTED = Order.cost_cents.is_null(False)
_MARGIN = fn.SUM(SQL("CASE WHEN cost_cents IS NOT NULL THEN amount_cents - cost_cents END"))
_REVENUE_WITH_COST = fn.SUM(SQL("CASE WHEN cost_cents IS NOT NULL THEN amount_cents END"))
_WITH_COST = fn.COUNT(Order.cost_cents)
_WITHOUT_COST = fn.SUM(SQL("cost_cents IS NULL"))


@dataclass(frozen=True)
class Margin:
    """Margin over the orders with a cost; `margin` is None when no order had one."""

    margin: Decimal | None
    revenue_with_cost: Decimal | None
    orders_with_cost: int
    orders_without_cost: int
    share: float | None = None  # of the book's margin, where the caller had it (see share_of)

    def share_of(self, book: Margin) -> float | None:
        """Contribution share: this margin / the book's; None when either is unknown or the
        book's margin is not positive."""
        if self.margin is None or book.margin is None or book.margin <= 0:
            return None
        return float(self.margin / book.margin)

    @property
    def rate(self) -> float | None:
        """Margin / revenue over the same orders (the ones with a cost)."""
        if self.margin is None or not self.revenue_with_cost:
            return None
        return float(self.margin / self.revenue_with_cost)


@dataclass(frozen=True)
class CustomerMargin(Margin):
    customer_id: int = 0
    name: str = ""


def _share(margin_cents: int | None, total_cents: int | None) -> float | None:
    if margin_cents is None or not total_cents or total_cents <= 0:
        return None
    return margin_cents / total_cents


def _total_cents(as_of: datetime | None) -> int | None:
    query = Order.select(_MARGIN).where(Order.customer.is_null(False) & _COSTED)
    if as_of is not None:
        query = query.where(Order.ordered_at <= as_of)
    return query.scalar()


def book_margin(as_of: datetime | None = None) -> Margin:
    """The whole book's margin, over every customer's orders up to `as_of` (all without it)."""
    query = Order.select(_MARGIN, _REVENUE_WITH_COST, _WITH_COST, _WITHOUT_COST).where(Order.customer.is_null(False))
    if as_of is not None:
        query = query.where(Order.ordered_at <= as_of)
    total, revenue, with_cost, without = query.tuples().get()
    return Margin(cents_to_decimal(total), cents_to_decimal(revenue), with_cost or 0, without or 0)


def customer_margin(customer_id: int) -> CustomerMargin:
    """The customer's margin without the share: that needs the book's margin (share_of)."""
    total, revenue, with_cost, without = (Order.select(_MARGIN, _REVENUE_WITH_COST, _WITH_COST, _WITHOUT_COST)
                                          .where(Order.customer == customer_id).tuples().get())
    return CustomerMargin(cents_to_decimal(total), cents_to_decimal(revenue), with_cost or 0, without or 0,
                          customer_id=customer_id)


def top_by_margin(limit: int = 20, as_of: datetime | None = None) -> list[CustomerMargin]:
    """Customers (not archived) with at least one costed order, highest margin first."""
    query = (Order.select(Order.customer, Customer.name, _MARGIN, _REVENUE_WITH_COST, _WITH_COST, _WITHOUT_COST)
             .join(Customer).where(Customer.archived_at.is_null())
             .group_by(Order.customer).having(_WITH_COST > 0).order_by(_MARGIN.desc(), Order.customer).limit(limit))
    if as_of is not None:
        query = query.where(Order.ordered_at <= as_of)
    total = _total_cents(as_of)
    return [CustomerMargin(cents_to_decimal(m), cents_to_decimal(rev), n, without or 0, _share(m, total),
                           customer_id=cid, name=name)
            for cid, name, m, rev, n, without in query.tuples()]
