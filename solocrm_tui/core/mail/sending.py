"""Writing to a customer: the draft their editor opens on, and sending what was written.

A sent mail is logged on the customer's timeline in the same step: kind "email",
direction "out", the subject on the first line of the body (so search finds it and the
timeline shows it), and the Message-ID, which the timeline keeps once. The mail is
sent first, with no database read or write before it: a transaction is never held open
while a server on the other side of the world answers, and a send that fails logs
nothing, and keeps the draft (see mail.draft) for the next mail to that customer.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from pathlib import Path

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.contacts import customers, timeline
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail import smtp
from solocrm_tui.core.mail.draft import (
    EmailDraft,
    WrittenEmail,
    attached,
    draft_text,
    keep_draft,
    kept_draft,
    read_draft,
)
from solocrm_tui.core.mail.message import build_message
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.mail.smtp import SendFailed
from solocrm_tui.core.mail.templates import (
    QUOTE_PLACEHOLDERS,
    fill_template,
    placeholders,
    template_names,
)
from solocrm_tui.core.sales import deals
from solocrm_tui.core.sales.quotes import Owner, Quote, document_day, quote_to_send
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


def addresses(customer: Customer) -> tuple[str, ...]:
    """The customer's own address, then the others an import kept (normalised): the ones a
    mail to them may be sent to."""
    found = []
    for written in [customer.email or "", *str(customer.custom.get(customers.OTHER["email"], "")).split(",")]:
        try:
            normalised = validate.email(written.strip() or None)[1]
        except ValidationError:
            continue
        if normalised and normalised not in found:
            found.append(normalised)
    return tuple(found)


def prepare_draft(customer_id: int, called: str, settings: MailSettings, templates: Path, owner_name: str,
                  template: str | None = None, drafts: Path | None = None, *,
                  extra: dict[str, str] | None = None, default: tuple[str, str] = ("", ""),
                  attachments: tuple[Path, ...] = ()) -> EmailDraft:
    """The draft for the editor: the customer's kept draft if a mail to them failed, else To
    filled, the template (if named) filled for the customer, the signature below unless the
    template places it itself. `default` is the (subject, body) without a template. A mail
    sending `attachments` (a quote) reopens only a kept draft attaching them, its own failed
    mail; another kept draft stays for the next /email, and this mail is not kept over it."""
    customer = writable(customer_id, called)
    own = addresses(customer)
    kept = kept_draft(drafts, customer_id) if drafts is not None else None
    if kept is not None and kept.is_file():
        try:
            text = kept.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot reopen the kept draft {kept} ({exc}): move it away to start afresh") from None
        if set(attachments) <= attached(text):
            return EmailDraft(customer_id, called, text, own, kept, reopened=True)
        kept = None
    (subject, body), signature = default, settings.signature
    if template is not None:
        filled = fill_template(templates, template, template_values(customer, settings, owner_name) | (extra or {}))
        subject, body = filled.subject, filled.body
        if settings.signature and settings.signature.strip() in body:
            signature = ""
    to = Address(customer.name, addr_spec=customer.email)
    return EmailDraft(customer_id, called, draft_text(to, subject, body, signature, attachments), own, kept)


def quote_draft(customer_id: int, called: str, settings: MailSettings, templates: Path, owner_name: str,
                quote: Quote, deal_title: str, drafts: Path | None = None, template: str | None = None) -> EmailDraft:
    """A quote's covering mail with its PDF attached: `template`, else the `quote` template
    when there is one, else a short default text."""
    total = format_money(quote.total, cents=True, currency=quote.currency)
    extra = dict(zip(QUOTE_PLACEHOLDERS, (quote.number, total, deal_title), strict=True))
    default = (f"Quote {quote.number}: {deal_title}",
               f"Hello {customers.get_customer(customer_id).name.split()[0]},\n\nplease find attached our quote "
               f"{quote.number} for {deal_title} ({total}), valid until {document_day(quote.valid_until)}.\n")
    if template is None and "quote" in template_names(templates):
        template = "quote"
    return prepare_draft(customer_id, called, settings, templates, owner_name, template, drafts, extra=extra,
                         default=default, attachments=(quote.pdf_path,) if quote.pdf_path else ())


def send_quote(deal_id: int, now: datetime, owner: Owner, settings: MailSettings, templates: Path, folder: Path,
               *, config_file: Path | None = None, template: str | None = None) -> tuple[Quote, WrittenEmail]:
    """`solocrm quote --mail`: the deal's current (or a new) quote sent with no editor, the
    covering text as the editor would have opened on it. The customer is checked before a
    quote number is taken."""
    deal = deals.get_deal(deal_id)
    customer = writable(deal.customer_id, deal.customer_name)
    quote, _ = quote_to_send(deal_id, now, owner, folder, config_file=config_file)
    draft = quote_draft(customer.id, customer.name, settings, templates, owner.name, quote, deal.title,
                        template=template)
    written = read_draft(draft.text, draft)
    send_email(customer.id, written, settings, now)
    return quote, written


def send_email(customer_id: int, written: WrittenEmail, settings: MailSettings, now: datetime) -> str:
    """Send, then log on the timeline; returns the Message-ID. A mail that cannot be sent
    is kept where its draft says (and the answer says where); a sent one is removed from there."""
    kept_at = written.kept_at
    try:
        message = build_message(settings, written.to, written.subject, written.body, now,
                                attachments=written.attachments)
        smtp.send(settings, message)
    except (SendFailed, ValidationError) as exc:
        if kept_at is None or not written.draft:
            raise
        keep_draft(kept_at, written.draft)
        raise type(exc)(f"{exc}; the draft is kept in {kept_at}: /email reopens it") from None
    attached = "".join(f"\nattached: {path.name}" for path in written.attachments)
    timeline.add_interaction(customer_id, "email", f"{written.subject}\n\n{written.body.rstrip()}\n{attached}".rstrip(),
                             now, direction="out", message_id=message["Message-ID"])
    if kept_at is not None:
        kept_at.unlink(missing_ok=True)
    return message["Message-ID"]
