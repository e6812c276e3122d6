"""`solocrm insights --json` carries the margin, contribution shares and the loyalty rate;
the text output names the top customers by margin and the orders left out for lacking a cost."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from solocrm_tui import cli
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.db import close_database, open_database

NOW = datetime(2026, 11, 22, 10, 30)
D = timedelta(days=1)

pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture
def db(tmp_path):
    """Ann: 100−40 (60). Bob: 50−10 (40) and 70 without a cost. Book margin 100."""
    path = open_database(tmp_path / "crm.db")
    try:
        ann = create_customer(NOW - 400 * D, name="Ann").id
        bob = create_customer(NOW - 400 * D, name="Bob").id
        add_order(ann, "100", NOW, ordered_at=NOW - 20 * D, cost="40")
        add_order(bob, "50", NOW, ordered_at=NOW - 200 * D, cost="10")
        add_order(bob, "70", NOW, ordered_at=NOW - 10 * D)
    finally:
        close_database()
    return path


def run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv), now=NOW)
    return code, capsys.readouterr().out


def test_insights_json_carries_contribution_and_loyalty(db, capsys):
    code, out = run(capsys, "--db", str(db), "insights", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["contribution"] == {
        "margin": 100.0, "revenue_with_cost": 150.0, "orders_with_cost": 2, "orders_without_cost": 1,
        "top": [{"customer_id": 1, "name": "Ann", "margin": 60.0, "share": 0.6, "orders_without_cost": 0},
                {"customer_id": 2, "name": "Bob", "margin": 40.0, "share": 0.4, "orders_without_cost": 1}]}
    # last 90 days: Ann's 60; Bob's 70 has no cost. The 90 days before: nothing.
    assert data["kpis"]["gross_margin"] == {"label": "last 90 days, 1 order with a cost (1 without, left out)",
                                            "value": 60.0, "previous": 0.0, "change": None}
    assert data["kpis"]["loyalty_rate"]["value"] == 0.0  # nobody has 3 purchase days


def test_insights_text_lists_the_top_customers_by_margin(db, capsys):
    code, out = run(capsys, "--db", str(db), "insights")
    assert code == 0
    assert "Top by margin (book margin 100, 1 order without a cost left out):" in out
    assert "  Ann" in out and "60.0% of margin" in out
