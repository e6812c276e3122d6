"""Running core calls on worker threads.

Peewee keeps one SQLite connection per thread; Textual starts a fresh thread for
each thread worker, so the connection is closed when the call ends instead of
waiting for garbage collection to release the file handle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from solocrm_tui.core.storage.models import database

T = TypeVar("T")


def db_call(fn: Callable[..., T], *args, **kwargs) -> T:
    try:
        return fn(*args, **kwargs)
    finally:
        if not database.in_transaction():
            database.close()
