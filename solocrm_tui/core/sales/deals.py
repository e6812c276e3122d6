"""Deals and their stages: create, move, win, lose - each move recorded twice.

A stage change goes to the deal's stage history (for win rates and days-to-close)
and to the customer's timeline as a system entry (so the chat shows what happened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Mapping

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.contacts import lifecycle
from solocrm_tui.core.contacts.timeline import system_entry
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import deal_lines, orders, products
from solocrm_tui.core.stages import DEAL_STAGES, DEFAULT_PROBABILITIES, OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import DealStageChange, database
from solocrm_tui.core.storage.records import Deal, Order, cents_to_decimal

D, C = DealModel, CustomerModel
_COLUMNS = (D.id, D.customer, C.name, D.title, D.value_cents, D.currency, D.stage, D.probability,
            D.expected_close, D.lost_reason, D.created_at, D.closed_at, D.last_activity_at)


def _records(query, probabilities: Mapping[str, int] | None = None) -> list[Deal]:
    probs = {**DEFAULT_PROBABILITIES, **(probabilities or {})}
    out = []
    for (did, cid, cname, title, value, currency, stage, prob, close, reason, created, closed,
         activity) in query.tuples():
        out.append(Deal(did, cid, cname, title, cents_to_decimal(value), currency, stage,
                        probs[stage] if prob is None or stage in ("won", "lost") else prob,
                        close, reason, created, closed, activity))
    return out


def _select():
    return D.select(*_COLUMNS).join(C, on=(D.customer == C.id))


def create_deal(customer_id: int, title: str, value: Decimal | str, now: datetime, *,
                currency: str = "EUR", stage: str = "lead", probability: int | str | None = None,
                expected_close: date | str | None = None) -> Deal:
    title = validate.text(title, "deal title", required=True, key="title")
    cents = validate.cents(value, "deal value", key="value")
    currency = validate.currency(currency)
    if stage not in OPEN_DEAL_STAGES:
        raise ValidationError(f'a new deal starts in an open stage ({", ".join(OPEN_DEAL_STAGES)}), not "{stage}"',
                              field="stage")
    with database.atomic():
        if not C.select().where(C.id == customer_id).exists():
            raise NotFound(f"no customer #{customer_id}")
        deal_id = D.insert(customer=customer_id, title=title, value_cents=cents,
                           currency=currency, stage=stage,
                           probability=validate.probability(probability),
                           expected_close=validate.day(expected_close, "expected close",
                                                       key="expected_close"),
                           created_at=now, updated_at=now, last_activity_at=now).execute()
        DealStageChange.insert(deal=deal_id, from_stage=None, to_stage=stage, at=now).execute()
        system_entry(customer_id, f"deal opened: {title} ({cents_to_decimal(cents)} {currency})", now)
    return get_deal(deal_id)


def get_deal(deal_id: int, probabilities: Mapping[str, int] | None = None) -> Deal:
    rows = _records(_select().where(D.id == deal_id), probabilities)
    if not rows:
        raise NotFound(f"no deal #{deal_id}")
    return rows[0]


def update_deal(deal_id: int, now: datetime, **fields) -> Deal:
    columns = {}
    for key, value in fields.items():
        if key == "title":
            columns["title"] = validate.text(value, "deal title", required=True, key="title")
        elif key == "value":
            columns["value_cents"] = validate.cents(value, "deal value", key="value")
        elif key == "probability":
            columns["probability"] = validate.probability(value)
        elif key == "expected_close":
            columns["expected_close"] = validate.day(value, "expected close", key="expected_close")
        else:
            raise ValidationError(f"unknown deal field: {key}")
    columns.update(updated_at=now, last_activity_at=now)
    with database.atomic():
        lines = deal_lines.deal_lines(deal_id) if "value_cents" in columns else []
        if lines and columns["value_cents"] != validate.cents(products.lines_total(lines)):
            raise ValidationError("the deal has lines: its value is their sum (change them with /item)", field="value")
        if not D.update(**columns).where(D.id == deal_id).execute():
            raise NotFound(f"no deal #{deal_id}")
    return get_deal(deal_id)


def move_deal(deal_id: int, to_stage: str, now: datetime, *, reason: str | None = None,
              amount: Decimal | str | None = None, rules: lifecycle.Rules | None = None) -> Deal:
    """Move a deal to any stage; won/lost close it (lost needs a reason).

    Winning creates the deal's order in the same transaction, so revenue, CLV and margin
    see the win and undoing it takes the order back: its lines as order lines, or, for a
    deal without lines, its value (`amount`, when given, is what it was won for). Leaving
    won removes that order again, and only that one."""
    if to_stage not in DEAL_STAGES:
        raise ValidationError(f'unknown deal stage "{to_stage}": use {", ".join(DEAL_STAGES)}')
    reason = validate.text(reason, "reason")
    if to_stage == "lost" and not reason:
        raise ValidationError("a lost deal needs a reason")
    with database.atomic():
        row = D.select(D.stage, D.customer, D.title).where(D.id == deal_id).tuples().first()
        if row is None:
            raise NotFound(f"no deal #{deal_id}")
        from_stage, customer_id, title = row
        if from_stage == to_stage:
            raise ValidationError(f'deal "{title}" is already {to_stage}')
        closed = now if to_stage in ("won", "lost") else None
        D.update(stage=to_stage, closed_at=closed, lost_reason=reason if to_stage == "lost" else None,
                 updated_at=now, last_activity_at=now).where(D.id == deal_id).execute()
        DealStageChange.insert(deal=deal_id, from_stage=from_stage, to_stage=to_stage, at=now,
                               reason=reason).execute()
        note = f"deal {title}: {from_stage} → {to_stage}" + (f" ({reason})" if reason else "")
        if to_stage == "won":
            order = _order_for_win(deal_id, title, amount, now)
            note += f"; order {format_money(order.amount, cents=True, currency=order.currency)}"
        elif amount is not None:
            raise ValidationError(f"an amount is what a deal was won for: {to_stage} takes none")
        elif from_stage == "won":
            removed = orders.deal_order(deal_id)
            if removed is not None:
                orders.delete_order(removed.id)
                note += f"; order {format_money(removed.amount, cents=True, currency=removed.currency)} removed"
        system_entry(customer_id, note, now)
        if to_stage == "won" or from_stage == "won":
            lifecycle.restage(now, rules or lifecycle.Rules(), [customer_id])
    return get_deal(deal_id)


def _order_for_win(deal_id: int, title: str, amount: Decimal | str | None, now: datetime) -> Order:
    customer_id, value_cents, currency = D.select(D.customer, D.value_cents, D.currency).where(
        D.id == deal_id).tuples().first()
    lines = deal_lines.deal_lines(deal_id)
    if lines:
        if amount is not None:
            raise ValidationError(f"deal “{title}” has lines worth "
                                  f"{format_money(products.lines_total(lines), cents=True, currency=currency)}: "
                                  "its order is their sum (change the lines to change it)")
        return orders.add_order(customer_id, None, now, currency=currency, description=title, lines=lines,
                                deal_id=deal_id)
    cents = value_cents if amount is None else validate.cents(amount, "amount won", key="amount")
    if not cents:
        raise ValidationError(f"deal “{title}” has no value and no lines: say what it was won for")
    D.update(value_cents=cents).where(D.id == deal_id).execute()
    return orders.add_order(customer_id, cents_to_decimal(cents), now, currency=currency, description=title,
                            deal_id=deal_id)


@dataclass(frozen=True, slots=True)
class Reopening:
    """What reopening a closed deal does: the stage it goes back to, and the order its win
    created, which reopening removes (None for a lost deal)."""

    deal: Deal
    stage: str
    order: Order | None


def reopening(deal_id: int) -> Reopening:
    """The stage a closed deal was last open in (its history always starts in an open
    stage), so reopening puts it back where the negotiation stopped."""
    deal = get_deal(deal_id)
    if deal.stage not in ("won", "lost"):
        raise ValidationError(f"deal “{deal.title}” is open ({deal.stage}): only a won or lost deal reopens")
    S = DealStageChange
    stage = (S.select(S.to_stage).where((S.deal == deal_id) & S.to_stage.in_(OPEN_DEAL_STAGES))
             .order_by(S.at.desc(), S.id.desc()).scalar())
    return Reopening(deal, stage or OPEN_DEAL_STAGES[0], orders.deal_order(deal_id) if deal.stage == "won" else None)


def reopen_deal(deal_id: int, now: datetime, *, rules: lifecycle.Rules | None = None) -> Deal:
    """Move a won or lost deal back to the stage it was in before it closed."""
    with database.atomic():
        return move_deal(deal_id, reopening(deal_id).stage, now, rules=rules)


def latest_closed_deal(customer_id: int) -> Deal | None:
    rows = _records(_select().where((D.customer == customer_id) & D.stage.in_(("won", "lost")))
                    .order_by(D.closed_at.desc(), D.id.desc()).limit(1))
    return rows[0] if rows else None


def delete_deal(deal_id: int) -> None:
    with database.atomic():
        if not D.delete().where(D.id == deal_id).execute():
            raise NotFound(f"no deal #{deal_id}")


def open_deals(limit: int = 5000, probabilities: Mapping[str, int] | None = None) -> list[Deal]:
    query = _select().where(D.stage.in_(OPEN_DEAL_STAGES)).order_by(D.expected_close.asc(nulls="LAST"), D.id).limit(limit)
    return _records(query, probabilities)


def closed_deals(since: datetime, until: datetime, limit: int,
                 probabilities: Mapping[str, int] | None = None) -> list[Deal]:
    """Deals won or lost between `since` and `until`, newest close first, at most `limit`."""
    query = (_select().where(D.stage.in_(("won", "lost")) & (D.closed_at >= since) & (D.closed_at <= until))
             .order_by(D.closed_at.desc(), D.id.desc()).limit(limit))
    return _records(query, probabilities)


def deals_by_id(ids: list[int], probabilities: Mapping[str, int] | None = None) -> list[Deal]:
    return [deal for start in range(0, len(ids), 500)
            for deal in _records(_select().where(D.id.in_(ids[start:start + 500])), probabilities)]


def customer_deals(customer_id: int) -> list[Deal]:
    return _records(_select().where(D.customer == customer_id).order_by(D.created_at.desc(), D.id.desc()))


def latest_open_deal(customer_id: int) -> Deal | None:
    rows = _records(_select().where((D.customer == customer_id) & D.stage.in_(OPEN_DEAL_STAGES))
                    .order_by(D.last_activity_at.desc(), D.id.desc()).limit(1))
    return rows[0] if rows else None
