"""The `solocrm` command: the parser, dispatch to the command modules, and one-line errors.

Anything a user can get wrong ends as `solocrm: error: …` on stderr and exit 1
(usage mistakes exit 2), never a traceback. Commands that only read open the
database with `create=False`, so a typo in --db never leaves an empty file behind.
Heavy modules (the TUI, the demo generator) are imported only by the command using them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import datetime

from solocrm_tui.cli import admin, campaign, catalogue, data, insights
from solocrm_tui.cli.app import cmd_app, make_app
from solocrm_tui.cli.common import Parser, add_globals, fail, shown_output
from solocrm_tui.core.errors import CRMError

__all__ = ["COMMANDS", "build_parser", "main", "make_app"]


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="solocrm", description="A keyboard-driven terminal CRM. "
                    "With no command, opens the app.")
    add_globals(parser, nested=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=text, description=text)
        add_globals(child, nested=True)
        return child

    admin.add_commands(command)
    insights.add_arguments(command("insights", "refit (if asked) and print the analytics summary"))
    data.add_commands(command)
    catalogue.add_commands(command)
    campaign.add_commands(command)
    return parser


COMMANDS: dict[str | None, Callable[[argparse.Namespace, datetime], int]] = {
    None: cmd_app, **admin.COMMANDS, **insights.COMMANDS, **data.COMMANDS, **catalogue.COMMANDS, **campaign.COMMANDS,
}


def main(argv: list[str] | None = None, *, now: datetime | None = None) -> int:
    args = build_parser().parse_args(argv)
    now = now or datetime.now().replace(microsecond=0)
    from solocrm_tui.core.storage.db import STORAGE_ERRORS, close_database

    try:
        with shown_output():  # the owner's text is shown, never obeyed by the terminal
            return COMMANDS[args.command](args, now)
    except CRMError as exc:
        return fail(str(exc))
    except BrokenPipeError:  # `solocrm today | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return fail(f"{exc.strerror or exc}{where}")
    except STORAGE_ERRORS as exc:
        return fail(f"database problem: {exc}")
    except KeyboardInterrupt:
        print("solocrm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: a bug must still not greet the user with a traceback
        if os.environ.get("SOLOCRM_DEBUG"):
            raise
        return fail(f"unexpected {type(exc).__name__}: {exc} (set SOLOCRM_DEBUG=1 to see the traceback)")
    finally:
        close_database()
