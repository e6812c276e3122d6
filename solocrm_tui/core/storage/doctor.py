"""`solocrm doctor`: is this database healthy, and what is in it?

Checks what SPEC §9 promises (an intact file, the current schema, owner-only
permissions, consistent references) on the database `storage.db.open_database` has
bound, so the CLI only prints the report and picks the exit code. It also takes back
an import killed half-way (its rows would otherwise stay until the next import).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from solocrm_tui.core.storage.backup import integrity_errors
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.schema import LATEST_VERSION, schema_differences
from solocrm_tui.core.storage.undo import roll_back_unfinished


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Report:
    path: Path
    checks: tuple[Check, ...]
    counts: tuple[tuple[str, int], ...]

    @property
    def healthy(self) -> bool:
        return all(check.ok for check in self.checks)

    def lines(self) -> list[str]:
        width = max(len(c.name) for c in self.checks)
        out = [f"{'database'.ljust(width)}  {self.path}"]
        out += [f"{c.name.ljust(width)}  {'ok' if c.ok else 'PROBLEM'}: {c.detail}" for c in self.checks]
        out.append("rows")
        name_width = max((len(name) for name, _ in self.counts), default=0)
        out += [f"  {name.ljust(name_width)}  {count:>10,}" for name, count in self.counts]
        problems = sum(not c.ok for c in self.checks)
        out.append("healthy" if not problems else f"unhealthy: {problems} problem{'s' * (problems > 1)}")
        return out


def _scalar(sql: str) -> object:
    return database.execute_sql(sql).fetchone()[0]


def table_counts() -> tuple[tuple[str, int], ...]:
    """Rows per table, leaving out SQLite's own and the search index's shadow tables."""
    names = [r[0] for r in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'customer_fts%' AND name NOT LIKE 'entry_fts%' ORDER BY name")]
    return tuple((name, _scalar(f'SELECT COUNT(*) FROM "{name}"')) for name in names)


def diagnose(path: Path, config_error: str | None = None, stale_leases: Sequence[str] = (), *,
             now: datetime) -> Report:
    """`stale_leases`: core.jobs.stale_leases(now), which sits above storage."""
    imports = roll_back_unfinished(now)
    problems = integrity_errors(path)
    version = _scalar("PRAGMA user_version")
    mode = stat.S_IMODE(path.stat().st_mode)
    broken_refs = len(database.execute_sql("PRAGMA foreign_key_check").fetchall())
    journal = _scalar("PRAGMA journal_mode")
    schema_problems = schema_differences(database.connection())
    checks = (
        Check("integrity", not problems, "; ".join(problems[:3]) if problems else "integrity_check passed"),
        Check("schema", version == LATEST_VERSION and not schema_problems,
              f"version {version} (latest {LATEST_VERSION})"
              + (f": {'; '.join(schema_problems[:3])}" if schema_problems else ", every table, index and trigger as made")),
        Check("permissions", not mode & 0o077,
              f"{stat.filemode(mode | stat.S_IFREG)}" + ("" if not mode & 0o077 else f" (run: chmod 600 {path})")),
        Check("references", not broken_refs, f"{broken_refs} rows point at missing rows" if broken_refs
              else "every foreign key resolves"),
        Check("journal", journal == "wal", f"{journal} mode"),
        Check("config", config_error is None, config_error or "valid"),
        Check("jobs", not stale_leases, "; ".join(stale_leases) + ": open solocrm and the job runs again"
              if stale_leases else "no job left unfinished by a closed or stuck process"),
        Check("imports", True, "; ".join(imports) or "none unfinished"),
    )
    return Report(path, checks, table_counts())
