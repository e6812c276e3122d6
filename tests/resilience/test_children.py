"""Issue #17 item 12: child processes die with the app that started them.

The analytics child (refit, Insights summary) is a separate interpreter; an app killed
with kill -9 must not leave it running, and it must not write its results to a
database nobody is looking at any more.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import NOW, ROOT, child, cli, integrity, raw, wait_for_line

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name; None once the process is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rpartition(")")[2].split()
    return None if fields[0] in "ZX" else fields


def _analytics_children(parent: int) -> dict[int, str]:
    """pid -> command (refit or summary) of the analytics children of `parent`."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields is None or int(fields[1]) != parent:
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "solocrm_tui.core.analytics.child" in argv:
            found[int(entry.name)] = argv[argv.index("solocrm_tui.core.analytics.child") + 1]
    return found


def _wait(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting until {what}")


def _model_runs(db: Path) -> list[tuple]:
    conn = raw(db)
    try:
        return conn.execute("SELECT id, kind, trained_at FROM model_run ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.fixture
def demo_db(db_file) -> Path:
    done = cli("--db", db_file, "demo", "--customers", "600")
    assert done.returncode == 0, done.stderr
    return db_file


def test_app_killed_mid_refit_takes_its_refit_child_with_it(demo_db):
    runs_before = _model_runs(demo_db)
    app = child("app-refit", demo_db)
    try:
        wait_for_line(app, "refitting")
        refit = _wait(lambda: [pid for pid, cmd in _analytics_children(app.pid).items() if cmd == "refit"],
                      "the app started its refit child")[0]
        _wait(lambda: (_stat(refit) or ["0"] * 20)[16] != "0", "the refit child lowered its priority")
        children = _analytics_children(app.pid)
        # Frozen, the child cannot finish (or stop itself) before the test looks: only
        # dying with its parent makes it go away.
        os.kill(refit, signal.SIGSTOP)
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
    try:
        _wait(lambda: all(_stat(pid) is None for pid in children), f"the children {children} were gone", timeout=30)
    finally:
        for pid in children:
            if _stat(pid) is not None:
                os.kill(pid, signal.SIGKILL)

    assert _model_runs(demo_db) == runs_before  # nothing written after the app died
    assert integrity(demo_db) == "ok"


def test_refit_child_whose_app_is_already_gone_writes_nothing(demo_db):
    """The app can die between starting the child and the child watching it: the child
    is told which process it works for and stops at once if that is not its parent."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(10)
    runs_before = _model_runs(demo_db)
    done = subprocess.run([sys.executable, "-m", "solocrm_tui.core.analytics.child", "refit", str(demo_db),
                           NOW.isoformat(), json.dumps({})], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SOLOCRM_PARENT_PID": str(gone.pid)})

    assert done.returncode != 0 and done.stdout == ""
    assert _model_runs(demo_db) == runs_before
