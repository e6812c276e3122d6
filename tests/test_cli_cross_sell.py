"""`solocrm today --json` carries the cross-sell rows."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest

from solocrm_tui.core.analytics import affinity, store
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.sales.products import Line, add_product
from solocrm_tui.core.storage.db import close_database, open_database

from .test_cli import run

pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture
def book(tmp_path, now):
    """Eight buyers: Ann, Bob, Cid bought the grinder and beans, Dee the grinder alone, four
    others filter papers. grinder → beans: confidence 3/4 = 75%, lift 0.75 / (3/8) = 2.0."""
    db = open_database(tmp_path / "crm.db")
    grinder = add_product("Grinder EK43", now, price="2400")
    beans = add_product("Espresso beans 1kg", now, price="24")
    papers = add_product("Filter papers", now, price="6")
    bought = {"Ann": (grinder, beans), "Bob": (grinder, beans), "Cid": (grinder, beans), "Dee": (grinder,),
              **{name: (papers,) for name in ("Eve", "Fay", "Gus", "Hal")}}
    ids = {}
    for name, products in bought.items():
        ids[name] = create_customer(now, name=name).id
        add_order(ids[name], None, now, ordered_at=now - timedelta(days=9),
                  lines=[Line(p.name, 1, p.price, product_id=p.id) for p in products])
    store.write_figures(pd.DataFrame(), [], now, pairs=affinity.product_pairs(store.load_purchases(now), 0.01))
    close_database()
    return db, ids


def test_today_json_has_the_cross_sell_rows(capsys, book, now):
    db, ids = book
    code, out, _ = run(capsys, "--db", str(db), "today", "--json", now=now)
    assert code == 0
    rows = [{k: i[k] for k in ("kind", "customer_id", "title", "reasons")} for i in json.loads(out)
            if i["kind"] == "cross_sell"]
    assert rows == [{"kind": "cross_sell", "customer_id": ids["Dee"], "title": "suggest Espresso beans 1kg",
                     "reasons": ["bought Grinder EK43; 75% of its buyers also bought Espresso beans 1kg (lift 2.0)"]}]
