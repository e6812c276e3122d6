"""SPEC §9: kill -9 at any moment loses at most the action in flight.

An import killed in the middle leaves none of its rows once the next process looks
(`solocrm doctor` here: the import writes in steps, so the steps committed before the
kill stay, marked in progress, until then); a composer write loop killed
in the middle leaves every committed action whole (an order always with its
customer's totals) and nothing of the one in flight but all of it or none of it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import (
    ROOT,
    WRITER_NAMES,
    child,
    cli,
    counts,
    inconsistent_totals,
    integrity,
    seed,
    wait_for_line,
    write_customers_csv,
)


def _wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_import_killed_midway_leaves_no_row_of_it(db_file, tmp_path):
    seed(db_file)
    before = counts(db_file)
    csv = write_customers_csv(tmp_path / "big.csv", 60_000, "Killed")
    start_wal = _wal_size(db_file)
    proc = subprocess.Popen([sys.executable, "-m", "solocrm_tui", "--db", str(db_file), "import", "customers",
                             str(csv)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _wal_size(db_file) < start_wal + 256 * 1024:  # it is writing the batch now
        assert proc.poll() is None, "the import ended before it could be killed: make the file bigger"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert proc.returncode == -signal.SIGKILL

    assert integrity(db_file) == "ok"
    doctor = cli("--db", db_file, "doctor")
    assert doctor.returncode == 0 and "took back the interrupted import" in doctor.stdout, doctor.stdout
    assert counts(db_file) == before  # no customer, no batch, no change record of the killed import
    done = cli("--db", db_file, "import", "customers", write_customers_csv(tmp_path / "small.csv", 10, "After"))
    assert done.returncode == 0, done.stderr  # and the file takes the next import normally
    assert counts(db_file)["customer"] == before["customer"] + 10


def test_write_loop_killed_midway_keeps_every_committed_action_whole(db_file):
    seed(db_file)
    before = counts(db_file)
    proc = child("write-loop", db_file, 100_000, *WRITER_NAMES)
    try:
        wait_for_line(proc, "ready")
        done = -1
        while done < 150:  # well into the loop
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            if line.startswith("done "):
                done = int(line.split()[1])
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read()  # lines printed between our read and the kill
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
    committed = done + 1 + rest.count("done ")

    assert integrity(db_file) == "ok"
    orders = counts(db_file)["orders"] - before["orders"]
    assert committed <= orders <= committed + 1  # at most the action in flight, whole or not at all
    assert inconsistent_totals(db_file) == []  # never an order without its customer's totals
