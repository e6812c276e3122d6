"""Reaching the owner when the app is closed: follow-ups that came due, mailed in one digest.

Mail is a channel of its own beside the app's toast and bell (and `solocrm remind`): a
follow-up has `mailed_at` as well as `notified_at`, so a reminder both rings in a running
app and arrives by mail, each exactly once. Items are claimed with a conditional UPDATE
(as `claim_due` does), so two crons, or cron beside a second `remind --mail`, never mail
the same follow-up twice. The mail is sent after the claim commits (no transaction waits
on a server); if it does not leave, the claim is released, so the next run mails them.
A process killed between the claim and the send loses that one digest: at most once,
never twice, is the promise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage

from solocrm_tui.core.contacts.followups import claim_due_for_mail, release_mail_claim
from solocrm_tui.core.mail import smtp
from solocrm_tui.core.mail.message import build_message
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.storage.records import FollowUp


def owner_address(settings: MailSettings) -> Address:
    return Address(settings.from_name, addr_spec=settings.from_address)


def digest_message(settings: MailSettings, subject: str, text: str, now: datetime) -> EmailMessage:
    """A message from the owner's address to itself."""
    return build_message(settings, owner_address(settings), subject, text, now)


def mail_to_owner(settings: MailSettings, subject: str, text: str, now: datetime) -> None:
    smtp.send(settings, digest_message(settings, subject, text, now))


def mail_due_followups(settings: MailSettings, now: datetime,
                       write: Callable[[list[FollowUp]], tuple[str, str]]) -> list[FollowUp]:
    """Claim the newly due follow-ups and mail them as one digest (subject, text from
    `write`); returns what was mailed, [] when nothing was due (and nothing is sent)."""
    claimed = claim_due_for_mail(now)
    if not claimed:
        return []
    subject, text = write(claimed)
    try:
        mail_to_owner(settings, subject, text, now)
    except smtp.SendFailed as exc:
        release_mail_claim((f.id for f in claimed), now)
        raise smtp.SendFailed(f"{exc}; the {len(claimed)} due follow-up(s) stay unmailed for the next run") from None
    return claimed

