"""Which process owns a lease or an unfinished import: "host:pid", and whether it still runs.

Job leases and imports in progress both outlive a process killed with -9; naming the
owner lets the next process tell "still running elsewhere" from "died half-way"
without waiting for a timeout. A claim made by another host can't be checked, so it
counts as abandoned once older than STALE_CLAIM.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

STALE_CLAIM = timedelta(minutes=15)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def is_dead(owner: str) -> bool:
    """True only when `owner` ran on this host and is gone; another host's process can't be checked."""
    host, _, pid = owner.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _alive(int(pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_abandoned(claimed_by: str | None, claimed_at: datetime | None, now: datetime) -> bool:
    """A claim (a mail being sent) whose claimer is gone: dead on this host, or silent past STALE_CLAIM."""
    return is_dead(claimed_by or "") or claimed_at is None or claimed_at < now - STALE_CLAIM
