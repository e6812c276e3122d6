"""The product catalogue, and the lines of orders and deals that name its products.

A line copies the product's name, SKU, price and cost when it is written: an order says
what was sold at the price of that day, and a later price change or a deleted product
leaves it as it was. Products are found as the owner types them, by SKU or name in any
case, or by a prefix only one product has ("ek4" is the EK43), so `/buy 2x ek43` works
without the exact spelling and never picks one of two products silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from peewee import fn

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Deal, DealLine, OrderLine, database
from solocrm_tui.core.storage.models import Product as P
from solocrm_tui.core.storage.records import cents_to_decimal

_COLUMNS = (P.id, P.name, P.sku, P.price_cents, P.cost_cents, P.active)
MAX_QUANTITY = 100_000


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    name: str
    sku: str | None
    price: Decimal | None  # the list price; None when the catalogue has none
    cost: Decimal | None  # what one costs the owner; None when unknown (never read as free)
    active: bool

    @property
    def margin(self) -> Decimal | None:
        """Price − cost of one unit, when both are known."""
        return None if self.price is None or self.cost is None else self.price - self.cost


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an order or a deal: a product (or free text) × quantity at a unit price."""

    name: str
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal | None = None
    sku: str | None = None
    product_id: int | None = None

    @classmethod
    def stored(cls, name: str, quantity: int, price_cents: int | None, cost_cents: int | None, sku: str | None,
               product_id: int | None) -> Line:
        """A line as order_line and deal_line store it, money in cents."""
        return cls(name, quantity, cents_to_decimal(price_cents) or Decimal(0), cents_to_decimal(cost_cents), sku,
                   product_id)

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def cost(self) -> Decimal | None:
        return None if self.unit_cost is None else self.unit_cost * self.quantity


@dataclass(frozen=True, slots=True)
class Item:
    """A line as typed: `2x EK43 at 1350` → 2, "EK43", 1350 (None: the catalogue's price)."""

    quantity: int
    product: str
    unit_price: Decimal | None = None


def _record(row: tuple) -> Product:
    pid, name, sku, price, cost, active = row
    return Product(pid, name, sku, cents_to_decimal(price), cents_to_decimal(cost), bool(active))


def _select():
    return P.select(*_COLUMNS)


def _fields(fields: dict, now: datetime) -> dict:
    """Validated columns for `fields` (name, sku, price, cost, active), as typed."""
    columns: dict = {}
    for key, value in fields.items():
        if key == "name":
            columns["name"] = validate.text(value, "product name", required=True, key="name")
        elif key == "sku":
            columns["sku"] = validate.text(value, "SKU", key="sku")
        elif key in ("price", "cost"):
            columns[f"{key}_cents"] = None if validate.blank(value) else validate.cents(value, key, key=key)
        elif key == "active":
            columns["active"] = bool(value)
        else:
            raise ValidationError(f"unknown product field: {key}")
    columns["updated_at"] = now
    return columns


def _check_unique(columns: dict, product_id: int | None) -> None:
    """Name and SKU are each one product's, in any case: say which product has it."""
    for column, what in ((P.name, "name"), (P.sku, "SKU")):
        value = columns.get(column.name)
        if value is None:
            continue
        query = P.select(P.name).where(fn.LOWER(column) == value.lower())
        if product_id is not None:
            query = query.where(P.id != product_id)
        other = query.scalar()
        if other is not None:
            raise ValidationError(f'the {what} "{value}" is already the product "{other}"', field=column.name)


def add_product(name: str, now: datetime, *, sku: str | None = None, price: Decimal | str | None = None,
                cost: Decimal | str | None = None, active: bool = True) -> Product:
    columns = _fields({"name": name, "sku": sku, "price": price, "cost": cost, "active": active}, now)
    with database.atomic():
        _check_unique(columns, None)
        product_id = P.insert(created_at=now, **columns).execute()
    return get_product(product_id)


def update_product(product_id: int, now: datetime, **fields) -> Product:
    """Change what the catalogue says; lines already written keep what they said."""
    columns = _fields(fields, now)
    with database.atomic():
        _check_unique(columns, product_id)
        if not P.update(**columns).where(P.id == product_id).execute():
            raise NotFound(f"no product #{product_id}")
    return get_product(product_id)


def delete_product(product_id: int) -> None:
    """Remove it from the catalogue; order and deal lines keep their own name and price."""
    with database.atomic():
        if not P.delete().where(P.id == product_id).execute():
            raise NotFound(f"no product #{product_id}")


def get_product(product_id: int) -> Product:
    row = _select().where(P.id == product_id).tuples().first()
    if row is None:
        raise NotFound(f"no product #{product_id}")
    return _record(row)


def _matching(text: str):
    """Products whose name or SKU contains `text`, in any case."""
    pattern = f"%{text.strip()}%"
    return (P.name ** pattern) | (P.sku ** pattern)


def list_products(text: str = "", *, offset: int = 0, limit: int = 100, active_only: bool = False) -> list[Product]:
    """A page of the catalogue by name: active products first, the ones no longer sold after."""
    query = _select()
    if text.strip():
        query = query.where(_matching(text))
    if active_only:
        query = query.where(P.active == True)  # noqa: E712 - peewee builds SQL from ==
    query = query.order_by(P.active.desc(), fn.LOWER(P.name), P.id).offset(offset).limit(limit)
    return [_record(row) for row in query.tuples()]


def count_products(text: str = "") -> int:
    query = P.select()
    if text.strip():
        query = query.where(_matching(text))
    return query.count()


def units_sold(product_ids: list[int]) -> dict[int, int]:
    """Units each product sold over all order lines that name it (a page's worth of ids at a
    time: the sum runs on the order_line_product_id index); a product never sold is absent."""
    if not product_ids:
        return {}
    query = (OrderLine.select(OrderLine.product, fn.SUM(OrderLine.quantity))
             .where(OrderLine.product.in_(product_ids)).group_by(OrderLine.product))
    return {pid: int(units) for pid, units in query.tuples()}


def open_deals_offering(product_id: int) -> int:
    """How many open deals list the product: deleting it leaves their lines as they are, and
    the owner deciding to delete should know they exist."""
    query = (DealLine.select(fn.COUNT(fn.DISTINCT(DealLine.deal))).join(Deal, on=(DealLine.deal == Deal.id))
             .where((DealLine.product == product_id) & Deal.stage.in_(OPEN_DEAL_STAGES)))
    return query.scalar() or 0


def complete(prefix: str, limit: int = 8) -> list[Product]:
    """Active products whose name, SKU or a word of the name starts with `prefix`, for Tab."""
    key = prefix.strip().lower()
    if not key:
        return []
    starts = (fn.LOWER(P.name).startswith(key) | fn.LOWER(P.sku).startswith(key)
              | (fn.LOWER(P.name) ** f"% {key}%"))
    query = _select().where(starts & (P.active == True)).order_by(fn.LOWER(P.name)).limit(limit)  # noqa: E712
    return [_record(row) for row in query.tuples()]


def _starting(condition) -> list[Product]:
    query = _select().where(condition).order_by(P.active.desc(), fn.LOWER(P.name)).limit(6)
    return [_record(row) for row in query.tuples()]


def find_product(text: str) -> Product:
    """The product `text` names: its SKU or name in any case, else the one product whose
    name or SKU starts with it, else the one with a word of its name starting with it
    ("training" is the "Barista training day"). Two candidates, or none, is an error that
    says which."""
    key = " ".join(text.split())
    if not key:
        raise ValidationError("which product? name one by its name or SKU")
    lowered = key.lower()
    exact = _select().where((fn.LOWER(P.sku) == lowered) | (fn.LOWER(P.name) == lowered)).tuples().first()
    if exact is not None:
        return _record(exact)
    found = _starting(fn.LOWER(P.name).startswith(lowered) | fn.LOWER(P.sku).startswith(lowered))
    found = found or _starting(fn.LOWER(P.name) ** f"% {lowered}%")
    active = [p for p in found if p.active] or found
    if len(active) == 1:
        return active[0]
    if active:
        names = " or ".join(f'"{p.name}"' for p in active[:5])
        raise ValidationError(f'"{key}" could be {names}: type more of the name, or the SKU')
    if not P.select().exists():
        raise ValidationError(f'no product "{key}": the catalogue is empty (add products on the Products screen '
                              "or with `solocrm import products FILE`)")
    raise ValidationError(f'no product "{key}" in the catalogue (Tab completes product names)')


_LEADING_QUANTITY = re.compile(r"^(\d+)\s*[x×*](?:\s+|$)", re.IGNORECASE)
_PRICE = re.compile(r"\s+at\s+(\S+(?:\s*[€$£])?)$", re.IGNORECASE)


def parse_items(text: str) -> list[Item]:
    """`2x EK43, 3 x beans at 12,50` → items. Items are separated by commas or " + "; each
    is an optional quantity (`2x`, `2 x`, `2×`), the product as typed, and an optional
    `at PRICE` for a price other than the catalogue's. A comma followed by a digit is a
    decimal comma (`at 12,50`, `at 2.500,00`), not the end of an item."""
    parts = [part.strip() for part in re.split(r",(?!\d)|\s\+\s", text)]
    if not any(parts):
        raise ValidationError("no items: type them as 2x EK43, 1x beans")
    items = []
    for part in parts:
        if not part:
            raise ValidationError(f'an empty item in "{text.strip()}": separate items with one comma')
        quantity, rest = 1, part
        leading = _LEADING_QUANTITY.match(part)
        if leading:
            quantity, rest = int(leading[1]), part[leading.end():]
        price = None
        priced = _PRICE.search(" " + rest)
        if priced:
            try:
                price = parse_amount(priced[1])
            except ValidationError as error:
                raise ValidationError(f'"{part}": the price after "at" is not an amount ({error})') from None
            rest = (" " + rest)[: priced.start()].strip()
        if not rest.strip():
            raise ValidationError(f'"{part}" names no product: type e.g. 2x EK43')
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError(f'"{part}": a quantity is a whole number from 1 to {MAX_QUANTITY:,}')
        items.append(Item(quantity, " ".join(rest.split()), price))
    return items


def starts_items(words: list[str]) -> bool:
    """Whether typed words are items rather than an amount: a leading `2x`, or no amount first."""
    return bool(words) and bool(_LEADING_QUANTITY.match(" ".join(words[:2])))


def resolve(items: list[Item]) -> list[Line]:
    """The catalogue's lines for typed items; a product no longer sold is refused, not guessed."""
    lines = []
    for item in items:
        try:
            product = find_product(item.product)
        except ValidationError as error:
            *words, last = item.product.split() or [""]
            if words and _amount(last) is not None and not str(error).startswith(f'"{item.product}" could be'):
                raise ValidationError(f"{error}; for an order of an amount, type the amount first: "
                                      f"/buy {last} {' '.join(words)}") from None
            raise
        if not product.active:
            raise ValidationError(f'"{product.name}" is marked as no longer sold: make it active on the Products '
                                  "screen to sell it again")
        price = item.unit_price if item.unit_price is not None else product.price
        if price is None:
            raise ValidationError(f'"{product.name}" has no price in the catalogue: type one, e.g. '
                                  f"{item.quantity}x {product.name} at 120")
        validate.cents(price, "price")
        lines.append(Line(product.name, item.quantity, price, product.cost, product.sku, product.id))
    return lines


def _amount(word: str) -> Decimal | None:
    try:
        return parse_amount(word)
    except ValidationError:
        return None


def named(text: str) -> Product | None:
    """The active product `text` names exactly (name or SKU, any case), if any: `/buy 3 milk
    jug` is an order of 3.00, but the owner may have meant three jugs, and is told so."""
    key = " ".join(text.split()).lower()
    row = _select().where(((fn.LOWER(P.name) == key) | (fn.LOWER(P.sku) == key)) & (P.active == True)).tuples().first()  # noqa: E712
    return None if row is None else _record(row)


def lines_total(lines: list[Line]) -> Decimal:
    return sum((line.total for line in lines), Decimal(0))


def lines_cost(lines: list[Line]) -> Decimal | None:
    """The lines' cost when every line's is known; one unknown makes the whole unknown."""
    costs = [line.cost for line in lines]
    return None if not lines or any(c is None for c in costs) else sum(costs, Decimal(0))  # type: ignore[arg-type]


def describe(lines: list[Line]) -> str:
    """`2× EK43, 1× Beans 1kg`: an order's description when it came from lines."""
    return ", ".join(f"{line.quantity}× {line.name}" for line in lines)
