"""A filter word the list can't use says what it can use, instead of matching nobody."""

from __future__ import annotations

import pytest

from solocrm_tui.core.contacts.search import CustomerQuery, parse_filter
from solocrm_tui.core.errors import ValidationError


def test_a_stage_outside_the_known_ones_is_refused_with_them():
    with pytest.raises(ValidationError) as refused:
        parse_filter("stage:foo")
    assert str(refused.value) == 'unknown stage "foo": use lead, new, active, loyal, at_risk, churned'


@pytest.mark.parametrize(("typed", "hint"), [
    ("ann stage:", "stage: needs a value: use lead, new, active, loyal, at_risk, churned"),
    ("segment:", 'segment: needs a segment name, e.g. segment:Champions or segment:"At risk"'),
    ("is:deleted", "is: knows only is:archived"),
    ("colour:red", 'unknown filter "colour:": use stage:, segment:, note:"…", is:archived or #tag'),
])
def test_an_unusable_filter_word_names_what_is_valid_and_is_searched_as_typed(typed, hint):
    query = parse_filter(typed)
    assert query.hint == hint
    assert query.text == typed


def test_words_that_only_contain_a_colon_elsewhere_still_search():
    assert parse_filter("10:30 ann").text == "10:30 ann"
    assert parse_filter("bob:") == CustomerQuery(text="bob:")  # a name typed with a colon
    assert parse_filter('segment:"At risk" stage:at_risk is:archived').segment == "At risk"
