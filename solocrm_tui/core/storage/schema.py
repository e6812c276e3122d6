"""SoloCRM's schema: the migration script of each version, and whether a file holds
exactly the schema of the version it claims.

A database file is code as well as data: a trigger or a view in it runs inside
every transaction the app makes, and its `user_version` is only a number anyone can
set. So a file we are asked to restore, and the file `doctor` examines, is compared
object by object (tables, indexes, triggers, views, with their SQL) with a reference
built from our own migration scripts up to the version the file claims.
"""

from __future__ import annotations

import functools
import sqlite3
from importlib import resources


def migration_scripts() -> list[str]:
    """The SQL of each schema version, in order; version N is the N-th script."""
    folder = resources.files("solocrm_tui.core.storage") / "migrations"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(folder / name).read_text(encoding="utf-8") for name in names]


LATEST_VERSION = len(migration_scripts())


def split_statements(script: str) -> list[str]:
    """Split a migration script on complete statements (triggers contain ';')."""
    out, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out


# SQLite's own objects (autoindexes, sqlite_sequence, sqlite_stat1 from ANALYZE) are not ours to judge.
_OBJECTS = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"

Schema = dict[tuple[str, str], str | None]


def schema_of(conn: sqlite3.Connection) -> Schema:
    return {(kind, name): sql for kind, name, sql in conn.execute(_OBJECTS)}


@functools.cache
def expected_schema(version: int) -> Schema:
    """Our schema at `version`, made by running the migration scripts in memory."""
    conn = sqlite3.connect(":memory:")
    try:
        for script in migration_scripts()[:version]:
            for statement in split_statements(script):
                conn.execute(statement)
        return schema_of(conn)
    finally:
        conn.close()


def schema_differences(conn: sqlite3.Connection) -> list[str]:
    """What differs from our schema at the version the file claims; empty when it matches."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if not 1 <= version <= LATEST_VERSION:
        return [f"schema version {version} is not one SoloCRM made (1 to {LATEST_VERSION})"]
    expected, found = expected_schema(version), schema_of(conn)
    problems = [f"unexpected {kind} {name}" for kind, name in sorted(found.keys() - expected.keys())]
    problems += [f"missing {kind} {name}" for kind, name in sorted(expected.keys() - found.keys())]
    problems += [f"{kind} {name} is defined differently" for kind, name in sorted(expected.keys() & found.keys())
                 if expected[kind, name] != found[kind, name]]
    return problems
