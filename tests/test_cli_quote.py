"""`solocrm quote DEAL_ID`: the quote's files beside the database (or in --out), the owner
from [owner] in config.toml; a bad deal id or config is one line and writes nothing."""

from __future__ import annotations

import pytest

from solocrm_tui.core.contacts.customers import create_customer, update_customer
from solocrm_tui.core.sales import deals
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.storage.models import Interaction, Quote

from .test_cli import run

pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture
def deal(tmp_path, now, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text('[owner]\nname = "Rösterei Ærø"\naddress = ["Kaffeestraße 12", "10115 Berlin"]\n'
                      "quote_valid_days = 14\n", encoding="utf-8")
    monkeypatch.setenv("SOLOCRM_CONFIG", str(config))
    db = open_database(tmp_path / "crm.db")
    customer = create_customer(now, name="Lucía Dvořák").id
    deal_id = deals.create_deal(customer, "Service plan", "480", now).id
    close_database()
    return db, deal_id


def test_quote_writes_the_pdf_and_markdown_beside_the_database(capsys, deal, now, tmp_path):
    db, deal_id = deal
    code, out, err = run(capsys, "--db", str(db), "quote", str(deal_id), now=now)
    assert (code, err) == (0, "")
    pdf = tmp_path / "quotes" / "Q-2026-0001.pdf"
    assert out.splitlines() == ["quote Q-2026-0001: 480.00 EUR, valid until 2026-12-06", str(pdf),
                                str(pdf.with_suffix(".md"))]
    assert "**Rösterei Ærø**" in pdf.with_suffix(".md").read_text(encoding="utf-8")


def test_quote_out_dir_and_a_missing_deal(capsys, deal, now, tmp_path):
    db, deal_id = deal
    code, out, _ = run(capsys, "--db", str(db), "quote", str(deal_id), "--out", str(tmp_path / "sent"), now=now)
    assert code == 0 and (tmp_path / "sent" / "Q-2026-0001.pdf").exists()
    code, _, err = run(capsys, "--db", str(db), "quote", "99", now=now)
    assert code != 0 and err.strip().endswith("no deal #99")


def quotes_and_timeline(db) -> tuple[int, int]:
    open_database(db)
    try:
        return Quote.select().count(), Interaction.select().count()
    finally:
        close_database()


def test_a_won_deal_is_refused_in_one_line_and_nothing_is_written(capsys, deal, now, tmp_path):
    db, deal_id = deal
    open_database(db)
    deals.move_deal(deal_id, "won", now)
    close_database()
    before = quotes_and_timeline(db)
    code, out, err = run(capsys, "--db", str(db), "quote", str(deal_id), now=now)
    assert quotes_and_timeline(db) == before
    assert (code, out) == (1, "")
    assert err.strip().endswith(f"deal #{deal_id} “Service plan” is won: quotes are for open deals; /reopen it first")
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "quotes").exists()


def test_without_an_owner_the_refusal_names_the_config_file(capsys, deal, now, tmp_path):
    db, deal_id = deal
    (tmp_path / "config.toml").write_text("currency = \"EUR\"\n", encoding="utf-8")
    before = quotes_and_timeline(db)
    code, _, err = run(capsys, "--db", str(db), "quote", str(deal_id), now=now)
    assert quotes_and_timeline(db) == before
    assert code == 1 and not (tmp_path / "quotes").exists()
    assert err.strip().endswith(f'quotes need your details: add [owner] with at least name = "…" to '
                                f'{tmp_path / "config.toml"}')


def mail_to(port: int, config) -> None:
    config.write_text(config.read_text(encoding="utf-8") + f'[mail]\nhost = "127.0.0.1"\nport = {port}\n'
                      'security = "none"\nfrom_address = "me@shop.example"\nsignature = "Jörg"\n', encoding="utf-8")


def test_quote_mail_sends_the_pdf_without_an_editor_and_reuses_the_quote(capsys, deal, now, tmp_path,
                                                                          smtp_server):
    db, deal_id = deal
    port, mailbox = smtp_server
    open_database(db)
    update_customer(deals.get_deal(deal_id).customer_id, now, email="lucia@example.com")
    close_database()
    mail_to(port, tmp_path / "config.toml")
    for _ in range(2):
        code, out, err = run(capsys, "--db", str(db), "quote", str(deal_id), "--mail", now=now)
        assert (code, err, out) == (0, "", "sent Q-2026-0001 to Lucía Dvořák <lucia@example.com> and logged\n")
    first, second = (got for _, _, got, _ in mailbox)
    assert first["Subject"] == second["Subject"] == "Quote Q-2026-0001: Service plan"
    [pdf] = list(first.iter_attachments())
    assert pdf.get_content() == (tmp_path / "quotes" / "Q-2026-0001.pdf").read_bytes()
    assert quotes_and_timeline(db)[0] == 1


def test_quote_mail_to_a_customer_without_an_address_takes_no_number(capsys, deal, now, tmp_path, smtp_server):
    db, deal_id = deal
    mail_to(smtp_server[0], tmp_path / "config.toml")
    before = quotes_and_timeline(db)
    code, _, err = run(capsys, "--db", str(db), "quote", str(deal_id), "--mail", now=now)
    assert code != 0 and "Lucía Dvořák has no email address" in err and "Traceback" not in err
    assert quotes_and_timeline(db) == before and smtp_server[1] == []
