"""Reaching the owner when the app is closed: follow-ups that came due, mailed in one digest.

Mail is a channel of its own beside the app's toast and bell (and `solocrm remind`): a
follow-up has `mailed_at` as well as `notified_at`, so a reminder both rings in a running
app and arrives by mail, each exactly once. Items are claimed with a conditional UPDATE
(as `claim_due` does), so two crons, or cron beside a second `remind --mail`, never mail
the same follow-up twice.

Once, not at most once: the claim, the digest's text and its Message-ID are written in
ONE transaction (a Digest row in "sending", claimed by this process, the follow-ups
pointing at it); the mail is sent after that commits (no transaction waits on a server)
and then marked sent. A sender killed in between leaves the row; the next run takes it
back once its claimer is gone (the same rule as a campaign's outbox,
owners.claim_abandoned) and sends it again with the same Message-ID and text, counted as
resent after a crash, so the owner's mail system can drop a copy that did leave. A send
that fails marks the digest failed with the error and releases its follow-ups for the
next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from solocrm_tui.core.contacts.followups import (
    claim_due_for_mail,
    release_mail_claim,
    tell_in_digest,
)
from solocrm_tui.core.mail import smtp
from solocrm_tui.core.mail.message import build_message, new_message_id
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.storage.models import Digest, database
from solocrm_tui.core.storage.owners import claim_abandoned, this_process
from solocrm_tui.core.storage.records import FollowUp


@dataclass(frozen=True, slots=True)
class MailedDigests:
    mailed: list[FollowUp]  # newly due, told in this run's digest
    resent: int  # digests a killed run left unconfirmed, sent again under their Message-ID


def owner_address(settings: MailSettings) -> Address:
    return Address(settings.from_name, addr_spec=settings.from_address)


def digest_message(settings: MailSettings, subject: str, text: str, now: datetime, *,
                   message_id: str | None = None) -> EmailMessage:
    """A message from the owner's address to itself."""
    return build_message(settings, owner_address(settings), subject, text, now, message_id=message_id)


def mail_to_owner(settings: MailSettings, subject: str, text: str, now: datetime) -> None:
    smtp.send(settings, digest_message(settings, subject, text, now))


def mail_due_followups(settings: MailSettings, now: datetime,
                       write: Callable[[list[FollowUp]], tuple[str, str]]) -> MailedDigests:
    """Send again what a killed run left, then claim the newly due follow-ups and mail them
    as one digest (subject, text from `write`); nothing is sent when nothing is due."""
    me = this_process()
    abandoned = _take_back_abandoned(me, now)
    for digest in abandoned:
        _send(settings, digest, now)
    claimed, digest = _claim_into_digest(settings, me, now, write)
    if digest is not None:
        _send(settings, digest, now)
    return MailedDigests(claimed, len(abandoned))


def _claim_into_digest(settings: MailSettings, me: str, now: datetime,
                       write: Callable[[list[FollowUp]], tuple[str, str]]) -> tuple[list[FollowUp], Digest | None]:
    with database.atomic():
        claimed = claim_due_for_mail(now)
        if not claimed:
            return [], None
        subject, text = write(claimed)
        digest = Digest.create(message_id=new_message_id(settings), subject=subject, body=text, status="sending",
                               attempts=1, resent=0, claimed_by=me, claimed_at=now, created_at=now)
        tell_in_digest((f.id for f in claimed), digest.id)
    return claimed, digest


def _take_back_abandoned(me: str, now: datetime) -> list[Digest]:
    """Digests left in "sending" by a claimer that is gone, now claimed by this run (the
    UPDATE only takes a row still held by that claimer, so two runs never both take it)."""
    taken = []
    for digest in Digest.select().where(Digest.status == "sending").order_by(Digest.id):
        if not claim_abandoned(digest.claimed_by, digest.claimed_at, now):
            continue
        with database.atomic():
            took = (Digest.update(claimed_by=me, claimed_at=now, attempts=Digest.attempts + 1,
                                  resent=Digest.resent + 1)
                    .where((Digest.id == digest.id) & (Digest.status == "sending")
                           & (Digest.claimed_by == digest.claimed_by)).execute())
        if took:
            taken.append(Digest.get_by_id(digest.id))
    return taken


def _send(settings: MailSettings, digest: Digest, now: datetime) -> None:
    message = digest_message(settings, digest.subject, digest.body, now, message_id=digest.message_id)
    try:
        smtp.send(settings, message)
    except smtp.SendFailed as exc:
        with database.atomic():
            Digest.update(status="failed", error=str(exc)[:255]).where(Digest.id == digest.id).execute()
        released = release_mail_claim(digest.id)
        raise smtp.SendFailed(f"{exc}; the {released} due follow-up(s) stay unmailed for the next run") from None
    with database.atomic():
        Digest.update(status="sent", sent_at=now).where(Digest.id == digest.id).execute()
