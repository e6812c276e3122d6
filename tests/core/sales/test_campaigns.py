"""Campaigns: target lists frozen from a filter at creation, responses, unique names."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts.customers import (
    archive_customers,
    change_tags,
    create_customer,
)
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales.campaigns import (
    create_campaign,
    find_campaign,
    get_campaign,
    list_campaigns,
    mark_responded,
)
from solocrm_tui.core.storage.models import CampaignTarget
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.records import Campaign

D = timedelta(days=1)


@pytest.fixture
def crowd(core_db, t0) -> dict[str, int]:
    ids = {
        "alice": create_customer(t0, name="Alice", tags=["vip"]).id,
        "bob": create_customer(t0, name="Bob", tags=["vip", "newsletter"]).id,
        "carol": create_customer(t0, name="Carol", tags=["newsletter"]).id,
        "dave": create_customer(t0, name="Dave").id,
        "archived": create_customer(t0, name="Old Vip", tags=["vip"]).id,
    }
    archive_customers([ids["archived"]], t0)
    CustomerModel.update(stage="at_risk").where(CustomerModel.id == ids["carol"]).execute()
    return ids


def targets(campaign_id: int) -> dict[int, tuple]:
    CT = CampaignTarget
    rows = CT.select(CT.customer, CT.responded_at, CT.converted_at).where(CT.campaign == campaign_id).tuples()
    return {cid: (responded, converted) for cid, responded, converted in rows}


def system_lines(customer_id: int) -> list[str]:
    I = InteractionModel
    return [b for (b,) in I.select(I.body).where((I.customer == customer_id) & (I.kind == "system"))
            .order_by(I.id).tuples()]


def test_create_campaign_freezes_its_targets(crowd, t0):
    c = create_campaign("  Black   Friday ", t0, channel="email", cost="150.50", currency="usd", target_filter="#vip",
                        attribution_days=14)
    assert c == Campaign(c.id, "Black Friday", "email", Decimal("150.50"), "USD", t0, "#vip", 14)
    assert set(targets(c.id)) == {crowd["alice"], crowd["bob"]}
    assert all(v == (None, None) for v in targets(c.id).values())
    # later changes to customers do not move the frozen list
    change_tags([crowd["dave"]], t0 + D, add=["vip"])
    change_tags([crowd["alice"]], t0 + D, remove=["vip"])
    assert set(targets(c.id)) == {crowd["alice"], crowd["bob"]}


@pytest.mark.parametrize("target_filter, who", [
    ("", {"alice", "bob", "carol", "dave"}),
    ("#newsletter", {"bob", "carol"}),
    ("#vip #newsletter", {"bob"}),
    ("stage:at_risk", {"carol"}),
    ("ali", {"alice"}),
    ("#nobody", set()),
    ("is:archived", {"archived"}),
])
def test_targets_follow_the_filter_syntax(crowd, t0, target_filter, who):
    c = create_campaign("C", t0, target_filter=target_filter)
    assert set(targets(c.id)) == {crowd[w] for w in who}


def test_defaults(crowd, t0):
    c = create_campaign("Plain", t0)
    assert (c.channel, c.cost, c.currency, c.started_at, c.target_filter, c.attribution_days) == (
        "email", Decimal("0.00"), "EUR", t0, "", 30)
    later = create_campaign("Later", t0, started_at=t0 + D, channel=" ")
    assert (later.started_at, later.channel) == (t0 + D, "email")


def test_duplicate_names_are_refused(crowd, t0, unchanged):
    create_campaign("Spring Sale", t0, target_filter="#vip")
    for name in ("Spring Sale", "spring sale", "  SPRING   SALE "):
        with unchanged(), pytest.raises(ValidationError, match="already exists"):
            create_campaign(name, t0, target_filter="")


@pytest.mark.parametrize("kwargs, error", [
    (dict(name=""), "campaign name is required"),
    (dict(name="x" * 256), "too long"),
    (dict(target_filter="stage:bogus"), "unknown stage"),
    (dict(cost="-10"), "cost cannot be negative"),
    (dict(cost="NaN"), "not a number"),
    (dict(currency="EURO"), "3-letter"),
])
def test_invalid_campaign_changes_nothing(crowd, t0, unchanged, kwargs, error):
    args = dict(name="New") | kwargs
    with unchanged(), pytest.raises(ValidationError, match=error):
        create_campaign(args.pop("name"), t0, **args)


def test_get_find_and_list(crowd, t0):
    a = create_campaign("Autumn", t0, started_at=t0 - 30 * D)
    b = create_campaign("Winter", t0, started_at=t0)
    assert get_campaign(a.id) == a
    assert find_campaign("  autumn ") == a
    assert [c.id for c in list_campaigns()] == [b.id, a.id]
    with pytest.raises(NotFound, match="#999"):
        get_campaign(999)
    with pytest.raises(NotFound, match='no campaign called "Summer"'):
        find_campaign("Summer")


def test_list_campaigns_empty(core_db):
    assert list_campaigns() == []


def test_responded_marks_a_target(crowd, t0):
    c = create_campaign("Spring", t0, target_filter="#vip")
    result = mark_responded("spring", crowd["bob"], t0 + D)
    assert result == c
    assert targets(c.id)[crowd["bob"]] == (t0 + D, None)
    assert targets(c.id)[crowd["alice"]] == (None, None)
    assert system_lines(crowd["bob"]) == ["responded to campaign Spring"]


def test_responded_adds_a_customer_outside_the_list(crowd, t0):
    c = create_campaign("Spring", t0, target_filter="#vip")
    mark_responded("Spring", crowd["dave"], t0 + D)
    assert targets(c.id)[crowd["dave"]] == (t0 + D, None)
    assert len(targets(c.id)) == 3
    mark_responded("Spring", crowd["dave"], t0 + 2 * D)  # a second response updates, never duplicates
    assert targets(c.id)[crowd["dave"]] == (t0 + 2 * D, None)
    assert len(targets(c.id)) == 3


def test_responded_to_unknown_campaign_or_customer(crowd, t0, unchanged):
    create_campaign("Spring", t0, target_filter="#vip")
    with unchanged(), pytest.raises(NotFound, match='no campaign called "Autumn"'):
        mark_responded("Autumn", crowd["alice"], t0)
    with unchanged(), pytest.raises(NotFound, match="no customer #999"):
        mark_responded("Spring", 999, t0)


def test_deleting_a_customer_removes_their_targets(crowd, t0):
    c = create_campaign("Spring", t0, target_filter="#vip")
    CustomerModel.delete().where(CustomerModel.id == crowd["alice"]).execute()
    assert set(targets(c.id)) == {crowd["bob"]}


def test_refusals_name_the_form_field(crowd, t0):
    create_campaign("Spring Sale", t0)
    for kwargs, field in ((dict(name="SPRING SALE"), "name"), (dict(name=" "), "name"),
                          (dict(name="Autumn", cost="-5"), "cost"),
                          (dict(name="Autumn", channel="x" * 300), "channel")):
        with pytest.raises(ValidationError) as refused:
            create_campaign(kwargs.pop("name"), t0, **kwargs)
        assert refused.value.field == field
