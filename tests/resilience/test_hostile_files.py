"""The database file misbehaves: read-only file or folder, a full disk, deleted under a
running app, corrupt. The CLI answers with one clear line (exit 1), the app with an
error toast and keeps running; no traceback, and nothing else is lost.

Root ignores file permissions, so when the tests run as root the CLI and app children
run as `nobody` on files that `nobody` owns.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from .conftest import (
    NOW,
    WRITER_NAMES,
    child,
    cli,
    counts,
    integrity,
    seed,
    write_customers_csv,
)


def one_line_error(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("solocrm: error: "), done.stderr
    for word in words:
        assert word in lines[0].lower(), lines[0]
    return lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def owned_dir(tmp_path):
    """A folder the CLI child may use: ours, or `nobody`'s when we are root."""
    if os.geteuid() != 0:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="solocrm-res-", dir="/tmp"))
    os.chmod(folder, 0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _hand_over(folder: Path) -> dict:
    """Give `folder` to the child's user; the env points its config inside the folder."""
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, 65534, 65534)
    env = dict(os.environ, SOLOCRM_CONFIG=str(folder / "config.toml"), HOME=str(folder))
    return {"env": env, "as_nobody": True}


def _checkpointed(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)


# read-only ---------------------------------------------------------------------------

def test_read_only_file_reads_work_and_writes_say_so_in_one_line(owned_dir):
    db = owned_dir / "crm.db"
    seed(db)
    _checkpointed(db)
    csv = write_customers_csv(owned_dir / "in.csv", 5, "New")
    kwargs = _hand_over(owned_dir)
    os.chmod(db, 0o400)
    before = digest(db)

    assert cli("--db", db, "today", **kwargs).returncode == 0
    one_line_error(cli("--db", db, "import", "customers", csv, **kwargs), "readonly")
    assert digest(db) == before


def test_read_only_folder_says_so_in_one_line(owned_dir):
    db = owned_dir / "crm.db"
    seed(db)
    _checkpointed(db)
    kwargs = _hand_over(owned_dir)
    os.chmod(owned_dir, 0o500)
    before = digest(db)
    try:
        one_line_error(cli("--db", db, "today", **kwargs), "cannot open", "readonly")
        one_line_error(cli("--db", owned_dir / "new.db", "demo", **kwargs), "cannot create")
    finally:
        os.chmod(owned_dir, 0o755)
    assert digest(db) == before and not (owned_dir / "new.db").exists()


def test_app_on_a_read_only_file_shows_toasts_and_keeps_running(owned_dir):
    db = owned_dir / "crm.db"
    seed(db)
    _checkpointed(db)
    kwargs = _hand_over(owned_dir)
    os.chmod(db, 0o400)
    before = digest(db)
    proc = child("app-writer", db, "ro", 3, *WRITER_NAMES, **kwargs)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["return_code"] in (None, 0) and result["answers"] == 0
    shown = [message for severity, _, message in result["toasts"] if severity == "error"] + result["errors"]
    assert len(shown) >= 3 and all("readonly" in m for m in shown[:3]), shown
    assert digest(db) == before


# full disk ---------------------------------------------------------------------------

@pytest.fixture
def tiny_disk():
    """A 1 MiB tmpfs, when we may mount one (root in a container); skipped otherwise."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tiny tmpfs needs root")
    folder = Path(tempfile.mkdtemp(prefix="solocrm-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount tmpfs: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        folder.rmdir()


def test_full_disk_during_an_import_is_one_line_and_changes_nothing(tiny_disk, tmp_path):
    db = tiny_disk / "crm.db"
    seed(db)
    _checkpointed(db)
    before = counts(db)
    ballast = tiny_disk / "ballast"  # what the owner deletes to make room once told the disk is full
    ballast.write_bytes(b"\0" * 256 * 1024)
    big = write_customers_csv(tmp_path / "big.csv", 20_000, "Full")  # far more than 1 MiB in the database
    one_line_error(cli("--db", db, "import", "customers", big), "full")
    assert integrity(db) == "ok"
    # The steps committed before the disk filled can only be taken back with room to write:
    # the import tries at once; if the disk is still full, the next doctor or import does.
    ballast.unlink()
    doctor = cli("--db", db, "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert integrity(db) == "ok" and counts(db) == before
    small = write_customers_csv(tmp_path / "small.csv", 3, "Fits")
    assert cli("--db", db, "import", "customers", small).returncode == 0


@pytest.fixture
def full_disk(monkeypatch):
    """Every write statement fails the way SQLite says a full disk; reads still work."""
    from solocrm_tui.core.storage.models import database

    real = database.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            raise sqlite3.OperationalError("database or disk is full")
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database, "execute_sql", execute_sql)


async def _type(pilot, text: str) -> None:
    await pilot.press("slash")
    await pilot.press(*text)
    await pilot.press("enter")


async def _settle(app, pilot) -> None:
    for _ in range(3):
        for worker in list(app.workers):
            try:
                await worker.wait()
            except Exception:
                pass
        await pilot.pause()


def _toasts(app) -> list:
    seen: list = []
    real = app.notify

    def notify(message, *, title="", severity="information", **kwargs):
        seen.append((severity, str(title), str(message)))
        return real(message, title=title, severity=severity, **kwargs)

    app.notify = notify
    return seen


async def test_app_says_the_disk_is_full_and_keeps_running(db_path, make_app, full_disk):
    app = make_app("customers")
    seen = _toasts(app)
    before = counts(db_path)
    async with app.run_test(size=(120, 35)) as pilot:
        await _settle(app, pilot)
        await _type(pilot, '/add Zed Fuller zed@example.com')
        await _settle(app, pilot)
        assert app.is_running and app.return_code is None
        problems = [m for s, _, m in seen if s == "error"] + [t for t, k in app.session.lines if k == "error"]
        assert problems and all("full" in p for p in problems), (problems, app.session.lines)
    assert counts(db_path) == before


# deleted under the app ---------------------------------------------------------------

async def test_database_deleted_under_the_app_is_a_toast_not_a_new_empty_file(db_path, make_app):
    from solocrm_tui.core.contacts import customers

    customers.create_customer(NOW, name="Ann Gone")
    app = make_app("customers")
    seen = _toasts(app)
    async with app.run_test(size=(120, 35)) as pilot:
        await _settle(app, pilot)
        for suffix in ("", "-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        app.screen.reload()
        await _settle(app, pilot)
        await _type(pilot, '/add Bo Later bo@example.com')
        await _settle(app, pilot)
        assert app.is_running and app.return_code is None
        problems = [m for s, _, m in seen if s == "error"] + [t for t, k in app.session.lines if k == "error"]
        assert len(problems) >= 2 and all("is gone" in p for p in problems), (problems, app.session.lines)
    assert not db_path.exists()  # no empty database quietly created in its place


# corrupt -----------------------------------------------------------------------------

def _damaged(db: Path, how: str) -> Path:
    if how == "garbage":
        db.write_bytes(os.urandom(64 * 1024))
    elif how == "truncated":
        db.write_bytes(db.read_bytes()[:1500])
    elif how == "pages":
        data = bytearray(db.read_bytes())
        for start in range(4096 * 2, min(len(data), 4096 * 40), 4096):
            data[start:start + 64] = b"\xa5" * 64
        db.write_bytes(bytes(data))
    return db


@pytest.mark.parametrize("how", ["garbage", "truncated", "pages"])
def test_corrupt_database_is_one_line_for_every_command(tmp_path, how):
    db = tmp_path / "crm.db"
    seed(db)
    _checkpointed(db)
    _damaged(db, how)
    before = digest(db)
    for args in (["today"], ["import", "customers", write_customers_csv(tmp_path / "c.csv", 3, "C")],
                 ["export", "customers"]):
        done = cli("--db", db, *args)
        if how == "pages" and done.returncode == 0:
            continue  # the damage missed what this command reads
        one_line_error(done)
    assert digest(db) == before
    assert WRITER_NAMES  # (seeded with the writer customers)
