"""A guard against new ad-hoc money formatting: an amount printed with its own format spec
(`{o.amount:.2f}`, `{clv:,.0f}`) or glued to its currency (`{o.amount} {o.currency}`)
is the `6432.00 EUR` beside `7,804` that #20 removed. Money goes through format_money
(text.figures.money); the analytics child's model reports are numbers, not money text."""

from __future__ import annotations

import re
from pathlib import Path

import solocrm_tui

PACKAGE = Path(solocrm_tui.__file__).parent
MONEY = r"[\w.()]*(amount|revenue|margin|clv|forecast|cost|value_at_risk)\w*"
AD_HOC = re.compile(rf"\{{{MONEY}:[,>< 0-9]*\.?[0-2]?f\}}|\{{{MONEY}\}} ?\{{[\w.]*currency\}}")
EXEMPT = ("core/analytics/",)


def test_no_module_formats_money_by_hand():
    found = [f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
             for path in sorted(PACKAGE.rglob("*.py")) if not str(path.relative_to(PACKAGE)).startswith(EXEMPT)
             for number, line in enumerate(path.read_text().splitlines(), 1) if AD_HOC.search(line)]
    assert found == []


def test_the_guard_catches_the_shapes_it_names():
    assert AD_HOC.search('f"{o.amount} {o.currency}"') and AD_HOC.search('f"{row.clv:,.0f} predicted"')
    assert AD_HOC.search('f"{value_at_risk:.2f}"') and not AD_HOC.search('f"{money(o.amount)}"')


DAY_BY_HAND = re.compile(r"%[aA] ?%d|%d %b|%b %d|%e %b")  # `Tue 01 Dec`, `04 Nov`: days go through figures.day


def test_no_module_formats_a_day_by_hand():
    """The recent deals' `04 Nov` beside the board's `4 Dec` was found in tmux after #20's merge."""
    found = [f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
             for path in sorted(PACKAGE.rglob("*.py")) if not str(path.relative_to(PACKAGE)).startswith(EXEMPT)
             for number, line in enumerate(path.read_text().splitlines(), 1) if DAY_BY_HAND.search(line)]
    assert found == []
    assert DAY_BY_HAND.search('f"{deal.closed_at:%d %b}"') and DAY_BY_HAND.search('"%a %d %b"')
