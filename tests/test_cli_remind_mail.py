"""`solocrm remind --mail` and `solocrm digest` against a real SMTP server (aiosmtpd):
one digest per newly due follow-up, once across runs and concurrent processes, and a
failed send leaves the follow-ups for the next run."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from solocrm_tui import paths
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup, get_followup
from solocrm_tui.core.storage.db import close_database, open_database

from .test_cli import run


def configure_mail(port: int) -> None:
    paths.config_path().write_text(f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                                   'from_address = "me@shop.example"\nfrom_name = "Jörg"\n')


@pytest.fixture
def due_items(db_path, now):
    ann = create_customer(now, name="Ann Lee", email="ann@example.com")
    first = create_followup("send the quote", now - timedelta(minutes=5), now, customer_id=ann.id)
    second = create_followup("Rückruf: Angebot", now - timedelta(minutes=1), now)
    later = create_followup("call back", now + timedelta(hours=2), now, customer_id=ann.id)
    close_database()
    return first, second, later


def test_one_digest_with_the_due_items_then_nothing(capsys, db_path, due_items, smtp_server, now):
    port, mailbox = smtp_server
    configure_mail(port)
    code, out, err = run(capsys, "--db", str(db_path), "remind", "--mail", now=now)
    assert (code, err) == (0, "") and out == "mailed 2 due follow-ups to me@shop.example\n"
    assert len(mailbox) == 1
    _, rcpts, message, _ = mailbox[0]
    assert rcpts == ["me@shop.example"] and message["Subject"] == "SoloCRM: 2 follow-ups due"
    assert message.get_content().splitlines() == ["due today 10:25: send the quote — Ann Lee",
                                                 "due today 10:29: Rückruf: Angebot"]
    assert run(capsys, "--db", str(db_path), "remind", "--mail", now=now + timedelta(minutes=1))[1:] == ("", "")
    assert len(mailbox) == 1
    run(capsys, "--db", str(db_path), "remind", "--mail", now=now + timedelta(hours=3))
    assert len(mailbox) == 2 and mailbox[1][2]["Subject"] == "SoloCRM: due today 12:30: call back — Ann Lee"


def test_mail_is_its_own_channel_beside_the_apps_told_once(capsys, db_path, due_items, smtp_server, now):
    configure_mail(smtp_server[0])
    assert run(capsys, "--db", str(db_path), "remind", now=now)[1].count("due ") == 2
    run(capsys, "--db", str(db_path), "remind", "--mail", now=now)
    assert len(smtp_server[1]) == 1  # told in the terminal, still mailed once
    assert run(capsys, "--db", str(db_path), "remind", now=now)[1] == ""


def test_a_failed_send_is_one_line_and_the_items_wait_for_the_next_run(capsys, db_path, due_items,
                                                                        smtp_server, now):
    configure_mail(1)  # nothing listens on port 1
    code, out, err = run(capsys, "--db", str(db_path), "remind", "--mail", now=now)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert "could not send" in err and "2 due follow-up(s) stay unmailed for the next run" in err
    open_database(db_path)
    assert get_followup(due_items[0].id).notified_at is None  # the app still rings for it
    close_database()
    configure_mail(smtp_server[0])
    assert run(capsys, "--db", str(db_path), "remind", "--mail", now=now)[0] == 0
    assert len(smtp_server[1]) == 1 and smtp_server[1][0][2]["Subject"] == "SoloCRM: 2 follow-ups due"


def test_without_mail_settings_it_says_what_to_add(capsys, db_path, due_items, now):
    code, out, err = run(capsys, "--db", str(db_path), "remind", "--mail", now=now)
    assert code == 1 and "email is not set up: add a [mail] section" in err and "Traceback" not in err


def test_two_concurrent_processes_send_one_digest(db_path, due_items, smtp_server):
    port, mailbox = smtp_server
    configure_mail(port)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    argv = [sys.executable, "-m", "solocrm_tui", "--db", str(db_path), "remind", "--mail"]
    runs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [(p.wait(timeout=60), *p.communicate()) for p in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    silent, mailed = sorted(out for _, out, _ in results)  # the real clock: "later" is due too, or not
    assert silent == "" and mailed.startswith("mailed ") and mailed.endswith(" to me@shop.example\n")
    assert len(mailbox) == 1


def test_digest_mails_todays_queue(capsys, db_path, due_items, smtp_server, now):
    configure_mail(smtp_server[0])
    code, out, err = run(capsys, "--db", str(db_path), "digest", now=now)
    assert (code, err) == (0, "") and out.startswith("mailed today's queue (")
    message = smtp_server[1][0][2]
    assert message["Subject"].startswith("SoloCRM: today, ")
    assert "send the quote" in message.get_content() and "URG" in message.get_content()


def test_digest_dry_run_prints_the_message_and_sends_nothing(capsys, db_path, due_items, smtp_server, now):
    configure_mail(smtp_server[0])
    code, out, err = run(capsys, "--db", str(db_path), "digest", "--dry-run", now=now)
    assert code == 0 and "To: Jörg <me@shop.example>\nSubject: SoloCRM: today, " in out and "send the quote" in out
    assert smtp_server[1] == []
