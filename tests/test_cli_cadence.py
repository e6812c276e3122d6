"""`solocrm today` and `today --json` carry the keep-in-touch rows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from solocrm_tui.core.contacts import cadence
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.storage.db import close_database, open_database

from .test_cli import run

pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture
def book(tmp_path, now):
    """Ann last called 45 days ago on a 30-day cadence; Lee, a lead never contacted, on #leads' 14."""
    db = open_database(tmp_path / "crm.db")
    ann = create_customer(now - timedelta(days=400), name="Ann").id
    add_interaction(ann, "call", "hello", now - timedelta(days=45))
    lee = create_customer(now - timedelta(days=20), name="Lee", tags=["leads"]).id
    cadence.set_cadence(30, now, customer_id=ann)
    cadence.set_cadence(14, now, tag="leads")
    close_database()
    return db, ann, lee


def test_today_json_has_the_cadence_rows(capsys, book, now):
    db, ann, lee = book
    code, out, _ = run(capsys, "--db", str(db), "today", "--json", now=now)
    assert code == 0
    rows = [{k: i[k] for k in ("kind", "customer_id", "customer_name", "reasons", "silent_days", "cadence_days")}
            for i in json.loads(out) if i["kind"] == "cadence"]
    assert rows == [
        {"kind": "cadence", "customer_id": ann, "customer_name": "Ann", "silent_days": 45, "cadence_days": 30,
         "reasons": ["no contact for 45 days (keep in touch every 30)"]},
        {"kind": "cadence", "customer_id": lee, "customer_name": "Lee", "silent_days": 20, "cadence_days": 14,
         "reasons": ["never contacted (keep in touch every 14, #leads)"]},
    ]


def test_today_table_has_the_cadence_rows(capsys, book, now):
    db, *_ = book
    code, out, _ = run(capsys, "--db", str(db), "today", now=now)
    assert code == 0
    lines = [line.split("  ") for line in out.splitlines() if " cadence " in line]
    assert [[cell.strip() for cell in line if cell.strip()] for line in lines] == [
        ["3.2", "cadence", "Ann", "keep in touch", "no contact for 45 days (keep in touch every 30)"],
        ["3.2", "cadence", "Lee", "keep in touch", "never contacted (keep in touch every 14, #leads)"],
    ]
