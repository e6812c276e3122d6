"""`python -m solocrm_tui.core.analytics.worker DB NOW SETTINGS_JSON [AS_OF]`: one refit.

Run as a child process by the scheduled refit, so the fit has its own interpreter
(no GIL shared with the UI) and its memory is returned when it exits. Prints a
JSON object: which figures are rule-based.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime


def main(argv: list[str]) -> int:
    from solocrm_tui.core.analytics import refit
    from solocrm_tui.core.db import open_database
    from solocrm_tui.core.model_runs import Settings

    db_path, now, settings = argv[0], datetime.fromisoformat(argv[1]), Settings(**json.loads(argv[2]))
    as_of = datetime.fromisoformat(argv[3]) if len(argv) > 3 else None
    open_database(db_path, create=False)
    result = refit.refit(now, settings, as_of)
    print(json.dumps({run["kind"]: bool(run.get("metrics", {}).get("rule_based")) for run in result.runs}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
