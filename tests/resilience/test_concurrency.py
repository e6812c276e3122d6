"""SPEC §9: two app instances plus a CLI import on one database — no "database is
locked" reaches the user, no write is lost, every reminder is claimed exactly once.

Each app instance is its own process running the whole app headless and typing
`/buy` commands into the real composer while claiming due reminders; meanwhile this
process runs `solocrm import customers` three times.
"""

from __future__ import annotations

import json
import time

import pytest

from .conftest import (
    NOW,
    WRITER_NAMES,
    child,
    cli,
    counts,
    inconsistent_totals,
    integrity,
    raw,
    seed,
    wait_for_line,
    write_customers_csv,
)

WRITES = 200  # per app instance
IMPORTS = 3
IMPORT_ROWS = 1000
REMINDERS = 60
DEADLINE = 900  # seconds: only reached when something hangs, never by a slow machine


@pytest.mark.slow
def test_two_apps_and_an_import_lose_nothing_and_never_say_locked(db_file, tmp_path):
    seed(db_file, reminders=REMINDERS)
    before = counts(db_file)
    apps = [child("app-writer", db_file, tag, WRITES, *WRITER_NAMES) for tag in ("one", "two")]
    try:
        for proc in apps:
            wait_for_line(proc, "ready")
        imports = []
        for n in range(IMPORTS):  # while both apps are writing
            csv = write_customers_csv(tmp_path / f"batch{n}.csv", IMPORT_ROWS, f"Batch{n}")
            imports.append(cli("--db", db_file, "import", "customers", csv, timeout=DEADLINE))
        outputs = [proc.communicate(timeout=DEADLINE) for proc in apps]
    finally:
        for proc in apps:
            if proc.poll() is None:
                proc.kill()

    for done in imports:
        assert done.returncode == 0, done.stderr
        assert "locked" not in done.stdout + done.stderr
        assert f"inserted {IMPORT_ROWS:,}" in done.stdout
    results = []
    for proc, (out, err) in zip(apps, outputs):
        assert proc.returncode == 0, err[-2000:]
        assert "locked" not in out + err and "Traceback" not in err
        results.append(json.loads(out.strip().splitlines()[-1]))
    for result in results:
        assert result["errors"] == [] and result["return_code"] in (None, 0)
        assert [t for t in result["toasts"] if t[0] == "error"] == []
        assert result["answers"] == WRITES  # the owner saw a ✓ for every command

    after = counts(db_file)
    assert after["orders"] == before["orders"] + 2 * WRITES
    assert after["customer"] == before["customer"] + IMPORTS * IMPORT_ROWS
    assert inconsistent_totals(db_file) == []
    claimed = results[0]["claimed"] + results[1]["claimed"]
    assert len(claimed) == len(set(claimed)) == REMINDERS  # each reminder told once, by one instance
    assert integrity(db_file) == "ok"
    assert NOW  # the children ran on the same fixed clock


BURST = 20


def _wait_for_more_notes(path, proc, seen: int) -> int:
    """Until the other process has written more than `seen` notes, or has ended."""
    deadline = time.monotonic() + DEADLINE
    while True:
        conn = raw(path)
        try:
            now = conn.execute("SELECT COUNT(*) FROM interaction WHERE body LIKE 'other instance%'").fetchone()[0]
        finally:
            conn.close()
        if now > seen or proc.poll() is not None:
            return now
        assert time.monotonic() < deadline, "the other process stopped writing"
        time.sleep(0.005)


@pytest.mark.slow
def test_undo_removes_only_its_own_notes_while_another_process_writes(db_file):
    """Another process writes notes on the same customer while this one adds and undoes notes:
    every undo removes exactly its own note (the old marker-based undo removed theirs too)."""
    from solocrm_tui.core.contacts import timeline
    from solocrm_tui.core.storage import changes
    from solocrm_tui.core.storage.db import close_database, open_database

    ids = seed(db_file)
    ann = ids[WRITER_NAMES[0]]
    other = child("note-loop", db_file, 400, ann)
    try:
        wait_for_line(other, "ready")
        open_database(db_file, create=False)
        undone, theirs = 0, 0
        while other.poll() is None or undone < 50:
            for _ in range(BURST):
                _, change = changes.record(lambda: timeline.add_interaction(ann, "note", "mine", NOW), "note")
                changes.undo(change, NOW)
                undone += 1
            # SQLite has no queue: writing back to back for as long as the other process runs
            # could starve it past its busy timeout on a loaded machine. Each burst waits for
            # the other process to get a note in (or to end).
            theirs = _wait_for_more_notes(db_file, other, theirs)
        out, err = other.communicate(timeout=DEADLINE)
        assert other.returncode == 0, err[-2000:]
        assert "finished" in out
    finally:
        if other.poll() is None:
            other.kill()
        close_database()
    conn = raw(db_file)
    try:
        bodies = [b for (b,) in conn.execute("SELECT body FROM interaction WHERE customer_id = ? AND kind = 'note'",
                                             (ann,))]
    finally:
        conn.close()
    assert "mine" not in bodies
    assert sorted(bodies) == sorted(f"other instance {i}" for i in range(400))
