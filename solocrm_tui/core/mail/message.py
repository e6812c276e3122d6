"""One email as the standard library's EmailMessage, ready for any SMTP server.

Headers go through the default (RFC 6532-aware) policy, so a subject or a name with
ü or 日本 arrives encoded and decodes back as typed. The Message-ID is made on the
sender's domain; it is what the timeline keeps, so the same mail seen again in the
Sent folder (an import) is recognised and not logged twice.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from solocrm_tui.core.mail.settings import MailSettings


def new_message_id(settings: MailSettings) -> str:
    """A Message-ID on the sender's domain."""
    return make_msgid(domain=settings.from_address.rpartition("@")[2])


def build_message(settings: MailSettings, to: Address, subject: str, text: str, now: datetime, *,
                  message_id: str | None = None) -> EmailMessage:
    """`message_id` when it was fixed beforehand (a campaign's, kept across a resend)."""
    message = EmailMessage()
    message["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now if now.tzinfo else now.astimezone())
    message["Message-ID"] = message_id or new_message_id(settings)
    message.set_content(text)
    return message
