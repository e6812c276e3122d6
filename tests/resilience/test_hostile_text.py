"""Hostile text: markup and terminal control in stored or imported data is shown, never obeyed.

Titles with Rich markup (`[/]`, `[bold]…`, `[link=…]`) used to crash the tab that showed
them; escape sequences in imported custom fields reached the terminal raw (one changed
its title). The data here is stored through core (or straight into the file, as data
from before validation would be), then every place that shows it is opened through keys.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta

from textual import events
from textual.widgets import TabbedContent
from textual.worker import WorkerCancelled

from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.core.sales import campaigns, deals, orders
from solocrm_tui.core.service import tickets

from .conftest import NOW, ROOT

SIZE = (160, 40)
D = timedelta(days=1)
PWNED = "\x1b]0;pwned\x07"  # sets the terminal's title
FORBIDDEN = ("\x1b", "\x07", "\u202e", "\x9b")
MARKUP = {
    "followup": "send quote [/] asap",
    "order": "[bold]x[/bold] beans",
    "deal": "[link=https://e.x]deal[/link]",
    "ticket": "broken [/] again",
    "campaign": "Spring [red]sale",
}


def screen_text(app) -> str:
    """What the terminal would be sent for the current screen, as text."""
    return "\n".join("".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips())


def obeyed(text: str) -> list[str]:
    return [c for c in FORBIDDEN if c in text]


async def settle(pilot, rounds: int = 3) -> None:
    """Let workers finish and the reloads their messages start (a superseded load ends cancelled)."""
    for _ in range(rounds):
        while workers := [w for w in pilot.app.workers if not w.is_finished]:
            for worker in workers:
                try:
                    await worker.wait()
                except WorkerCancelled:
                    pass
        await pilot.pause()


def seed_markup() -> int:
    ann = customers.create_customer(NOW - 30 * D, name="Ann [b]Archer[/b]", company="[i]Acme[/]").id
    customers.create_customer(NOW - 30 * D, name="Ann [b]Archer[/b] too")
    followups.create_followup(MARKUP["followup"], NOW - D, NOW - 2 * D, customer_id=ann)
    orders.add_order(ann, "42", NOW - 3 * D, description=MARKUP["order"])
    deals.create_deal(ann, MARKUP["deal"], "900", NOW - 3 * D)
    tickets.open_ticket(ann, MARKUP["ticket"], NOW - 2 * D)
    campaigns.create_campaign(MARKUP["campaign"], NOW - 5 * D, channel="[/]email")
    timeline.add_interaction(ann, "note", "a [/] note", NOW - D)
    return ann


def raw_update(db_path, sql: str, *params) -> None:
    """Write past validation, as data from an older version or another tool would be."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(sql, params)
    conn.close()


async def test_markup_in_titles_is_shown_literally_on_every_customer_tab(make_app):
    seed_markup()
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Ann [b]Archer[/b]" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        for expected in ("a [/] note", MARKUP["order"], MARKUP["deal"], MARKUP["followup"], MARKUP["ticket"]):
            assert expected in screen_text(app), (expected, screen_text(app))
            await pilot.press("right_square_bracket")
            await settle(pilot)
        assert app.is_running


async def test_markup_in_today_pipeline_and_insights_is_shown_literally(make_app, db_path):
    ann = seed_markup()
    raw_update(db_path, "UPDATE customer SET churn_risk = 0.8, clv = 500, segment = '[/]seg' WHERE id = ?", ann)
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert MARKUP["followup"] in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert MARKUP["deal"] in screen_text(app)
        await pilot.press("4")
        await settle(pilot)
        tabs = app.screen.query_one("#insights-tabs", TabbedContent)
        seen = {}
        for _ in range(len(app.screen.TABS)):
            await pilot.press("right_square_bracket")
            await settle(pilot)
            seen[tabs.active] = screen_text(app)
        assert "Ann [b]Archer[/b]" in seen["contact"] and "Ann [b]Archer[/b]" in seen["top"]
        assert MARKUP["campaign"] in seen["campaigns"] and "[/]email" in seen["campaigns"]
        assert MARKUP["ticket"] in seen["tickets"]
        assert app.is_running


async def test_merge_form_shows_markup_names_literally(make_app):
    seed_markup()
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "m")
        await settle(pilot)
        text = screen_text(app)
        assert "Merge #1 Ann [b]Archer[/b] and #2 Ann [b]Archer[/b] too" in text, text
        assert "#2 Ann [b]Archer[/b] too" in text and app.is_running


async def test_escape_sequences_already_stored_are_shown_not_sent(make_app, db_path):
    ann = customers.create_customer(NOW, name="Eve Escape").id
    deals.create_deal(ann, "a deal", "10", NOW - D)
    followups.create_followup("call back", NOW - D, NOW - 2 * D, customer_id=ann)
    raw_update(db_path, "UPDATE customer SET name = ?, custom = ? WHERE id = ?", f"Eve{PWNED} \u202eevE",
               json.dumps({f"note{PWNED}": f"{PWNED}\u202eolleh \x9b31m"}), ann)
    raw_update(db_path, "UPDATE deal SET title = ?", f"deal{PWNED}")
    raw_update(db_path, "UPDATE followup SET title = ?", f"call{PWNED}")
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not obeyed(screen_text(app)) and "call␛]0;pwned␇" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert not obeyed(screen_text(app)) and "Eve␛]0;pwned␇ �evE" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert not obeyed(text), (obeyed(text), text)
        assert "note␛]0;pwne ␛]0;pwned␇�olleh" in text and "�31m" in text  # the profile card's custom field
        await pilot.press("e")  # the edit form: its name field shows the stored name, made visible
        await settle(pilot)
        assert not obeyed(screen_text(app)) and "Eve␛]0;pwned␇ �evE" in screen_text(app)
        await pilot.press("escape", "escape", "3")
        await settle(pilot)
        assert not obeyed(screen_text(app)) and "deal␛]0;pwned␇" in screen_text(app)


async def test_composer_keeps_markup_in_a_note_literally_and_refuses_a_bidi_override(make_app):
    ann = customers.create_customer(NOW, name="Ann Archer").id
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n", *"[/] and [bold]x[/bold]", "enter")
        await settle(pilot)
        assert [e.body for e in timeline.page_timeline(ann).rows] == ["[/] and [bold]x[/bold]"]
        assert "› [/] and [bold]x[/bold]" in screen_text(app) and app.is_running
        await pilot.press("n")
        field = app.screen.query_one("#composer-input")
        field.post_message(events.Paste("pay \u202eedcba"))  # no key types it: it arrives pasted
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert len(timeline.page_timeline(ann).rows) == 1
        errors = [text for text, kind in app.session.lines if kind == "error"]
        assert errors == ["✗ text contains a control character ('\\u202e')"], app.session.lines
        assert not obeyed(screen_text(app)) and errors[0] in screen_text(app)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """`solocrm ARGS` in a child process; output kept as bytes, as the terminal would get them."""
    return subprocess.run([sys.executable, "-m", "solocrm_tui", *map(str, args)], cwd=ROOT, capture_output=True,
                          timeout=600)


def test_import_report_never_sends_escapes_from_headers_or_values(tmp_path, db_file):
    csv = tmp_path / "hostile.csv"
    csv.write_text(f"name,email,Note{PWNED}\u202e,size\n"
                   f"Ann Archer,ann@example.com,fine,{PWNED}XL\n"
                   f"Ben \u202eBaker,ben@example.com,ok,M\n"
                   f"Cleo Cole,cleo@example.com,ok,L\n", encoding="utf-8")
    done = run_cli("--db", db_file, "import", "customers", csv)
    out = done.stdout + done.stderr
    assert not [c for c in (b"\x1b", b"\x07", "\u202e".encode()) if c in out], out
    report = done.stdout.decode()
    assert done.returncode == 1 and b"Traceback" not in out
    assert "line 2: rejected: custom field size contains a control character ('\\x1b')" in report, report
    assert "line 3: rejected: name contains a control character ('\\u202e')" in report, report
    assert "ignored columns: \"Note␛]0;pwned␇�\" (its name contains a control character)" in report, report
    conn = sqlite3.connect(db_file)
    stored = conn.execute("SELECT name, custom FROM customer").fetchall()
    conn.close()
    assert stored == [("Cleo Cole", '{"size": "L"}')]


def test_cli_prints_stored_escapes_visibly(tmp_path, db_file):
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(db_file)
    try:
        ann = customers.create_customer(NOW, name="Ann Archer", phone="+49 30 1111111").id
        customers.create_customer(NOW, name="Ann Archer", phone="+49 30 1111111")
        followups.create_followup("call back", NOW - D, NOW - 2 * D, customer_id=ann)
    finally:
        close_database()
    raw_update(db_file, "UPDATE customer SET name = ?", f"Ann{PWNED}\u202e")
    raw_update(db_file, "UPDATE followup SET title = ?", f"call{PWNED}\u202e\x85")
    for args in (["today"], ["duplicates"], ["remind"], ["import", "customers", f"people{PWNED}.csv"],
                 ["export", "customers", "-o", f"/nowhere{PWNED}/c.csv"]):
        done = run_cli("--db", db_file, *args)
        out = done.stdout + done.stderr
        assert not [c for c in (b"\x1b", b"\x07", "\u202e".encode()) if c in out], (args, out)
        assert "␛]0;pwned␇" in out.decode(), (args, out.decode())
    exported = run_cli("--db", db_file, "export", "customers").stdout  # into a pipe: the data, byte for byte
    assert f"Ann{PWNED}\u202e".encode() in exported
    queue = run_cli("--db", db_file, "today", "--json").stdout  # for scripts: escaped, and exact once parsed
    assert not [c for c in (b"\x1b", b"\x07", "\u202e".encode()) if c in queue], queue
    assert f"call{PWNED}\u202e\x85" in {item["title"] for item in json.loads(queue)}
