"""One email as the standard library's EmailMessage, ready for any SMTP server.

Headers go through the default (RFC 6532-aware) policy, so a subject or a name with
ü or 日本 arrives encoded and decodes back as typed. The Message-ID is made on the
sender's domain; it is what the timeline keeps, so the same mail seen again in the
Sent folder (an import) is recognised and not logged twice. Attachments (a quote's
PDF) are read when the message is built and typed by their file name.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail.settings import MailSettings


def new_message_id(settings: MailSettings) -> str:
    """A Message-ID on the sender's domain."""
    return make_msgid(domain=settings.from_address.rpartition("@")[2])


def build_message(settings: MailSettings, to: Address, subject: str, text: str, now: datetime, *,
                  message_id: str | None = None, attachments: Sequence[Path] = ()) -> EmailMessage:
    """`message_id` when it was fixed beforehand (a campaign's, kept across a resend)."""
    message = EmailMessage()
    message["From"] = Address(settings.from_name, addr_spec=settings.from_address)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now if now.tzinfo else now.astimezone())
    message["Message-ID"] = message_id or new_message_id(settings)
    message.set_content(text)
    for path in attachments:
        _attach(message, path)
    return message


def _attach(message: EmailMessage, path: Path) -> None:
    """application/pdf for a .pdf; a type the name does not tell is sent as plain bytes."""
    kind, encoding = mimetypes.guess_type(path.name)
    maintype, _, subtype = (kind if kind and not encoding else "application/octet-stream").partition("/")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"cannot attach {path} ({exc.strerror or exc}): nothing sent") from None
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
