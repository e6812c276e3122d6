"""What a deal offers, line by line, and the deal's value that follows from it.

While a deal has lines its value is their sum, rewritten in the same transaction as every
line change, so the pipeline's weighted value, a quote and the order a win creates all
read one figure. Lines change only while the deal is open: a won deal's lines are what
was sold, and a lost deal's what was refused.
"""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from solocrm_tui.core import validate
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import products
from solocrm_tui.core.sales.products import MAX_QUANTITY, Line
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import DealLine as L
from solocrm_tui.core.storage.models import database


def deal_lines(deal_id: int) -> list[Line]:
    return list(lines_of_deals([deal_id]).get(deal_id, ()))


def lines_of_deals(deal_ids: list[int]) -> dict[int, tuple[Line, ...]]:
    """Each deal's lines (deals without lines are absent), for a customer's Deals tab."""
    found: dict[int, list[Line]] = {}
    for start in range(0, len(deal_ids), 500):
        query = (L.select(L.deal, L.name, L.quantity, L.unit_price_cents, L.unit_cost_cents, L.sku, L.product)
                 .where(L.deal.in_(deal_ids[start:start + 500])).order_by(L.deal, L.position, L.id))
        for deal_id, *line in query.tuples():
            found.setdefault(deal_id, []).append(Line.stored(*line))
    return {deal_id: tuple(lines) for deal_id, lines in found.items()}


def line_counts(deal_ids: list[int]) -> dict[int, int]:
    """How many lines each deal has (deals without lines are absent), for the cards."""
    counts: dict[int, int] = {}
    for start in range(0, len(deal_ids), 500):
        query = (L.select(L.deal, fn.COUNT(L.id)).where(L.deal.in_(deal_ids[start:start + 500])).group_by(L.deal))
        counts.update(dict(query.tuples()))
    return counts


def add_lines(deal_id: int, lines: list[Line], now: datetime) -> list[Line]:
    """Add `lines` to an open deal; a product already on it at the same price gets the
    quantity added to its line rather than a second line."""
    if not lines:
        raise ValidationError("no lines to add: type them as 2x EK43, 1x beans")
    with database.atomic():
        _open(deal_id)
        for line in lines:
            same = (L.select(L.id, L.quantity).where(
                (L.deal == deal_id) & (L.product == line.product_id)
                & (L.unit_price_cents == validate.cents(line.unit_price, "price"))).tuples().first()
                if line.product_id is not None else None)
            if same is not None:
                L.update(quantity=_quantity(same[1] + line.quantity, line.name)).where(L.id == same[0]).execute()
                continue
            position = (L.select(fn.MAX(L.position)).where(L.deal == deal_id).scalar() or 0) + 1
            L.insert(deal=deal_id, position=position, product=line.product_id, name=line.name, sku=line.sku,
                     quantity=_quantity(line.quantity, line.name),
                     unit_price_cents=validate.cents(line.unit_price, "price"),
                     unit_cost_cents=None if line.unit_cost is None else validate.cents(line.unit_cost, "cost"),
                     ).execute()
        _follow_lines(deal_id, now)
    return deal_lines(deal_id)


def set_quantity(deal_id: int, product: str, quantity: int, now: datetime) -> list[Line]:
    """Change how many of `product` the deal offers; 0 removes its line."""
    if quantity == 0:
        return remove_line(deal_id, product, now)
    with database.atomic():
        _open(deal_id)
        line_id, name = _line(deal_id, product)
        L.update(quantity=_quantity(quantity, name)).where(L.id == line_id).execute()
        _follow_lines(deal_id, now)
    return deal_lines(deal_id)


def remove_line(deal_id: int, product: str, now: datetime) -> list[Line]:
    """Take `product`'s line off the deal. The last line gone, the value stays their last sum."""
    with database.atomic():
        _open(deal_id)
        line_id, _ = _line(deal_id, product)
        L.delete().where(L.id == line_id).execute()
        _follow_lines(deal_id, now)
    return deal_lines(deal_id)


def _quantity(quantity: int, name: str) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(f'"{name}": a quantity is a whole number from 1 to {MAX_QUANTITY:,}')
    return quantity


def _open(deal_id: int) -> None:
    row = DealModel.select(DealModel.stage, DealModel.title).where(DealModel.id == deal_id).tuples().first()
    if row is None:
        raise NotFound(f"no deal #{deal_id}")
    if row[0] not in OPEN_DEAL_STAGES:
        raise ValidationError(f"deal “{row[1]}” is {row[0]}: its lines are what was {row[0]} and stay as they are")


def _line(deal_id: int, text: str) -> tuple[int, str]:
    """The deal's line for the product `text` names (found as the catalogue finds it), or,
    for a product since deleted from the catalogue, the line of that name."""
    lines = list(L.select(L.id, L.name, L.product).where(L.deal == deal_id).tuples())
    key = " ".join(text.split()).lower()
    named = [(lid, name) for lid, name, _ in lines if name.lower() == key]
    if named:
        return named[0]
    product = products.find_product(text)
    for lid, name, product_id in lines:
        if product_id == product.id:
            return lid, name
    raise ValidationError(f"the deal has no line for “{product.name}”"
                          + (f": its lines are {', '.join(name for _, name, _ in lines)}" if lines else ""))


def _follow_lines(deal_id: int, now: datetime) -> None:
    """The deal's value is its lines' sum while it has any."""
    total = (L.select(fn.SUM(L.quantity * L.unit_price_cents)).where(L.deal == deal_id).scalar())
    columns = {"updated_at": now, "last_activity_at": now}
    if total is not None:
        columns["value_cents"] = total
    DealModel.update(**columns).where(DealModel.id == deal_id).execute()
