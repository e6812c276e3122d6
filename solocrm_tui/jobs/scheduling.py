"""Background jobs while the app runs: APScheduler decides when, a thread worker does the work.

The scheduler runs on the app's own asyncio loop, so a job firing is just a call on
the UI loop that starts a Textual thread worker with the body from core/jobs.py.
A job still running when its next turn comes is skipped (never two at once), and a
failing run is logged and retried at its next turn without touching the others. A run
that found the database busy past the timeout (a long import elsewhere) is not a
failure: one log line, and the next turn does the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from solocrm_tui.core.errors import DatabaseBusy
from solocrm_tui.core.storage.db import db_call

log = logging.getLogger("solocrm.jobs")


@dataclass
class Job:
    name: str
    body: Callable[[datetime], Any]  # runs on a worker thread
    every: timedelta
    on_done: Callable[[Any], None] | None = None  # runs on the UI loop
    first_in: float = 0.0  # seconds after start for the first run


class JobRunner:
    def __init__(self, app, jobs: list[Job]) -> None:
        self.app = app
        self.jobs = {job.name: job for job in jobs}
        self.running: set[str] = set()
        self.last_ok: dict[str, datetime] = {}
        self.last_error: dict[str, str] = {}
        self.scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        """Call from the app's loop (on_mount)."""
        self.scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                        "misfire_grace_time": 300})
        now = datetime.now()
        for job in self.jobs.values():
            self.scheduler.add_job(self._fire, "interval", seconds=job.every.total_seconds(),
                                   args=[job.name], id=job.name,
                                   next_run_time=now + timedelta(seconds=job.first_in))
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    @property
    def alive(self) -> bool:
        return self.scheduler is not None and self.scheduler.running

    async def _fire(self, name: str) -> None:
        self.run_now(name)

    def run_now(self, name: str) -> bool:
        """Start the job's body in a worker unless it is still running; True if started."""
        if name in self.running:
            log.info("job %s still running; skipping this turn", name)
            return False
        job = self.jobs[name]
        self.running.add(name)
        self.app.run_worker(lambda: self._run(job), thread=True, group=f"job-{name}",
                            name=f"job-{name}", exit_on_error=False)
        return True

    def _run(self, job: Job) -> None:
        now = self.app.now()
        try:
            result = db_call(job.body, now)
        except DatabaseBusy as exc:
            log.warning("job %s: %s; next turn in %s", job.name, exc, job.every)
            self.app.call_from_thread(self._postponed, job)
            return
        except Exception as exc:  # a failing job must never take the app down
            log.exception("job %s failed", job.name)
            self.app.call_from_thread(self._finished, job, None, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._finished, job, result, None)

    def _postponed(self, job: Job) -> None:
        self.running.discard(job.name)

    def _finished(self, job: Job, result: Any, error: str | None) -> None:
        self.running.discard(job.name)
        if error is None:
            self.last_ok[job.name] = self.app.now()
            self.last_error.pop(job.name, None)
            if job.on_done is not None:
                job.on_done(result)
        else:
            self.last_error[job.name] = error
        self.app.refresh_health()
