"""Carrying out composer commands.

`execute` runs in a worker thread: it resolves which customer a command is about
(the one in focus, or an `@mention`), calls the services, and returns an Outcome with
the one-line answer for the log and, for a command that wrote, the name `/undo` gives
it. The way back is not built here: the caller records the rows the command wrote as a
change set (storage/changes.py), which undoes exactly those rows and nobody else's.

An order or a logged contact re-stages its customer right away, inside that change set,
with the daily re-stage's own rule: the card never calls someone who bought today
"churned", and undo takes the stage change back with the order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.composer import grammar as c
from solocrm_tui.core.contacts import cadence, customers, followups, lifecycle, timeline
from solocrm_tui.core.contacts.recurrence import describe
from solocrm_tui.core.contacts.search import find_by_name, resolve_mention
from solocrm_tui.core.dates import format_due
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail import sending
from solocrm_tui.core.mail.draft import EmailDraft
from solocrm_tui.core.mail.settings import MailSettings, required
from solocrm_tui.core.mail.templates import fill_template, template_names
from solocrm_tui.core.sales import (
    campaigns,
    deal_lines,
    deals,
    orders,
    products,
    quotes,
)
from solocrm_tui.core.service import tickets
from solocrm_tui.core.stages import OPEN_DEAL_STAGES


@dataclass(frozen=True)
class Outcome:
    message: str
    customer_id: int | None = None
    undo_label: str = ""  # what /undo would take back; empty when the command wrote nothing
    go: str | None = None  # a screen to switch to
    find: str | None = None  # open the search screen (find anything) on this text
    opens: str | None = None  # a view to open instead of answering in the log: "help" or "log"
    draft: EmailDraft | None = None  # an email to write: the composer opens the owner's editor on it


@dataclass(frozen=True)
class Context:
    now: datetime
    focus_customer_id: int | None = None
    currency: str = "EUR"
    rules: lifecycle.Rules = field(default_factory=lifecycle.Rules)  # the owner's [lifecycle] settings
    owner: quotes.Owner = field(default_factory=quotes.Owner)  # [owner]: who quotes are from
    quotes_dir: Path | None = None  # where quotes are written (beside the database)
    config_file: Path | None = None  # where [owner] belongs, for a quote refused for want of it
    # The deal selected where the line was typed (a Pipeline card, a Deals-tab row): the deal
    # commands act on it when it is the customer's, not on the one last worked on.
    focus_deal_id: int | None = None
    mail: MailSettings | None = None  # [mail]: None until the owner sets up sending
    templates_dir: Path | None = None  # templates/ beside config.toml
    drafts_dir: Path | None = None  # where a mail that could not be sent is kept for the next one


def resolve_customer(target: str | None, ctx: Context) -> tuple[int, str]:
    """The @mention if given, else the customer in focus; ambiguity is an error, not a guess."""
    if target is None:
        if ctx.focus_customer_id is None:
            raise ValidationError("no customer in focus: open or select one, or name one with @name")
        return ctx.focus_customer_id, _called(ctx.focus_customer_id, customers.get_customer(ctx.focus_customer_id).name)
    customer_id, name = resolve_mention(target)
    return customer_id, _called(customer_id, name)


def _called(customer_id: int, name: str) -> str:
    """The name an answer uses: with the customer's #id when someone else shares it, as the
    customer list shows namesakes, so "recorded for Anna Berg" says which Anna Berg."""
    namesakes = [m for m in find_by_name(name, limit=3) if m.name.lower() == name.lower()]
    return f"{name} #{customer_id}" if len(namesakes) > 1 else name


def _log(cmd, cid, name, ctx):
    kind = "note" if isinstance(cmd, c.Note) else cmd.kind
    direction = "out" if isinstance(cmd, c.Note) else cmd.direction
    body = cmd.body or {"call": "call", "meeting": "meeting"}.get(kind, "")
    timeline.add_interaction(cid, kind, body, ctx.now, direction=direction)
    lifecycle.restage(ctx.now, ctx.rules, [cid])
    what = "note" if kind == "note" else f"{'inbound' if direction == 'in' else 'outbound'} {kind}"
    return Outcome(f"✓ {what} logged for {name}", cid, f"{what} for {name}")


def _write_email(cmd, cid, name, ctx):
    """The draft the editor opens on: refused before any editor opens when email is not set
    up or the customer cannot be written to."""
    settings = required(ctx.mail, ctx.config_file)
    draft = sending.prepare_draft(cid, name, settings, _templates(ctx), ctx.owner.name, cmd.template,
                                  ctx.drafts_dir)
    return Outcome("", cid, draft=draft)


def _email_or_log(cmd, cid, name, ctx):
    """`/email @ann follow-up`: one word naming a template writes from it; one word close to a
    template's name is a typo, refused rather than logged as a mail; any other text logs."""
    if cmd.kind == "email" and cmd.direction == "out" and ctx.templates_dir is not None:
        names = template_names(ctx.templates_dir)
        if cmd.body in names:
            return _write_email(c.WriteEmail(cmd.body, cmd.target), cid, name, ctx)
        close = difflib.get_close_matches(cmd.body, names, n=1) if " " not in cmd.body.strip() else []
        if close:
            raise ValidationError(f"no template “{cmd.body}” (did you mean {close[0]}?): to log an email "
                                  "instead, say what it was about in a few words")
    return _log(cmd, cid, name, ctx)


def _send_email(cmd: c.SendEmail, ctx: Context) -> Outcome:
    """Sent first (nothing read or written before it, see mail.sending), then logged; undo
    takes the timeline entry back, not the mail."""
    settings = required(ctx.mail, ctx.config_file)
    sending.send_email(cmd.customer_id, cmd.written, settings, ctx.now)
    lifecycle.restage(ctx.now, ctx.rules, [cmd.customer_id])
    subject = cmd.written.subject
    return Outcome(f"✓ email “{subject}” sent to {cmd.written.to} and logged", cmd.customer_id,
                   f"the timeline entry of email “{subject}” (the mail stays sent)")


def _template(cmd, cid, name, ctx):
    customer = customers.get_customer(cid)
    filled = fill_template(_templates(ctx), cmd.name, sending.template_values(customer, ctx.mail, ctx.owner.name))
    return Outcome(f"template {cmd.name} for {name}:\nSubject: {filled.subject}\n\n{filled.body}", cid)


def _template_list(ctx: Context) -> Outcome:
    folder = _templates(ctx)
    names = template_names(folder)
    if not names:
        return Outcome(f"no templates yet: write one as {folder}/NAME.md (first line Subject: …)")
    return Outcome(f"templates: {', '.join(names)} — /template NAME previews one for the customer in focus")


def _templates(ctx: Context) -> Path:
    if ctx.templates_dir is None:
        raise ValidationError("templates cannot be read from here: no config folder")
    return ctx.templates_dir


def _follow(cmd, cid, name, ctx):
    f = followups.create_followup(cmd.title, cmd.due_at, ctx.now, customer_id=cid, recurrence=cmd.recurrence)
    return Outcome(f"✓ follow-up set for {_when(f, ctx)}: {f.title} ({name})", cid, f"follow-up {f.title}")


def _when(f, ctx: Context) -> str:
    """When it is due, and for a series its rhythm: `Fri 27 Nov, then every Friday 9:00`."""
    first = format_due(f.due_at, ctx.now)
    return first if f.recurrence is None else f"{first}, then {describe(f.recurrence, f.recur_from, f.due_at)}"


def _personal_follow(cmd: c.NewFollowUp, ctx: Context) -> Outcome:
    """`/todo`, or `/follow` with no customer in focus and none named: the owner's own to-do."""
    f = followups.create_followup(cmd.title, cmd.due_at, ctx.now, recurrence=cmd.recurrence)
    return Outcome(f"✓ personal to-do set for {_when(f, ctx)}: {f.title} (no customer)",
                   undo_label=f"to-do {f.title}")


def _buy(cmd, cid, name, ctx):
    lines = products.resolve(list(cmd.items)) if cmd.items else None
    o = orders.add_order(cid, cmd.amount, ctx.now, currency=ctx.currency, description=cmd.description, lines=lines)
    lifecycle.restage(ctx.now, ctx.rules, [cid])
    what = f": {o.description}" if lines else ""
    return Outcome(f"✓ order of {format_money(o.amount, cents=True, currency=o.currency)} recorded for {name}{what}"
                   + _quantity_hint(cmd), cid, f"order of {format_money(o.amount, cents=True, currency=o.currency)}")


def _quantity_hint(cmd: c.Buy) -> str:
    """`/buy 3 milk jug` records 3.00 as typed; when the text is a catalogue product and the
    amount a small whole number, the owner may have meant 3 of them: say how, and how back."""
    if cmd.items or not cmd.description or cmd.amount is None or cmd.amount != int(cmd.amount) or cmd.amount > 100:
        return ""
    product = products.named(cmd.description)
    if product is None:
        return ""
    return (f" — for {int(cmd.amount)} of the catalogue's {product.name}, type /buy {int(cmd.amount)}x "
            f"{cmd.description} (ctrl+z takes this one back)")


def _deal(cmd, cid, name, ctx):
    d = deals.create_deal(cid, cmd.title, cmd.amount, ctx.now, currency=ctx.currency)
    return Outcome(f"✓ deal “{d.title}” ({format_money(d.value, cents=True, currency=d.currency)}) opened for {name}", cid, f"deal {d.title}")


def _items(cmd, cid, name, ctx):
    deal = _open_deal(cid, name, ctx)
    if cmd.remove is not None:
        before = deal_lines.deal_lines(deal.id)
        lines = deal_lines.remove_line(deal.id, cmd.remove, ctx.now)
        changed = f"took {products.describe([line for line in before if line not in lines])} off"
    else:
        added = products.resolve(list(cmd.items))
        lines = deal_lines.add_lines(deal.id, added, ctx.now)
        changed = f"added {products.describe(added)} to"
    d = deals.get_deal(deal.id)
    count = f"{len(lines)} line{'' if len(lines) == 1 else 's'}" if lines else "no lines"
    return Outcome(f"✓ {changed} “{d.title}”: now {format_money(d.value, cents=True, currency=d.currency)}, {count}",
                   cid, f"lines of {d.title}")


def _focused(cid: int, ctx: Context, stages: tuple[str, ...]):
    """The deal in focus, when it is this customer's and in one of `stages`."""
    if ctx.focus_deal_id is None:
        return None
    deal = deals.deals_by_id([ctx.focus_deal_id])
    return deal[0] if deal and deal[0].customer_id == cid and deal[0].stage in stages else None


def _open_deal(cid: int, name: str, ctx: Context):
    deal = _focused(cid, ctx, OPEN_DEAL_STAGES) or deals.latest_open_deal(cid)
    if deal is None:
        closed = deals.latest_closed_deal(cid)
        again = f", or /reopen “{closed.title}” ({closed.stage})" if closed is not None else ""
        raise ValidationError(f"{name} has no open deal: open one with /deal AMOUNT TITLE{again}")
    return deal


def _quote(cmd, cid, name, ctx):
    if ctx.quotes_dir is None:
        raise ValidationError("quotes cannot be written from here: no quotes folder")
    deal = _open_deal(cid, name, ctx)
    if cmd.mail:
        return _quote_mail(deal, cid, name, ctx)
    q = quotes.quote_deal(deal.id, ctx.now, ctx.owner, ctx.quotes_dir, config_file=ctx.config_file)
    return Outcome(f"✓ quote {q.number} for “{deal.title}”: {format_money(q.total, cents=True, currency=q.currency)}"
                   f" → {q.pdf_path}", cid, f"quote {q.number}")


def _quote_mail(deal, cid, name, ctx):
    """The quote as it stands (reused, or made as /quote makes it), then the editor on a mail
    with its PDF attached. Mail and address are checked before a quote number is taken."""
    settings = required(ctx.mail, ctx.config_file)
    sending.writable(cid, name)
    q, made = quotes.quote_to_send(deal.id, ctx.now, ctx.owner, ctx.quotes_dir, config_file=ctx.config_file)
    draft = sending.quote_draft(cid, name, settings, _templates(ctx), ctx.owner.name, q, deal.title, ctx.drafts_dir)
    said = "made" if made else "unchanged since it was made: reusing"
    return Outcome(f"quote {q.number} for “{deal.title}” {said} → {q.pdf_path}", cid,
                   f"quote {q.number}" if made else "", draft=draft)


def _stage(cmd, cid, name, ctx):
    stage = "won" if isinstance(cmd, c.Won) else "lost" if isinstance(cmd, c.Lost) else cmd.stage
    before = _open_deal(cid, name, ctx)
    reason = cmd.reason if isinstance(cmd, c.Lost) else None
    if stage == "lost" and not reason:
        raise ValidationError("/stage lost needs a reason: use /lost REASON")
    amount = cmd.amount if isinstance(cmd, c.Won) else None
    if stage == "won" and amount is None and not before.value and not deal_lines.deal_lines(before.id):
        raise ValidationError(f"“{before.title}” has no value and no lines: type /won AMOUNT (what it was won for)")
    d = deals.move_deal(before.id, stage, ctx.now, reason=reason, amount=amount, rules=ctx.rules)
    order = orders.deal_order(d.id) if stage == "won" else None
    made = f"; order of {format_money(order.amount, cents=True, currency=order.currency)} recorded" if order else ""
    return Outcome(f"✓ deal “{d.title}”: {before.stage} → {d.stage}{made}", cid, f"stage of {d.title}")


def _reopen(cmd, cid, name, ctx):
    closed = _focused(cid, ctx, ("won", "lost")) or deals.latest_closed_deal(cid)
    if closed is None:
        raise ValidationError(f"{name} has no won or lost deal to reopen")
    plan = deals.reopening(closed.id)
    d = deals.reopen_deal(closed.id, ctx.now, rules=ctx.rules)
    removed = (f"; its order of {format_money(plan.order.amount, cents=True, currency=plan.order.currency)} removed"
               if plan.order else "")
    return Outcome(f"✓ deal “{d.title}” reopened: {closed.stage} → {d.stage}{removed}", cid, f"reopening {d.title}")


def _ticket(cmd, cid, name, ctx):
    t = tickets.open_ticket(cid, cmd.subject, ctx.now)
    return Outcome(f"✓ ticket opened for {name}: {t.subject}", cid, f"ticket {t.subject}")


def _close(cmd, cid, name, ctx):
    t = tickets.close_ticket(cid, ctx.now, cmd.score)
    score = f" (satisfaction {t.satisfaction}/5)" if t.satisfaction else ""
    return Outcome(f"✓ ticket closed for {name}: {t.subject}{score}", cid, f"closing {t.subject}")


def _responded(cmd, cid, name, ctx):
    campaign = campaigns.find_campaign(cmd.campaign)
    campaigns.mark_responded(cmd.campaign, cid, ctx.now)
    return Outcome(f"✓ {name} responded to {campaign.name}", cid, f"response to {campaign.name}")


def _tag(cmd, cid, name, ctx):
    adding = isinstance(cmd, c.Tag)
    kwargs = {"add": [cmd.tag]} if adding else {"remove": [cmd.tag]}
    if not customers.change_tags([cid], ctx.now, **kwargs):
        raise ValidationError(f"{name} {'already has' if adding else 'has no'} tag #{cmd.tag}")
    return Outcome(f"✓ {'tagged' if adding else 'untagged'} {name} #{cmd.tag}", cid, f"tag #{cmd.tag}")


def _unarchive(cmd, cid, name, ctx):
    if customers.get_customer(cid).archived_at is None:
        raise ValidationError(f"{name} is not archived")
    customers.archive_customers([cid], ctx.now, archived=False)
    return Outcome(f"✓ {name} is back on the customer list", cid, f"unarchiving {name}")


def _cadence(cmd, cid, name, ctx):
    if cmd.stop:
        if not cadence.clear_cadence(customer_id=cid):
            raise ValidationError(f"{name} has no cadence of their own")
        return Outcome(f"✓ no cadence for {name} any more", cid, f"cadence for {name}")
    if cmd.days is None:
        found = cadence.cadence_of(cid)
        if found is None:
            return Outcome(f"{name} has no keep-in-touch cadence: set one with /cadence 30d", cid)
        return Outcome(f"{name}: keep in touch every {found.days} days" + (f" (#{found.tag})" if found.tag else ""), cid)
    cadence.set_cadence(cmd.days, ctx.now, customer_id=cid)
    return Outcome(f"✓ keep in touch with {name} every {cmd.days} days", cid, f"cadence for {name}")


def _tag_cadence(cmd: c.KeepInTouch, ctx: Context) -> Outcome:
    """`/cadence #vip 30d`: everyone with the tag, now and later; the tag may have no one yet."""
    if cmd.stop:
        if not cadence.clear_cadence(tag=cmd.tag):
            raise ValidationError(f"no cadence for #{cmd.tag} to stop")
        return Outcome(f"✓ no cadence for #{cmd.tag} any more", undo_label=f"cadence for #{cmd.tag}")
    if cmd.days is None:
        days = cadence.tag_cadence(cmd.tag)
        return Outcome(f"#{cmd.tag}: keep in touch every {days} days" if days else
                       f"no cadence for #{cmd.tag}: set one with /cadence #{cmd.tag} 30d")
    cadence.set_cadence(cmd.days, ctx.now, tag=cmd.tag)
    return Outcome(f"✓ keep in touch with everyone tagged #{cmd.tag} every {cmd.days} days",
                   undo_label=f"cadence for #{cmd.tag}")


def _add(cmd, ctx):
    new = customers.create_customer(ctx.now, name=cmd.name, email=cmd.email, phone=cmd.phone)
    return Outcome(f"✓ added {new.name} (#{new.id})", new.id, f"adding {new.name}")


_ON_CUSTOMER = {c.Note: _log, c.LogInteraction: _email_or_log, c.WriteEmail: _write_email, c.ShowTemplate: _template, c.NewFollowUp: _follow, c.Buy: _buy, c.NewDeal: _deal, c.DealItems: _items, c.QuoteDeal: _quote,
                c.MoveStage: _stage, c.Won: _stage, c.Lost: _stage, c.Reopen: _reopen, c.OpenTicket: _ticket,
                c.CloseTicket: _close, c.Responded: _responded, c.Tag: _tag, c.Untag: _tag, c.Unarchive: _unarchive,
                c.KeepInTouch: _cadence}


def execute(command: c.Command, ctx: Context) -> Outcome:
    """Carry out a parsed command; Undo is handled by the caller, which owns the undo stack."""
    if isinstance(command, c.AddCustomer):
        return _add(command, ctx)
    if isinstance(command, c.Find):
        return Outcome("", find=command.text)
    if isinstance(command, c.Go):
        return Outcome(f"→ {command.screen}", go=command.screen)
    if isinstance(command, c.Help):
        return help_outcome(command.topic)
    if isinstance(command, c.ShowLog):
        return Outcome("", opens="log")
    if isinstance(command, c.SendEmail):
        return _send_email(command, ctx)
    if isinstance(command, c.ShowTemplate) and command.name is None:
        return _template_list(ctx)
    if isinstance(command, c.NewFollowUp) and (command.personal or command.target is None
                                               and ctx.focus_customer_id is None):
        return _personal_follow(command, ctx)
    if isinstance(command, c.KeepInTouch) and command.tag is not None:
        return _tag_cadence(command, ctx)
    handler = _ON_CUSTOMER.get(type(command))
    if handler is None:
        raise ValidationError("that command cannot be carried out here")
    cid, name = resolve_customer(command.target, ctx)
    return handler(command, cid, name, ctx)


def help_outcome(topic: str | None) -> Outcome:
    """`/help buy` answers in the log; `/help` alone opens the help screen, which lists
    every command with the current screen's keys (twenty lines do not fit the log)."""
    if topic:
        return Outcome(c.COMMANDS.get(topic, f"no command {topic}"))
    return Outcome("", opens="help")
