"""Writing to a customer: the draft their editor opens on, and sending what was written.

A sent mail is logged on the customer's timeline in the same step: kind "email",
direction "out", the subject on the first line of the body (so search finds it and the
timeline shows it), and the Message-ID, which the timeline keeps once. The mail is
sent first, with no database read or write before it: a transaction is never held open
while a server on the other side of the world answers, and a send that fails logs
nothing.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from pathlib import Path

from solocrm_tui.core.contacts import customers, timeline
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail import smtp
from solocrm_tui.core.mail.draft import EmailDraft, WrittenEmail, draft_text
from solocrm_tui.core.mail.message import build_message
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.mail.templates import fill_template, placeholders
from solocrm_tui.core.storage.records import Customer


def writable(customer_id: int, called: str) -> Customer:
    """The customer, if they can be written to: an address, and not opted out."""
    customer = customers.get_customer(customer_id)
    if not customer.email:
        raise ValidationError(f"{called} has no email address: add one on their card (e) first")
    if customer.opt_out:
        raise ValidationError(f"{called} opted out of email: nothing to write")
    return customer


def template_values(customer: Customer, settings: MailSettings | None, owner_name: str) -> dict[str, str]:
    mail = settings or MailSettings()
    return placeholders(customer, owner_name or mail.from_name, mail.signature)


def prepare_draft(customer_id: int, called: str, settings: MailSettings, templates: Path, owner_name: str,
                  template: str | None = None) -> EmailDraft:
    """The draft for the editor: To filled, the template (if named) filled for the customer,
    the signature below unless the template places it itself."""
    customer = writable(customer_id, called)
    subject, body, signature = "", "", settings.signature
    if template is not None:
        filled = fill_template(templates, template, template_values(customer, settings, owner_name))
        subject, body = filled.subject, filled.body
        if settings.signature and settings.signature.strip() in body:
            signature = ""
    to = Address(customer.name, addr_spec=customer.email)
    return EmailDraft(customer_id, called, draft_text(to, subject, body, signature))


def send_email(customer_id: int, written: WrittenEmail, settings: MailSettings, now: datetime) -> str:
    """Send, then log on the timeline; returns the Message-ID."""
    message = build_message(settings, written.to, written.subject, written.body, now)
    smtp.send(settings, message)
    timeline.add_interaction(customer_id, "email", f"{written.subject}\n\n{written.body.rstrip()}", now,
                             direction="out", message_id=message["Message-ID"])
    return message["Message-ID"]
