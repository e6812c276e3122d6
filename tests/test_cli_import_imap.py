"""`solocrm import mail --imap`: the report from a real IMAP server (pymap), and the one-line
refusals for a missing or doubled source, --folder alone, and a wrong password."""

from __future__ import annotations

import imaplib
import os
import sqlite3
from pathlib import Path

import pytest

from tests.test_cli_data import one_line_error, run

MBOX = Path(__file__).resolve().parent / "data" / "mail" / "inbox.mbox"
ANNA = (b"From: Anna Berg <anna@berg.example>\r\nTo: sam@solo.example\r\nSubject: Hallo\r\n"
        b"Message-ID: <a1@berg.example>\r\nDate: Mon, 2 Nov 2026 09:15:00 +0100\r\n\r\nWie geht's?\r\n")


@pytest.fixture
def book(tmp_path, capsys, imap_server, monkeypatch) -> str:
    port, user, password = imap_server
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, password)
    client.append("INBOX", None, None, ANNA)
    client.logout()
    monkeypatch.setenv("IMAP_TEST_PASSWORD", password)
    Path(os.environ["SOLOCRM_CONFIG"]).write_text(
        f'[mail]\nhost = "127.0.0.1"\nfrom_address = "sam@solo.example"\nuser = "{user}"\n'
        f'password_env = "IMAP_TEST_PASSWORD"\nimap_port = {port}\nimap_security = "none"\ntimeout_seconds = 5\n',
        encoding="utf-8")
    db = str(tmp_path / "crm.db")
    people = tmp_path / "people.csv"
    people.write_text("name,email\nAnna Berg,anna@berg.example\n")
    assert run(capsys, "--db", db, "import", "customers", str(people))[0] == 0
    return db


def emails(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT customer_id, direction, message_id FROM interaction WHERE kind = 'email'").fetchall()


def test_import_mail_imap_logs_then_finds_nothing_new(book, capsys):
    code, out, err = run(capsys, "--db", book, "import", "mail", "--imap")
    assert (code, err) == (0, "") and "logged 1 (in 1, out 0)" in out
    assert emails(book) == [(1, "in", "<a1@berg.example>")]
    code, out, _ = run(capsys, "--db", book, "import", "mail", "--imap")
    assert code == 0 and ": 0 messages" in out and emails(book) == [(1, "in", "<a1@berg.example>")]


def test_a_dry_run_logs_nothing(book, capsys):
    code, out, _ = run(capsys, "--db", book, "import", "mail", "--imap", "--dry-run")
    assert code == 0 and "would be logged 1" in out and emails(book) == []


@pytest.mark.parametrize("argv, says", [
    (("import", "mail"), "import mail reads a mailbox PATH or the IMAP folder (--imap), say which"),
    (("import", "mail", str(MBOX), "--imap"), "not both"),
    (("import", "mail", str(MBOX), "--folder", "INBOX"), "--folder goes with --imap"),
    (("import", "customers", "x.csv", "--imap"), "--imap and --folder are for `solocrm import mail --imap`"),
    (("import", "mail", "--imap", "--folder", "Nope"), "has no folder “Nope”"),
])
def test_mistakes_are_one_line(book, capsys, argv, says):
    code, _, err = run(capsys, "--db", book, *argv)
    assert says in one_line_error(code, err) and emails(book) == []


def test_a_wrong_password_is_one_line_and_logs_nothing(book, capsys, monkeypatch):
    monkeypatch.setenv("IMAP_TEST_PASSWORD", "wrong")
    code, _, err = run(capsys, "--db", book, "import", "mail", "--imap")
    assert "refused the login for “owner”" in one_line_error(code, err) and emails(book) == []
