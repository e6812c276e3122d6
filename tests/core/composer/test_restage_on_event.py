"""A composer write that changes a customer's stage re-stages them at once, in the same
change set: the card never says "churned" about someone who bought today, and undo puts
the stage back with the order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.detail import read_detail
from solocrm_tui.core.contacts.lifecycle import Rules, restage
from solocrm_tui.core.sales import orders
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import Customer, ModelRun, StageChange

D = timedelta(days=1)


@pytest.fixture
def gone(core_db, t0):
    """A customer whose one order is 400 days old: churned at the last daily re-stage."""
    person = customers.create_customer(t0 - 500 * D, name="Gina Gone")
    orders.add_order(person.id, "80", t0 - 400 * D)
    restage(t0, Rules())
    assert customers.get_customer(person.id).stage == "churned"
    return person


def _run(line: str, focus: int, now):
    command = grammar.parse(line, now)
    return changes.record(lambda: execute.execute(command, execute.Context(now, focus, rules=Rules())), line)


def test_an_order_today_restages_the_customer_and_undo_puts_the_stage_back(gone, t0):
    _, change = _run("/buy 50 espresso", gone.id, t0)
    assert customers.get_customer(gone.id).stage == "active"
    assert [(s.from_stage, s.to_stage) for s in StageChange.select().order_by(StageChange.id)][-1] == (
        "churned", "active")

    changes.undo(change, t0)
    back = customers.get_customer(gone.id)
    assert (back.stage, back.order_count) == ("churned", 1)
    assert [s.to_stage for s in StageChange.select()] == ["churned"]


def test_a_logged_call_brings_a_stale_stage_up_to_date_in_the_same_change_set(core_db, t0):
    """The daily re-stage last ran before the customer's silence crossed the line; the call
    the owner logs now shows the stage the rule gives today, and undo takes both back."""
    person = customers.create_customer(t0 - 500 * D, name="Sam Slipping")
    orders.add_order(person.id, "80", t0 - 120 * D)
    restage(t0 - 60 * D, Rules())
    assert customers.get_customer(person.id).stage == "active"

    _, change = _run("/call asked about the new range", person.id, t0)
    assert customers.get_customer(person.id).stage == "at_risk"

    changes.undo(change, t0)
    assert customers.get_customer(person.id).stage == "active"


def test_an_order_later_on_the_day_of_the_refit_is_not_judged_by_the_risk_it_ended(core_db, t0):
    """The refit ran this morning and stored 90 % (churned); an order this afternoon ends the
    silence that figure counted, so the stage comes from the rhythm, not from 90 %."""
    person = customers.create_customer(t0 - 500 * D, name="Zofia Jones")
    other = customers.create_customer(t0 - 500 * D, name="Base Rate")
    orders.add_order(person.id, "35.50", t0 - 295 * D)
    orders.add_order(other.id, "20", t0 - 10 * D)
    morning = t0.replace(hour=3, minute=0)
    ModelRun.insert(kind="churn", trained_at=morning, as_of=morning, sample_size=2).execute()
    Customer.update(churn_risk=0.9).where(Customer.id == person.id).execute()
    Customer.update(churn_risk=0.2).where(Customer.id == other.id).execute()
    restage(morning, Rules())
    assert customers.get_customer(person.id).stage == "churned"

    _run("/buy 50 espresso", person.id, t0.replace(hour=23, minute=17))
    assert customers.get_customer(person.id).stage == "active"
    assert not read_detail(person.id).risk_is_current


def test_an_answer_names_a_namesake_with_their_id(core_db, t0):
    first = customers.create_customer(t0, name="Anna Berg")
    customers.create_customer(t0, name="anna berg")
    only = customers.create_customer(t0, name="Bo Solo")
    assert _run(f"/buy @#{first.id} 20 beans", None, t0)[0].message == f"✓ order of 20.00 EUR recorded for Anna Berg #{first.id}"
    assert _run("/buy 5 tea", only.id, t0)[0].message == "✓ order of 5.00 EUR recorded for Bo Solo"
