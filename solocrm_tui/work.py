"""The one path from the UI to core and back.

`load` reads: the core call runs on a thread worker (with the thread's own SQLite
connection, given back afterwards by `db_call`) and its result comes back to the UI
thread through `then`. A load superseded by a newer one of the same exclusive group (a
newer keystroke, a newer page) never calls back, so a slow old answer cannot overwrite
a fresh one.

`apply_change` writes, with one policy for every screen, widget and modal: a CRMError
(something the owner can fix: a bad value, a customer gone) becomes an error toast and
`refused` runs, so the screen can put back what it showed optimistically (the composer,
which answers in its own log, turns the toast off); success runs `then`, shows `done`
as a toast when given, and posts DataChanged naming what changed, so the visible
screen reloads. A write that turns out to have changed nothing (`what` empty) posts none.
With `undo_as`, the rows the write changed are recorded as a change set (core's
storage/changes.py) and go on the session's one undo stack under that name, so ctrl+z
and `/undo` take back exactly those rows.

Anything else a worker raises is a bug: it reaches `report_failure`, the one
worker-error policy (an error toast and the log), never a crash. Workers never touch
widgets; only the callbacks, on the UI thread, do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from textual.app import App
from textual.dom import DOMNode
from textual.worker import Worker, WorkerState, get_current_worker

from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.messages import DataChanged
from solocrm_tui.text.visible import visible

T = TypeVar("T")
log = logging.getLogger("solocrm")


def load(node: DOMNode, read: Callable[[], T], then: Callable[[T], None], *, group: str,
         exclusive: bool = True) -> Worker:
    """Run `read` off the UI thread and hand its result to `then` on it."""
    app = node.app

    def run() -> None:
        result = db_call(read)
        if not get_current_worker().is_cancelled:
            app.call_from_thread(then, result)

    return node.run_worker(run, name=group, group=group, thread=True, exclusive=exclusive, exit_on_error=False)


Changed = str | Iterable[str]


def apply_change(node: DOMNode, write: Callable[[], T], *, what: Changed | Callable[[T], Changed],
                 customer_id: int | None = None, done: str | Callable[[T], str | None] | None = None,
                 then: Callable[[T], None] | None = None, refused: Callable[[CRMError], None] | None = None,
                 toast_refusal: bool = True, undo_as: str | Callable[[T], str] | None = None,
                 group: str = "write") -> Worker:
    """Run `write` off the UI thread; refuse in one toast or announce what changed."""
    app = node.app

    def run() -> None:
        try:
            if undo_as is None:
                result, change = db_call(write), None
            else:  # named once the result is known: the name often depends on it
                result, change = db_call(changes.record, write, "")
        except CRMError as error:
            app.call_from_thread(_refused, node, error, refused, toast_refusal)
            return
        label = undo_as(result) if callable(undo_as) else undo_as
        if change is not None and label and change.rows:
            named = replace(change, label=label)
            app.call_from_thread(app.session.push_undo, label, lambda: changes.undo(named, app.now()))
        app.call_from_thread(_applied, node, result, what, customer_id, done, then)

    return node.run_worker(run, name=group, group=group, thread=True, exit_on_error=False)


def progress(node: DOMNode, show: Callable[..., None]) -> Callable[..., None]:
    """A callable for a worker's core call to report how far it has got: each call runs
    `show` with the same arguments on the UI thread (the worker waits for it, so the
    screen is never behind by more than one report), and none after the worker is
    cancelled (its screen may be gone)."""
    app = node.app

    def report(*args) -> None:
        if not get_current_worker().is_cancelled:
            app.call_from_thread(show, *args)

    return report


def toast(app: App, message: str, *, lines: bool = False, **options) -> None:
    """Every toast: its message often quotes the owner's text (a name, a title), so it is
    plain text (no markup) with control and bidi characters shown, not sent; with `lines`
    its newlines are kept (a report of several lines)."""
    app.notify(visible(message, lines=lines), markup=False, **options)


def not_done(app: App, error: CRMError) -> None:
    """The one toast for something the owner can fix: what core said."""
    toast(app, str(error), severity="error", title="Not done")


def _refused(node: DOMNode, error: CRMError, refused, toast: bool) -> None:
    if toast:
        not_done(node.app, error)
    if refused is not None:
        refused(error)


def _applied(node: DOMNode, result, what, customer_id, done, then) -> None:
    if then is not None:
        then(result)
    message = done(result) if callable(done) else done
    if message:
        toast(node.app, message)
    changed = DataChanged(customer_id, what=what(result) if callable(what) else what)
    if changed.what:
        node.post_message(changed)


def report_failure(app: App, event: Worker.StateChanged) -> None:
    """One policy for every failed worker: an error toast, never a crash.

    Worker state messages do not bubble, so the app and every screen and widget that
    owns workers send theirs here (see ReportWorkerErrors below).
    """
    if event.state != WorkerState.ERROR:
        return
    error = event.worker.error
    if isinstance(error, CRMError):
        not_done(app, error)
    else:
        log.error("worker %s failed", event.worker.name, exc_info=error)
        toast(app, f"{type(error).__name__}: {error}", severity="error", title="Something went wrong")


class ReportWorkerErrors:
    """Mixin for screens and widgets that run workers: worker state messages do not
    bubble, so hand failures to the app's single error policy."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failure(self.app, event)  # type: ignore[attr-defined]
