"""Issue #17 item 8: a long import never holds the write lock beyond what other writers
tolerate, and a write that can't land says so and keeps what was typed.

The import commits in short steps under one batch marked in progress: a second process
keeps writing notes and running the reminders job body meanwhile (with a busy timeout
far shorter than the whole import takes); an import killed with -9 is taken back by the
next import, one stopped with Ctrl-C takes itself back at once. In the app, a composer
line that meets a locked database gets its ✗, the text goes back into the field, and the
reminders job waits for its next turn instead of failing.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

from textual.widgets import Input

from solocrm_tui.core.storage.db import close_database, open_database

from .conftest import NOW, ROOT, cli, counts, integrity, raw, seed, write_customers_csv

SHORT_BUSY_MS = 1000  # the old one-transaction import held the lock for seconds
ROWS = 60_000


def _import(db, csv, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "solocrm_tui", "--db", str(db), "import", "customers", str(csv)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def _import_state(db) -> tuple[bool, int]:
    """(an import is in progress, customers in the file) as another process sees them."""
    conn = raw(db)
    try:
        running = conn.execute("SELECT COUNT(*) FROM batch WHERE json_extract(summary, '$.in_progress') "
                               "IS NOT NULL").fetchone()[0]
        return bool(running), conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0]
    finally:
        conn.close()


def _wait_for_steps(db, proc, before: int) -> None:
    """Until the import is in progress and at least one step of it is committed."""
    deadline = time.monotonic() + 120
    while True:
        running, customers = _import_state(db)
        if running and customers > before:
            return
        assert proc.poll() is None, f"the import ended before it was caught mid-way: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "the import never committed a step"
        time.sleep(0.01)


def test_notes_and_reminders_land_while_a_long_import_runs(db_file, tmp_path):
    from solocrm_tui.core import jobs
    from solocrm_tui.core.contacts import followups
    from solocrm_tui.core.contacts.timeline import add_interaction

    ids = seed(db_file)
    csv = write_customers_csv(tmp_path / "big.csv", ROWS, "Long")
    proc = _import(db_file, csv)
    open_database(db_file, busy_ms=SHORT_BUSY_MS)
    try:
        _wait_for_steps(db_file, proc, len(ids))
        written = claimed = 0
        while _import_state(db_file)[0]:
            customer = ids["Writer Alpha"]
            add_interaction(customer, "note", f"during the import {written}", NOW)
            followups.create_followup(f"due {written}", NOW - timedelta(minutes=1), NOW, customer_id=customer)
            claimed += len(jobs.remind(NOW))
            written += 1
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert f"inserted {ROWS:,}" in out
        assert written >= 3, "the import finished before the writes could overlap it: make the file bigger"
        assert claimed == written  # every reminder the job claimed while the import ran
    finally:
        close_database()
        if proc.poll() is None:
            proc.kill()
    after = counts(db_file)
    assert after["customer"] == len(ids) + ROWS
    assert after["interaction"] == 2 * written  # each note, and each reminder's timeline line
    assert integrity(db_file) == "ok"


def test_import_killed_midway_is_taken_back_by_the_next_import(db_file, tmp_path):
    seed(db_file)
    before = counts(db_file)
    proc = _import(db_file, write_customers_csv(tmp_path / "big.csv", ROWS, "Killed"))
    _wait_for_steps(db_file, proc, before["customer"])
    proc.send_signal(signal.SIGSTOP)  # frozen mid-way, however slowly this process was scheduled
    assert _import_state(db_file)[0], "the import ended before it was caught mid-way"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert counts(db_file)["customer"] > before["customer"]  # the committed steps, until taken back

    done = cli("--db", db_file, "import", "customers", write_customers_csv(tmp_path / "small.csv", 10, "After"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("took back the interrupted import imp-")
    assert integrity(db_file) == "ok"
    after = counts(db_file)
    assert after["customer"] == before["customer"] + 10
    assert after["batch"] == before["batch"] + 1


def test_import_stopped_with_ctrl_c_takes_itself_back(db_file, tmp_path):
    seed(db_file)
    before = counts(db_file)
    proc = _import(db_file, write_customers_csv(tmp_path / "big.csv", ROWS, "Stopped"))
    _wait_for_steps(db_file, proc, before["customer"])
    # Frozen between its steps, the import cannot finish before Ctrl-C reaches it, however
    # slowly this process was scheduled: the interrupt lands the moment it runs again.
    proc.send_signal(signal.SIGSTOP)
    assert _import_state(db_file)[0], "the import ended before it was caught mid-way"
    proc.send_signal(signal.SIGINT)
    proc.send_signal(signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip() == "solocrm: interrupted"
    assert counts(db_file) == before
    assert integrity(db_file) == "ok"


async def test_composer_line_meeting_a_locked_database_is_kept_and_retried(db_path, make_app):
    from solocrm_tui.core import jobs
    from solocrm_tui.jobs.scheduling import Job, JobRunner

    from ..tui.conftest import settle, wait_until

    db_file = db_path
    ids = seed(db_file, reminders=1)
    open_database(db_file, busy_ms=200)
    holder = sqlite3.connect(db_file, isolation_level=None)
    try:
        app = make_app()
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            runner = JobRunner(app, [Job("reminders", jobs.remind, timedelta(seconds=30))])
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            await pilot.press("slash")
            field = app.screen.query_one("#composer-input", Input)
            typed = '/note @"Writer Bravo" the line that must not vanish'
            field.value = typed
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.session.lines[-1][1] == "error", "the ✗ line")
            text, _kind = app.session.lines[-1]
            assert text.startswith("✗ the database stayed busy") and "\n" not in text
            assert field.value == typed  # back in the field: Enter sends it again
            assert app.session.history[-1] == typed
            assert runner.run_now("reminders")
            await wait_until(pilot, lambda: "reminders" not in runner.running, "the reminders run to end")
            assert runner.last_error == {} and "reminders" not in runner.last_ok  # not a failure: next turn
            assert "locked" not in app.sub_title and "locked" not in str(app.session.lines)
            holder.execute("ROLLBACK")

            await pilot.press("enter")
            await settle(pilot)
            assert app.session.lines[-1][0].startswith("✓"), app.session.lines[-3:]
            assert runner.run_now("reminders")
            await wait_until(pilot, lambda: "reminders" in runner.last_ok, "the next reminders turn")
        conn = raw(db_file)
        try:
            assert conn.execute("SELECT body FROM interaction WHERE customer_id = ?",
                                (ids["Writer Bravo"],)).fetchall() == [("the line that must not vanish",)]
            assert conn.execute("SELECT COUNT(*) FROM followup WHERE notified_at IS NULL").fetchone()[0] == 0
        finally:
            conn.close()
    finally:
        holder.close()
        close_database()
