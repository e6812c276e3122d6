"""Quotes: a deal's lines as the owner sends them, numbered, kept as sent, as Markdown and PDF.

A quote is a document the customer holds, so it is stored as it was rendered (the lines,
prices and owner details of that day) and never re-rendered from today's data. Numbers
run Q-YYYY-NNNN per year; two app instances quoting at once cannot share one: the number
is unique in the table and a taken one is retried with the next.

The PDF uses a Unicode font shipped in the package (fpdf2's built-in fonts are Latin-1
only, and a quote for "Lucía Dvořák" in euros must print as typed).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from peewee import Cast, IntegrityError, fn

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.contacts.customers import get_customer
from solocrm_tui.core.contacts.timeline import system_entry
from solocrm_tui.core.dates import format_day
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.sales import deal_lines, deals
from solocrm_tui.core.sales.products import Line, lines_total
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.models import Quote as QuoteModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import Deal, cents_to_decimal
from solocrm_tui.core.validate import setting

NUMBER_TRIES = 5  # a number taken by another instance between reading and writing: try the next


@dataclass(frozen=True)
class Owner:
    """Who the quote is from: config.toml's [owner] section."""

    name: str = ""
    address: tuple[str, ...] = ()  # the postal address, line by line
    email: str = ""
    phone: str = ""
    vat_id: str = ""
    payment_terms: str = ""
    quote_valid_days: int = setting(30, 1, 365)


@dataclass(frozen=True, slots=True)
class Quote:
    id: int
    number: str
    customer_id: int
    deal_id: int | None
    created_at: datetime
    valid_until: date
    currency: str
    total: Decimal
    markdown: str
    pdf_path: Path | None


@dataclass(frozen=True, slots=True)
class Sheet:
    """Everything a quote shows, once: the Markdown and the PDF are two renderings of it."""

    number: str
    owner: Owner
    customer: tuple[str, ...]  # name, then company and email when known
    title: str
    lines: tuple[Line, ...]
    currency: str
    issued: date
    valid_until: date

    @property
    def total(self) -> Decimal:
        return lines_total(list(self.lines))

    def money(self, amount: Decimal) -> str:
        return format_money(amount, cents=True)

    def heading(self) -> list[str]:
        """The owner's block: name first, then address, contact and VAT id as given."""
        contact = " · ".join(part for part in (self.owner.email, self.owner.phone) if part)
        vat = f"VAT ID {self.owner.vat_id}" if self.owner.vat_id else ""
        return [part for part in (self.owner.name, *self.owner.address, contact, vat) if part]


def next_number(year: int, folder: Path) -> str:
    """The next free number of `year`: one past the highest stored or written to `folder`,
    gaps left as they are. An undone quote's files stay (it may have been sent), so its
    number is never given to another quote, whose files would replace it."""
    prefix = f"Q-{year}-"
    highest = (QuoteModel.select(fn.MAX(Cast(fn.SUBSTR(QuoteModel.number, len(prefix) + 1), "INTEGER")))
               .where(QuoteModel.number.startswith(prefix)).scalar()) or 0
    written = [int(found[1]) for path in folder.glob(f"{prefix}*")
               if (found := re.fullmatch(rf"{re.escape(prefix)}(\d+)\.(?:pdf|md)", path.name))]
    return f"{prefix}{max([highest, *written]) + 1:04d}"


def quote_deal(deal_id: int, now: datetime, owner: Owner, folder: Path, *, config_file: Path | None = None) -> Quote:
    """Number, render, store and log a quote for the deal; its .md and .pdf go to `folder`.

    A quote is an offer still being negotiated, so a won or lost deal is refused, and so is
    a quote with no sender (`config_file` is where the owner's [owner] section belongs):
    both before a number is taken.

    The files are written inside the transaction, so a quote whose PDF could not be
    written is not stored either. Undoing the quote removes its row; the files stay, as
    a sent document does, and so does its number (see next_number)."""
    deal = deals.get_deal(deal_id)
    if deal.stage not in OPEN_DEAL_STAGES:
        raise ValidationError(f"deal #{deal.id} “{deal.title}” is {deal.stage}: quotes are for open deals; "
                              "/reopen it first")
    if not owner.name:
        raise ValidationError('quotes need your details: add [owner] with at least name = "…" to '
                              f"{config_file or 'config.toml'}")
    if not lines_total(_lines(deal)):
        raise ValidationError(f"deal “{deal.title}” is worth nothing yet: add lines with /item 2x PRODUCT, "
                              "or give it a value, before quoting it")
    valid_until = now.date() + timedelta(days=owner.quote_valid_days)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for _ in range(NUMBER_TRIES):
        number = next_number(now.year, folder)
        sheet = _sheet(deal, owner, number, now.date(), valid_until)
        markdown = render_markdown(sheet)
        pdf_path = folder / f"{number}.pdf"
        try:
            with database.atomic():
                quote_id = QuoteModel.insert(number=number, customer=deal.customer_id, deal=deal_id, created_at=now,
                                             valid_until=valid_until, currency=deal.currency,
                                             total_cents=validate.cents(sheet.total, "total"), markdown=markdown,
                                             pdf_path=str(pdf_path)).execute()
                _write(folder / f"{number}.md", markdown.encode("utf-8"))
                _write(pdf_path, render_pdf(sheet))
                system_entry(deal.customer_id, f"quote {number} for {deal.title}: "
                             f"{format_money(sheet.total, cents=True, currency=deal.currency)}, "
                             f"valid until {document_day(valid_until)} ({pdf_path})", now)
        except IntegrityError:
            continue
        return get_quote(quote_id)
    raise ValidationError("another SoloCRM took every quote number tried: quote again")


def _lines(deal: Deal) -> list[Line]:
    return deal_lines.deal_lines(deal.id) or [Line(deal.title, 1, deal.value)]


def _sheet(deal: Deal, owner: Owner, number: str, issued: date, valid_until: date) -> Sheet:
    customer = get_customer(deal.customer_id)
    return Sheet(number, owner, tuple(p for p in (customer.name, customer.company, customer.email) if p),
                 deal.title, tuple(_lines(deal)), deal.currency, issued, valid_until)


def current_quote(deal_id: int, now: datetime, owner: Owner) -> Quote | None:
    """The deal's newest quote if it still says what a quote made now would say: still valid,
    its PDF still there, and the deal's lines, prices, title, customer and the owner's details
    unchanged. Honestly compared: the quote stores the Markdown it was rendered as, so the deal
    as it is today is rendered under the quote's number and dates and must read the same."""
    Q = QuoteModel
    newest = Q.select(Q.id).where(Q.deal == deal_id).order_by(Q.created_at.desc(), Q.id.desc()).scalar()
    if newest is None:
        return None
    quote = get_quote(newest)
    if quote.valid_until < now.date() or quote.pdf_path is None or not quote.pdf_path.is_file():
        return None
    deal = deals.get_deal(deal_id)
    today = _sheet(deal, owner, quote.number, quote.created_at.date(), quote.valid_until)
    return quote if render_markdown(today) == quote.markdown and deal.currency == quote.currency else None


def quote_to_send(deal_id: int, now: datetime, owner: Owner, folder: Path, *,
                  config_file: Path | None = None) -> tuple[Quote, bool]:
    """The deal's current quote, or a new one made as quote_deal makes it; True when new."""
    current = current_quote(deal_id, now, owner) if owner.name else None
    if current is not None:
        return current, False
    return quote_deal(deal_id, now, owner, folder, config_file=config_file), True


def get_quote(quote_id: int) -> Quote:
    Q = QuoteModel
    row = (Q.select(Q.id, Q.number, Q.customer, Q.deal, Q.created_at, Q.valid_until, Q.currency, Q.total_cents,
                    Q.markdown, Q.pdf_path).where(Q.id == quote_id).tuples().first())
    if row is None:
        raise NotFound(f"no quote #{quote_id}")
    qid, number, cid, did, created, valid, currency, total, markdown, pdf = row
    return Quote(qid, number, cid, did, created, valid, currency, cents_to_decimal(total), markdown,
                 Path(pdf) if pdf else None)


def document_day(day: date) -> str:
    """`31 Dec 2026`: a document is read later, so its dates always carry the year."""
    return format_day(day, datetime.min, weekday=False)


_MARKUP = re.compile(r"([\\`*_\[\]<>#|~])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")


def _md(text: str) -> str:
    """The owner's and customer's words as Markdown that prints them literally: "**Sale**"
    stays two asterisks, a name starting "- " is no list item, a pipe does not end a cell."""
    return _LINE_START.sub(r"\1\\\2", _MARKUP.sub(r"\\\1", text))


def _cell(text: str) -> str:
    """Text in a Markdown table cell: a line break would end the cell."""
    return _md(re.sub(r"\s+", " ", text))


def render_markdown(sheet: Sheet) -> str:
    out = [f"# Quote {sheet.number}", ""]
    out += [f"**{_cell(line)}**  " if i == 0 else f"{_cell(line)}  " for i, line in enumerate(sheet.heading())]
    out += ["", f"**For:** {_cell(', '.join(sheet.customer))}  ", f"**Date:** {document_day(sheet.issued)}  ",
            f"**Valid until:** {document_day(sheet.valid_until)}", "", f"## {_cell(sheet.title)}", "",
            f"| Item | Qty | Unit price ({sheet.currency}) | Total ({sheet.currency}) |", "|---|---:|---:|---:|"]
    for line in sheet.lines:
        name = f"{line.name} ({line.sku})" if line.sku else line.name
        out.append(f"| {_cell(name)} | {line.quantity} | {sheet.money(line.unit_price)} | {sheet.money(line.total)} |")
    out += ["", f"**Total: {format_money(sheet.total, cents=True, currency=sheet.currency)}**"]
    if sheet.owner.payment_terms:
        out += ["", f"Payment terms: {_cell(sheet.owner.payment_terms)}"]
    return "\n".join(out) + "\n"


def render_pdf(sheet: Sheet) -> bytes:
    from fpdf import FPDF  # loaded for a quote only: the app starts without it
    from fpdf.enums import XPos, YPos

    fonts = files("solocrm_tui") / "fonts"
    pdf = FPDF(format="A4")
    pdf.set_title(f"Quote {sheet.number}")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    below = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(0, 10, f"Quote {sheet.number}", **below)
    for i, line in enumerate(sheet.heading()):
        pdf.set_font("DejaVu", "B" if i == 0 else "", 10)
        pdf.multi_cell(0, 5, line, **below)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    for label, value in (("For", ", ".join(sheet.customer)), ("Date", document_day(sheet.issued)),
                         ("Valid until", document_day(sheet.valid_until))):
        pdf.multi_cell(0, 5, f"{label}: {value}", **below)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(0, 7, sheet.title, **below)
    pdf.set_font("DejaVu", "", 10)
    with pdf.table(col_widths=(90, 20, 40, 40), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        for cells in [("Item", "Qty", f"Unit price ({sheet.currency})", f"Total ({sheet.currency})")] + [
                (f"{line.name} ({line.sku})" if line.sku else line.name, str(line.quantity),
                 sheet.money(line.unit_price), sheet.money(line.total)) for line in sheet.lines]:
            row = table.row()
            for text in cells:
                row.cell(text)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 8, f"Total: {format_money(sheet.total, cents=True, currency=sheet.currency)}", align="R", **below)
    if sheet.owner.payment_terms:
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 5, f"Payment terms: {sheet.owner.payment_terms}", **below)
    return bytes(pdf.output())


def _write(path: Path, data: bytes) -> None:
    """Whole or not at all: a reader never finds half a PDF."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
