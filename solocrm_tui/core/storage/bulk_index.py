"""Search indexes kept by triggers, filled in bulk when an import adds many rows.

An FTS5 index kept in step by an AFTER INSERT trigger costs a trigger call per row
(~70 µs a customer, about as much per imported interaction or order); the same work as
one INSERT…SELECT over the new rows costs a fraction. The trigger is dropped and
re-created inside the caller's write transaction (DDL is transactional in SQLite), so no
other connection ever sees it missing, and the rows are indexed exactly as the trigger
would have indexed them: its own INSERT, with `new.` read from the table and its WHEN
clause as the filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

BULK_ROWS = 1000  # below this the trigger is as quick as dropping and re-creating it
_NEW = re.compile(r"\bnew\.")

_SHAPE = re.compile(r"AFTER\s+INSERT\s+ON\s+\w+\s+(?:WHEN\s+(?P<when>.+?)\s+)?BEGIN\s+INSERT\s+INTO\s+(?P<table>\w+)"
                    r"\s*\((?P<names>[^)]*)\)\s*VALUES\s*\((?P<values>.*)\)\s*;\s*END\s*$", re.IGNORECASE | re.DOTALL)


@contextmanager
def indexed_in_bulk(conn, table: str, triggers: tuple[str, ...], start: int, rows: int) -> Iterator[None]:
    """Inside: insert rows with ids above `start` into `table`; after: each named trigger's
    index holds them. Triggers of another shape (or missing) keep firing per row."""
    replaced = []
    if rows >= BULK_ROWS:
        for name in triggers:
            found = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                 (name,)).fetchone()
            shape = _SHAPE.search(found[0]) if found else None
            if shape is not None:
                replaced.append((name, found[0], shape))
    for name, _sql, _shape in replaced:
        conn.execute(f"DROP TRIGGER {name}")
    try:
        yield
        for _name, _sql, shape in replaced:
            select = _NEW.sub("", shape["values"])
            when = f" AND ({_NEW.sub('', shape['when'])})" if shape["when"] else ""
            conn.execute(f"INSERT INTO {shape['table']}({shape['names']}) SELECT {select} FROM {table} "
                         f"WHERE id > ?{when}", (start,))
    finally:
        for _name, sql, _shape in replaced:
            conn.execute(sql)
