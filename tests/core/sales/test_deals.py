"""Deals: create, update, move, win, lose; stage history and system timeline entries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales.deals import (
    create_deal,
    customer_deals,
    delete_deal,
    get_deal,
    latest_open_deal,
    move_deal,
    open_deals,
    update_deal,
)
from solocrm_tui.core.stages import DEAL_STAGES, DEFAULT_PROBABILITIES, OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import DealStageChange
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.records import Deal

H = timedelta(hours=1)


@pytest.fixture
def alice(core_db, t0) -> int:
    return create_customer(t0, name="Alice").id


def history(deal_id: int) -> list[tuple]:
    S = DealStageChange
    return list(S.select(S.from_stage, S.to_stage, S.at, S.reason).where(S.deal == deal_id).order_by(S.id).tuples())


def system_lines(customer_id: int) -> list[str]:
    I = InteractionModel
    return [b for (b,) in I.select(I.body).where((I.customer == customer_id) & (I.kind == "system"))
            .order_by(I.id).tuples()]


# --- create ---------------------------------------------------------------------------


def test_create_deal_defaults(alice, t0):
    deal = create_deal(alice, "  Website   relaunch ", "12000.50", t0)
    assert deal == Deal(deal.id, alice, "Alice", "Website relaunch", Decimal("12000.50"), "EUR", "lead", 10,
                        None, None, t0, None, t0)
    assert history(deal.id) == [(None, "lead", t0, None)]
    assert system_lines(alice) == ["deal opened: Website relaunch (12000.50 EUR)"]
    assert CustomerModel.get_by_id(alice).last_contact_at is None  # opening a deal is not a contact


def test_create_deal_with_options(alice, t0):
    deal = create_deal(alice, "Audit", Decimal("900"), t0, currency="usd", stage="proposal", probability="35%",
                       expected_close="2026-12-31")
    assert (deal.stage, deal.probability, deal.expected_close, deal.currency, deal.value) == (
        "proposal", 35, date(2026, 12, 31), "USD", Decimal("900.00"))
    assert history(deal.id) == [(None, "proposal", t0, None)]
    assert system_lines(alice) == ["deal opened: Audit (900.00 USD)"]


@pytest.mark.parametrize("stage", OPEN_DEAL_STAGES)
def test_probability_defaults_per_stage(alice, t0, stage):
    assert create_deal(alice, "D", "1", t0, stage=stage).probability == DEFAULT_PROBABILITIES[stage]


@pytest.mark.parametrize("kwargs, error", [
    (dict(title=""), "deal title is required"),
    (dict(title="x" * 256), "too long"),
    (dict(value="-1"), "deal value cannot be negative"),
    (dict(value="1.001"), "more than 2 decimals"),
    (dict(value="lots"), "not a number"),
    (dict(stage="won"), "open stage"),
    (dict(stage="lost"), "open stage"),
    (dict(stage="bogus"), "open stage"),
    (dict(probability=101), "probability"),
    (dict(probability="high"), "probability"),
    (dict(expected_close="2026-02-30"), "not a real date"),
    (dict(currency="euros"), "3-letter"),
])
def test_invalid_deal_changes_nothing(alice, t0, unchanged, kwargs, error):
    create_deal(alice, "Existing", "1", t0)
    args = dict(title="New", value="100") | kwargs
    with unchanged(), pytest.raises(ValidationError, match=error):
        create_deal(alice, args.pop("title"), args.pop("value"), t0, **args)


def test_deal_for_unknown_customer(core_db, t0, unchanged):
    with unchanged(), pytest.raises(NotFound, match="#77"):
        create_deal(77, "X", "1", t0)


def test_get_missing_deal(core_db):
    with pytest.raises(NotFound, match="#3"):
        get_deal(3)


# --- move / win / lose ----------------------------------------------------------------


def test_move_through_the_pipeline_to_won(alice, t0):
    deal = create_deal(alice, "Website", "1000", t0)
    moved = move_deal(deal.id, "qualified", t0 + H)
    assert (moved.stage, moved.probability, moved.closed_at, moved.last_activity_at) == ("qualified", 25, None, t0 + H)
    move_deal(deal.id, "proposal", t0 + 2 * H)
    move_deal(deal.id, "negotiation", t0 + 3 * H)
    won = move_deal(deal.id, "won", t0 + 4 * H)
    assert (won.stage, won.probability, won.closed_at, won.lost_reason) == ("won", 100, t0 + 4 * H, None)
    assert history(deal.id) == [
        (None, "lead", t0, None), ("lead", "qualified", t0 + H, None), ("qualified", "proposal", t0 + 2 * H, None),
        ("proposal", "negotiation", t0 + 3 * H, None), ("negotiation", "won", t0 + 4 * H, None)]
    assert system_lines(alice) == [
        "deal opened: Website (1000.00 EUR)", "deal Website: lead → qualified", "deal Website: qualified → proposal",
        "deal Website: proposal → negotiation", "deal Website: negotiation → won; order 1,000.00 EUR",
        "stage lead → new: first purchase today"]  # a win is an order (issue 24): revenue and stage follow
    assert DealModel.get_by_id(deal.id).updated_at == t0 + 4 * H


def test_lost_needs_a_reason(alice, t0, unchanged):
    deal = create_deal(alice, "Website", "1000", t0, stage="proposal")
    for reason in (None, "", "   "):
        with unchanged(), pytest.raises(ValidationError, match="lost deal needs a reason"):
            move_deal(deal.id, "lost", t0 + H, reason=reason)
    lost = move_deal(deal.id, "lost", t0 + H, reason="  too   expensive ")
    assert (lost.stage, lost.probability, lost.lost_reason, lost.closed_at) == ("lost", 0, "too expensive", t0 + H)
    assert history(deal.id)[-1] == ("proposal", "lost", t0 + H, "too expensive")
    assert system_lines(alice)[-1] == "deal Website: proposal → lost (too expensive)"


def test_reopening_a_closed_deal_clears_close_fields(alice, t0):
    deal = create_deal(alice, "W", "1", t0)
    move_deal(deal.id, "lost", t0 + H, reason="no budget")
    reopened = move_deal(deal.id, "qualified", t0 + 2 * H)
    assert (reopened.stage, reopened.closed_at, reopened.lost_reason, reopened.probability) == ("qualified", None, None, 25)
    assert [h[:2] for h in history(deal.id)] == [(None, "lead"), ("lead", "lost"), ("lost", "qualified")]


def test_reason_on_an_ordinary_move_is_kept_in_history(alice, t0):
    deal = create_deal(alice, "W", "1", t0)
    move_deal(deal.id, "qualified", t0 + H, reason="budget confirmed")
    assert history(deal.id)[-1] == ("lead", "qualified", t0 + H, "budget confirmed")
    assert get_deal(deal.id).lost_reason is None
    assert system_lines(alice)[-1] == "deal W: lead → qualified (budget confirmed)"


@pytest.mark.parametrize("to_stage, reason, error", [
    ("lead", None, "already lead"),
    ("closed", None, 'unknown deal stage "closed"'),
    ("Won", None, "unknown deal stage"),
    ("lost", None, "needs a reason"),
    ("lost", "x" * 300, "too long"),
])
def test_invalid_moves_change_nothing(alice, t0, unchanged, to_stage, reason, error):
    deal = create_deal(alice, "W", "1", t0)
    with unchanged(), pytest.raises(ValidationError, match=error):
        move_deal(deal.id, to_stage, t0 + H, reason=reason)


def test_move_missing_deal(alice, t0, unchanged):
    with unchanged(), pytest.raises(NotFound, match="#404"):
        move_deal(404, "won", t0)


# --- probabilities --------------------------------------------------------------------


def test_probability_override_and_closed_stages(alice, t0):
    deal = create_deal(alice, "W", "1", t0, probability=33)
    assert get_deal(deal.id).probability == 33
    assert move_deal(deal.id, "proposal", t0 + H).probability == 33  # an explicit estimate is kept
    assert update_deal(deal.id, t0 + H, probability=None).probability == 50  # cleared -> stage default
    update_deal(deal.id, t0 + H, probability=90)
    assert move_deal(deal.id, "won", t0 + 2 * H).probability == 100
    assert move_deal(deal.id, "lost", t0 + 3 * H, reason="x").probability == 0


def test_configured_stage_probabilities(alice, t0):
    deal = create_deal(alice, "W", "1", t0, stage="qualified")
    fixed = create_deal(alice, "F", "1", t0, stage="qualified", probability=5)
    custom = {"qualified": 40}
    assert get_deal(deal.id, custom).probability == 40
    assert get_deal(fixed.id, custom).probability == 5
    assert {d.id: d.probability for d in open_deals(probabilities=custom)} == {deal.id: 40, fixed.id: 5}


# --- update / delete / lists ----------------------------------------------------------


def test_update_deal(alice, t0):
    deal = create_deal(alice, "W", "1", t0)
    later = t0 + 5 * H
    u = update_deal(deal.id, later, title="Website v2", value="2500", expected_close=date(2027, 1, 15))
    assert (u.title, u.value, u.expected_close, u.last_activity_at, u.stage) == (
        "Website v2", Decimal("2500.00"), date(2027, 1, 15), later, "lead")
    assert history(deal.id) == [(None, "lead", t0, None)]


@pytest.mark.parametrize("fields, error", [
    (dict(title=" "), "deal title is required"), (dict(value="-5"), "cannot be negative"),
    (dict(probability=-1), "probability"), (dict(expected_close="soon"), "not a real date"),
    (dict(stage="won"), "unknown deal field: stage"),
])
def test_invalid_update_changes_nothing(alice, t0, unchanged, fields, error):
    deal = create_deal(alice, "W", "1", t0)
    with unchanged(), pytest.raises(ValidationError, match=error):
        update_deal(deal.id, t0 + H, **fields)


def test_update_missing_deal(alice, t0, unchanged):
    with unchanged(), pytest.raises(NotFound):
        update_deal(9, t0, title="x")


def test_delete_deal_removes_its_history(alice, t0, unchanged):
    deal = create_deal(alice, "W", "1", t0)
    move_deal(deal.id, "won", t0 + H)
    delete_deal(deal.id)
    assert DealStageChange.select().count() == 0
    with pytest.raises(NotFound):
        get_deal(deal.id)
    with unchanged(), pytest.raises(NotFound):
        delete_deal(deal.id)


def test_open_deals_by_expected_close_nulls_last(alice, t0):
    bob = create_customer(t0, name="Bob").id
    no_date = create_deal(alice, "no date", "1", t0)
    late = create_deal(bob, "late", "1", t0, expected_close="2027-03-01")
    soon = create_deal(alice, "soon", "1", t0, expected_close="2026-12-01")
    won = create_deal(alice, "won", "1", t0, expected_close="2026-11-30")
    move_deal(won.id, "won", t0)
    lost = create_deal(alice, "lost", "1", t0)
    move_deal(lost.id, "lost", t0, reason="r")
    no_date_2 = create_deal(bob, "no date 2", "1", t0, stage="negotiation")
    assert [d.id for d in open_deals()] == [soon.id, late.id, no_date.id, no_date_2.id]
    assert [d.id for d in open_deals(limit=2)] == [soon.id, late.id]
    assert {d.customer_name for d in open_deals()} == {"Alice", "Bob"}


def test_customer_deals_and_latest_open(alice, t0):
    bob = create_customer(t0, name="Bob").id
    first = create_deal(alice, "first", "1", t0)
    second = create_deal(alice, "second", "1", t0 + H)
    create_deal(bob, "bob's", "1", t0 + 2 * H)
    assert [d.id for d in customer_deals(alice)] == [second.id, first.id]
    assert latest_open_deal(alice).id == second.id
    move_deal(first.id, "qualified", t0 + 3 * H)  # activity makes it the latest
    assert latest_open_deal(alice).id == first.id
    move_deal(first.id, "won", t0 + 4 * H)
    assert latest_open_deal(alice).id == second.id
    move_deal(second.id, "lost", t0 + 5 * H, reason="r")
    assert latest_open_deal(alice) is None
    assert customer_deals(12345) == []


def test_every_stage_is_reachable(alice, t0):
    deal = create_deal(alice, "W", "1", t0)
    stages = [s for s in DEAL_STAGES if s != "lead"] + ["lead"]
    for i, stage in enumerate(stages, 1):
        assert move_deal(deal.id, stage, t0 + i * H, reason="r").stage == stage
    assert len(history(deal.id)) == len(DEAL_STAGES) + 1


# --- which field a refusal is about ---------------------------------------------------


@pytest.mark.parametrize("kwargs, field", [
    (dict(title=" "), "title"), (dict(value="-1"), "value"), (dict(stage="won"), "stage"),
    (dict(probability=101), "probability"), (dict(expected_close="2026-02-30"), "expected_close"),
])
def test_a_refused_new_deal_names_the_form_field(alice, t0, kwargs, field):
    args = dict(title="New", value="100") | kwargs
    with pytest.raises(ValidationError) as refused:
        create_deal(alice, args.pop("title"), args.pop("value"), t0, **args)
    assert refused.value.field == field


@pytest.mark.parametrize("fields, field", [
    (dict(title=""), "title"), (dict(value="lots"), "value"), (dict(probability="high"), "probability"),
    (dict(expected_close="soon"), "expected_close"), (dict(stage="won"), None),
])
def test_a_refused_update_names_the_form_field(alice, t0, fields, field):
    deal = create_deal(alice, "W", "1", t0)
    with pytest.raises(ValidationError) as refused:
        update_deal(deal.id, t0 + H, **fields)
    assert refused.value.field == field
