"""The pipeline board: open deals by stage with totals, staleness and the forecast.

Weighted value is value × probability (the deal's own, or its stage default).
The forecast counts open deals by expected close date; the win rate and days to
close come from stage history, so they describe what actually happened. Asked for,
the board also carries the deals won and lost in the last days (`recent`), so a
deal that just left the columns can still be seen with its close date and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Mapping

from peewee import fn

from solocrm_tui.core.dates import add_months
from solocrm_tui.core.sales.deal_lines import line_counts
from solocrm_tui.core.sales.deals import closed_deals, deals_by_id, open_deals
from solocrm_tui.core.stages import DEFAULT_PROBABILITIES, OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import DealStageChange
from solocrm_tui.core.storage.records import Deal, cents_to_decimal


@dataclass(frozen=True)
class Card:
    deal: Deal
    idle_days: int
    stale: bool
    lines: int = 0  # how many lines the deal has (its value is their sum)

    @property
    def weighted(self) -> Decimal:
        return (self.deal.value * self.deal.probability / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Column:
    stage: str
    cards: tuple[Card, ...]

    @property
    def total(self) -> Decimal:
        return sum((c.deal.value for c in self.cards), Decimal("0.00"))

    @property
    def weighted(self) -> Decimal:
        return sum((c.weighted for c in self.cards), Decimal("0.00"))


@dataclass(frozen=True)
class Forecast:
    this_month: Decimal
    next_month: Decimal
    win_rate_90d: float | None  # won / (won + lost) closed in the last 90 days
    closed_90d: int
    avg_days_to_close: float | None
    won_this_month: int
    won_value_this_month: Decimal
    lost_this_month: int


RECENT_DAYS = 30
RECENT_LIMIT = 200  # a list beside the board, not a report: `solocrm export` has every deal


@dataclass(frozen=True)
class Board:
    columns: tuple[Column, ...]
    forecast: Forecast
    recent: tuple[Deal, ...] = ()  # won and lost lately, newest first; empty unless asked for


def build_board(now: datetime, probabilities: Mapping[str, int] | None = None, stale_days: int = 14,
                limit: int = 20000, *, recent_days: int | None = None, recent_limit: int = RECENT_LIMIT) -> Board:
    """The open deals by stage and the forecast; with `recent_days`, also the deals closed since."""
    deals = open_deals(limit=limit, probabilities=probabilities)
    contact = dict(CustomerModel.select(CustomerModel.id, CustomerModel.last_contact_at)
                   .where(CustomerModel.id.in_({d.customer_id for d in deals})).tuples()) if deals else {}
    lines = line_counts([d.id for d in deals])
    by_stage: dict[str, list[Card]] = {stage: [] for stage in OPEN_DEAL_STAGES}
    for deal in deals:
        last = max(filter(None, (deal.last_activity_at, contact.get(deal.customer_id))))
        idle = max(0, (now - last).days)
        by_stage[deal.stage].append(Card(deal, idle, idle >= stale_days, lines.get(deal.id, 0)))
    columns = tuple(Column(stage, tuple(cards)) for stage, cards in by_stage.items())
    recent = () if recent_days is None else tuple(
        closed_deals(now - timedelta(days=recent_days), now, recent_limit, probabilities))
    return Board(columns, forecast(now, columns), recent)


def board_as_of(as_of: datetime, probabilities: Mapping[str, int] | None = None, stale_days: int = 14) -> Board:
    """The board as it stood at `as_of`, rebuilt from stage history: deals opened later are
    left out and each deal sits in the stage it had then, with that stage's probability
    unless it has its own. Value, expected close and own probability are today's: their
    history is not kept, so a past pipeline is only as right as those stayed put."""
    H = DealStageChange
    latest = (H.select(H.deal, fn.MAX(H.at).alias("at")).where(H.at <= as_of).group_by(H.deal))
    stage_then = dict(H.select(H.deal, H.to_stage)
                      .join(latest, on=((H.deal == latest.c.deal_id) & (H.at == latest.c.at))).tuples())
    probs = {**DEFAULT_PROBABILITIES, **(probabilities or {})}
    own = dict(DealModel.select(DealModel.id, DealModel.probability)
               .where(DealModel.probability.is_null(False)).tuples())
    by_stage: dict[str, list[Card]] = {stage: [] for stage in OPEN_DEAL_STAGES}
    for deal in deals_by_id(list(stage_then)):
        stage = stage_then[deal.id]
        if stage not in by_stage:
            continue
        then = replace(deal, stage=stage, probability=own.get(deal.id, probs[stage]), closed_at=None,
                       last_activity_at=min(deal.last_activity_at, as_of))
        idle = max(0, (as_of - then.last_activity_at).days)
        by_stage[stage].append(Card(then, idle, idle >= stale_days))
    columns = tuple(Column(stage, tuple(cards)) for stage, cards in by_stage.items())
    closings = [(deal_id, stage, _dt(at)) for deal_id, stage, at in (
        H.select(H.deal, H.to_stage, latest.c.at).join(latest, on=((H.deal == latest.c.deal_id) & (H.at == latest.c.at)))
        .where(H.to_stage.in_(("won", "lost"))).tuples())]
    return Board(columns, forecast(as_of, columns, closings))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _closings() -> list[tuple[int, str, datetime]]:
    """(deal, won or lost, when) of every closed deal as the deals table has it now."""
    D = DealModel
    return list(D.select(D.id, D.stage, D.closed_at).where(D.stage.in_(("won", "lost"))
                                                          & D.closed_at.is_null(False)).tuples())


def forecast(now: datetime, columns: tuple[Column, ...],
             closings: list[tuple[int, str, datetime]] | None = None) -> Forecast:
    """`closings` (deal, won/lost, when) default to the deals' current state; a past board
    passes the ones its stage history gives."""
    this_start = _month_start(now.date())
    next_start = add_months(this_start, 1)
    after_next = add_months(this_start, 2)
    this_month = next_month = Decimal("0.00")
    for column in columns:
        for card in column.cards:
            close = card.deal.expected_close
            if close is None:
                continue
            if close < next_start:  # overdue expected closes still count as this month's
                this_month += card.weighted
            elif close < after_next:
                next_month += card.weighted
    D, H = DealModel, DealStageChange
    since = now - timedelta(days=90)
    closings = _closings() if closings is None else closings
    closed = [(deal_id, stage) for deal_id, stage, at in closings if since <= at <= now]
    won_ids = [deal_id for deal_id, stage in closed if stage == "won"]
    durations = []
    if won_ids:  # days from the deal's creation to its move to won (an imported deal's history starts at won)
        spans = (H.select(H.deal, D.created_at, fn.MAX(fn.IIF(H.to_stage == "won", H.at, None)))
                 .join(D, on=(H.deal == D.id)).where(H.deal.in_(won_ids)).group_by(H.deal).tuples())
        durations = [(_dt(won_at) - _dt(first)).total_seconds() / 86400 for _, first, won_at in spans if won_at]
    month_start = datetime.combine(this_start, datetime.min.time())
    closed_this_month = {deal_id: stage for deal_id, stage, at in closings if month_start <= at <= now}
    values = dict(D.select(D.id, D.value_cents).where(D.id.in_(list(closed_this_month))).tuples())
    this_month_closed = [(stage, values[deal_id]) for deal_id, stage in closed_this_month.items()]
    return Forecast(
        this_month=this_month, next_month=next_month,
        win_rate_90d=(len(won_ids) / len(closed)) if closed else None, closed_90d=len(closed),
        avg_days_to_close=(sum(durations) / len(durations)) if durations else None,
        won_this_month=sum(1 for s, _ in this_month_closed if s == "won"),
        won_value_this_month=cents_to_decimal(sum(v for s, v in this_month_closed if s == "won")),
        lost_this_month=sum(1 for s, _ in this_month_closed if s == "lost"),
    )


def _dt(value) -> datetime:
    """Aggregates come back from SQLite as text; columns come back as datetimes."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
