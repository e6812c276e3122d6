"""The one path from the UI to core and back.

`load` reads: the core call runs on a thread worker (with the thread's own SQLite
connection, given back afterwards by `db_call`) and its result comes back to the UI
thread through `then`. A load superseded by a newer one of the same exclusive group (a
newer keystroke, a newer page) never calls back, so a slow old answer cannot overwrite
a fresh one.

`apply_change` writes, with one policy for every screen, widget and modal: a CRMError
(something the owner can fix: a bad value, a customer gone) becomes an error toast and
`refused` runs, so the screen can put back what it showed optimistically; success runs
`then`, shows `done` as a toast when given, and posts DataChanged naming what changed,
so the visible screen reloads.

Anything else a worker raises is a bug: it reaches the app's worker-error policy (an
error toast and the log), never a crash. Workers never touch widgets; only the
callbacks, on the UI thread, do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, get_current_worker

from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.messages import DataChanged

T = TypeVar("T")


def load(node: DOMNode, read: Callable[[], T], then: Callable[[T], None], *, group: str,
         exclusive: bool = True) -> Worker:
    """Run `read` off the UI thread and hand its result to `then` on it."""
    app = node.app

    def run() -> None:
        result = db_call(read)
        if not get_current_worker().is_cancelled:
            app.call_from_thread(then, result)

    return node.run_worker(run, name=group, group=group, thread=True, exclusive=exclusive, exit_on_error=False)


def apply_change(node: DOMNode, write: Callable[[], T], *, what: str | Iterable[str],
                 customer_id: int | None = None, done: str | Callable[[T], str | None] | None = None,
                 then: Callable[[T], None] | None = None, refused: Callable[[CRMError], None] | None = None,
                 group: str = "write") -> Worker:
    """Run `write` off the UI thread; refuse in one toast or announce what changed."""
    app = node.app

    def run() -> None:
        try:
            result = db_call(write)
        except CRMError as error:
            app.call_from_thread(_refused, node, error, refused)
            return
        app.call_from_thread(_applied, node, result, what, customer_id, done, then)

    return node.run_worker(run, name=group, group=group, thread=True, exit_on_error=False)


def _refused(node: DOMNode, error: CRMError, refused: Callable[[CRMError], None] | None) -> None:
    node.app.notify(str(error), severity="error", title="Not done", markup=False)
    if refused is not None:
        refused(error)


def _applied(node: DOMNode, result, what, customer_id, done, then) -> None:
    if then is not None:
        then(result)
    message = done(result) if callable(done) else done
    if message:
        node.app.notify(message, markup=False)
    node.post_message(DataChanged(customer_id, what=what))
