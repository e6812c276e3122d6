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
                     "reasons": ["offer Espresso beans 1kg: 75% of Grinder EK43 buyers bought it too (lift 2.0)"]}]


def test_insights_prints_the_products_bought_together(capsys, book, now):
    db, _ids = book
    code, out, _ = run(capsys, "--db", str(db), "insights", now=now)
    assert code == 0
    together = out[out.index("Bought together"):].splitlines()
    # beans → grinder: confidence 3/3 = 100%, lift 1.0 / (4/8) = 2.0, then grinder → beans at 75%
    assert [line.split() for line in together[1:3]] == [
        ["Espresso", "beans", "1kg", "→", "Grinder", "EK43", "3", "customers", "100%", "lift", "2.0"],
        ["Grinder", "EK43", "→", "Espresso", "beans", "1kg", "3", "customers", "75%", "lift", "2.0"]]
    code, out, _ = run(capsys, "--db", str(db), "insights", "--json", now=now)
    assert [(p["antecedent"], p["consequent"], p["customers"]) for p in json.loads(out)["bought_together"]] == [
        ("Espresso beans 1kg", "Grinder EK43", 3), ("Grinder EK43", "Espresso beans 1kg", 3)]


def test_insights_as_of_a_past_date_measures_the_pairs_of_then(capsys, book, now):
    """The orders were nine days ago: twenty days ago nobody had bought anything together."""
    db, _ids = book
    before = (now - timedelta(days=20)).strftime("%Y-%m-%d")
    code, out, _ = run(capsys, "--db", str(db), "insights", "--as-of", before, "--json", now=now)
    assert code == 0 and json.loads(out)["bought_together"] == []
    yesterday = (now - timedelta(days=1)).strftime("%Y-%m-%d")
    code, out, _ = run(capsys, "--db", str(db), "insights", "--as-of", yesterday, "--json", now=now)
    assert [(p["antecedent"], p["confidence"], p["lift"]) for p in json.loads(out)["bought_together"]] == [
        ("Espresso beans 1kg", 1.0, 2.0), ("Grinder EK43", 0.75, 2.0)]


def test_insights_prints_long_product_names_whole_when_they_fit(capsys, tmp_path, now, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    db = open_database(tmp_path / "crm.db")
    office = add_product("Office coffee subscription (monthly)", now, price="90")
    beans = add_product("Espresso beans 1kg", now, price="24")
    for name in ("Ann", "Bob", "Eve"):
        add_order(create_customer(now, name=name).id, None, now, ordered_at=now - timedelta(days=9),
                  lines=[Line(p.name, 1, p.price, product_id=p.id) for p in (office, beans)])
    add_order(create_customer(now, name="Cid").id, None, now, ordered_at=now - timedelta(days=9),
              lines=[Line(beans.name, 1, beans.price, product_id=beans.id)])
    papers = add_product("Filter papers", now, price="6")
    add_order(create_customer(now, name="Dee").id, None, now, ordered_at=now - timedelta(days=9),
              lines=[Line(papers.name, 1, papers.price, product_id=papers.id)])
    store.write_figures(pd.DataFrame(), [], now, pairs=affinity.product_pairs(store.load_purchases(now), 0.01))
    close_database()
    code, out, _ = run(capsys, "--db", str(db), "insights", now=now)
    assert code == 0
    assert "  Office coffee subscription (monthly) → Espresso beans 1kg" in out
