"""`solocrm import mail PATH`: the report on stdout, exit 1 when a message was unreadable, undo
through `import --undo`, and every mistake one line on stderr."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.test_cli_data import one_line_error, run

MBOX = Path(__file__).resolve().parent / "data" / "mail" / "inbox.mbox"

pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture
def book(tmp_path, capsys, monkeypatch) -> str:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    db = str(tmp_path / "crm.db")
    people = tmp_path / "people.csv"
    people.write_text("name,email\nAnna Berg,anna@berg.example\nBen Cho,ben@cho.example\n")
    assert run(capsys, "--db", db, "import", "customers", str(people))[0] == 0
    yield db
    monkeypatch.undo()
    time.tzset()


def emails(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT customer_id, direction, message_id FROM interaction WHERE kind = 'email' "
                            "ORDER BY occurred_at, customer_id").fetchall()


def test_import_mail_logs_reports_and_undoes(book, capsys):
    code, out, err = run(capsys, "--db", book, "import", "mail", str(MBOX))
    assert code == 1 and err == ""  # two messages could not be read
    assert "logged 5 (in 2, out 3), already logged 0, from/to nobody known 4" in out
    assert [(cid, way) for cid, way, _ in emails(book)] == [(1, "in"), (1, "out"), (1, "out"), (2, "out"),
                                                            (2, "in")]
    batch = out.split("solocrm import --undo ")[1].split(")")[0]
    assert run(capsys, "--db", book, "import", "mail", str(MBOX))[1].count("already logged 5") == 1
    code, out, _ = run(capsys, "--db", book, "import", "--undo", batch)
    assert code == 0 and emails(book) == []


def test_a_dry_run_of_import_mail_changes_nothing(book, capsys):
    code, out, _ = run(capsys, "--db", book, "import", "mail", str(MBOX), "--dry-run")
    assert "would be logged 5" in out and out.rstrip().endswith("dry run: nothing was changed")
    assert emails(book) == []


@pytest.mark.parametrize("argv, says", [
    (("import", "mail", "{tmp}"), "is a folder but not a Maildir"),
    (("import", "mail", "{tmp}/nothing.mbox"), "no mailbox at"),
    (("import", "mail", "{csv}"), "is not an mbox file"),
    (("import", "mail", "{mbox}", "--create-missing"), "import mail takes only the mailbox and --dry-run"),
])
def test_import_mail_mistakes_are_one_line(book, capsys, tmp_path, argv, says):
    names = {"tmp": str(tmp_path), "csv": str(tmp_path / "people.csv"), "mbox": str(MBOX)}
    code, _, err = run(capsys, "--db", book, *(arg.format(**names) for arg in argv))
    assert says in one_line_error(code, err)
