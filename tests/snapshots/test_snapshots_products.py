"""Snapshots of the Products screen on a small catalogue (one product no longer sold, one
without a cost, units sold from order lines), and of the empty catalogue's hint.

Update with `pytest tests/snapshots/test_snapshots_products.py --snapshot-update` and look at the SVG.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from solocrm_tui.cli import make_app
from solocrm_tui.config import Config
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales import orders, products

from ..tui.conftest import settle


@pytest.fixture
def catalogue_app(db_path, now):
    grinder = products.add_product("Grinder EK43", now, sku="EK43", price="1350", cost="900")
    beans = products.add_product("Espresso beans 1kg", now, sku="BEANS1", price="24.50", cost="9")
    products.add_product("Milk jug 600ml", now, price="12.50")
    products.add_product("Tamper 58mm", now, sku="TMP58", price="39", cost="14", active=False)
    ann = create_customer(now, name="Ann Archer").id
    orders.add_order(ann, None, now - timedelta(days=3), lines=products.resolve(
        [products.Item(2, grinder.name), products.Item(3, beans.name)]))
    orders.add_order(ann, None, now - timedelta(days=1), lines=[
        products.Line(beans.name, 1, Decimal("24.50"), beans.cost, beans.sku, beans.id)])
    return make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="products")


@pytest.mark.parametrize("size", [(120, 35), (80, 24)], ids=["120x35", "80x24"])
def test_products_screen(catalogue_app, snap_compare, size):
    assert snap_compare(catalogue_app, terminal_size=size, run_before=settle)


def test_empty_catalogue(db_path, now, snap_compare):
    app = make_app(db_path, Config(), clock=lambda: now, jobs=False, start_mode="products")
    assert snap_compare(app, terminal_size=(120, 35), run_before=settle)
