"""Child processes for the resilience tests (and bench/soak.py).

    python tests/resilience/_children.py app-writer DB TAG COUNT NAME [NAME ...]
    python tests/resilience/_children.py write-loop DB COUNT NAME [NAME ...]

app-writer: a whole SoloCRM app, headless (`app.run_test()`), carrying out COUNT
composer commands through the real Composer widget (a thread worker per command,
as when the owner types) and claiming due reminders every few commands, the way
the reminders job does. Prints "ready" when the app is up, then one JSON line:
what the owner would have seen (composer answers, error lines, toasts) and which
reminders this instance claimed.

write-loop: core only, as fast as it goes: `/buy` commands via `execute.execute`,
printing "done I" after each one commits (the parent kills it with SIGKILL).

note-loop: COUNT notes on one customer, then "finished".

app-refit: a whole SoloCRM app, headless, on the Insights screen; presses `r` (the refit
child starts), prints "refitting" and waits there until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path

NOW = datetime(2026, 11, 22, 10, 30)


async def settle(app) -> None:
    """Wait for every worker; a cancelled or failed one is fine here (the app reports those)."""
    for worker in list(app.workers):
        try:
            await worker.wait()
        except Exception:
            pass


async def _app_writer(db: Path, tag: str, count: int, names: list[str]) -> dict:
    from solocrm_tui.cli import make_app
    from solocrm_tui.config import Config
    from solocrm_tui.core import jobs
    from solocrm_tui.core.storage.db import db_call
    from solocrm_tui.widgets.composer import Composer

    app = make_app(db, Config(), clock=lambda: NOW, jobs=False, start_mode="customers")
    toasts: list[list[str]] = []
    claimed: list[int] = []
    original_notify = app.notify

    def notify(message, *, title="", severity="information", **kwargs):
        toasts.append([severity, str(title), str(message)])
        return original_notify(message, title=title, severity=severity, **kwargs)

    app.notify = notify

    def remind() -> None:
        claimed.extend(f.id for f in db_call(jobs.remind, NOW))

    async with app.run_test(size=(120, 35)) as pilot:
        await settle(app)
        print("ready", flush=True)
        composer = app.screen.query_one(Composer)
        said: list[tuple[str, str]] = []  # every composer line (the session keeps only the latest 200)
        original_say = composer.say

        def say(text: str, kind: str = "answer", **options) -> None:
            said.append((text, kind))
            original_say(text, kind, **options)

        composer.say = say
        for i in range(count):
            name = names[i % len(names)]
            composer.run(f'/buy @"{name}" 1.{i % 100:02d} {tag}-{i}', None)
            if i % 10 == 0:
                app.run_worker(remind, thread=True, group="bench-remind", exit_on_error=False)
            await settle(app)
        app.run_worker(remind, thread=True, group="bench-remind", exit_on_error=False)
        await settle(app)
        await pilot.pause()
        lines = said
        return_code = app.return_code
    return {"answers": sum(1 for text, kind in lines if kind == "answer" and text.startswith("✓ order")),
            "errors": [text for text, kind in lines if kind == "error"], "toasts": toasts,
            "claimed": claimed, "return_code": return_code}


def app_writer(db: str, tag: str, count: str, *names: str) -> None:
    from solocrm_tui import paths
    from solocrm_tui.cli.app import log_to_file
    from solocrm_tui.core.storage.db import close_database, open_database

    log_to_file(paths.log_path(Path(db)))  # as `solocrm` does: worker tracebacks go to the log, not the screen
    open_database(db, create=False)
    try:
        result = asyncio.run(_app_writer(Path(db), tag, int(count), list(names)))
    finally:
        close_database()
    print(json.dumps(result), flush=True)


def write_loop(db: str, count: str, *names: str) -> None:
    """`/buy` as fast as possible; "done I" is printed only after action I committed."""
    from solocrm_tui.core.composer import execute, grammar
    from solocrm_tui.core.storage.db import open_database

    open_database(db, create=False)
    ctx = execute.Context(NOW)
    print("ready", flush=True)
    for i in range(int(count)):
        command = grammar.parse(f'/buy @"{names[i % len(names)]}" 2.{i % 100:02d} loop-{i}', NOW)
        execute.execute(command, ctx)
        print(f"done {i}", flush=True)


def note_loop(db: str, count: str, customer_id: str) -> None:
    """Notes on one customer as fast as they commit, as another app instance would write them."""
    from solocrm_tui.core.contacts import timeline
    from solocrm_tui.core.storage.db import open_database

    open_database(db, create=False)
    print("ready", flush=True)
    for i in range(int(count)):
        timeline.add_interaction(int(customer_id), "note", f"other instance {i}", NOW)
    print("finished", flush=True)


async def _app_refit(db: Path) -> None:
    from solocrm_tui.cli import make_app
    from solocrm_tui.config import Config

    app = make_app(db, Config(), clock=lambda: NOW, jobs=False, start_mode="insights")
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("r")
        print("refitting", flush=True)
        await asyncio.Event().wait()  # the parent kills this process


def app_refit(db: str) -> None:
    from solocrm_tui.core.storage.db import open_database

    open_database(db, create=False)
    asyncio.run(_app_refit(Path(db)))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    kind, *rest = sys.argv[1:]
    {"app-writer": app_writer, "write-loop": write_loop, "note-loop": note_loop,
     "app-refit": app_refit}[kind](*rest)
