"""`python -m solocrm_tui.core.analytics.child COMMAND DB NOW SETTINGS_JSON [ARG]`.

    refit   DB NOW SETTINGS [AS_OF]       fit the models; prints which figures are rule-based
    summary DB NOW SETTINGS PROBABILITIES the Insights figures: Summary.to_json()

Run as a child process by the app (the scheduled refit, `r` and every Insights load), so
pandas and scikit-learn never load into the app: the fit and the summary get their own
interpreter (no GIL shared with the UI) and their memory is returned when they exit.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime


def main(argv: list[str]) -> int:
    from solocrm_tui.core.analytics.runs import Settings
    from solocrm_tui.core.storage.db import open_database

    command, db_path, now = argv[0], argv[1], datetime.fromisoformat(argv[2])
    settings = Settings(**json.loads(argv[3]))
    open_database(db_path, create=False)
    if command == "refit":
        from solocrm_tui.core.analytics import refit

        as_of = datetime.fromisoformat(argv[4]) if len(argv) > 4 else None
        result = refit.refit(now, settings, as_of)
        print(json.dumps({run["kind"]: bool(run.get("metrics", {}).get("rule_based")) for run in result.runs}))
    elif command == "summary":
        from solocrm_tui.core.analytics.summary import summary

        probabilities = json.loads(argv[4]) if len(argv) > 4 else None
        print(summary(now, settings, probabilities=probabilities).to_json())
    else:
        raise SystemExit(f"unknown command {command!r}: use refit or summary")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
