"""`python -m solocrm_tui` behaves exactly like the `solocrm` command."""

from solocrm_tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
