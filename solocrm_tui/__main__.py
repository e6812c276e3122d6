"""`python -m solocrm_tui` behaves exactly like the `solocrm` command."""

from solocrm_tui.cli import main

raise SystemExit(main())
