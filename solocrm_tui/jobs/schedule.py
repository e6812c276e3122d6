"""Which background jobs the app runs, and the health line the header shows.

Kept apart from scheduling.py (the mechanism) so adding a job is one entry here.
"""

from __future__ import annotations

from datetime import timedelta

from solocrm_tui.core import jobs
from solocrm_tui.jobs.reminders import deliver
from solocrm_tui.jobs.scheduling import Job, JobRunner
from solocrm_tui.messages import DataChanged


def _leased(name: str, every: timedelta | None, body):
    """Wrap a shared job so only one instance runs it per period."""
    def run(now):
        if not jobs.begin(name, now, every):
            return None
        try:
            result = body(now)
        except Exception as exc:
            jobs.end(name, now, f"{type(exc).__name__}: {exc}")
            raise
        jobs.end(name, now)
        return result
    return run


def build_runner(app) -> JobRunner:
    config = app.config.jobs
    first = {"done": False}

    def changed(result) -> None:
        if result:
            app.post_message(DataChanged())

    def reminded(claimed) -> None:
        deliver(app, claimed, catch_up=not first["done"])
        first["done"] = True

    backup_every = timedelta(hours=config.backup_hours)
    restage_every = timedelta(hours=config.restage_hours)
    refit_every = timedelta(hours=config.refit_hours)
    job_list = [
        Job("reminders", jobs.remind, timedelta(seconds=config.reminder_seconds), reminded),
        Job("restage", _leased("restage", restage_every, lambda now: jobs.restage(now, app.config.lifecycle)),
            restage_every, changed, first_in=2),
        Job("refit", _leased("refit", None, lambda now: jobs.refit_if_due(
            app.db_path, now, app.config.analytics, refit_every, config.refit_change_share)),
            timedelta(minutes=10), changed, first_in=20),
        Job("backup", _leased("backup", backup_every,
                              lambda now: jobs.backup(app.db_path, now, config.backups_kept)),
            backup_every, first_in=60),
    ]
    return JobRunner(app, job_list)


def health_text(runner: JobRunner) -> str:
    """`reminders ✓ checked 12:08:30`, or which job failed last. The time is labelled: beside
    the header's clock an unlabelled second time read as a second clock."""
    if not runner.alive:
        return "⚠ scheduler stopped"
    if runner.last_error:
        name = sorted(runner.last_error)[0]
        return f"⚠ {name} failed: {runner.last_error[name][:60]}"
    last = runner.last_ok.get("reminders")
    return f"reminders ✓ checked {last:%H:%M:%S}" if last else "reminders starting…"
