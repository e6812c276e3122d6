"""A composer write that changes a customer's stage re-stages them at once, in the same
change set: the card never says "churned" about someone who bought today, and undo puts
the stage back with the order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.lifecycle import Rules, restage
from solocrm_tui.core.sales import orders
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import StageChange

D = timedelta(days=1)


@pytest.fixture
def gone(core_db, t0):
    """A customer whose one order is 400 days old: churned at the last daily re-stage."""
    person = customers.create_customer(t0 - 500 * D, name="Gina Gone")
    orders.add_order(person.id, "80", t0 - 400 * D)
    restage(t0, Rules())
    assert customers.get_customer(person.id).stage == "churned"
    return person


def _run(line: str, focus: int, t0):
    command = grammar.parse(line, t0)
    return changes.record(lambda: execute.execute(command, execute.Context(t0, focus, rules=Rules())), line)


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
