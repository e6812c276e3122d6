"""The app's side of the background jobs: start them after the first frame, stop them
on exit, and keep the header's health line current.

A mixin so the App class stays a router; the scheduler itself is imported only when
the jobs start, which keeps APScheduler out of the first frame's start-up time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from solocrm_tui.jobs.scheduling import JobRunner

HEALTH_SECONDS = 5  # how often the header's health line is refreshed between job runs


class RunsJobs:
    jobs: JobRunner | None = None
    db_path: Path

    def start_jobs(self) -> None:
        """After the first frame: the scheduler is not needed to draw it, so it costs no start-up time."""
        from solocrm_tui.jobs.schedule import build_runner

        self.jobs = build_runner(self)
        self.jobs.start()
        self.set_interval(HEALTH_SECONDS, self.refresh_health)  # type: ignore[attr-defined]

    def stop_jobs(self) -> None:
        if self.jobs is not None:
            self.jobs.stop()

    def refresh_health(self) -> None:
        """Header: database name and whether the background jobs are alive."""
        from solocrm_tui.jobs.schedule import health_text

        health = health_text(self.jobs) if self.jobs is not None else ""
        self.sub_title = f"{self.db_path.name} · {health}" if health else self.db_path.name
