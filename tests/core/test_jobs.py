"""Job bodies and the job_state lease: one run at a time across instances, retried after a failure."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from solocrm_tui.core import jobs
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup
from solocrm_tui.core.storage.models import FollowUp as FollowUpModel
from solocrm_tui.core.storage.models import JobState

DAY = timedelta(days=1)
MIN = timedelta(minutes=1)


# --- lease: begin / end --------------------------------------------------------------------


def test_first_begin_takes_the_lease(db_path, now):
    assert jobs.begin("backup", now, DAY) is True
    started, finished, ok, error = jobs.last_runs()["backup"]
    assert (started, finished, ok, error) == (now, None, True, None)


def test_second_begin_while_running_is_refused(db_path, now):
    assert jobs.begin("backup", now, DAY)
    assert jobs.begin("backup", now + MIN, DAY) is False
    assert jobs.begin("backup", now + MIN) is False  # no `every`: still running is still running
    assert jobs.last_runs()["backup"][0] == now  # the refused call did not move the lease


def test_after_a_successful_run_every_must_elapse(db_path, now):
    assert jobs.begin("backup", now, DAY)
    jobs.end("backup", now + MIN)
    assert jobs.last_runs()["backup"] == (now, now + MIN, True, None)
    assert jobs.begin("backup", now + 2 * MIN, DAY) is False
    assert jobs.begin("backup", now + MIN + DAY - timedelta(seconds=1), DAY) is False
    assert jobs.begin("backup", now + MIN + DAY, DAY) is True  # exactly one period after it finished


def test_without_every_a_finished_job_may_run_again(db_path, now):
    assert jobs.begin("restage", now)
    jobs.end("restage", now + MIN)
    assert jobs.begin("restage", now + 2 * MIN) is True


def test_a_failed_run_may_run_again_at_once(db_path, now):
    assert jobs.begin("backup", now, DAY)
    jobs.end("backup", now + MIN, "DatabaseError: disk full")
    assert jobs.last_runs()["backup"] == (now, now + MIN, False, "DatabaseError: disk full")
    assert jobs.begin("backup", now + 2 * MIN, DAY) is True  # the period has not elapsed: retried anyway
    assert jobs.begin("backup", now + 3 * MIN, DAY) is False  # but the retry itself holds the lease
    jobs.end("backup", now + 4 * MIN)
    assert jobs.last_runs()["backup"] == (now + 2 * MIN, now + 4 * MIN, True, None)
    assert jobs.begin("backup", now + 5 * MIN, DAY) is False  # succeeded: wait a period again


def test_a_stale_lease_older_than_an_hour_can_be_taken(db_path, now):
    assert jobs.begin("backup", now, DAY)  # that instance crashed and never called end()
    assert jobs.begin("backup", now + jobs.LEASE - MIN, DAY) is False
    assert jobs.begin("backup", now + jobs.LEASE + MIN, DAY) is True
    assert jobs.last_runs()["backup"][0] == now + jobs.LEASE + MIN


def test_leases_are_per_job(db_path, now):
    assert jobs.begin("backup", now, DAY)
    assert jobs.begin("refit", now, DAY)
    assert jobs.begin("backup", now, DAY) is False
    assert set(jobs.last_runs()) == {"backup", "refit"}
    assert JobState.select().count() == 2


# --- remind -----------------------------------------------------------------------------------


def test_remind_claims_due_followups_once(db_path, now):
    alice = create_customer(now, name="Alice").id
    due = create_followup("call Alice", now - MIN, now, customer_id=alice)
    create_followup("later", now + DAY, now, customer_id=alice)
    assert [f.id for f in jobs.remind(now)] == [due.id]
    assert jobs.remind(now) == []
    assert FollowUpModel.get_by_id(due.id).notified_at == now


# --- backup -----------------------------------------------------------------------------------


def _backups(db_path: Path) -> list[Path]:
    return sorted((db_path.parent / "backups").glob(f"{db_path.stem}-????????-??????.db"))


def test_backup_writes_a_private_readable_copy(db_path, now):
    create_customer(now, name="Alice")
    target = jobs.backup(db_path, now, keep=3)
    assert target == db_path.parent / "backups" / "crm-20261122-103000.db"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("SELECT name FROM customer").fetchall() == [("Alice",)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    assert not list(target.parent.glob("*.part"))


def test_backup_rotates_to_keep_the_newest_n(db_path, now):
    made = [jobs.backup(db_path, now + i * DAY, keep=3) for i in range(5)]
    kept = _backups(db_path)
    assert kept == made[-3:]
    assert [p.name for p in kept] == ["crm-20261124-103000.db", "crm-20261125-103000.db",
                                      "crm-20261126-103000.db"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in kept)


def test_backup_rotation_leaves_other_files_alone(db_path, now):
    folder = db_path.parent / "backups"
    folder.mkdir(exist_ok=True)
    schema_copy = folder / "crm.schema1.bak.db"
    schema_copy.write_bytes(b"x")
    other_db = folder / "other-20200101-000000.db"
    other_db.write_bytes(b"x")
    for i in range(3):
        jobs.backup(db_path, now + i * DAY, keep=1)
    assert [p.name for p in _backups(db_path)] == ["crm-20261124-103000.db"]
    assert schema_copy.exists() and other_db.exists()


@pytest.mark.parametrize("keep", [1, 2])
def test_backup_keep_counts_the_new_copy(db_path, now, keep):
    for i in range(4):
        jobs.backup(db_path, datetime(2026, 1, 1) + i * MIN, keep=keep)
    assert len(_backups(db_path)) == keep


def test_a_lease_left_by_a_dead_process_is_taken_over_at_once(db_path, now):
    """An app closed or killed mid-job must not block the job for the one-hour lease."""
    import subprocess
    import sys

    from solocrm_tui.core.storage.models import JobState

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    assert jobs.begin("restage", now)
    JobState.update(owner=f"{jobs.this_process().rpartition(':')[0]}:{dead_pid}").execute()
    assert jobs.begin("restage", now + timedelta(minutes=1))  # the owner is gone: taken over
    assert not jobs.begin("restage", now + timedelta(minutes=2))  # now held by this (live) process
