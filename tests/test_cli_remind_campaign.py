"""`solocrm remind` (cron-safe, once only) and `solocrm export campaign ID` (mail merge)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from solocrm_tui import cli
from solocrm_tui.core.contacts.customers import create_customer, update_customer
from solocrm_tui.core.contacts.followups import create_followup, get_followup
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.storage.db import close_database


def run(capsys, *argv: str, now=None) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv), now=now)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def book(db_path, now):
    ann = create_customer(now, name="Ann Lee", email="ann@example.com", tags=["newsletter"])
    bob = create_customer(now, name="Bob Roe", email="bob@example.com", tags=["newsletter"])
    cy = create_customer(now, name="Cy Poe", tags=["newsletter"])  # no email: cannot be mailed
    update_customer(bob.id, now, opt_out=True)
    due = create_followup("send the quote", now - timedelta(minutes=5), now, customer_id=ann.id)
    later = create_followup("call back", now + timedelta(hours=2), now, customer_id=ann.id)
    campaign = create_campaign("Winter", now, target_filter="#newsletter")
    close_database()
    return {"ann": ann, "bob": bob, "cy": cy, "due": due, "later": later, "campaign": campaign}


def test_remind_prints_each_due_reminder_once_and_marks_it(capsys, db_path, book, now):
    code, out, err = run(capsys, "--db", str(db_path), "remind", now=now)
    assert code == 0 and err == ""
    assert out.splitlines() == ["due today 10:25: send the quote — Ann Lee"]
    code, out, _ = run(capsys, "--db", str(db_path), "remind", now=now)
    assert code == 0 and out == ""  # already told: silent, as cron wants
    code, out, _ = run(capsys, "--db", str(db_path), "remind", now=now + timedelta(hours=3))
    assert out.splitlines() == ["due today 12:30: call back — Ann Lee"]
    from solocrm_tui.core.storage.db import open_database

    open_database(db_path)
    assert get_followup(book["due"].id).notified_at == now


def test_remind_on_a_missing_database_is_one_line(capsys, tmp_path, now):
    code, out, err = run(capsys, "--db", str(tmp_path / "nope.db"), "remind", now=now)
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "nope.db").exists()


def test_campaign_export_leaves_out_opted_out_and_unmailable(capsys, db_path, book, now):
    code, out, err = run(capsys, "--db", str(db_path), "export", "campaign", str(book["campaign"].id), now=now)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["email"] for r in rows] == ["ann@example.com"]
    assert rows[0]["first_name"] == "Ann" and rows[0]["last_name"] == "Lee"


def test_campaign_export_to_a_private_file(capsys, db_path, book, now, tmp_path):
    target = tmp_path / "merge.csv"
    code, out, _ = run(capsys, "--db", str(db_path), "export", "campaign", str(book["campaign"].id),
                       "-o", str(target), now=now)
    assert code == 0 and "1 contactable targets" in out
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="utf-8-sig").splitlines()[0].startswith("customer_id,email,name")


@pytest.mark.parametrize("argv, fragment", [
    (["export", "campaign"], "needs its id"),
    (["export", "campaign", "99"], "no campaign #99"),
    (["export", "campaign", "1", "--format", "json"], "mail-merge CSV only"),
    (["export", "customers", "3"], "takes no id"),
])
def test_campaign_export_errors(capsys, db_path, book, now, argv, fragment):
    code, _, err = run(capsys, "--db", str(db_path), *argv, now=now)
    assert code == 1 and fragment in err and len(err.strip().splitlines()) == 1
