"""`/quote mail`: the deal's quote mailed with its PDF attached, through the editor, to a
real SMTP server (aiosmtpd); and a mail that cannot be sent keeps what the owner wrote.

As in test_email, only the step handing the terminal over is replaced; the editor is a
real program ($VISUAL, a small script) editing the real draft file.
"""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from solocrm_tui import paths
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.mail.draft import keep_draft
from solocrm_tui.core.sales import deals, products
from solocrm_tui.core.sales.quotes import Owner

from .conftest import settle
from .test_composer import SIZE, send
from .test_email import SAVE_AS_IS, ann, editing_with, mail_config  # noqa: F401  (ann is a fixture)
from .test_email import WRITE as WRITE_SUBJECT

# Writes a line of text above the draft's body: the owner wrote something, so it is sent.
WRITE = ("import sys, pathlib\np = pathlib.Path(sys.argv[1])\nt = p.read_text(encoding='utf-8')\n"
         "head, _, rest = t.partition('\\n\\n')\n"
         "p.write_text(head + '\\n\\nGerne!\\n' + rest, encoding='utf-8')\n")


@pytest.fixture
def editing(tmp_path, monkeypatch):
    """$VISUAL adds a line above the draft's text."""
    return editing_with(WRITE, tmp_path, monkeypatch)


def quoting_config(port: int):
    return replace(mail_config(port), owner=Owner(name="Jörg Kaffee"))


@pytest.fixture
def deal(ann, now):  # noqa: F811
    return deals.create_deal(ann.id, "Espresso bar", "1200", now, stage="proposal")


async def test_quote_mail_sends_the_pdf_and_logs_it(make_app, ann, deal, smtp_server, editing):  # noqa: F811
    port, mailbox = smtp_server
    async with make_app(config=quoting_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/quote @Ann_Lee mail")
        await settle(pilot)
        pdf = paths.quotes_dir(pilot.app.db_path) / "Q-2026-0001.pdf"
        assert editing == ["To: Ann Lee <ann@example.com>\nSubject: Quote Q-2026-0001: Espresso bar\n"
                           f"Attach: {pdf}\n\nHello Ann,\n\nplease find attached our quote Q-2026-0001 for "
                           "Espresso bar (1,200.00 EUR), valid until 22 Dec 2026.\n\n-- \nJörg\n"]
        assert pilot.app.session.lines[-1] == (
            "✓ email “Quote Q-2026-0001: Espresso bar” sent to Ann Lee <ann@example.com> and logged", "answer")
    [(_, recipients, got, _)] = mailbox
    assert recipients == ["ann@example.com"] and got["Subject"] == "Quote Q-2026-0001: Espresso bar"
    [part] = list(got.iter_attachments())
    assert (part.get_content_type(), part.get_filename()) == ("application/pdf", "Q-2026-0001.pdf")
    assert part.get_content() == pdf.read_bytes()
    assert "Q-2026-0001" in PdfReader(io.BytesIO(part.get_content())).pages[0].extract_text()
    email = [e for e in page_timeline(ann.id).rows if e.kind == "email"]
    assert [e.body for e in email] == ["Quote Q-2026-0001: Espresso bar\n\nGerne!\nHello Ann,\n\nplease find "
                                       "attached our quote Q-2026-0001 for Espresso bar (1,200.00 EUR), valid until "
                                       "22 Dec 2026.\n\n-- \nJörg\n\nattached: Q-2026-0001.pdf"]


async def test_quote_mail_reuses_the_quote_until_the_deal_changes(make_app, now, ann, deal, smtp_server,  # noqa: F811
                                                                  editing):
    products.add_product("Grinder", now, price="300")
    port, mailbox = smtp_server
    async with make_app(config=quoting_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (await send(pilot, "/quote @Ann_Lee"))[0].startswith("✓ quote Q-2026-0001")
        await send(pilot, "/quote @Ann_Lee email")
        await settle(pilot)
        assert any(line.startswith("quote Q-2026-0001 for “Espresso bar” unchanged since it was made")
                   for line, _ in pilot.app.session.lines)
        await send(pilot, "/item @Ann_Lee 2x Grinder at 300")
        await send(pilot, "/quote @Ann_Lee mail")
        await settle(pilot)
        assert any(line.startswith("quote Q-2026-0002 for “Espresso bar” made") for line, _ in pilot.app.session.lines)
    assert [got["Subject"] for _, _, got, _ in mailbox] == ["Quote Q-2026-0001: Espresso bar",
                                                            "Quote Q-2026-0002: Espresso bar"]
    assert [next(got.iter_attachments()).get_filename() for _, _, got, _ in mailbox] == [
        "Q-2026-0001.pdf", "Q-2026-0002.pdf"]


async def test_quote_mail_with_the_quote_template(make_app, ann, deal, smtp_server, editing):  # noqa: F811
    folder = paths.templates_dir()
    folder.mkdir(parents=True)
    (folder / "quote.md").write_text("Subject: Angebot {quote_number} – {deal_title}\n\nSumme {quote_total}.\n",
                                     encoding="utf-8")
    async with make_app(config=quoting_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/quote @Ann_Lee mail")
        await settle(pilot)
    assert editing[0].startswith("To: Ann Lee <ann@example.com>\nSubject: Angebot Q-2026-0001 – Espresso bar\n"
                                 "Attach: ")
    assert "\n\nSumme 1,200.00 EUR.\n" in editing[0]


async def test_quote_mail_refusals_take_no_number(make_app, now, ann, deal, smtp_server, editing):  # noqa: F811
    eve = customers.create_customer(now, name="Eve Opt", email="eve@example.com", opt_out=True)
    deals.create_deal(eve.id, "Beans", "90", now)
    async with make_app(config=mail_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/quote @Ann_Lee mail")
        assert kind == "error" and "quotes need your details: add [owner]" in text
    async with make_app(config=quoting_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await send(pilot, "/quote @Eve_Opt mail") == ("✗ Eve Opt opted out of email: nothing to write", "error")
        assert (await send(pilot, "/quote @Ann_Lee fax"))[0] == (
            '✗ /quote takes nothing after it, or "mail" to send it, got "fax"')
    assert editing == [] and not paths.quotes_dir(pilot.app.db_path).exists()


async def test_a_missing_attachment_is_refused_and_the_draft_kept(make_app, ann, smtp_server,  # noqa: F811
                                                                   monkeypatch, tmp_path):
    editing_with("import sys, pathlib\np = pathlib.Path(sys.argv[1])\nt = p.read_text(encoding='utf-8')\n"
                 "t = t.replace('Subject: \\n', 'Subject: Preise\\nAttach: ~/nowhere.pdf\\n', 1)\n"
                 "head, _, rest = t.partition('\\n\\n')\n"
                 "p.write_text(head + '\\n\\nAnbei die Preise.' + rest, encoding='utf-8')\n", tmp_path, monkeypatch)
    port, mailbox = smtp_server
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/email @Ann_Lee")
        kept = paths.drafts_dir(pilot.app.db_path) / f"customer-{ann.id}.eml"
        assert kind == "error" and text.startswith("✗ Attach: no file ")
        assert text.endswith(f"nowhere.pdf: nothing sent; the draft is kept in {kept}: /email reopens it")
        assert "Subject: Preise\nAttach: ~/nowhere.pdf\n\nAnbei die Preise." in kept.read_text(encoding="utf-8")
    assert mailbox == [] and page_timeline(ann.id).rows == ()


async def test_a_failed_send_keeps_the_draft_and_the_next_email_reopens_it(make_app, ann, smtp_server,  # noqa: F811
                                                                           monkeypatch, tmp_path):
    opened = editing_with(WRITE_SUBJECT, tmp_path, monkeypatch)
    async with make_app(config=mail_config(1)).run_test(size=SIZE) as pilot:  # nothing listens on port 1
        await settle(pilot)
        await send(pilot, "/email @Ann_Lee")
        await settle(pilot)
        kept = paths.drafts_dir(pilot.app.db_path) / f"customer-{ann.id}.eml"
        text, kind = pilot.app.session.lines[-1]
        assert kind == "error" and text.startswith("✗ could not send: cannot reach 127.0.0.1:1")
        assert text.endswith(f"; the draft is kept in {kept}: /email reopens it")
        written = kept.read_text(encoding="utf-8")
        assert "Subject: Grüße zum Kaffee\n\nHallo Ann, wie schmeckt er?" in written
    port, mailbox = smtp_server
    monkeypatch.setenv("VISUAL", "true")  # vi's :q: closed without saving, so not sent, still kept
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await send(pilot, "/email @Ann_Lee") == ("✗ editor closed without saving: nothing sent", "error")
        assert mailbox == [] and kept.read_text(encoding="utf-8") == written
    opened = editing_with(SAVE_AS_IS, tmp_path, monkeypatch)  # vi's :wq: saved as it was reopened, sent
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/email @Ann_Lee")
        await settle(pilot)
        assert opened == [written]
        assert pilot.app.session.lines[-1][1] == "answer"
    [(_, _, got, _)] = mailbox
    assert "Hallo Ann, wie schmeckt er?" in got.get_content()
    assert not kept.exists()
    assert [e.kind for e in page_timeline(ann.id).rows] == ["email"]


async def test_quote_mail_leaves_an_unrelated_kept_draft_for_the_next_email(make_app, ann, deal, smtp_server,  # noqa: F811
                                                                             editing):
    """A kept draft is reopened by /quote mail only when it is this quote's kept mail (it
    attaches this PDF); any other stays, untouched, for the next /email."""
    port, mailbox = smtp_server
    kept_text = "To: Ann Lee <ann@example.com>\nSubject: Kaffee\n\nWie schmeckt er?\n"
    async with make_app(config=quoting_config(port)).run_test(size=SIZE) as pilot:
        kept = paths.drafts_dir(pilot.app.db_path) / f"customer-{ann.id}.eml"
        keep_draft(kept, kept_text)
        await settle(pilot)
        await send(pilot, "/quote @Ann_Lee mail")
        await settle(pilot)
        assert editing[0].startswith("To: Ann Lee <ann@example.com>\nSubject: Quote Q-2026-0001: Espresso bar\n")
        assert pilot.app.session.lines[-1][1] == "answer"
        assert kept.read_text(encoding="utf-8") == kept_text
    [(_, _, got, _)] = mailbox
    assert got["Subject"] == "Quote Q-2026-0001: Espresso bar"
    assert "Wie schmeckt" not in got.get_body(("plain",)).get_content()


async def test_a_kept_quote_mail_is_reopened_by_quote_mail(make_app, ann, deal, smtp_server, editing):  # noqa: F811
    async with make_app(config=quoting_config(1)).run_test(size=SIZE) as pilot:  # nothing listens on port 1
        await settle(pilot)
        await send(pilot, "/quote @Ann_Lee mail")
        await settle(pilot)
        kept = paths.drafts_dir(pilot.app.db_path) / f"customer-{ann.id}.eml"
        assert pilot.app.session.lines[-1][0].endswith(f"; the draft is kept in {kept}: /email reopens it")
        written = kept.read_text(encoding="utf-8")
    async with make_app(config=quoting_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/quote @Ann_Lee mail")
        await settle(pilot)
        assert editing[-1] == written and pilot.app.session.lines[-1][1] == "answer"
    [(_, _, got, _)] = smtp_server[1]
    assert got.get_body(("plain",)).get_content().count("Gerne!") == 2 and not kept.exists()
