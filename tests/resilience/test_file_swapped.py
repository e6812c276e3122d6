"""Another file put at the database's path while the app runs (a copy put back by hand,
a stray file moved there, the file overwritten in place). The app must never open it
with its old WAL nor write into it: it says so in a toast and keeps running; after it
quits, the file at the path is exactly what was put there."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from .conftest import NOW, cli, integrity
from .test_hostile_files import _settle, _toasts, _type, digest


def _names(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM customer ORDER BY name")]
    finally:
        conn.close()


def _problems(app, seen) -> list[str]:
    return [m for s, _, m in seen if s == "error"] + [t for t, k in app.session.lines if k == "error"]


@pytest.mark.parametrize("how", ["copy put back", "garbage moved in", "garbage written in place"])
async def test_file_swapped_under_the_app_is_never_written(db_path, make_app, tmp_path, how):
    from solocrm_tui.core.contacts import customers
    from solocrm_tui.core.storage.backup import backup_to
    from solocrm_tui.core.storage.db import close_database

    customers.create_customer(NOW, name="Ann Before")
    replacement = tmp_path / "replacement.db"
    if how == "copy put back":
        backup_to(db_path, replacement)
    else:
        replacement.write_bytes(os.urandom(64 * 1024))
    app = make_app("customers")
    seen = _toasts(app)
    async with app.run_test(size=(120, 35)) as pilot:
        await _settle(app, pilot)
        await _type(pilot, "/add Bo During bo@example.com")
        await _settle(app, pilot)
        assert not _problems(app, seen)
        wal = db_path.with_name(db_path.name + "-wal")
        assert wal.exists() and wal.stat().st_size  # the app's WAL holds Bo, not yet in the file
        if how == "garbage written in place":
            db_path.write_bytes(replacement.read_bytes())
        else:
            os.replace(replacement, db_path)
        expected = digest(db_path)
        await _type(pilot, "add Cy After cy@example.com")  # the composer has focus: slash types the /
        await _settle(app, pilot)
        app.screen.reload()
        await _settle(app, pilot)
        assert app.is_running and app.return_code is None
        problems = _problems(app, seen)
        assert problems and all("replaced" in p or "no longer" in p for p in problems), (problems, app.session.lines)
    close_database()
    if how == "copy put back":
        assert integrity(db_path) == "ok"
        assert _names(db_path) == ["Ann Before"]  # neither the old WAL's Bo nor the refused Cy
        assert cli("--db", db_path, "doctor").returncode == 0
    else:
        assert digest(db_path) == expected
