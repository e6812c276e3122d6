"""Pilot test: the profile says what this customer's fellow buyers also bought."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from textual.widgets import Static

from solocrm_tui.core.analytics import affinity, store
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.sales import orders
from solocrm_tui.core.sales.products import Line, Product, add_product
from solocrm_tui.widgets.profile_card import ProfileCard

from .conftest import settle
from .test_today import rows as today_rows


def measure(now, bought: dict[str, tuple[Product, ...]]) -> None:
    """Each customer's one order of those products nine days ago, then the pairs the refit stores."""
    for name, products in bought.items():
        cid = customers.create_customer(now, name=name).id
        orders.add_order(cid, None, now, ordered_at=now - timedelta(days=9),
                         lines=[Line(p.name, 1, p.price, product_id=p.id) for p in products])
    store.write_figures(pd.DataFrame(), [], now, pairs=affinity.product_pairs(store.load_purchases(now), 0.01))


async def test_profile_shows_customers_who_bought_x_also_bought_y(make_app, db_path, now):
    """Six buyers: Ann, Bob, Cid bought the grinder and beans, Dee the grinder alone, Eve and
    Fay filter papers. grinder → beans: confidence 3/4 = 75%, lift 0.75 / (3/6) = 1.5."""
    grinder = add_product("Grinder EK43", now, price="2400")
    beans = add_product("Espresso beans 1kg", now, price="24")
    papers = add_product("Filter papers", now, price="6")
    measure(now, {"Ann": (grinder, beans), "Bob": (grinder, beans), "Cid": (grinder, beans), "Dee": (grinder,),
                  "Eve": (papers,), "Fay": (papers,)})
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "enter")  # sorted by name, Dee is fourth
        await settle(pilot)
        text = pilot.app.screen.query_one(ProfileCard).text
        assert "Dee" in text
        assert ("Customers who bought Grinder EK43 also bought Espresso beans 1kg: 75% of them, "
                "1.5× as often as others") in text
        await pilot.press("escape", "up", "up", "up", "enter")  # Ann bought both: nothing to suggest
        await settle(pilot)
        text = pilot.app.screen.query_one(ProfileCard).text
        assert "Ann" in text and "also bought" not in text


async def test_insights_overview_lists_the_products_bought_together(make_app, db_path, now):
    """Eight buyers: three bought grinder and beans, one the grinder, four papers.
    beans → grinder: 3/3 = 100%, lift 1.0 / (4/8) = 2.0; grinder → beans: 3/4 = 75%, lift 2.0."""
    grinder = add_product("Grinder EK43", now, price="2400")
    beans = add_product("Espresso beans 1kg", now, price="24")
    papers = add_product("Filter papers", now, price="6")
    bought = [(grinder, beans)] * 3 + [(grinder,)] + [(papers,)] * 4
    measure(now, {f"Customer {i}": products for i, products in enumerate(bought)})
    app = make_app("insights")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#bought-together", Static)
        assert panel.display
        assert [line.split() for line in str(panel.content).splitlines()] == [
            ["Espresso", "beans", "1kg", "→", "Grinder", "EK43", "3", "customers", "100%", "lift", "2.0"],
            ["Grinder", "EK43", "→", "Espresso", "beans", "1kg", "3", "customers", "75%", "lift", "2.0"]]
        assert panel.region.y >= 35 - 4  # below the charts, under the composer: out of sight ...
        await pilot.press("end")  # ... until the keys scroll the overview to it
        await settle(pilot)
        assert 0 < panel.region.y < 35 - 4


async def test_today_suggests_the_product_and_d_dismisses_it(make_app, db_path, now):
    """grinder → beans: 3/4 = 75% of grinder buyers, lift 0.75 / (3/8) = 2.0, the default
    minimum: Dee, who bought the grinder alone nine days ago, is offered the beans."""
    grinder = add_product("Grinder EK43", now, price="2400")
    beans = add_product("Espresso beans 1kg", now, price="24")
    papers = add_product("Filter papers", now, price="6")
    measure(now, {"Ann": (grinder, beans), "Bob": (grinder, beans), "Cid": (grinder, beans), "Dee": (grinder,),
                  **{name: (papers,) for name in ("Eve", "Fay", "Gus", "Hal")}})
    app = make_app("today")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert today_rows(app) == [("3.7", "cross-sell", "Dee",
                                    "offer Espresso beans 1kg: 75% of Grinder EK43 buyers bought it too (lift 2.0)")]
        await pilot.press("d")
        await settle(pilot)
        assert today_rows(app) == []


async def test_bought_together_gives_long_names_the_width_there_is_and_an_ellipsis(make_app, db_path, now):
    """At 120 columns "Office coffee subscription (monthly)" → "Espresso beans 1kg" fits whole;
    at 80 the longer name is cut with an ellipsis and the shorter one stays whole."""
    office = add_product("Office coffee subscription (monthly)", now, price="90")
    beans = add_product("Espresso beans 1kg", now, price="24")
    papers = add_product("Filter papers", now, price="6")
    bought = [(office, beans)] * 3 + [(beans,)] * 2 + [(papers,)] * 3
    measure(now, {f"Customer {i}": products for i, products in enumerate(bought)})
    app = make_app("insights")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#bought-together", Static)
        assert "  Office coffee subscription (monthly) → Espresso beans 1kg   " in str(panel.content)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        lines = str(panel.content).splitlines()
        assert lines[0].startswith("  Office coffee subscrip… → Espresso beans 1kg "), lines
        assert all(len(line) <= 76 for line in lines), lines
