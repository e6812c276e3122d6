"""An order file's lines find their catalogue product (SKU, else name in any case) and its
unit cost; an order whose file has no cost then costs what its lines cost, when every one
is known. Hand-worked: 2 × EK43 at cost 900 + 3 × beans at cost 9 = 1,827.00."""

from __future__ import annotations

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.sales import products
from solocrm_tui.core.storage.models import database

ORDERS = ("order_id,email,date,item_name,sku,quantity,unit_price,total\n"
          "1001,ann@example.com,2026-10-01,Grinder EK43 (white),EK43,2,1350,2772\n"
          "1001,ann@example.com,2026-10-01,espresso BEANS 1kg,,3,24,2772\n"
          "1002,ann@example.com,2026-10-02,Espresso beans 1kg,,1,24,74\n"
          "1002,ann@example.com,2026-10-02,Gift card,,1,50,74\n")


def test_lines_name_their_products_and_orders_cost_what_their_lines_cost(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@example.com")
    grinder = products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900").id
    beans = products.add_product("Espresso beans 1kg", t0, price="24", cost="9").id
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    report = import_file("orders", path, t0)
    assert report.rejected == 0, report.lines()
    lines = database.execute_sql("SELECT o.external_id, l.name, l.product_id, l.unit_cost_cents FROM order_line l "
                                 "JOIN orders o ON o.id = l.order_id ORDER BY l.id").fetchall()
    assert [tuple(r) for r in lines] == [("1001", "Grinder EK43 (white)", grinder, 90000),
                                         ("1001", "espresso BEANS 1kg", beans, 900),
                                         ("1002", "Espresso beans 1kg", beans, 900),
                                         ("1002", "Gift card", None, None)]
    costs = database.execute_sql("SELECT external_id, cost_cents FROM orders ORDER BY id").fetchall()
    assert [tuple(r) for r in costs] == [("1001", 182700), ("1002", None)]  # the gift card's cost is unknown
    again = import_file("orders", path, t0)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 2)


def test_a_cost_column_wins_over_the_lines(core_db, tmp_path, t0):
    create_customer(t0, name="Ann", email="ann@example.com")
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900")
    path = tmp_path / "orders.csv"
    path.write_text("order_id,email,date,item_name,sku,quantity,unit_price,total,cost\n"
                    "1001,ann@example.com,2026-10-01,Grinder EK43,EK43,1,1350,1350,850\n", encoding="utf-8")
    import_file("orders", path, t0)
    assert database.execute_sql("SELECT cost_cents FROM orders").fetchone()[0] == 85000
