"""`/cadence`: keep in touch with the customer in focus, @who or everyone with a #tag."""

from __future__ import annotations

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts import cadence, customers
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage import changes


@pytest.mark.parametrize("line, command", [
    ("/cadence 30d", grammar.KeepInTouch(30)),
    ("/cadence 4w", grammar.KeepInTouch(28)),
    ("/cadence 2m", grammar.KeepInTouch(60)),
    ("/cadence @ann 2w", grammar.KeepInTouch(14, target="ann")),
    ("/cadence #vip 2w", grammar.KeepInTouch(14, tag="vip")),
    ("/cadence #VIP off", grammar.KeepInTouch(None, tag="vip", stop=True)),
    ("/cadence off", grammar.KeepInTouch(None, stop=True)),
    ("/cadence", grammar.KeepInTouch(None)),
    ("/cadence #vip", grammar.KeepInTouch(None, tag="vip")),
])
def test_the_grammar(line, command, t0):
    assert grammar.parse(line, t0) == command


@pytest.mark.parametrize("line, message", [
    ("/cadence 10y", 'a cadence is a period such as 30d, 4w or 2m, got "10y"'),
    ("/cadence often", 'a cadence is a period such as 30d, 4w or 2m, got "often"'),
    ("/cadence 30d 2w", 'one period, got "30d 2w": usage /cadence'),
    ("/cadence @ann #vip 30d", "a cadence is for one customer or one tag, not both"),
    ("/cadence #v!p 30d", '"#v!p" is not a tag'),
])
def test_nonsense_is_one_line(line, message, t0):
    with pytest.raises(ValidationError) as error:
        grammar.parse(line, t0)
    assert message in str(error.value)


def _run(line: str, t0, focus: int | None = None):
    command = grammar.parse(line, t0)
    return changes.record(lambda: execute.execute(command, execute.Context(t0, focus)), line)


def test_set_on_the_customer_in_focus_and_undo_takes_it_back(core_db, t0):
    ann = customers.create_customer(t0, name="Ann").id
    outcome, change = _run("/cadence 30d", t0, focus=ann)
    assert outcome.message == "✓ keep in touch with Ann every 30 days"
    assert outcome.undo_label == "cadence for Ann"
    assert cadence.cadence_of(ann) == cadence.CustomerCadence(30, None)
    changes.undo(change, t0)
    assert cadence.cadence_of(ann) is None


def test_changing_a_cadence_is_undone_to_the_old_one(core_db, t0):
    ann = customers.create_customer(t0, name="Ann").id
    _run("/cadence 30d", t0, focus=ann)
    _, change = _run("/cadence 1w", t0, focus=ann)
    changes.undo(change, t0)
    assert cadence.cadence_of(ann) == cadence.CustomerCadence(30, None)


def test_a_tag_cadence_needs_no_customer(core_db, t0):
    outcome, change = _run("/cadence #vip 2w", t0)
    assert outcome.message == "✓ keep in touch with everyone tagged #vip every 14 days"
    assert cadence.tag_cadence("vip") == 14
    outcome, _ = _run("/cadence #vip off", t0)
    assert outcome.message == "✓ no cadence for #vip any more"
    assert cadence.tag_cadence("vip") is None


def test_asking_says_the_cadence_that_applies(core_db, t0):
    ann = customers.create_customer(t0, name="Ann", tags=["vip"]).id
    assert _run("/cadence", t0, focus=ann)[0].message == (
        "Ann has no keep-in-touch cadence: set one with /cadence 30d")
    _run("/cadence #vip 30d", t0)
    outcome, change = _run("/cadence", t0, focus=ann)
    assert outcome.message == "Ann: keep in touch every 30 days (#vip)"
    assert (outcome.undo_label, change.rows) == ("", ())


def test_off_without_one_and_zero_days_are_refused(core_db, t0, unchanged):
    ann = customers.create_customer(t0, name="Ann").id
    with unchanged():
        with pytest.raises(ValidationError, match="Ann has no cadence of their own"):
            _run("/cadence off", t0, focus=ann)
        with pytest.raises(ValidationError, match="keep in touch every 1 to 730 days, got 0"):
            _run("/cadence 0d", t0, focus=ann)
        with pytest.raises(ValidationError, match="no cadence for #vip"):
            _run("/cadence #vip off", t0)
