"""The `solocrm` command: subcommands that drive core, and one-line errors.

Anything a user can get wrong ends as `solocrm: error: …` on stderr and exit 1
(usage mistakes exit 2), never a traceback. Commands that only read open the
database with `create=False`, so a typo in --db never leaves an empty file behind.
Heavy modules (the TUI, the demo generator) are imported only by the command using them.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from solocrm_tui import __version__, paths
from solocrm_tui import cli_data as data_cli
from solocrm_tui import cli_insights as insights_cli
from solocrm_tui.core.errors import CRMError, DatabaseError, ValidationError

MAX_DEMO_CUSTOMERS = 200_000


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_globals(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """--db and --version work before and after the subcommand; SUPPRESS keeps the outer value."""
    default = argparse.SUPPRESS if nested else None
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="database file (default: $SOLOCRM_DB or the user data dir)")
    parser.add_argument("--version", action="version", version=f"solocrm {__version__}")


def _customers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a whole number') from None
    if not 1 <= value <= MAX_DEMO_CUSTOMERS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_DEMO_CUSTOMERS:,}, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="solocrm", description="A keyboard-driven terminal CRM. "
                     "With no command, opens the app.")
    _add_globals(parser, nested=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, text: str) -> argparse.ArgumentParser:
        child = sub.add_parser(name, help=text, description=text)
        _add_globals(child, nested=True)
        return child

    demo = command("demo", "fill an empty database with realistic demo data")
    demo.add_argument("--customers", type=_customers, default=300, metavar="N", help="how many (default 300)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    demo.add_argument("--force", action="store_true", help="add demo data even if the database is not empty")
    today = command("today", "print today's follow-up queue")
    today.add_argument("--json", action="store_true", help="print JSON instead of a table")
    backup = command("backup", "make a consistent, verified copy of the database")
    backup.add_argument("-o", "--output", metavar="PATH", help="backup file or folder (default: backups dir)")
    restore = command("restore", "replace the database with a backup (the current one is saved first)")
    restore.add_argument("file", metavar="FILE", help="the backup to restore")
    command("remind", "print due reminders not yet notified and mark them notified (safe beside a running app)")
    command("locate", "show where the database, config, backups and log are")
    command("doctor", "check integrity, schema version, permissions and row counts")
    insights_cli.add_arguments(command("insights", "refit (if asked) and print the analytics summary"))
    data_cli.add_commands(command)
    return parser


def _db_path(args: argparse.Namespace) -> Path:
    if args.db is not None and not args.db.strip():
        raise ValidationError("--db needs a file path")
    return paths.resolve_db_path(args.db)


def _config():
    from solocrm_tui.config import load_config

    return load_config(paths.config_path())


def _open(args: argparse.Namespace, *, create: bool, **options) -> Path:
    from solocrm_tui.core.storage.db import open_database

    return open_database(_db_path(args), create=create, **options)


def make_app(db_path: Path, config, now: datetime | None = None):
    """The TUI, shared by the CLI and the tests; `now` freezes its clock."""
    from solocrm_tui.app import SoloCRMApp

    if now is None:
        return SoloCRMApp(db_path=db_path, config=config)
    return SoloCRMApp(db_path=db_path, config=config, clock=lambda: now)


def cmd_app(args, now: datetime) -> int:
    from solocrm_tui.core.storage.db import APP_CACHE_KIB

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # A full-screen app in a pipe or under cron would write escape codes nobody reads
        # and wait forever for keys that never come.
        raise ValidationError("the app needs a terminal; in scripts and cron use "
                              "`solocrm today` or `solocrm remind`")
    config = _config()
    db = _open(args, create=True, cache_kib=APP_CACHE_KIB)
    _log_to_file(paths.log_path(db))
    make_app(db, config).run()
    return 0


def _log_to_file(path: Path) -> None:
    """Job failures and worker errors go to a private log beside the database."""
    import logging

    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("solocrm").addHandler(handler)
    logging.getLogger("solocrm").setLevel(logging.INFO)


def cmd_demo(args, now: datetime) -> int:
    from solocrm_tui.core.demo.generate import generate_demo

    config = _config()
    db = _open(args, create=True)
    summary = generate_demo(now, args.customers, args.seed, force=args.force, currency=config.currency)
    print(f"demo data added to {db}: {summary.line()}")
    return 0


def cmd_today(args, now: datetime) -> int:
    from solocrm_tui.core.today.queue import to_json, todays_queue
    from solocrm_tui.text.today import format_table

    config = _config()
    _open(args, create=False)
    items = todays_queue(now, config.today)
    if args.json:
        print(to_json(items))
    else:
        print(f"Today, {now:%a %d %b %Y %H:%M}: {len(items)} item{'s' * (len(items) != 1)}\n")
        print(format_table(items))
    return 0


def cmd_remind(args, now: datetime) -> int:
    """For cron or a login shell: each reminder is claimed atomically, so it is told once,
    here or in a running app, never both. Prints nothing when nothing is due."""
    from solocrm_tui.core.contacts.followups import claim_due

    _open(args, create=False)
    for followup in claim_due(now, limit=1000):
        who = f" — {followup.customer_name}" if followup.customer_name else ""
        print(f"due {followup.due_at:%a %d %b %H:%M}: {followup.title}{who}")
    return 0


def cmd_backup(args, now: datetime) -> int:
    from solocrm_tui.core.storage.backup import backup_name, backup_to
    from solocrm_tui.core.storage.db import close_database

    db = _open(args, create=False)
    close_database()
    target = Path(args.output).expanduser().absolute() if args.output else paths.backups_dir(db) / backup_name(db, now)
    if target.is_dir():
        target = target / backup_name(db, now)
    if target.exists() and target.samefile(db):
        raise ValidationError("the backup cannot overwrite the database itself")
    print(backup_to(db, target))
    return 0


def cmd_restore(args, now: datetime) -> int:
    from solocrm_tui.core.storage.backup import restore_from
    from solocrm_tui.core.storage.db import close_database, open_database
    from solocrm_tui.core.storage.doctor import check_backup_file

    db = _db_path(args).absolute()
    source = Path(args.file).expanduser().absolute()
    if db.is_dir():
        raise DatabaseError(f"{db} is a directory, not a database file")
    check_backup_file(source)
    if db.exists() and db.samefile(source):
        raise ValidationError(f"{source} is the database itself")
    existed = db.exists()
    close_database()
    safety = restore_from(source, db, now)
    open_database(db, create=False)  # upgrades an older backup's schema, proves it opens
    print(f"restored {db} from {source}")
    print(f"previous database saved as {safety}" if existed else "there was no previous database")
    return 0


def cmd_locate(args, now: datetime) -> int:
    db = _db_path(args)
    config = paths.config_path()
    rows = (("database", db, "" if db.exists() else " (not created yet)"),
            ("config", config, "" if config.exists() else " (not created yet: defaults apply)"),
            ("backups", paths.backups_dir(db), ""), ("log", paths.log_path(db), ""))
    for label, path, note in rows:
        print(f"{label:<9} {path}{note}")
    return 0


def cmd_doctor(args, now: datetime) -> int:
    from solocrm_tui.core.storage.doctor import diagnose

    try:
        _config()
        config_error = None
    except CRMError as exc:
        config_error = str(exc)
    report = diagnose(_open(args, create=False), config_error)
    print("\n".join(report.lines()))
    return 0 if report.healthy else 1


def cmd_insights(args, now: datetime) -> int:
    config = _config()
    return insights_cli.run(args, now, _open(args, create=False), config)


COMMANDS: dict[str | None, Callable[[argparse.Namespace, datetime], int]] = {
    None: cmd_app, "insights": cmd_insights, "demo": cmd_demo, "today": cmd_today, "backup": cmd_backup, "restore": cmd_restore,
    "locate": cmd_locate, "doctor": cmd_doctor, "remind": cmd_remind, **data_cli.COMMANDS,
}


def _fail(message: str) -> int:
    print(f"solocrm: error: {message}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None, *, now: datetime | None = None) -> int:
    args = build_parser().parse_args(argv)
    now = now or datetime.now().replace(microsecond=0)
    from peewee import PeeweeException

    from solocrm_tui.core.storage.db import close_database

    try:
        return COMMANDS[args.command](args, now)
    except CRMError as exc:
        return _fail(str(exc))
    except BrokenPipeError:  # `solocrm today | head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        return _fail(f"{exc.strerror or exc}{where}")
    except (sqlite3.Error, PeeweeException) as exc:
        return _fail(f"database problem: {exc}")
    except KeyboardInterrupt:
        print("solocrm: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: a bug must still not greet the user with a traceback
        if os.environ.get("SOLOCRM_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {exc} (set SOLOCRM_DEBUG=1 to see the traceback)")
    finally:
        close_database()
