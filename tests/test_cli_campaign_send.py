"""`solocrm campaign send ID`: the report line, and one-line refusals that change nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.storage.db import close_database

from .test_cli import run


@pytest.fixture
def winter(db_path, now, smtp_server):
    port, mailbox = smtp_server
    config = Path(os.environ["SOLOCRM_CONFIG"])
    (config.parent / "templates").mkdir(parents=True, exist_ok=True)
    (config.parent / "templates" / "winter.md").write_text("Subject: Hallo {first_name}\n\nText\n", encoding="utf-8")
    config.write_text(f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                      'from_address = "me@shop.example"\n', encoding="utf-8")
    create_customer(now, name="Ann Lee", email="ann@example.com", tags=["news"])
    create_customer(now, name="Cy Poe", tags=["news"])
    campaign = create_campaign("Winter", now, target_filter="#news")
    close_database()
    return campaign, mailbox


def test_send_prints_the_report(capsys, db_path, winter, now):
    campaign, mailbox = winter
    code, out, err = run(capsys, "--db", str(db_path), "campaign", "send", str(campaign.id), "--template", "winter",
                         "--rate", "600/min", now=now)
    assert (code, err) == (0, "")
    assert out == (f"campaign #{campaign.id} “Winter”: this run sent 1; in all sent 1, skipped 1 (opted out 0, "
                   "no address 1), failed 0, resent after a crash 0\n")
    assert len(mailbox) == 1


def test_a_second_send_says_nothing_is_left(capsys, db_path, winter, now):
    campaign, mailbox = winter
    argv = ("--db", str(db_path), "campaign", "send", str(campaign.id))
    run(capsys, *argv, "--template", "winter", now=now)
    code, out, err = run(capsys, *argv, now=now)
    assert (code, err) == (0, "")
    assert out == f"campaign #{campaign.id} “Winter”: nothing left to send (1 sent earlier, 1 skipped)\n"
    assert len(mailbox) == 1


@pytest.mark.parametrize("extra, message", [
    (("--rate", "fast"), "--rate takes mails per minute"),
    ((), "say which template campaign Winter is sent with"),
])
def test_bad_input_is_one_line(capsys, db_path, winter, now, extra, message):
    campaign, mailbox = winter
    code, out, err = run(capsys, "--db", str(db_path), "campaign", "send", str(campaign.id), *extra, now=now)
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1
    assert mailbox == []
