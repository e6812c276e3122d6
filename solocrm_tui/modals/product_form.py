"""New or edited product: name, SKU, price and cost.

Amounts are read as the composer reads them (`1,350.00`, `24.50 €`); an empty price or
cost is unknown, never zero. A name or SKU another product has is known only to core:
its refusal goes under that field.
"""

from __future__ import annotations

from decimal import Decimal

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.sales import products
from solocrm_tui.core.sales.products import Product
from solocrm_tui.modals.form import FormScreen, check_fields

FIELDS = (("name", "Name *"), ("sku", "SKU"), ("price", "Price (blank: none yet)"),
          ("cost", "Cost of one (blank: unknown)"))


class ProductForm(FormScreen):
    def __init__(self, product: Product | None, values: dict) -> None:
        super().__init__("Edit product" if product else "New product", FIELDS, values)
        self.product = product

    def validate(self, values: dict[str, str]) -> dict[str, str]:
        return clean(values)[1]

    def save(self, values: dict[str, str]) -> None:
        now, product, fields = self.app.now(), self.product, clean(values)[0]
        if product is None:
            def write() -> Product:
                return products.add_product(fields.pop("name"), now, **fields)
        else:
            def write() -> Product:
                return products.update_product(product.id, now, **fields)
        self.persist(write, what="products", done=lambda saved: f"saved product {saved.name}",
                     undo_as=f"{'editing' if product else 'adding'} product {values['name']}")


CHECKS = {"name": lambda v: validate.text(v, "product name", required=True),
          "sku": lambda v: validate.text(v, "SKU") or None, "price": lambda v: _amount(v), "cost": lambda v: _amount(v)}


def clean(values: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """Field-by-field checks that need no database: every wrong field at once."""
    return check_fields(values, CHECKS)


def _amount(value: str) -> Decimal | None:
    return None if not value else parse_amount(value)


def edit_product(app, product: Product | None) -> None:
    values = {} if product is None else {
        "name": product.name, "sku": product.sku or "", "price": "" if product.price is None else str(product.price),
        "cost": "" if product.cost is None else str(product.cost)}
    app.push_screen(ProductForm(product, values))
