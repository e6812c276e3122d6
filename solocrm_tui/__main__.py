"""The `solocrm` entry point; `python -m solocrm_tui` behaves exactly like the command.

The CLI turns every error a user can cause into one line, but only once its handler
runs. This guard covers what comes before it (importing the CLI and the modules it
needs), so even a broken installation, a module or resource missing from the package,
answers with one line on stderr instead of a traceback.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    try:
        from solocrm_tui.cli import main as cli_main

        return cli_main(argv)
    except Exception as exc:
        if os.environ.get("SOLOCRM_DEBUG"):
            raise
        print(f"solocrm: error: the installation is broken ({type(exc).__name__}: {exc}); "
              "reinstall solocrm (set SOLOCRM_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
