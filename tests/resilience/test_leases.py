"""Issue #17 item 12: `solocrm doctor` reports a job lease left by a dead or stuck process.

A lease (job_state row with no finished_at) held by a process that was killed, or for
longer than jobs.LEASE, is what a crash mid-job leaves; doctor names it and says what to
do, and the next run of that job takes it over.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta

from .conftest import cli, seed


def _dead_pid() -> int:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(gone.stdout)


def _lease(db, name: str, owner: str, started: datetime) -> None:
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute("INSERT INTO job_state (name, started_at, finished_at, ok, owner) VALUES (?, ?, NULL, 1, ?)",
                         (name, started.isoformat(sep=" "), owner))
    finally:
        conn.close()


def _jobs_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("jobs "))


def test_doctor_reports_a_lease_held_by_a_killed_process(db_file):
    seed(db_file)
    owner = f"{socket.gethostname()}:{_dead_pid()}"
    _lease(db_file, "refit", owner, datetime.now() - timedelta(minutes=5))

    done = cli("--db", db_file, "doctor")

    assert done.returncode == 1, done.stdout + done.stderr
    line = _jobs_line(done.stdout)
    assert "PROBLEM: refit was left unfinished by process " + owner + ", which is no longer running" in line
    assert "open solocrm" in line  # what to do
    assert done.stdout.rstrip().endswith("unhealthy: 1 problem") and done.stderr == ""

    _run_job(db_file, "refit")  # what the app's scheduler does next time: takes the lease over
    assert cli("--db", db_file, "doctor").returncode == 0


def _run_job(db, name: str) -> None:
    from solocrm_tui.core import jobs
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(db, create=False)
    try:
        now = datetime.now()
        assert jobs.begin(name, now)
        jobs.end(name, now)
    finally:
        close_database()


def test_doctor_reports_a_lease_held_past_its_time(db_file):
    seed(db_file)
    _lease(db_file, "backup", "another-machine:4242", datetime.now() - timedelta(hours=3))

    done = cli("--db", db_file, "doctor")

    assert done.returncode == 1
    assert "PROBLEM: backup has been running since " in _jobs_line(done.stdout)


def test_doctor_is_content_with_a_running_job_and_with_none(db_file):
    seed(db_file)
    done = cli("--db", db_file, "doctor")
    assert done.returncode == 0, done.stdout
    assert "ok: no job left unfinished" in _jobs_line(done.stdout)

    _lease(db_file, "restage", f"{socket.gethostname()}:{1}", datetime.now() - timedelta(minutes=1))  # pid 1 lives
    done = cli("--db", db_file, "doctor")
    assert done.returncode == 0, done.stdout
    assert "ok: " in _jobs_line(done.stdout)
