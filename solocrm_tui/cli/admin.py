"""Looking after the book: demo data, today's queue and reminders for scripts, backup and
restore, where the files are, and the health check."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from solocrm_tui import paths
from solocrm_tui.cli.common import db_path, load_config, open_db
from solocrm_tui.cli.owner import cmd_digest, remind_by_mail, reminder_line
from solocrm_tui.cli.timer import cmd_timer
from solocrm_tui.core.demo import DEFAULT_CUSTOMERS, MAX_CUSTOMERS
from solocrm_tui.core.errors import CRMError, DatabaseError, ValidationError
from solocrm_tui.text.figures import count, day


def _demo_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a whole number') from None
    if not 1 <= value <= MAX_CUSTOMERS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_CUSTOMERS:,}, got {value}")
    return value


def add_commands(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    demo = command("demo", "fill an empty database with realistic demo data")
    demo.add_argument("--customers", type=_demo_size, default=DEFAULT_CUSTOMERS, metavar="N",
                      help=f"how many (default {DEFAULT_CUSTOMERS:,}: enough for the churn model and BG/NBD to engage)")
    demo.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    demo.add_argument("--force", action="store_true", help="add demo data even if the database is not empty")
    today = command("today", "print today's follow-up queue")
    today.add_argument("--json", action="store_true", help="print JSON instead of a table")
    backup = command("backup", "make a consistent, verified copy of the database")
    backup.add_argument("-o", "--output", metavar="PATH", help="backup file or folder (default: backups dir)")
    restore = command("restore", "replace the database with a backup (the current one is saved first)")
    restore.add_argument("file", metavar="FILE", help="the backup to restore")
    remind = command("remind", "print due reminders not yet notified and mark them notified (safe beside a running app)")
    remind.add_argument("--mail", action="store_true",
                        help="instead, mail one digest of follow-ups not yet mailed to [mail] from_address "
                             "(a channel of its own: the app still rings for them)")
    digest = command("digest", "mail today's queue to the owner ([mail] from_address)")
    digest.add_argument("--dry-run", action="store_true", help="print the message instead of sending it")
    timer = command("timer", "run `remind --mail` (and `digest`) while the app is closed: systemd user timers, "
                             "or crontab lines where there is no systemd")
    timer.add_argument("action", choices=("install", "status", "remove"))
    timer.add_argument("--every", default="15m", metavar="15m", help="how often to look for due follow-ups")
    timer.add_argument("--digest", metavar="HH:MM", help="also mail today's queue at this time each day")
    command("locate", "show where the database, config, backups and log are")
    command("doctor", "check integrity, schema version, permissions and row counts")


def cmd_demo(args, now: datetime) -> int:
    from solocrm_tui.core.demo.generate import generate_demo

    config = load_config()
    db = open_db(args, create=True)
    summary = generate_demo(now, args.customers, args.seed, force=args.force, currency=config.currency)
    print(f"demo data added to {db}: {summary.line()}")
    return 0


def cmd_today(args, now: datetime) -> int:
    from solocrm_tui.core.today.queue import to_json, todays_queue
    from solocrm_tui.text.today import format_table

    config = load_config()
    open_db(args, create=False)
    items = todays_queue(now, config.today)
    if args.json:
        print(to_json(items))
    else:
        print(f"Today, {day(now, now)} {now:%H:%M}: {count(len(items), 'item')}\n")
        print(format_table(items))
    return 0


def cmd_remind(args, now: datetime) -> int:
    """For cron or a login shell: each reminder is claimed atomically, so it is told once,
    here or in a running app, never both. Prints nothing when nothing is due."""
    from solocrm_tui.core.contacts.followups import claim_due

    if args.mail:
        return remind_by_mail(args, now)
    open_db(args, create=False)
    for followup in claim_due(now, limit=1000):
        print(reminder_line(followup, now))
    return 0


def cmd_backup(args, now: datetime) -> int:
    from solocrm_tui.core.storage.backup import backup_name, backup_to
    from solocrm_tui.core.storage.db import close_database

    db = open_db(args, create=False)
    close_database()
    target = Path(args.output).expanduser().absolute() if args.output else paths.backups_dir(db) / backup_name(db, now)
    if target.is_dir():
        target = target / backup_name(db, now)
    if target.exists() and target.samefile(db):
        raise ValidationError("the backup cannot overwrite the database itself")
    print(backup_to(db, target))
    return 0


def cmd_restore(args, now: datetime) -> int:
    from solocrm_tui.core.storage.db import close_database, open_database
    from solocrm_tui.core.storage.restore import restore_from

    db = db_path(args).absolute()
    source = Path(args.file).expanduser().absolute()
    if db.is_dir():
        raise DatabaseError(f"{db} is a directory, not a database file")
    if db.exists() and source.exists() and db.samefile(source):
        raise ValidationError(f"{source} is the database itself")
    close_database()
    safety = restore_from(source, db, now)
    open_database(db, create=False)  # proves the restored file opens
    print(f"restored {db} from {source}")
    print(f"previous database saved as {safety}" if safety else "there was no previous database")
    return 0


def cmd_locate(args, now: datetime) -> int:
    db = db_path(args)
    config = paths.config_path()
    rows = (("database", db, "" if db.exists() else " (not created yet)"),
            ("config", config, "" if config.exists() else " (not created yet: defaults apply)"),
            ("backups", paths.backups_dir(db), ""), ("log", paths.log_path(db), ""))
    for label, path, note in rows:
        print(f"{label:<9} {path}{note}")
    return 0


def cmd_doctor(args, now: datetime) -> int:
    from solocrm_tui.core.jobs import stale_leases
    from solocrm_tui.core.storage.doctor import diagnose

    try:
        load_config()
        config_error = None
    except CRMError as exc:
        config_error = str(exc)
    path = open_db(args, create=False)
    report = diagnose(path, config_error, stale_leases(now), now=now)
    print("\n".join(report.lines()))
    return 0 if report.healthy else 1


COMMANDS = {"demo": cmd_demo, "today": cmd_today, "backup": cmd_backup, "restore": cmd_restore,
            "locate": cmd_locate, "doctor": cmd_doctor, "remind": cmd_remind,
            "digest": cmd_digest, "timer": cmd_timer}
