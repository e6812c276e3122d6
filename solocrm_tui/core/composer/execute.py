"""Carrying out composer commands, each with a way back for `/undo`.

`execute` runs in a worker thread: it resolves which customer a command is about
(the one in focus, or an `@mention`), calls the services, and returns an Outcome with
the one-line answer for the log and an undo step. Undo steps are compensating
actions (delete what was created, restore what was changed), including the system
timeline entries an action wrote, so `/undo` leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from peewee import fn

from solocrm_tui.core.composer import grammar as c
from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.core.contacts.search import find_by_name
from solocrm_tui.core.dates import format_due
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import campaigns, deals, orders
from solocrm_tui.core.service import tickets
from solocrm_tui.core.storage.models import (
    CampaignTarget,
    DealStageChange,
    Interaction,
    database,
)
from solocrm_tui.core.storage.models import Deal as DealModel


@dataclass(frozen=True)
class Outcome:
    message: str
    customer_id: int | None = None
    undo: Callable[[], None] | None = None
    undo_label: str = ""
    go: str | None = None  # a screen to switch to
    find: str | None = None  # a customer search to show
    lines: tuple[str, ...] = field(default=())  # extra lines (help)


@dataclass(frozen=True)
class Context:
    now: datetime
    focus_customer_id: int | None = None
    currency: str = "EUR"


def resolve_customer(target: str | None, ctx: Context) -> tuple[int, str]:
    """The @mention if given, else the customer in focus; ambiguity is an error, not a guess."""
    if target is None:
        if ctx.focus_customer_id is None:
            raise ValidationError("no customer in focus: open or select one, or name one with @name")
        return ctx.focus_customer_id, customers.get_customer(ctx.focus_customer_id).name
    if target.startswith("#") and target[1:].isdigit():  # @#42: by id, for people who share a name
        return int(target[1:]), customers.get_customer(int(target[1:])).name
    matches = find_by_name(target, limit=6)
    exact = [m for m in matches if m.name.lower() == target.lower()]
    if len(exact) == 1 or len(matches) == 1:
        hit = exact[0] if len(exact) == 1 else matches[0]
        return hit.id, hit.name
    if not matches:
        raise NotFound(f'no customer matches @{target}')
    names = ", ".join(f"{m.name} @#{m.id}" for m in matches[:5])
    raise ValidationError(f"@{target} matches several customers ({names}): be more specific")


def _last_interaction_id() -> int:
    return Interaction.select(fn.COALESCE(fn.MAX(Interaction.id), 0)).scalar()


def _with_trace(customer_id: int, action: Callable[[], Any], revert: Callable[[Any], None]):
    """Run `action`, and build an undo that reverts it and removes the timeline entries it wrote."""
    marker = _last_interaction_id()
    result = action()
    written = [i for (i,) in Interaction.select(Interaction.id).where(
        (Interaction.customer == customer_id) & (Interaction.id > marker)).tuples()]

    def undo() -> None:
        with database.atomic():
            revert(result)
            Interaction.delete().where(Interaction.id.in_(written)).execute()
            timeline.recompute_last_contact(customer_id)

    return result, undo


def _log(cmd, cid, name, ctx):
    kind = "note" if isinstance(cmd, c.Note) else cmd.kind
    direction = "out" if isinstance(cmd, c.Note) else cmd.direction
    body = cmd.body or {"call": "call", "meeting": "meeting"}.get(kind, "")
    entry, undo = _with_trace(cid, lambda: timeline.add_interaction(cid, kind, body, ctx.now, direction=direction),
                              lambda e: timeline.delete_interaction(e.id))
    what = "note" if kind == "note" else f"{'inbound' if direction == 'in' else 'outbound'} {kind}"
    return Outcome(f"✓ {what} logged for {name}", cid, undo, f"{what} for {name}")


def _follow(cmd, cid, name, ctx):
    f, undo = _with_trace(cid, lambda: followups.create_followup(cmd.title, cmd.due_at, ctx.now, customer_id=cid),
                          lambda f: followups.delete_followup(f.id))
    return Outcome(f"✓ follow-up set for {format_due(f.due_at, ctx.now)}: {f.title} ({name})", cid, undo,
                   f"follow-up {f.title}")


def _buy(cmd, cid, name, ctx):
    o, undo = _with_trace(cid, lambda: orders.add_order(cid, cmd.amount, ctx.now, currency=ctx.currency,
                                                        description=cmd.description),
                          lambda o: orders.delete_order(o.id))
    return Outcome(f"✓ order of {o.amount} {o.currency} recorded for {name}", cid, undo, f"order {o.amount}")


def _deal(cmd, cid, name, ctx):
    d, undo = _with_trace(cid, lambda: deals.create_deal(cid, cmd.title, cmd.amount, ctx.now, currency=ctx.currency),
                          lambda d: deals.delete_deal(d.id))
    return Outcome(f"✓ deal “{d.title}” ({d.value} {d.currency}) opened for {name}", cid, undo, f"deal {d.title}")


def _open_deal(cid: int, name: str):
    deal = deals.latest_open_deal(cid)
    if deal is None:
        raise ValidationError(f"{name} has no open deal: open one with /deal AMOUNT TITLE")
    return deal


def _restore_deal(before) -> Callable[[Any], None]:
    def revert(_after) -> None:
        DealModel.update(stage=before.stage, closed_at=before.closed_at, lost_reason=before.lost_reason).where(
            DealModel.id == before.id).execute()
        last = (DealStageChange.select(fn.MAX(DealStageChange.id)).where(DealStageChange.deal == before.id)).scalar()
        DealStageChange.delete().where(DealStageChange.id == last).execute()
    return revert


def _stage(cmd, cid, name, ctx):
    stage = "won" if isinstance(cmd, c.Won) else "lost" if isinstance(cmd, c.Lost) else cmd.stage
    before = _open_deal(cid, name)
    reason = cmd.reason if isinstance(cmd, c.Lost) else None
    if stage == "lost" and not reason:
        raise ValidationError("/stage lost needs a reason: use /lost REASON")
    d, undo = _with_trace(cid, lambda: deals.move_deal(before.id, stage, ctx.now, reason=reason), _restore_deal(before))
    return Outcome(f"✓ deal “{d.title}”: {before.stage} → {d.stage}", cid, undo, f"stage of {d.title}")


def _ticket(cmd, cid, name, ctx):
    t, undo = _with_trace(cid, lambda: tickets.open_ticket(cid, cmd.subject, ctx.now), lambda t: tickets.delete_ticket(t.id))
    return Outcome(f"✓ ticket opened for {name}: {t.subject}", cid, undo, f"ticket {t.subject}")


def _close(cmd, cid, name, ctx):
    t, undo = _with_trace(cid, lambda: tickets.close_ticket(cid, ctx.now, cmd.score), lambda t: tickets.reopen_ticket(t.id))
    score = f" (satisfaction {t.satisfaction}/5)" if t.satisfaction else ""
    return Outcome(f"✓ ticket closed for {name}: {t.subject}{score}", cid, undo, f"closing {t.subject}")


def _responded(cmd, cid, name, ctx):
    campaign = campaigns.find_campaign(cmd.campaign)
    row = (CampaignTarget.select(CampaignTarget.id, CampaignTarget.responded_at)
           .where((CampaignTarget.campaign == campaign.id) & (CampaignTarget.customer == cid)).tuples().first())

    def revert(_):
        if row is None:
            CampaignTarget.delete().where((CampaignTarget.campaign == campaign.id) & (CampaignTarget.customer == cid)).execute()
        else:
            CampaignTarget.update(responded_at=row[1]).where(CampaignTarget.id == row[0]).execute()

    _, undo = _with_trace(cid, lambda: campaigns.mark_responded(cmd.campaign, cid, ctx.now), revert)
    return Outcome(f"✓ {name} responded to {campaign.name}", cid, undo, f"response to {campaign.name}")


def _tag(cmd, cid, name, ctx):
    adding = isinstance(cmd, c.Tag)
    kwargs = {"add": [cmd.tag]} if adding else {"remove": [cmd.tag]}
    if not customers.change_tags([cid], ctx.now, **kwargs):
        raise ValidationError(f"{name} {'already has' if adding else 'has no'} tag #{cmd.tag}")
    back = {"remove": [cmd.tag]} if adding else {"add": [cmd.tag]}
    return Outcome(f"✓ {'tagged' if adding else 'untagged'} {name} #{cmd.tag}", cid,
                   lambda: customers.change_tags([cid], ctx.now, **back), f"tag #{cmd.tag}")


def _add(cmd, ctx):
    new = customers.create_customer(ctx.now, name=cmd.name, email=cmd.email, phone=cmd.phone)

    def undo() -> None:
        with database.atomic():
            customers.delete_customer(new.id)

    return Outcome(f"✓ added {new.name} (#{new.id})", new.id, undo, f"adding {new.name}")


_ON_CUSTOMER = {c.Note: _log, c.LogInteraction: _log, c.NewFollowUp: _follow, c.Buy: _buy, c.NewDeal: _deal,
                c.MoveStage: _stage, c.Won: _stage, c.Lost: _stage, c.OpenTicket: _ticket,
                c.CloseTicket: _close, c.Responded: _responded, c.Tag: _tag, c.Untag: _tag}


def execute(command: c.Command, ctx: Context) -> Outcome:
    """Carry out a parsed command; Undo is handled by the caller, which owns the undo stack."""
    if isinstance(command, c.AddCustomer):
        return _add(command, ctx)
    if isinstance(command, c.Find):
        return Outcome(f"searching customers for “{command.text}”", find=command.text, go="customers")
    if isinstance(command, c.Go):
        return Outcome(f"→ {command.screen}", go=command.screen)
    if isinstance(command, c.Help):
        return help_outcome(command.topic)
    handler = _ON_CUSTOMER.get(type(command))
    if handler is None:
        raise ValidationError("that command cannot be carried out here")
    cid, name = resolve_customer(command.target, ctx)
    return handler(command, cid, name, ctx)


def help_outcome(topic: str | None) -> Outcome:
    if topic:
        return Outcome(c.COMMANDS.get(topic, f"no command {topic}"))
    return Outcome("commands (Tab completes; @name picks a customer):", lines=tuple(c.COMMANDS.values()))
