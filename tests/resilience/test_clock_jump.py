"""Issue #17 item 12: a clock that jumped ahead does not consume reminders.

The system clock ran two days ahead (cron's `solocrm remind` claimed everything due by
then), then was corrected: every reminder still fires at its real time, and still once,
with two `solocrm remind` processes racing for them.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from .conftest import NOW, ROOT, seed

REMINDERS = 60
CLAIM_WITH_CLOCK = "import sys, datetime\nfrom solocrm_tui.cli import main\n" \
    "sys.exit(main(['--db', sys.argv[1], 'remind'], now=datetime.datetime.fromisoformat(sys.argv[2])))"


def remind(db, now) -> subprocess.Popen:
    """`solocrm remind` as cron runs it, on a machine whose clock reads `now`."""
    return subprocess.Popen([sys.executable, "-c", CLAIM_WITH_CLOCK, str(db), now.isoformat()], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def told(*procs: subprocess.Popen) -> list[str]:
    lines = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and err == "", err
        lines += out.splitlines()
    return lines


def _reminders_due_tomorrow(db) -> None:
    from solocrm_tui.core.contacts import followups
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(db, create=False)
    try:
        for i in range(REMINDERS):
            followups.create_followup(f"call {i}", NOW + timedelta(days=1, minutes=i), NOW)
    finally:
        close_database()


def test_reminders_claimed_by_a_clock_two_days_ahead_fire_at_their_real_time_once(db_file):
    seed(db_file)
    _reminders_due_tomorrow(db_file)
    assert told(remind(db_file, NOW)) == []
    assert len(told(remind(db_file, NOW + timedelta(days=2)))) == REMINDERS  # the wrong clock
    assert told(remind(db_file, NOW + timedelta(minutes=10))) == []  # corrected: none due yet

    real_time = NOW + timedelta(days=1, minutes=REMINDERS)
    lines = told(remind(db_file, real_time), remind(db_file, real_time + timedelta(seconds=20)))
    assert len(lines) == REMINDERS and len(set(lines)) == REMINDERS  # each one told, by one process
    assert told(remind(db_file, real_time + timedelta(minutes=1))) == []
