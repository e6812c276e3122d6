"""The pipeline board: columns, totals, weighted totals, staleness and the forecast, on known numbers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.sales.board import build_board
from solocrm_tui.core.sales.deals import create_deal, move_deal

D = timedelta(days=1)


def money(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def board_book(db_path, now):
    """Six open deals with known values, probabilities and expected closes; five closed ones.

    stage        deal  value   prob          weighted  expected close
    lead         L1    1000    10 (default)   100      2026-11-30  this month
    lead         L2     500    40 (own)       200      -
    qualified    Q1    2000    25             500      2026-10-15  overdue: counts this month
    proposal     P1    4000    50            2000      2026-12-01  next month
    proposal     P2    3000    60 (own)      1800      2027-01-05  after next month: not counted
    negotiation  N1   10000    75            7500      2026-12-31  next month
    """
    a = create_customer(now, name="Ann").id
    b = create_customer(now, name="Bob").id
    deals = {
        "L1": create_deal(a, "L1", "1000", now, expected_close="2026-11-30"),
        "L2": create_deal(b, "L2", "500", now, probability=40),
        "Q1": create_deal(a, "Q1", "2000", now, stage="qualified", expected_close="2026-10-15"),
        "P1": create_deal(b, "P1", "4000", now, stage="proposal", expected_close="2026-12-01"),
        "P2": create_deal(a, "P2", "3000", now, stage="proposal", probability=60, expected_close="2027-01-05"),
        "N1": create_deal(b, "N1", "10000", now, stage="negotiation", expected_close="2026-12-31"),
    }
    # closed deals: W1 took 30 days (through qualified), W2 40 days; W3 and X2 closed > 90 days ago
    w1 = create_deal(a, "W1", "1000", now - 40 * D)
    move_deal(w1.id, "qualified", now - 25 * D)
    move_deal(w1.id, "won", now - 10 * D)  # 12 Nov: this month
    w2 = create_deal(b, "W2", "2500", now - 70 * D)
    move_deal(w2.id, "won", now - 30 * D)  # 23 Oct: last month
    x1 = create_deal(a, "X1", "800", now - 20 * D)
    move_deal(x1.id, "lost", now - 5 * D, reason="price")  # 17 Nov: this month
    x2 = create_deal(b, "X2", "900", now - 200 * D)
    move_deal(x2.id, "lost", now - 100 * D, reason="timing")
    w3 = create_deal(a, "W3", "5000", now - 300 * D)
    move_deal(w3.id, "won", now - 95 * D)
    return deals


def column(board, stage):
    return next(c for c in board.columns if c.stage == stage)


def test_columns_in_stage_order_with_their_cards(board_book, now):
    board = build_board(now)
    assert [c.stage for c in board.columns] == ["lead", "qualified", "proposal", "negotiation"]
    # ordered by expected close (none last), then id
    assert [[card.deal.title for card in c.cards] for c in board.columns] == [
        ["L1", "L2"], ["Q1"], ["P1", "P2"], ["N1"]]


def test_column_counts_totals_and_weighted_totals(board_book, now):
    board = build_board(now)
    figures = {c.stage: (len(c.cards), c.total, c.weighted) for c in board.columns}
    assert figures == {
        "lead": (2, money("1500.00"), money("300.00")),
        "qualified": (1, money("2000.00"), money("500.00")),
        "proposal": (2, money("7000.00"), money("3800.00")),
        "negotiation": (1, money("10000.00"), money("7500.00")),
    }


def test_probability_defaults_per_stage_and_own_override(board_book, now):
    board = build_board(now)
    probs = {card.deal.title: card.deal.probability for c in board.columns for card in c.cards}
    assert probs == {"L1": 10, "L2": 40, "Q1": 25, "P1": 50, "P2": 60, "N1": 75}


def test_configured_stage_probabilities_replace_the_defaults_not_the_overrides(board_book, now):
    board = build_board(now, probabilities={"lead": 20, "proposal": 40})
    assert column(board, "lead").weighted == money("400.00")  # L1 1000 x 20% + L2 500 x its own 40%
    assert column(board, "proposal").weighted == money("3400.00")  # P1 4000 x 40% + P2 3000 x its own 60%
    assert column(board, "negotiation").weighted == money("7500.00")


def test_weighted_value_is_rounded_to_cents(db_path, now):
    cid = create_customer(now, name="Cy").id
    create_deal(cid, "odd", "333.33", now, stage="qualified")  # 333.33 x 25% = 83.3325
    card = column(build_board(now), "qualified").cards[0]
    assert card.weighted == money("83.33")


def test_forecast_this_and_next_month_by_expected_close(board_book, now):
    f = build_board(now).forecast
    assert f.this_month == money("600.00")  # L1 100 + Q1 (overdue) 500
    assert f.next_month == money("9500.00")  # P1 2000 + N1 7500


def test_forecast_on_the_first_of_next_month(board_book, now):
    f = build_board(now.replace(month=12, day=1)).forecast
    assert f.this_month == money("10100.00")  # everything due up to December, overdue included
    assert f.next_month == money("1800.00")  # P2 in January


def test_win_rate_and_days_to_close_over_the_last_90_days(board_book, now):
    f = build_board(now).forecast
    assert f.closed_90d == 3  # W1, W2, X1 (W3 and X2 closed too long ago)
    assert f.win_rate_90d == pytest.approx(2 / 3)
    assert f.avg_days_to_close == pytest.approx(35.0)  # (30 + 40) / 2


def test_won_and_lost_this_month(board_book, now):
    f = build_board(now).forecast
    assert (f.won_this_month, f.won_value_this_month, f.lost_this_month) == (1, money("1000.00"), 1)


def test_empty_board(db_path, now):
    board = build_board(now)
    assert [len(c.cards) for c in board.columns] == [0, 0, 0, 0]
    assert [c.total for c in board.columns] == [money("0.00")] * 4
    f = board.forecast
    assert (f.this_month, f.next_month, f.win_rate_90d, f.closed_90d, f.avg_days_to_close) == (
        money("0.00"), money("0.00"), None, 0, None)
    assert (f.won_this_month, f.won_value_this_month, f.lost_this_month) == (0, money("0.00"), 0)


# --- recently won and lost -------------------------------------------------------------------


def test_recently_closed_deals_newest_first_within_the_window(board_book, now):
    """W1 (10 days ago), W2 (30 days: on the edge, kept), X1 (5 days, with its reason);
    X2 and W3 closed long ago; the open deals never appear."""
    recent = build_board(now, recent_days=30).recent
    assert [(d.title, d.stage, d.closed_at, d.lost_reason) for d in recent] == [
        ("X1", "lost", now - 5 * D, "price"), ("W1", "won", now - 10 * D, None), ("W2", "won", now - 30 * D, None)]
    assert recent[0].customer_name == "Ann" and recent[0].value == money("800.00")


def test_recently_closed_deals_are_limited_in_sql_and_off_by_default(board_book, now):
    assert build_board(now).recent == ()
    assert [d.title for d in build_board(now, recent_days=30, recent_limit=2).recent] == ["X1", "W1"]
    assert build_board(now, recent_days=1).recent == ()


# --- staleness ---------------------------------------------------------------------------------


@pytest.fixture
def stale_book(db_path, now):
    names = ("Quiet", "Called", "OldCall", "Edge", "Fresh")
    c = {name: create_customer(now, name=name).id for name in names}
    create_deal(c["Quiet"], "quiet deal", "100", now - 20 * D)  # nothing for 20 days
    create_deal(c["Called"], "called deal", "100", now - 20 * D)
    add_interaction(c["Called"], "call", "talked", now, occurred_at=now - 3 * D)  # contact 3 days ago
    create_deal(c["OldCall"], "old call deal", "100", now - 2 * D)  # deal touched 2 days ago
    add_interaction(c["OldCall"], "call", "ages ago", now, occurred_at=now - 40 * D)
    create_deal(c["Edge"], "edge deal", "100", now - 14 * D)  # exactly at the threshold
    create_deal(c["Fresh"], "fresh deal", "100", now - 13 * D - timedelta(hours=23))
    return c


def cards_by_title(board):
    return {card.deal.title: card for col in board.columns for card in col.cards}


def test_stale_uses_the_later_of_deal_activity_and_customer_contact(stale_book, now):
    cards = cards_by_title(build_board(now, stale_days=14))
    assert {title: (card.idle_days, card.stale) for title, card in cards.items()} == {
        "quiet deal": (20, True),
        "called deal": (3, False),  # the deal is old but the customer was called 3 days ago
        "old call deal": (2, False),  # the call is old but the deal moved 2 days ago
        "edge deal": (14, True),
        "fresh deal": (13, False),
    }


def test_stale_threshold_is_configurable(stale_book, now):
    cards = cards_by_title(build_board(now, stale_days=21))
    assert [title for title, card in cards.items() if card.stale] == []
    cards = cards_by_title(build_board(now, stale_days=3))
    assert sorted(title for title, card in cards.items() if card.stale) == [
        "called deal", "edge deal", "fresh deal", "quiet deal"]


def test_system_entries_are_not_contact(db_path, now):
    """Moving a deal writes a system timeline entry; that is deal activity, not customer contact."""
    cid = create_customer(now, name="Moved").id
    deal = create_deal(cid, "moved", "100", now - 30 * D)
    move_deal(deal.id, "qualified", now - 20 * D)
    card = cards_by_title(build_board(now))["moved"]
    assert (card.idle_days, card.stale) == (20, True)
    assert card.deal.expected_close is None
    assert card.deal.last_activity_at.date() == date(2026, 11, 2)
