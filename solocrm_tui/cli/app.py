"""`solocrm` with no command: the full-screen app, and the one factory that builds it
for the CLI, the pilot tests and the snapshot tests alike."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from solocrm_tui import paths
from solocrm_tui.cli.common import load_config, open_db
from solocrm_tui.core.errors import ValidationError


def make_app(db: Path, config=None, clock: Callable[[], datetime] | None = None, jobs: bool = True,
             start_mode: str = "today"):
    """The TUI on `db`; `clock` replaces the wall clock (tests), `jobs=False` leaves the scheduler off."""
    from solocrm_tui.app import SoloCRMApp

    return SoloCRMApp(db, config, clock=clock, start_mode=start_mode, with_jobs=jobs)


def cmd_app(args, now: datetime) -> int:
    from solocrm_tui.core.storage.db import APP_CACHE_KIB

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # A full-screen app in a pipe or under cron would write escape codes nobody reads
        # and wait forever for keys that never come.
        raise ValidationError("the app needs a terminal; in scripts and cron use "
                              "`solocrm today` or `solocrm remind`")
    config = load_config()
    db = open_db(args, create=True, cache_kib=APP_CACHE_KIB)
    log_to_file(paths.log_path(db))
    make_app(db, config).run()
    return 0


def log_to_file(path: Path) -> None:
    """Job failures and worker errors go to a private log beside the database."""
    import logging

    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("solocrm").addHandler(handler)
    logging.getLogger("solocrm").setLevel(logging.INFO)
