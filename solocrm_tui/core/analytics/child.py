"""`python -m solocrm_tui.core.analytics.child COMMAND DB NOW SETTINGS_JSON [ARG]`.

    refit   DB NOW SETTINGS [AS_OF]       fit the models; prints which figures are rule-based
    summary DB NOW SETTINGS PROBABILITIES the Insights figures: Summary.to_json()
    customers DB NOW SETTINGS AS_OF RULES each customer's figures as of a past date (stored nowhere)
    backtest DB NOW SETTINGS AS_OF DAYS   those figures against the DAYS that followed

Run as a child process by the app (the scheduled refit, `r` and every Insights load), so
pandas and scikit-learn never load into the app: the fit and the summary get their own
interpreter (no GIL shared with the UI) and their memory is returned when they exit.

The child lives only as long as the app that started it (PARENT_ENV names it): an app
closed or killed with kill -9 must not leave a fit running that later overwrites the
figures of a database nobody asked about any more.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from datetime import datetime

PARENT_ENV = "SOLOCRM_PARENT_PID"
ORPHANED = 3  # exit status when the app that started the child is gone
REFIT_NICENESS = 10  # a refit is background work: the owner's shell and the app come first
WATCH_SECONDS = 0.25
PR_SET_PDEATHSIG = 1


def stop_if_orphaned(parent: int) -> None:
    """Exit at once (no clean-up, an open transaction rolls back) if the app is gone."""
    if os.getppid() != parent:
        os._exit(ORPHANED)


def tie_to_parent() -> int:
    """Die with the app: the kernel's parent-death signal where there is one (Linux), and
    everywhere a watcher thread that notices being re-parented. The app may already have
    died before either was in place, so the parent is compared with the one the app named."""
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    stop_if_orphaned(parent)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            stop_if_orphaned(parent)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    return parent


def main(argv: list[str]) -> int:
    parent = tie_to_parent()
    command = argv[0]
    if command == "refit":
        os.nice(REFIT_NICENESS)

    from solocrm_tui.core.analytics.runs import Settings
    from solocrm_tui.core.storage.db import open_database

    db_path, now = argv[1], datetime.fromisoformat(argv[2])
    settings = Settings(**json.loads(argv[3]))
    open_database(db_path, create=False)
    if command == "refit":
        from solocrm_tui.core.analytics import refit

        as_of = datetime.fromisoformat(argv[4]) if len(argv) > 4 else None
        result = refit.refit(now, settings, as_of, before_commit=lambda: stop_if_orphaned(parent))
        print(json.dumps({run["kind"]: bool(run.get("metrics", {}).get("rule_based")) for run in result.runs}))
    elif command == "summary":
        from solocrm_tui.core.analytics.summary import summary

        probabilities = json.loads(argv[4]) if len(argv) > 4 else None
        print(summary(now, settings, probabilities=probabilities).to_json())
    elif command == "customers":
        from solocrm_tui.core.analytics.hindsight import customer_figures
        from solocrm_tui.core.contacts.lifecycle import Rules

        print(customer_figures(settings, Rules(**json.loads(argv[5])), datetime.fromisoformat(argv[4])).to_json())
    elif command == "backtest":
        from solocrm_tui.core.analytics.hindsight import backtest

        print(backtest(now, settings, datetime.fromisoformat(argv[4]), int(argv[5])).to_json())
    else:
        raise SystemExit(f"unknown command {command!r}: use refit, summary, customers or backtest")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
