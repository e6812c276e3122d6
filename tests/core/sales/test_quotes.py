"""Quotes: numbered per year (gaps kept, a taken number retried), stored as sent, rendered as
Markdown and as a PDF whose text (read back with pypdf) has the diacritics and € as typed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales import deal_lines, deals, products, quotes
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import Interaction, Quote

OWNER = quotes.Owner(name="Rösterei Ærø GmbH", address=("Kaffeestraße 12", "10115 Berlin"),
                     email="hallo@roesterei.example", phone="+49 30 1234567", vat_id="DE123456789",
                     payment_terms="14 days net", quote_valid_days=30)


@pytest.fixture
def refit(core_db, t0) -> int:
    products.add_product("Grinder EK43", t0, sku="EK43", price="1350", cost="900")
    products.add_product("Espresso beans 1kg", t0, price="24.50")
    customer = create_customer(t0, name="Lucía Dvořák", company="Café Lumen").id
    deal = deals.create_deal(customer, "Café refit", "0", t0)
    deal_lines.add_lines(deal.id, products.resolve(products.parse_items("2x EK43, 4x espresso")), t0)
    return deal.id


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_quote_is_numbered_stored_written_and_logged(refit, t0, tmp_path):
    quote = quotes.quote_deal(refit, t0, OWNER, tmp_path / "quotes")
    assert (quote.number, quote.total, quote.valid_until) == ("Q-2026-0001", Decimal("2798.00"), date(2026, 12, 22))
    assert quote.markdown == (tmp_path / "quotes" / "Q-2026-0001.md").read_text(encoding="utf-8")
    assert quote.markdown == """# Quote Q-2026-0001

**Rösterei Ærø GmbH**  
Kaffeestraße 12  
10115 Berlin  
hallo@roesterei.example · +49 30 1234567  
VAT ID DE123456789  

**For:** Lucía Dvořák, Café Lumen  
**Date:** 22 Nov 2026  
**Valid until:** 22 Dec 2026

## Café refit

| Item | Qty | Unit price (EUR) | Total (EUR) |
|---|---:|---:|---:|
| Grinder EK43 (EK43) | 2 | 1,350.00 | 2,700.00 |
| Espresso beans 1kg | 4 | 24.50 | 98.00 |

**Total: 2,798.00 EUR**

Payment terms: 14 days net
"""
    text = pdf_text(quote.pdf_path)
    for expected in ("Quote Q-2026-0001", "Rösterei Ærø GmbH", "Lucía Dvořák", "Grinder EK43 (EK43)", "2,700.00",
                     "Espresso beans 1kg", "98.00", "Total: 2,798.00 EUR", "Valid until: 22 Dec 2026"):
        assert expected in text
    assert Interaction.select(Interaction.body).where(Interaction.kind == "system").order_by(
        Interaction.id.desc()).scalar() == (
        f"quote Q-2026-0001 for Café refit: 2,798.00 EUR, valid until 22 Dec 2026 ({quote.pdf_path})")


def test_a_deal_without_lines_is_one_line_of_its_title_and_value(core_db, t0, tmp_path):
    customer = create_customer(t0, name="Zoë Ærø").id
    deal = deals.create_deal(customer, "Service plan", "480", t0)
    quote = quotes.quote_deal(deal.id, t0, quotes.Owner(name="Roastery"), tmp_path)
    assert "| Service plan | 1 | 480.00 | 480.00 |" in quote.markdown
    assert "Zoë Ærø" in pdf_text(quote.pdf_path) and "480.00 EUR" in pdf_text(quote.pdf_path)


def test_a_deal_worth_nothing_is_not_quoted(core_db, t0, tmp_path, unchanged):
    customer = create_customer(t0, name="Zoë Ærø").id
    deal = deals.create_deal(customer, "Consulting", "0", t0)
    with unchanged(), pytest.raises(ValidationError, match="worth nothing yet"):
        quotes.quote_deal(deal.id, t0, OWNER, tmp_path)


def test_numbers_run_per_year_after_the_highest(refit, t0, tmp_path):
    Quote.insert(number="Q-2026-0041", customer=1, created_at=t0, currency="EUR", total_cents=1,
                 markdown="").execute()
    assert quotes.quote_deal(refit, t0, OWNER, tmp_path).number == "Q-2026-0042"
    new_year = datetime(2027, 1, 1, 9, 0)
    assert quotes.quote_deal(refit, new_year, OWNER, tmp_path).number == "Q-2027-0001"
    assert quotes.quote_deal(refit, t0, OWNER, tmp_path).number == "Q-2026-0043"


def test_a_number_taken_meanwhile_is_retried_with_the_next(refit, t0, tmp_path, monkeypatch):
    """Another instance wrote Q-2026-0001 between this one reading and writing it."""
    Quote.insert(number="Q-2026-0001", customer=1, created_at=t0, currency="EUR", total_cents=1,
                 markdown="").execute()
    real, stale = quotes.next_number, iter(["Q-2026-0001"])
    monkeypatch.setattr(quotes, "next_number", lambda year, folder: next(stale, None) or real(year, folder))
    assert quotes.quote_deal(refit, t0, OWNER, tmp_path).number == "Q-2026-0002"


def test_quote_in_the_composer_and_undo_removes_the_row_not_the_file(refit, t0, tmp_path):
    customer = deals.get_deal(refit).customer_id
    ctx = execute.Context(t0, customer, owner=OWNER, quotes_dir=tmp_path)
    outcome, change = changes.record(lambda: execute.execute(grammar.parse("/quote", t0), ctx), "/quote")
    assert outcome.message == f"✓ quote Q-2026-0001 for “Café refit”: 2,798.00 EUR → {tmp_path / 'Q-2026-0001.pdf'}"
    changes.undo(change, t0)
    assert Quote.select().count() == 0
    sent = (tmp_path / "Q-2026-0001.pdf").read_bytes()  # a sent document stays ...
    again, _ = changes.record(lambda: execute.execute(grammar.parse("/quote", t0), ctx), "/quote")
    assert "Q-2026-0002" in again.message  # ... and keeps its number: the next quote is not written over it
    assert (tmp_path / "Q-2026-0001.pdf").read_bytes() == sent


@pytest.mark.parametrize("stage, reason", [("won", None), ("lost", "price")])
def test_a_closed_deal_is_not_quoted(refit, t0, tmp_path, unchanged, stage, reason):
    deals.move_deal(refit, stage, t0, reason=reason)
    with unchanged(), pytest.raises(ValidationError) as refused:
        quotes.quote_deal(refit, t0, OWNER, tmp_path / "quotes")
    assert str(refused.value) == (f"deal #{refit} “Café refit” is {stage}: quotes are for open deals; /reopen it first")
    assert not (tmp_path / "quotes").exists()


def test_without_the_owners_name_nothing_is_numbered_or_written(refit, t0, tmp_path, unchanged):
    config = tmp_path / "conf" / "config.toml"
    with unchanged(), pytest.raises(ValidationError) as refused:
        quotes.quote_deal(refit, t0, quotes.Owner(email="a@b.example"), tmp_path / "quotes", config_file=config)
    assert str(refused.value) == f'quotes need your details: add [owner] with at least name = "…" to {config}'
    assert not (tmp_path / "quotes").exists()


def test_markdown_in_names_prints_literally_and_the_pdf_shows_them_as_typed(core_db, t0, tmp_path):
    products.add_product("**Sale** grinder_x", t0, sku="G#1", price="100")
    customer = create_customer(t0, name="[Bar](http://x) Nord", company="`Tick` & Co").id
    deal = deals.create_deal(customer, "# Big *refit*", "0", t0)
    deal_lines.add_lines(deal.id, products.resolve(products.parse_items("1x G#1")), t0)
    owner = quotes.Owner(name="_Röst_ <b>", address=("- Hof 2",))
    quote = quotes.quote_deal(deal.id, t0, owner, tmp_path)
    assert "| \\*\\*Sale\\*\\* grinder\\_x (G\\#1) | 1 | 100.00 | 100.00 |" in quote.markdown
    assert "## \\# Big \\*refit\\*" in quote.markdown
    assert "**For:** \\[Bar\\](http://x) Nord, \\`Tick\\` & Co  " in quote.markdown
    assert "**\\_Röst\\_ \\<b\\>**  \n\\- Hof 2  " in quote.markdown
    text = pdf_text(quote.pdf_path)
    for typed in ("**Sale** grinder_x (G#1)", "# Big *refit*", "[Bar](http://x) Nord", "_Röst_ <b>"):
        assert typed in text


def test_the_newest_quote_is_current_until_the_deal_or_the_owner_changes(refit, t0, tmp_path):
    from datetime import timedelta

    quote = quotes.quote_deal(refit, t0, OWNER, tmp_path)
    later = t0 + timedelta(days=3)
    assert quotes.current_quote(refit, later, OWNER) == quote
    assert quotes.current_quote(refit, t0 + timedelta(days=31), OWNER) is None  # expired
    assert quotes.current_quote(refit, later, quotes.Owner(name="Someone else")) is None
    deal_lines.add_lines(refit, products.resolve(products.parse_items("1x espresso")), later)
    assert quotes.current_quote(refit, later, OWNER) is None
    newer = quotes.quote_deal(refit, later, OWNER, tmp_path)
    assert quotes.current_quote(refit, later, OWNER) == newer
    newer.pdf_path.unlink()
    assert quotes.current_quote(refit, later, OWNER) is None
