"""Reaching the owner when the app is closed: `solocrm remind --mail` (one digest of the
follow-ups that newly came due, each mailed once) and `solocrm digest` (the day's queue
by mail). Both go to the [mail] from_address: the owner's own mailbox."""

from __future__ import annotations

from datetime import datetime

from solocrm_tui import paths
from solocrm_tui.cli.common import load_config, open_db
from solocrm_tui.core.storage.records import FollowUp
from solocrm_tui.text.figures import count, day, due


def reminder_line(followup: FollowUp, now: datetime) -> str:
    who = f" — {followup.customer_name}" if followup.customer_name else ""
    return f"due {due(followup.due_at, now)}: {followup.title}{who}"


def _mail_settings():
    from solocrm_tui.core.mail.settings import required

    return required(load_config().mail, paths.config_path())


def remind_by_mail(args, now: datetime) -> int:
    """Cron's `remind --mail`: silent when nothing newly came due, one line when it mailed."""
    from solocrm_tui.core.mail.reminders import mail_due_followups

    settings = _mail_settings()
    open_db(args, create=False)

    def write(items: list[FollowUp]) -> tuple[str, str]:
        subject = (f"SoloCRM: {reminder_line(items[0], now)}" if len(items) == 1
                   else f"SoloCRM: {count(len(items), 'follow-up')} due")
        return subject, "\n".join(reminder_line(f, now) for f in items) + "\n"

    run = mail_due_followups(settings, now, write)
    if run.resent:
        print(f"resent after a crash: {count(run.resent, 'digest')} to {settings.from_address}")
    if run.mailed:
        print(f"mailed {count(len(run.mailed), 'due follow-up')} to {settings.from_address}")
    return 0


def cmd_digest(args, now: datetime) -> int:
    from solocrm_tui.core.mail.reminders import digest_message, mail_to_owner
    from solocrm_tui.core.today.queue import todays_queue
    from solocrm_tui.text.today import format_table

    config = load_config()
    settings = _mail_settings()
    open_db(args, create=False)
    items = todays_queue(now, config.today)
    subject = f"SoloCRM: today, {day(now, now)}: {count(len(items), 'item')}"
    text = format_table(items) + "\n"
    if args.dry_run:
        message = digest_message(settings, subject, text, now)  # shown decoded: a person reads it
        print(f"From: {message['From']}\nTo: {message['To']}\nSubject: {message['Subject']}\n\n"
              f"{message.get_content()}", end="")
        return 0
    mail_to_owner(settings, subject, text, now)
    print(f"mailed today's queue ({count(len(items), 'item')}) to {settings.from_address}")
    return 0
