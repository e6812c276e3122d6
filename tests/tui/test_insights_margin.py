"""Insights (pilot): the Top margin tab beside Top CLV, with each customer's
contribution share and the orders left out for lacking a cost."""

from __future__ import annotations

from datetime import timedelta

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.orders import add_order

from .conftest import settle
from .test_insights import SIZE, active_tab, table_rows


async def test_margin_tab_ranks_customers_by_margin_with_their_share(db_path, now, make_app):
    """Ann 300 − 100 (200). Bob 500 − 450 (50) and 80 without a cost. Cid only 40 without a cost.
    Book margin 250."""
    day = timedelta(days=1)
    ann, bob, cid = (create_customer(now - 400 * day, name=n).id for n in ("Ann", "Bob", "Cid"))
    add_order(ann, "300", now, ordered_at=now - 30 * day, cost="100")
    add_order(bob, "500", now, ordered_at=now - 20 * day, cost="450")
    add_order(bob, "80", now, ordered_at=now - 10 * day)
    add_order(cid, "40", now, ordered_at=now - 5 * day)
    app = make_app("insights")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket", "right_square_bracket")
        assert active_tab(app) == "margin"
        assert table_rows(app, "#margin-table") == [("Ann", "200", "80.0%", "67%", ""),
                                                   ("Bob", "50", "20.0%", "10%", "1")]
        assert "2 orders with a cost; 2 without one are left out" in str(
            app.screen.query_one("#margin-note").content)
