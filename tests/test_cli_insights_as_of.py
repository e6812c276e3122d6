"""`solocrm insights --as-of D --json` sees the book as it stood at D: customers created
later, campaign responses given later and deals opened or moved later do not count. The
book is built through the core services at fixed times, and every figure is worked out by
hand below."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui import cli
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.campaigns import create_campaign, mark_responded
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.core.sales.orders import add_order
from solocrm_tui.core.storage.db import close_database, open_database

NOW = datetime(2026, 11, 22, 10, 30)
AS_OF = "2026-06-30"


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day} 12:00")


pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("as_of") / "crm.db"
    open_database(path)
    try:
        ann = create_customer(at("2026-01-10"), name="Ann").id
        ben = create_customer(at("2026-03-01"), name="Ben").id
        add_order(ann, "100", at("2026-02-10"))
        add_order(ben, "200", at("2026-04-01"))
        create_campaign("Spring", at("2026-06-01"), attribution_days=30)  # targets Ann and Ben
        add_order(ann, "50", at("2026-06-15"))  # Ann converts: a response on 15 June
        mark_responded("Spring", ben, at("2026-07-05"))  # Ben answers after the date
        add_order(ann, "70", at("2026-07-10"))
        cleo = create_customer(at("2026-08-01"), name="Cleo").id  # joined after the date
        add_order(cleo, "80", at("2026-08-05"))
        eve = create_customer(at("2026-09-01"), name="Eve").id  # entered late, but bought before the date
        add_order(eve, "30", at("2026-09-01"), ordered_at=at("2026-02-01"))

        roof = create_deal(ann, "Roof", "1000", at("2026-03-01"), expected_close="2026-06-20").id
        move_deal(roof, "proposal", at("2026-05-01"))
        move_deal(roof, "won", at("2026-07-15"))  # open (proposal, 50 %) at the date
        lost = create_deal(ben, "Shed", "2000", at("2026-04-01"), expected_close="2026-07-10").id
        move_deal(lost, "lost", at("2026-06-10"), reason="price")
        won = create_deal(ben, "Fence", "400", at("2026-05-01"), stage="qualified", expected_close="2026-07-05").id
        move_deal(won, "won", at("2026-06-20"))
        create_deal(ann, "Pool", "3000", at("2026-08-01"), expected_close="2026-07-01")  # opened after the date
    finally:
        close_database()
    return path


def insights(capsys, book: Path, *argv: str) -> dict:
    code = cli.main(["--db", str(book), "insights", *argv, "--json"], now=NOW)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return json.loads(out)


def test_customers_created_after_the_date_do_not_count(capsys, book):
    past = insights(capsys, book, "--as-of", AS_OF)
    assert (past["customers"], past["customers_with_orders"]) == (3, 3)  # Ann, Ben, and Eve who had bought
    today = insights(capsys, book)
    assert (today["customers"], today["customers_with_orders"]) == (4, 4)


def test_campaign_responses_after_the_date_do_not_count(capsys, book):
    past = insights(capsys, book, "--as-of", AS_OF)["kpis"]["campaign_response_rate"]
    assert past["value"] == pytest.approx(1 / 2)  # Ann's conversion; Ben answered in July
    assert past["label"] == "1 responses / 2 targets"
    assert insights(capsys, book)["kpis"]["campaign_response_rate"]["value"] == 1.0


def test_the_pipeline_is_rebuilt_from_stage_history(capsys, book):
    past = insights(capsys, book, "--as-of", AS_OF)
    win = past["kpis"]["pipeline_win_rate"]
    assert win["value"] == pytest.approx(1 / 2)  # Fence won, Shed lost; Roof was still a proposal
    assert win["label"] == "deals closed in the last 90 days (2)"
    assert past["forecast"]["pipeline_this_month"] == pytest.approx(1000 * 0.50)  # Roof, due in June
    assert past["forecast"]["pipeline_next_month"] == 0  # Pool did not exist yet
    today = insights(capsys, book)
    assert today["forecast"]["pipeline_this_month"] == pytest.approx(3000 * 0.10)  # only Pool is open now


def test_orders_after_the_date_do_not_count(capsys, book):
    months = {m["month"]: m["revenue"] for m in insights(capsys, book, "--as-of", AS_OF)["forecast"]["monthly_revenue"]}
    # June: Ann's 50 and the Fence deal won for 400 on 20 June (a win is an order); Roof was won after the date
    assert months == {"2026-02": 130.0, "2026-03": 0.0, "2026-04": 200.0, "2026-05": 0.0, "2026-06": 450.0}
