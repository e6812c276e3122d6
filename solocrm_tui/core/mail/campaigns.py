"""Sending a campaign to its frozen targets, exactly once across crashes.

The first send freezes the campaign's targets into the outbox: one row per target with
the address it goes to and a Message-ID made then. Opted-out customers and those
without an address are rows too, skipped with the reason, so the report accounts for
every target. Each row is then claimed with a conditional UPDATE (pending → sending,
who and when) in its own short transaction, sent with no transaction open, and marked
sent (and logged on the customer's timeline) in another. A second process sending the
same campaign claims other rows, never one already claimed.

A mail the server refused for good (a 5xx for that recipient) stays "failed" with the
reason. One that may pass later (a server down, a dropped connection, a 4xx) waits as
"retry" and goes back to pending when the next run starts, not in the run that failed
it (a server that is down now is down for the next row too), until MAX_ATTEMPTS. A
failure that is the server's (unreachable, silent, refusing the password) stops the run:
every other row would meet it too, each waiting out the timeout; they stay pending.

The window: a sender killed after the server took the mail and before the "sent" mark
leaves its row in "sending". Whether that mail left cannot be known, so the rule is to
send it again with the SAME Message-ID (the recipient's mail system can drop the copy)
and to say so: "resent after a crash: N". A row is taken back once its claimer is known
to be gone: a process on this host that no longer runs, or a claim older than
STALE_CLAIM (a claimer on another host). The window is one SMTP transaction wide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from peewee import fn

from solocrm_tui.core.contacts import timeline
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.mail import smtp
from solocrm_tui.core.mail.message import build_message, new_message_id
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.mail.templates import fill_template, placeholders, read_template
from solocrm_tui.core.storage.models import (
    Campaign,
    CampaignTarget,
    Interaction,
    Outbox,
    database,
)
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.owners import claim_abandoned, this_process
from solocrm_tui.core.storage.records import Customer

OPTED_OUT, NO_ADDRESS = "opted out", "no address"
MAX_ATTEMPTS = 3
"""Sends of one mail, counting the first, before a failure that might pass is left as
failed: enough to ride out a server restart or a greylisting "451 try later" across
runs, few enough that an address that never works stops being tried."""


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int
    opted_out: int
    no_address: int
    failed: int
    resent: int
    pending: int  # left for another run (another process holds them, or the run was stopped)
    dry_run: bool = False
    name: str = ""
    retry: int = 0  # of the failed, those the next run sends again
    sent_now: int = 0  # by this run
    failed_now: int = 0
    first_failure: str | None = None  # this run's first reason, the one worth reading

    @property
    def skipped(self) -> int:
        return self.opted_out + self.no_address

    def line(self) -> str:
        """The campaign's totals."""
        verb = "would send" if self.dry_run else "sent"
        retry = f" ({self.retry:,} will be retried on the next run)" if self.retry else ""
        text = (f"{verb} {self.sent:,}, skipped {self.skipped:,} (opted out {self.opted_out:,}, "
                f"no address {self.no_address:,}), failed {self.failed:,}{retry}, "
                f"resent after a crash {self.resent:,}")
        return text + (f", still pending {self.pending:,}" if self.pending else "")

    def summary(self, campaign_id: int) -> str:
        """What this run did, then the totals; a run with nothing to do says only that,
        so running again after a finished send does not read like a second send."""
        head = f"campaign #{campaign_id} “{self.name}”: "
        if self.dry_run:
            return head + self.line()
        if not (self.sent_now or self.failed_now or self.pending):
            return head + nothing_left(self.sent, self.skipped, self.failed)
        did = f"this run sent {self.sent_now:,}" + (f", failed {self.failed_now:,}" if self.failed_now else "")
        return (f"{head}{did}; in all {self.line()}"
                + (f"; first failure: {self.first_failure}" if self.first_failure else ""))


def nothing_left(sent: int, skipped: int, failed: int) -> str:
    return (f"nothing left to send ({sent:,} sent earlier, {skipped:,} skipped"
            + (f", {failed:,} failed" if failed else "") + ")")


@dataclass(frozen=True, slots=True)
class Plan:
    """What sending would do now, for the confirm: how many will be sent and skipped."""

    name: str
    template: str | None  # None until the first send names one
    to_send: int
    opted_out: int
    no_address: int
    already_sent: int
    failed: int = 0

    def nothing_left(self) -> str | None:
        """The one line to show instead of asking, when sending would mail no one."""
        if self.to_send:
            return None
        return f"campaign {self.name}: " + nothing_left(self.already_sent, self.opted_out + self.no_address,
                                                          self.failed)

    def question(self, template: str) -> str:
        return (f"Send campaign {self.name} with template {template}: {self.to_send:,} will be sent, "
                f"{self.opted_out + self.no_address:,} skipped ({self.opted_out:,} opted out, "
                f"{self.no_address:,} no address)" + (f", {self.already_sent:,} already sent" if self.already_sent
                                                      else "") + "?")


def plan_campaign(campaign_id: int) -> Plan:
    name, template = _campaign(campaign_id)
    rows = _outbox_rows(campaign_id) or _targets(campaign_id)
    count = {status_or_reason: 0 for status_or_reason in ("pending", OPTED_OUT, NO_ADDRESS, "sent", "failed")}
    for row in rows:
        status = row["status"]
        key = row["reason"] if status == "skipped" else (status if status in ("sent", "failed") else "pending")
        count[key] = count.get(key, 0) + 1
    return Plan(name, template, count["pending"], count[OPTED_OUT], count[NO_ADDRESS], count["sent"],
                count["failed"])


def send_campaign(campaign_id: int, settings: MailSettings, templates: Path, now: datetime, *,
                  template: str | None = None, owner_name: str = "", per_minute: int | None = None,
                  dry_run: Path | None = None, sleep: Callable[[float], None] = time.sleep,
                  clock: Callable[[], datetime] | None = None,
                  progress: Callable[[int, int], None] | None = None) -> SendReport:
    """Send every pending row of the campaign (freezing its targets first); `dry_run`
    writes each message as DIR/<customer id>.eml and changes nothing. `progress(sent,
    total)` hears the campaign's count of sent mails out of those to send, as each leaves."""
    clock = clock or (lambda: now)
    name = _template_name(campaign_id, template, templates)
    if dry_run is not None:
        return _render_all(campaign_id, name, settings, templates, owner_name, now, dry_run)
    _freeze(campaign_id, name, settings)
    _take_back_abandoned(campaign_id, now)
    _retry_failed(campaign_id)
    me, gap, first = this_process(), (60 / per_minute if per_minute else 0), True
    sent_now = failed_now = 0
    first_failure = None
    sent, total = _progress(campaign_id)
    if progress:
        progress(sent, total)
    while (row := _claim(campaign_id, me, clock())) is not None:
        if gap and not first:
            sleep(gap)
        first = False
        customer = _customer(row.customer_id)
        message = _message(row, customer, name, settings, templates, owner_name, clock())
        try:
            smtp.send(settings, message)
        except smtp.SendFailed as exc:
            again = not exc.permanent and row.attempts < MAX_ATTEMPTS
            _finish(row.id, me, status="retry" if again else "failed", error=str(exc))
            failed_now += 1
            first_failure = first_failure or str(exc)
            if progress:
                progress(sent, total)
            if exc.server:
                break  # the rest stay pending for the next run
            continue
        body = message.get_content().rstrip()
        with database.atomic():
            _finish(row.id, me, status="sent", sent_at=clock())
            if not Interaction.select().where(Interaction.message_id == row.message_id).exists():
                timeline.add_interaction(row.customer_id, "email", f"{message['Subject']}\n\n{body}", clock(),
                                         direction="out", message_id=row.message_id)
        sent, sent_now = sent + 1, sent_now + 1
        if progress:
            progress(sent, total)
    return replace(_report(campaign_id), sent_now=sent_now, failed_now=failed_now, first_failure=first_failure)


def _campaign(campaign_id: int) -> tuple[str, str | None]:
    row = Campaign.select(Campaign.name, Campaign.template).where(Campaign.id == campaign_id).tuples().first()
    if row is None:
        raise NotFound(f"no campaign #{campaign_id}")
    return row


def _template_name(campaign_id: int, given: str | None, templates: Path) -> str:
    """The template the campaign is sent with: named the first time, the same one after."""
    name, stored = _campaign(campaign_id)
    if stored and given and given != stored:
        raise ValidationError(f"campaign {name} is sent with template “{stored}”: leave out --template "
                              "or name that one")
    chosen = stored or given
    if not chosen:
        raise ValidationError(f"say which template campaign {name} is sent with: --template NAME "
                              f"(templates/NAME.md in {templates.parent})")
    if not read_template(templates, chosen)[0]:
        raise ValidationError(f"template {chosen} has no subject: a campaign mail needs one on its "
                              "“Subject: …” line")
    return chosen


def _targets(campaign_id: int) -> list[dict]:
    """The campaign's targets as outbox rows would hold them (nothing written)."""
    query = (CampaignTarget.select(CustomerModel.id, CustomerModel.email, CustomerModel.opt_out)
             .join(CustomerModel).where(CampaignTarget.campaign == campaign_id).order_by(CustomerModel.id).tuples())
    rows = []
    for customer_id, email, opt_out in query:
        reason = OPTED_OUT if opt_out else (NO_ADDRESS if not email else None)
        rows.append({"customer": customer_id, "address": email, "status": "skipped" if reason else "pending",
                     "reason": reason})
    return rows


def _outbox_rows(campaign_id: int) -> list[dict]:
    return list(Outbox.select(Outbox.customer, Outbox.address, Outbox.status, Outbox.reason, Outbox.message_id)
                .where(Outbox.campaign == campaign_id).order_by(Outbox.customer).dicts())


def _freeze(campaign_id: int, template: str, settings: MailSettings) -> None:
    with database.atomic():
        Campaign.update(template=template).where(Campaign.id == campaign_id).execute()
        if Outbox.select().where(Outbox.campaign == campaign_id).exists():
            return
        rows = [{**row, "campaign": campaign_id, "message_id": new_message_id(settings), "attempts": 0,
                 "resent": 0} for row in _targets(campaign_id)]
        for start in range(0, len(rows), 500):
            Outbox.insert_many(rows[start:start + 500]).execute()


def _take_back_abandoned(campaign_id: int, now: datetime) -> None:
    """Rows left in "sending" by a claimer that is gone go back to pending, marked resent."""
    claimed = (Outbox.select(Outbox.id, Outbox.claimed_by, Outbox.claimed_at)
               .where((Outbox.campaign == campaign_id) & (Outbox.status == "sending")).tuples())
    gone = [row_id for row_id, by, at in claimed if claim_abandoned(by, at, now)]
    if gone:
        with database.atomic():
            (Outbox.update(status="pending", resent=Outbox.resent + 1, claimed_by=None, claimed_at=None)
             .where(Outbox.id.in_(gone) & (Outbox.status == "sending")).execute())


def _retry_failed(campaign_id: int) -> None:
    """Mails that failed in a way that may pass are tried again, once per run."""
    with database.atomic():
        Outbox.update(status="pending").where((Outbox.campaign == campaign_id) & (Outbox.status == "retry")).execute()


def _progress(campaign_id: int) -> tuple[int, int]:
    """(sent, to send in all): the count a sender shows as "sending 120/264"."""
    rows = (Outbox.select(Outbox.status, fn.COUNT(Outbox.id)).where(Outbox.campaign == campaign_id)
            .group_by(Outbox.status).tuples())
    counts = dict(rows)
    return counts.get("sent", 0), sum(n for status, n in counts.items() if status not in ("skipped", "failed"))


def _claim(campaign_id: int, me: str, now: datetime):
    """The next pending row, now ours: the UPDATE only takes a row still pending, so two
    senders never hold the same one."""
    with database.atomic():
        candidate = (Outbox.select(Outbox.id).where((Outbox.campaign == campaign_id) & (Outbox.status == "pending"))
                     .order_by(Outbox.id).limit(1).scalar())
        if candidate is None:
            return None
        taken = (Outbox.update(status="sending", claimed_by=me, claimed_at=now, attempts=Outbox.attempts + 1)
                 .where((Outbox.id == candidate) & (Outbox.status == "pending")).execute())
        if not taken:
            return None
        return (Outbox.select(Outbox.id, Outbox.customer.alias("customer_id"), Outbox.address, Outbox.message_id,
                              Outbox.attempts)
                .where(Outbox.id == candidate).namedtuples().first())


def _finish(row_id: int, me: str, **fields) -> None:
    with database.atomic():
        Outbox.update(**fields).where((Outbox.id == row_id) & (Outbox.claimed_by == me)).execute()


def _customer(customer_id: int) -> Customer:
    from solocrm_tui.core.contacts.customers import get_customer

    return get_customer(customer_id)


def _unsubscribe(settings: MailSettings) -> str:
    return f"mailto:{settings.from_address}?subject=unsubscribe"


def _message(row, customer: Customer, template: str, settings: MailSettings, templates: Path, owner_name: str,
             now: datetime) -> EmailMessage:
    values = placeholders(customer, owner_name or settings.from_name, settings.signature)
    filled = fill_template(templates, template, values)
    text = (f"{filled.body.rstrip()}\n\n"
            f"To receive no more of these emails, reply with the subject “unsubscribe” ({_unsubscribe(settings)}).\n")
    message = build_message(settings, Address(customer.name, addr_spec=row.address), filled.subject, text, now,
                            message_id=row.message_id)
    message["List-Unsubscribe"] = f"<{_unsubscribe(settings)}>"
    return message


def _render_all(campaign_id: int, template: str, settings: MailSettings, templates: Path, owner_name: str,
                now: datetime, folder: Path) -> SendReport:
    rows = _outbox_rows(campaign_id) or [{**row, "message_id": new_message_id(settings)}
                                         for row in _targets(campaign_id)]
    folder.mkdir(parents=True, exist_ok=True)
    written = opted_out = no_address = 0
    for row in rows:
        if row["status"] == "skipped":
            opted_out += row["reason"] == OPTED_OUT
            no_address += row["reason"] == NO_ADDRESS
            continue
        if row["status"] != "pending":
            continue
        outbox_row = _Row(row["customer"], row["address"], row["message_id"])
        message = _message(outbox_row, _customer(row["customer"]), template, settings, templates, owner_name, now)
        (folder / f"{row['customer']}.eml").write_bytes(message.as_bytes())
        written += 1
    return SendReport(written, opted_out, no_address, 0, 0, 0, dry_run=True, name=_campaign(campaign_id)[0])


@dataclass(frozen=True, slots=True)
class _Row:
    customer_id: int
    address: str
    message_id: str


def _report(campaign_id: int) -> SendReport:
    counts: dict[tuple[str, str | None], int] = {}
    resent = 0
    for status, reason, times in (Outbox.select(Outbox.status, Outbox.reason, Outbox.resent)
                                  .where(Outbox.campaign == campaign_id).tuples()):
        counts[(status, reason)] = counts.get((status, reason), 0) + 1
        resent += times > 0 and status == "sent"
    retry = sum(n for (status, _), n in counts.items() if status == "retry")
    failed = retry + sum(n for (status, _), n in counts.items() if status == "failed")
    pending = sum(n for (status, _), n in counts.items() if status in ("pending", "sending"))
    return SendReport(counts.get(("sent", None), 0), counts.get(("skipped", OPTED_OUT), 0),
                      counts.get(("skipped", NO_ADDRESS), 0), failed, resent, pending,
                      name=_campaign(campaign_id)[0], retry=retry)
