"""What demo customers buy: the catalogue, each customer's taste, and the lines of an order
or a deal that add up to its amount to the cent.

Amounts come first (people.py draws them from the book's stream, and the tests and
models read them), lines second, from a stream of their own, so adding products left
every customer, date and amount of a seed as it was. The rule that makes lines sum
exactly: draw one to three products of the customer's taste whose list price fits the
amount; give every line but the last a quantity that shares out the amount (equipment
in ones and twos, at most MAX_GEAR); scale the list prices by one factor (a discount or
a surcharge of at most SLACK) so they meet the amount; the last line, one unit, takes the
few cents rounding leaves. A single product (not equipment) is bought in the quantity its
price fits when that divides the amount. When no draw fits, the order is one unit of the
product whose price is nearest its amount.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from peewee import fn

from solocrm_tui.core.demo.words import (
    CAFE_WORDS,
    CATALOGUE,
    GEAR,
    HOME_TASTES,
    MAX_GEAR,
    RETIRED,
    RETIRED_DAYS,
    TASTES,
)
from solocrm_tui.core.sales import products
from solocrm_tui.core.sales.products import Line
from solocrm_tui.core.storage.models import Product

SLACK = 0.15  # how far a unit price may move from the list price to meet the amount
STRAY = 0.15  # the chance an order adds something outside its customer's taste
ATTEMPTS = 6  # draws of products tried before the nearest-priced product stands in


@dataclass(frozen=True, slots=True)
class Stock:
    """A catalogue product as the demo sells it (prices in cents)."""

    id: int
    name: str
    sku: str | None
    price: int
    cost: int | None
    active: bool


Priced = tuple[Stock, int, int]  # product, quantity, unit price in cents


def write_catalogue(now: datetime) -> dict[str, Stock]:
    """The demo's products by name; one the book already has under the same name or SKU is
    reused as it is (a second demo, or the owner's own catalogue), not added twice."""
    catalogue = {}
    for name, (sku, price, cost) in CATALOGUE.items():
        row = (Product.select(Product.id, Product.name, Product.sku, Product.price_cents, Product.cost_cents,
                              Product.active)
               .where((fn.LOWER(Product.name) == name.lower()) | (fn.LOWER(Product.sku) == sku.lower()))
               .tuples().first())
        if row is None:
            added = products.add_product(name, now, sku=sku, price=Decimal(price) / 100, cost=Decimal(cost) / 100,
                                         active=name not in RETIRED)
            row = (added.id, added.name, added.sku, price, cost, added.active)
        pid, own_name, own_sku, own_price, own_cost, active = row
        catalogue[name] = Stock(pid, own_name, own_sku, own_price or price, own_cost, bool(active))
    return catalogue


def taste_of(rng: random.Random, behaviour: str, company: str | None) -> str:
    """Big buyers are cafés when their company serves coffee, offices otherwise; the others
    are home brewers of one kind or another."""
    if behaviour == "big":
        return "café" if company and any(word in company.lower() for word in CAFE_WORDS) else "office"
    return rng.choices(list(HOME_TASTES), weights=list(HOME_TASTES.values()))[0]


def _near(unit: int, price: int) -> bool:
    return abs(unit / price - 1) <= SLACK


def fit(rng: random.Random, amount: int, picks: list[Stock]) -> list[Priced] | None:
    """Lines of `picks` worth exactly `amount`, or None when their prices cannot meet it."""
    *main, last = picks
    if not main:
        quantity = max(1, round(amount / last.price)) if last.name not in GEAR else 1
        unit, odd = divmod(amount, quantity)
        return [(last, quantity, unit)] if not odd and _near(unit, last.price) else None
    rest = amount - last.price
    gear = {p: max(1, min(MAX_GEAR, round(rng.uniform(0, 1) * rest / p.price))) for p in main if p.name in GEAR}
    rest -= sum(q * p.price for p, q in gear.items())
    weights = {p: rng.uniform(0.5, 1.5) for p in main if p not in gear}
    share = sum(weights.values())
    quantities = [gear[p] if p in gear else max(1, round(weights[p] / share * rest / p.price)) for p in main]
    factor = amount / (sum(q * p.price for q, p in zip(quantities, main)) + last.price)
    if abs(factor - 1) > SLACK:
        return None
    lines = [(p, q, round(p.price * factor)) for p, q in zip(main, quantities)]
    closing = amount - sum(q * unit for _, q, unit in lines)
    return lines + [(last, 1, closing)] if _near(closing, last.price) else None


def _draw(rng: random.Random, pool: dict[Stock, float], count: int) -> list[Stock]:
    """`count` distinct products of the pool, the heavier more often."""
    pool, picked = dict(pool), []
    while pool and len(picked) < count:
        product = rng.choices(list(pool), weights=list(pool.values()))[0]
        picked.append(product)
        del pool[product]
    return picked


def order_lines(rng: random.Random, catalogue: dict[str, Stock], taste: str, amount: int, ordered_at: datetime,
                now: datetime, stray: str) -> list[Priced]:
    """The lines of one order of `amount` cents. `stray` is the product this order would
    buy outside the taste; an order worth exactly its price is that product."""
    other = catalogue[stray]
    if amount == other.price:
        return [(other, 1, amount)]
    retired_before = now - timedelta(days=RETIRED_DAYS)
    pool = {catalogue[name]: weight for name, weight in TASTES[taste].items()
            if catalogue[name].price <= amount * (1 + SLACK) and (name not in RETIRED or ordered_at < retired_before)}
    for _ in range(ATTEMPTS):
        picks = _draw(rng, pool, rng.choice((1, 2, 2, 3)))
        if rng.random() < STRAY and other not in picks and other.price <= amount:
            picks.append(other)
        lines = fit(rng, amount, picks) if picks else None
        if lines:
            return lines
    scale = [p for name, p in catalogue.items() if name not in RETIRED and (p.price >= 100_00) == (amount >= 300_00)]
    nearest = min(scale, key=lambda p: abs(math.log(amount / p.price)))
    return [(nearest, 1, amount)]


def deal_lines(rng: random.Random, catalogue: dict[str, Stock], offered: str, value: int) -> list[Priced] | None:
    """What a deal for `offered` lists, worth its value: the product first, with what a
    customer of its kind buys alongside; None when the value does not fit the product."""
    taste = next(t for t in ("café", "office") if offered in TASTES[t])
    product = catalogue[offered]
    others = {catalogue[name]: weight for name, weight in TASTES[taste].items() if name != offered}
    for _ in range(ATTEMPTS):
        lines = fit(rng, value, [product] + _draw(rng, others, rng.choice((0, 1, 1, 2))))
        if lines:
            return lines
    return None


def as_lines(priced: list[Priced]) -> list[Line]:
    """The catalogue core's lines, for their description and cost."""
    return [Line(p.name, quantity, Decimal(unit) / 100, None if p.cost is None else Decimal(p.cost) / 100, p.sku, p.id)
            for p, quantity, unit in priced]


def line_row(owner_id: int, position: int, priced: Priced) -> tuple:
    """An order or deal line as `generate.COLUMNS` lists it for OrderLine and DealLine."""
    product, quantity, unit = priced
    return (owner_id, position, product.id, product.name, product.sku, quantity, unit, product.cost)
