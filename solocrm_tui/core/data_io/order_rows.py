"""Order rows as shops and payment tools export them -> orders with their lines, or a reason.

Shopify writes one row per line item: the first row of an order carries its totals and
customer, the next rows repeat only the order's number and their line item. Rows that
share an order id are therefore one order when the file has line-item columns, its
lines in file order; without line-item columns a repeated order id is the same order
written twice, as before. The order's amount is what was paid (the Total column), or
the sum of its lines when the file has no total.

Revenue is money that stayed: an order that was cancelled, voided, failed, not
captured or refunded in full is not an order SoloCRM counts (`Excluded`), nor is one
not paid yet (pending, authorized: it arrives with a later export, once paid); if an
earlier import brought it while it was still paid, the import takes it out again. A
partial refund leaves the order at what was paid minus what was refunded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.data_io.cells import (
    cents,
    flag,
    moment,
    not_future,
    short,
    unquoted_id,
)
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.errors import ValidationError

LINE_FIELDS = ("line_name", "line_sku", "line_quantity", "line_price")
ORDER_FIELDS = ("amount", "currency", "ordered_at", "description", "cost", "status", "refunded", "cancelled_at",
                "captured", "customer_external_id", "customer_email", "customer_phone", "customer_name")
# Statuses (Shopify's financial status, Stripe's status) of an order whose money did not
# stay, or has not come yet: an order still pending arrives with the export after it is paid.
NOT_REVENUE = {"refunded": "refunded", "voided": "voided", "void": "voided", "cancelled": "cancelled",
               "canceled": "cancelled", "failed": "failed", "declined": "failed", "expired": "expired",
               "pending": "not paid yet", "authorized": "not paid yet", "unpaid": "not paid yet",
               "incomplete": "not paid yet", "requirespaymentmethod": "not paid yet",
               "requiresaction": "not paid yet", "uncaptured": "not captured"}
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class Excluded:
    """An order row that is not revenue, and the order id an earlier import may have stored it under."""

    line: int
    order_id: str | None
    reason: str


@dataclass
class Group:
    """The rows of one order: the first row's cells, filled from the later rows."""

    line: int
    cells: list[str]
    lines: list[tuple] = field(default_factory=list)


def line_item(cells: list[str], cmap: ColumnMap) -> tuple | None:
    """(name, sku, quantity, unit price in cents or None) of the row's line item, if it has one."""
    cell = cmap.cell
    name, sku = short(cell(cells, "line_name"), "line item name"), short(cell(cells, "line_sku"), "SKU")
    quantity, price = cell(cells, "line_quantity"), cell(cells, "line_price")
    if not (name or sku or quantity or price):
        return None
    count = 1
    if quantity:
        try:
            count = int(quantity.replace(",", ".").removesuffix(".0").removesuffix(".00"))
        except ValueError:
            raise ValidationError(f'quantity "{quantity}" is not a whole number') from None
        if not 1 <= count <= MAX_QUANTITY:
            raise ValidationError(f"quantity {count} must be between 1 and {MAX_QUANTITY:,}")
    return (name or sku or "item", sku or None, count,
            cents(price, "line item price", cmap.decimal.get("line_price")) if price else None)


def grouped(records: Iterable[tuple[int, list[str]]], cmap: ColumnMap, issues) -> Iterator[Group]:
    """One Group per order; a later row that contradicts its order's first row is rejected."""
    cell = cmap.cell
    with_lines = any(name in cmap.fields for name in LINE_FIELDS)
    if not with_lines:
        for line, cells in records:
            yield Group(line, cells)
        return
    orders: dict[str, Group] = {}
    ordered: list[Group] = []
    order_level = [cmap.fields[name] for name in ORDER_FIELDS if name in cmap.fields]
    for line, cells in records:
        try:
            item = line_item(cells, cmap)
        except ValidationError as exc:
            issues.reject(line, str(exc))
            continue
        order_id = cell(cells, "order_id")
        group = orders.get(order_id) if order_id else None
        if group is None:
            group = Group(line, list(cells), [item] if item else [])
            ordered.append(group)
            if order_id:
                orders[order_id] = group
            continue
        clash = next((i for i in order_level if i < len(cells) and cells[i].strip()
                      and group.cells[i].strip() and cells[i].strip() != group.cells[i].strip()), None)
        if clash is not None:
            issues.reject(line, f"order {order_id} is on line {group.line} with another "
                                f"{cmap.header_of(clash)}: \"{group.cells[clash].strip()}\"")
            continue
        for i in order_level:
            if i < len(cells) and cells[i].strip() and not group.cells[i].strip():
                group.cells[i] = cells[i]
        if item:
            group.lines.append(item)
    yield from ordered


def describe(lines: list[tuple]) -> str:
    """"2× EK43, Filter papers": the order's text when the file gives none, so search finds it."""
    text = ", ".join(f"{qty}× {name}" if qty != 1 else name for name, _sku, qty, _price in lines)
    return text if len(text) <= validate.MAX_FIELD else text[:validate.MAX_FIELD - 1] + "…"


def order_cleaner(cmap: ColumnMap, now: datetime, currency: str) -> Callable[[Group], tuple]:
    """Group -> (amount, currency, description, ordered_at, cost, order id, lines) or Excluded."""
    default_currency, decimal, order = validate.currency(currency), cmap.decimal.get, cmap.date_order.get("ordered_at")
    (amount_of, ordered_at_of, cost_of, currency_of, refunded_of, order_id_of, status_of, captured_of, cancelled_of,
     description_of) = (cmap.getter(name) for name in ("amount", "ordered_at", "cost", "currency", "refunded",
                                                       "order_id", "status", "captured", "cancelled_at", "description"))

    def clean(group: Group) -> tuple | Excluded:
        cells, lines = group.cells, tuple(group.lines)
        amount = amount_of(cells)
        if amount:
            paid = cents(amount, "amount", decimal("amount"))
        elif lines and all(price is not None for *_, price in lines):
            paid = sum(qty * price for _name, _sku, qty, price in lines)
        else:
            raise ValidationError("amount is empty")
        when = ordered_at_of(cells)
        if not when:
            raise ValidationError("order date is empty")
        cost, code, refunded = cost_of(cells), currency_of(cells), refunded_of(cells)
        order_id = short(unquoted_id(order_id_of(cells)), "order id") or None
        ordered_at = str(not_future(moment(when, "order date", order), now, "order date"))
        refund = cents(refunded, "refunded amount", decimal("refunded")) if refunded else 0
        status = "".join(ch for ch in status_of(cells).casefold() if ch.isalpha())
        captured = captured_of(cells)
        reason = ("cancelled" if cancelled_of(cells) else NOT_REVENUE.get(status)
                  or ("not captured" if captured and not flag(captured, "captured") else None)
                  or ("refunded" if refund and refund >= paid else None))
        if reason:
            return Excluded(group.line, order_id, reason)
        return (paid - refund, validate.currency(code) if code else default_currency,
                short(description_of(cells), "description") or describe(list(lines)), ordered_at,
                cents(cost, "cost", decimal("cost")) if cost else None, order_id, lines)
    return clean
