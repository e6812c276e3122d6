"""Campaign results with known answers: frozen targets, responses, conversions inside the
attribution window (started_at, started_at + N days] and bounded by `now`, attributed
revenue, cost per target / per conversion, mail-merge rows and the Insights KPI.

The book (now = Sunday 22 Nov 2026 10:30; campaign "Autumn" started S = 2 Nov 10:30,
window 10 days, cost 100.00, filter #newsletter):

    ann   #newsletter  email          order S-1d 999 (before), S+2d 100, S+5d 50   -> converts (150 revenue)
    ben   #newsletter  email, opt-out order S+10d 30 (last instant of the window)  -> converts (30 revenue)
    cleo  #newsletter  no email       order S+11d 70 (after the window); responds   -> responds only
    dan   #newsletter  email          order exactly at S 40 (start excluded)       -> nothing
    eve   untagged     email          order S+3d 500; tagged #newsletter later     -> never a target
    fay   untagged     email          responds to the campaign                     -> added as a target

    targets 5, responses 4 (cleo, fay + the 2 conversions), conversions 2,
    revenue 180.00, cost/target 20.00, cost/conversion 50.00, opted out 1.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.analytics import summary
from solocrm_tui.core.analytics.runs import Settings
from solocrm_tui.core.contacts.customers import change_tags, create_customer
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales.campaign_results import (
    CampaignResult,
    attribute_conversions,
    campaign_results,
    mail_merge_rows,
)
from solocrm_tui.core.sales.campaigns import (
    create_campaign,
    find_campaign,
    mark_responded,
    response_rate,
)
from solocrm_tui.core.sales.orders import add_order, refresh_customer_totals
from solocrm_tui.core.storage.models import CampaignTarget
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Order as OrderModel

D = timedelta(days=1)
H = timedelta(hours=1)
NOW = datetime(2026, 11, 22, 10, 30)
S = NOW - 20 * D  # 2026-11-02 10:30


def targets(campaign_id: int) -> dict[int, tuple]:
    T = CampaignTarget
    rows = T.select(T.customer, T.responded_at, T.converted_at).where(T.campaign == campaign_id).tuples()
    return {cid: (responded, converted) for cid, responded, converted in rows}


def result_of(name: str, now: datetime = NOW) -> CampaignResult:
    (r,) = [r for r in campaign_results(now) if r.name == name]
    return r


@pytest.fixture
def book(core_db, t0) -> dict[str, int]:
    """Customers, the campaign, then their orders loaded in bulk (no attribution run yet)."""
    assert t0 == NOW
    ids = {
        "ann": create_customer(NOW - 60 * D, name="Ann Archer", email="ann@example.com", tags=["newsletter"]).id,
        "ben": create_customer(NOW - 60 * D, name="Ben Baker", email="ben@example.com", tags=["newsletter"],
                               opt_out=True).id,
        "cleo": create_customer(NOW - 60 * D, name="Cleo Cole", tags=["newsletter"]).id,
        "dan": create_customer(NOW - 60 * D, name="Dan Dean", email="dan@example.com", tags=["newsletter"]).id,
        "eve": create_customer(NOW - 60 * D, name="Eve Evans", email="eve@example.com").id,
        "fay": create_customer(NOW - 60 * D, name="Fay Ford", email="fay@example.com").id,
    }
    ids["campaign"] = create_campaign("Autumn", S, cost="100.00", target_filter="#newsletter",
                                      attribution_days=10).id
    # orders loaded in bulk (as an import does): attribution has not run for them yet
    OrderModel.insert_many([
        {"customer": ids[who], "amount_cents": cents, "currency": "EUR", "description": "", "ordered_at": when}
        for who, cents, when in [("ann", 99900, S - D), ("ann", 10000, S + 2 * D), ("ann", 5000, S + 5 * D),
                                 ("ben", 3000, S + 10 * D), ("cleo", 7000, S + 11 * D), ("dan", 4000, S),
                                 ("eve", 50000, S + 3 * D)]]).execute()
    refresh_customer_totals()
    return ids


@pytest.fixture
def worked(book) -> dict[str, int]:
    """The book after attribution, a late tag on eve and the two manual responses."""
    attribute_conversions(NOW)
    change_tags([book["eve"]], S + D, add=["newsletter"])
    mark_responded("autumn", book["cleo"], S + 4 * D)
    mark_responded("Autumn", book["fay"], S + 6 * D)
    return book


def test_targets_are_frozen_at_creation(book):
    c = book["campaign"]
    assert set(targets(c)) == {book[n] for n in ("ann", "ben", "cleo", "dan")}
    change_tags([book["eve"]], S + D, add=["newsletter"])
    change_tags([book["dan"]], S + D, remove=["newsletter"])
    assert set(targets(c)) == {book[n] for n in ("ann", "ben", "cleo", "dan")}
    assert find_campaign("AUTUMN").target_filter == "#newsletter"


def test_attribution_counts_only_orders_inside_the_window(book):
    c = book["campaign"]
    # the bulk-loaded orders are not attributed until attribute_conversions runs
    assert all(v == (None, None) for v in targets(c).values())
    assert attribute_conversions(NOW) == 2
    t = targets(c)
    assert t[book["ann"]] == (S + 2 * D, S + 2 * D)  # first in-window order; a conversion is also a response
    assert t[book["ben"]] == (S + 10 * D, S + 10 * D)  # the window's end is inclusive
    assert t[book["cleo"]] == (None, None)  # ordered one day after the window
    assert t[book["dan"]] == (None, None)  # ordered at the very start: exclusive
    assert book["eve"] not in t  # not a target, whatever she buys


def test_attribute_conversions_is_idempotent(book):
    assert attribute_conversions(NOW) == 2
    before = targets(book["campaign"])
    assert attribute_conversions(NOW) == 0
    assert attribute_conversions(NOW, [book["ann"], book["ben"]]) == 0
    assert targets(book["campaign"]) == before
    assert result_of("Autumn").conversions == 2


def test_attribute_conversions_can_be_scoped_to_customers(book):
    assert attribute_conversions(NOW, []) == 0
    assert attribute_conversions(NOW, [book["ben"], book["cleo"], book["dan"]]) == 1
    t = targets(book["campaign"])
    assert t[book["ben"]][1] == S + 10 * D
    assert t[book["ann"]] == (None, None)


def test_a_response_is_not_overwritten_by_a_later_conversion(book):
    mark_responded("Autumn", book["ann"], S + H)
    attribute_conversions(NOW)
    assert targets(book["campaign"])[book["ann"]] == (S + H, S + 2 * D)


def test_results_with_known_answers(worked):
    r = result_of("Autumn")
    assert (r.id, r.name, r.channel, r.started_at, r.attribution_days) == (worked["campaign"], "Autumn", "email", S, 10)
    assert r.targets == 5  # ann, ben, cleo, dan + fay who responded from outside the list
    assert r.opted_out == 1
    assert r.responses == 4  # cleo, fay by hand; ann, ben by buying
    assert r.conversions == 2
    assert r.revenue == Decimal("180.00")  # 100 + 50 (ann) + 30 (ben); not 999, 70, 40 nor eve's 500
    assert r.cost == Decimal("100.00")
    assert r.response_rate == pytest.approx(0.8)
    assert r.conversion_rate == pytest.approx(0.4)
    assert r.cost_per_target == Decimal("20.00")
    assert r.cost_per_conversion == Decimal("50.00")
    assert str(r.cost_per_target) == "20.00" and str(r.cost_per_conversion) == "50.00"
    assert worked["eve"] not in targets(worked["campaign"])
    assert targets(worked["campaign"])[worked["fay"]] == (S + 6 * D, None)


def test_cost_per_target_and_conversion_round_to_cents(core_db):
    people = [create_customer(NOW, name=f"P{i}", tags=["vip"]).id for i in range(3)]
    create_campaign("Thirds", S, cost="10.00", target_filter="#vip", attribution_days=30)
    for cid in people[:2]:
        add_order(cid, "5.00", NOW, ordered_at=S + D)
    r = result_of("Thirds")
    assert (r.targets, r.conversions, r.responses) == (3, 2, 2)
    assert r.cost_per_target == Decimal("3.33")
    assert r.cost_per_conversion == Decimal("5.00")
    assert r.revenue == Decimal("10.00")
    assert r.response_rate == pytest.approx(2 / 3)


def test_no_targets_or_no_conversions_give_no_rates(core_db):
    create_customer(NOW, name="Somebody", tags=["vip"])
    create_campaign("Nobody", S, cost="50.00", target_filter="#nobody")
    create_campaign("Quiet", S - D, cost="50.00", target_filter="#vip")
    nobody, quiet = campaign_results(NOW)  # newest first
    assert nobody.name == "Nobody" and quiet.name == "Quiet"
    assert (nobody.targets, nobody.responses, nobody.conversions, nobody.revenue) == (0, 0, 0, Decimal("0.00"))
    assert (nobody.response_rate, nobody.conversion_rate, nobody.cost_per_target, nobody.cost_per_conversion) == (
        None, None, None, None)
    assert quiet.targets == 1 and quiet.response_rate == 0 and quiet.conversion_rate == 0
    assert quiet.cost_per_target == Decimal("50.00") and quiet.cost_per_conversion is None


def test_now_bounds_what_counts(core_db):
    gil = create_customer(NOW - 30 * D, name="Gil Grant", tags=["late"]).id
    create_campaign("Late", NOW - 3 * D, cost="20.00", target_filter="#late", attribution_days=30)
    add_order(gil, "80.00", NOW, ordered_at=NOW + D)  # inside the window but tomorrow
    r = result_of("Late")
    assert (r.conversions, r.responses, r.revenue) == (0, 0, Decimal("0.00"))
    assert attribute_conversions(NOW) == 0
    assert result_of("Late").conversions == 0
    # a day later the same order counts
    assert attribute_conversions(NOW + 2 * D) == 1
    later = result_of("Late", NOW + 2 * D)
    assert (later.conversions, later.responses, later.revenue) == (1, 1, Decimal("80.00"))
    assert later.cost_per_conversion == Decimal("20.00")


def test_add_order_attributes_a_conversion_for_that_customer(core_db):
    hal = create_customer(NOW - 30 * D, name="Hal Hart", tags=["newsletter"]).id
    ivy = create_customer(NOW - 30 * D, name="Ivy Irwin", tags=["newsletter"]).id
    c = create_campaign("Now", NOW - 5 * D, target_filter="#newsletter", attribution_days=30).id
    add_order(hal, "25.00", NOW)  # no separate attribution run
    assert targets(c)[hal] == (NOW, NOW)
    assert targets(c)[ivy] == (None, None)
    r = result_of("Now")
    assert (r.targets, r.responses, r.conversions, r.revenue) == (2, 1, 1, Decimal("25.00"))
    # an order before the campaign started is not a conversion
    add_order(ivy, "25.00", NOW, ordered_at=NOW - 6 * D)
    assert targets(c)[ivy] == (None, None)
    # a second in-window order keeps the first conversion time and adds revenue
    add_order(hal, "10.00", NOW + H, ordered_at=NOW + H)
    assert targets(c)[hal] == (NOW, NOW)
    assert result_of("Now", NOW + H).revenue == Decimal("35.00")


def test_mail_merge_rows_leave_out_opted_out_and_emailless(worked):
    rows = mail_merge_rows(worked["campaign"])
    assert [r["email"] for r in rows] == ["ann@example.com", "dan@example.com", "fay@example.com"]
    assert rows[0] == {"customer_id": worked["ann"], "email": "ann@example.com", "name": "Ann Archer",
                       "first_name": "Ann", "last_name": "Archer", "company": "", "city": "", "country": "",
                       "segment": ""}
    # opting out later removes the customer from the next merge
    CustomerModel.update(opt_out=True).where(CustomerModel.id == worked["dan"]).execute()
    assert [r["name"] for r in mail_merge_rows(worked["campaign"])] == ["Ann Archer", "Fay Ford"]
    assert mail_merge_rows(9999) == []


def test_results_on_an_empty_database(core_db):
    assert campaign_results(NOW) == []
    assert attribute_conversions(NOW) == 0
    assert response_rate(NOW) == {"label": "0 responses / 0 targets", "value": None}


def test_duplicate_names_are_refused(book, unchanged):
    for name in ("Autumn", "autumn", " AUTUMN "):
        with unchanged(), pytest.raises(ValidationError, match="already exists"):
            create_campaign(name, NOW, target_filter="")
    with pytest.raises(NotFound):
        mark_responded("Spring", book["ann"], NOW)


def test_response_rate_kpi(worked):
    # a second campaign with one silent target, and one that starts after `now`
    create_customer(NOW, name="Kim Kerr", tags=["later"])
    create_campaign("Winter", NOW - D, target_filter="#later")
    create_campaign("Next year", NOW + 40 * D, target_filter="")
    assert response_rate(NOW) == {"label": "4 responses / 6 targets", "value": pytest.approx(4 / 6)}
    assert response_rate(S - D) == {"label": "0 responses / 0 targets", "value": None}
    kpi = summary.summary(NOW, Settings()).kpis.campaign_response_rate
    assert kpi.value == pytest.approx(4 / 6)
    assert kpi.label == "4 responses / 6 targets"



def test_results_at_a_past_date_leave_out_later_responses_and_conversions(worked):
    """Looking back (`insights --as-of`): cleo's reply came S+4d, fay's S+6d, ann converted
    S+2d and ben S+10d, so at S+5d there are 2 responses and 1 conversion, with 150.00 of orders in its window by then."""
    r = result_of("Autumn", S + 5 * D)
    assert (r.responses, r.conversions, r.revenue) == (2, 1, Decimal("150.00"))
    assert result_of("Autumn").responses == 4
