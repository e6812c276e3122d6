"""Job bodies: plain functions of (now, …) so they are testable without a clock.

The scheduler decides when; these decide what. Shared jobs (backups, re-staging,
refits) take a lease in the job_state table first, so two app instances on one
database never run the same job at once, and a daily job already done by the
other instance is skipped.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from peewee import IntegrityError

from solocrm_tui.core.contacts import followups
from solocrm_tui.core.storage import backup as backups
from solocrm_tui.core.storage.models import JobState, database
from solocrm_tui.core.storage.owners import is_dead, this_process
from solocrm_tui.core.storage.records import FollowUp

if TYPE_CHECKING:
    from solocrm_tui.core.analytics.hindsight import Backtest, CustomerFigures
    from solocrm_tui.core.analytics.summary import Summary

LEASE = timedelta(hours=1)  # a run that has not finished after this is presumed dead
CHILD_MINUTES = 30  # an analytics child still busy after this long is stuck, not slow


def _held() -> list[tuple[str, datetime | None, str | None]]:
    """(name, started, owner) of every job that started and has not finished."""
    J = JobState
    return list(J.select(J.name, J.started_at, J.owner).where(J.finished_at.is_null()).tuples())


def _dead_owners() -> list[str]:
    """Lease owners on this host whose process is gone (closed or killed mid-job)."""
    return [owner for _, _, owner in _held() if owner and is_dead(owner)]


def stale_leases(now: datetime) -> list[str]:
    """Jobs left unfinished by a process that died or hung, in words, for `solocrm doctor`.

    `begin` takes such a lease over on the job's next run, so they are harmless once an
    app runs again; until then that job (a backup, a refit) simply does not happen.
    """
    stale = []
    for name, started, owner in _held():
        if owner and is_dead(owner):
            stale.append(f"{name} was left unfinished by process {owner}, which is no longer running")
        elif started is not None and started < now - LEASE:
            stale.append(f"{name} has been running since {started:%Y-%m-%d %H:%M} (by {owner or 'an older version'}), "
                         f"longer than a run may take")
    return stale


def begin(name: str, now: datetime, every: timedelta | None = None) -> bool:
    """Take the lease for `name`; False if it is running elsewhere or ran less than `every` ago."""
    me = this_process()
    with database.atomic():
        try:
            JobState.insert(name=name, started_at=now, finished_at=None, ok=True, owner=me).execute()
            return True
        except IntegrityError:
            pass
        J = JobState
        free = (J.finished_at.is_null(False) | J.started_at.is_null() | (J.started_at < now - LEASE)
                | J.owner.in_(_dead_owners()))
        if every is not None:
            free &= (J.ok == 0) | J.finished_at.is_null() | (J.finished_at <= now - every)
        return bool(J.update(started_at=now, finished_at=None, owner=me).where((J.name == name) & free).execute())


def end(name: str, now: datetime, error: str | None = None) -> None:
    with database.atomic():
        JobState.update(finished_at=now, ok=error is None, error=error).where(JobState.name == name).execute()


def last_runs() -> dict[str, tuple[datetime | None, datetime | None, bool, str | None]]:
    """name -> (started, finished, ok, error), for the header's health line."""
    rows = JobState.select(JobState.name, JobState.started_at, JobState.finished_at, JobState.ok,
                           JobState.error).tuples()
    return {name: (started, finished, bool(ok), error) for name, started, finished, ok, error in rows}


def remind(now: datetime) -> list[FollowUp]:
    """Claim due reminders; the atomic claim is the once-only guarantee, so no lease is needed."""
    return followups.claim_due(now)


def backup(db_path: Path, now: datetime, keep: int) -> Path:
    folder = db_path.parent / "backups"
    target = backups.backup_to(db_path, folder / backups.backup_name(db_path, now))
    backups.rotate(folder, db_path.stem, keep)
    return target


def restage(now: datetime, rules) -> int:
    """Daily: recompute lifecycle stages, and campaign conversions whose window has new orders."""
    from solocrm_tui.core.contacts import lifecycle
    from solocrm_tui.core.sales.campaign_results import attribute_conversions

    attribute_conversions(now)
    return lifecycle.restage(now, rules)


def refit_in_process(db_path: Path, now: datetime, settings, as_of: datetime | None = None) -> dict[str, bool]:
    """Fit the models in a child process so the app's UI thread never competes with
    pandas/scikit-learn for the GIL, and the app's own memory stays small.
    Returns, per kind of model run, whether its figures are rule-based."""
    import json

    extra = [as_of.isoformat()] if as_of is not None else []
    return json.loads(_analytics_child("refit", db_path, now, settings, extra))


def summary_in_process(db_path: Path, now: datetime, settings, probabilities: dict | None = None) -> Summary:
    """The Insights figures, computed in a child process for the same reasons as the refit:
    a million orders in pandas is 170 MB and seconds of GIL the app does not have to pay."""
    import json

    from solocrm_tui.core.analytics.summary import Summary

    return Summary.from_json(_analytics_child("summary", db_path, now, settings, [json.dumps(probabilities or {})]))


def customers_in_process(db_path: Path, now: datetime, settings, rules, as_of: datetime) -> CustomerFigures:
    """Each customer's figures as a fit on `as_of` gives them, computed in the child and
    stored nowhere (today's stored figures stay as they are)."""
    import dataclasses
    import json

    from solocrm_tui.core.analytics.hindsight import CustomerFigures

    extra = [as_of.isoformat(), json.dumps(dataclasses.asdict(rules))]
    return CustomerFigures.from_json(_analytics_child("customers", db_path, now, settings, extra))


def backtest_in_process(db_path: Path, now: datetime, settings, as_of: datetime, horizon_days: int) -> Backtest:
    """The models fitted at `as_of` against the `horizon_days` that followed, in the child."""
    from solocrm_tui.core.analytics.hindsight import Backtest

    extra = [as_of.isoformat(), str(horizon_days)]
    return Backtest.from_json(_analytics_child("backtest", db_path, now, settings, extra))


def _analytics_child(command: str, db_path: Path, now: datetime, settings, extra: list[str]) -> str:
    """What the child printed; any failure is a RuntimeError whose message is one line
    (`refit failed: ...`), the same whatever went wrong."""
    import dataclasses
    import json
    import subprocess
    import sys

    from solocrm_tui.core.analytics.child import PARENT_ENV

    args = [sys.executable, "-m", "solocrm_tui.core.analytics.child", command, str(db_path), now.isoformat(),
            json.dumps(dataclasses.asdict(settings)), *extra]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=CHILD_MINUTES * 60,
                              env={**os.environ, PARENT_ENV: str(os.getpid())})
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{command} failed: no answer after {CHILD_MINUTES} minutes") from None
    if done.returncode != 0:
        lines = (done.stderr or "no output").strip().splitlines()
        raise RuntimeError(f"{command} failed: {lines[-1] if lines else 'exit ' + str(done.returncode)}")
    return done.stdout


def refit_if_due(db_path: Path, now: datetime, settings, every: timedelta, change_share: float) -> dict | None:
    """The scheduled refit: daily, or sooner when orders changed by more than `change_share`."""
    from solocrm_tui.core.analytics import runs

    if not runs.refit_due(now, every, change_share):
        return None
    return refit_in_process(db_path, now, settings)
