"""Shared by the bench scripts: the bench database, result rows, a pseudo-terminal driver.

Every figure is printed next to a reference measured in the same run (a bare Textual
app, raw sqlite3, …) because the machine is shared and absolute numbers are noisy;
the ratio says more than the figure alone.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import sqlite3
import statistics
import struct
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DEFAULT_DB = OUT / "bench.db"
VENV_BIN = Path(sys.executable).parent
HEAVY_NAME = "Bench Heavytimeline"  # the customer with 5,000 interactions
HEAVY_COUNT = 5000
SIZE = (120, 35)  # columns, rows


@dataclass
class Result:
    figure: str
    target: str
    measured: float
    reference: float | None
    unit: str
    ref_label: str
    passed: bool | None  # None: informational, no target
    note: str = ""

    @property
    def ratio(self) -> str:
        if self.reference in (None, 0) or self.measured is None:
            return "–"
        return f"{self.measured / self.reference:.1f}×"

    def cells(self) -> list[str]:
        verdict = {True: "✅ pass", False: "❌ fail", None: "info"}[self.passed]
        ref = f"{fmt(self.reference, self.unit)} ({self.ref_label})" if self.reference is not None else self.ref_label
        measured = fmt(self.measured, self.unit) + (f" — {self.note}" if self.note else "")
        return [self.figure, self.target, measured, ref, self.ratio, verdict]


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.2f} s" if value < 10 else f"{value:,.1f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "rows/s":
        return f"{value:,.0f} rows/s"
    return f"{value:,.2f} {unit}"


def table(results: list[Result]) -> str:
    head = ["Figure", "Target (SPEC §8)", "Measured", "Reference (same run)", "Ratio", "Result"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in results]
    return "\n".join(lines)


def print_results(results: list[Result]) -> None:
    print(table(results))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    import textual

    return (f"{os.cpu_count()} cores (nproc), {cpu}, {ram} RAM, Python {sys.version.split()[0]}, "
            f"Textual {textual.__version__}, SQLite {sqlite3.sqlite_version}, {os.uname().sysname} {os.uname().release}")


def db_arg_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB,
                        help=f"bench database (generated if missing; default {DEFAULT_DB.relative_to(ROOT)})")
    return parser


# the bench database -----------------------------------------------------------------

def ensure_db(path: Path = DEFAULT_DB, *, quiet: bool = False) -> Path:
    """Reuse `path` if it holds the large data set, else generate it (about a minute)."""
    path = Path(path).absolute()
    if path.exists():
        conn = sqlite3.connect(path)
        try:
            customers = conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0]
        finally:
            conn.close()
        if customers < 100_000:
            print(f"warning: {path} has only {customers:,} customers (SPEC §8 assumes 100,000)", file=sys.stderr)
    else:
        from bench.generate import generate

        path.parent.mkdir(parents=True, exist_ok=True)
        if not quiet:
            print(f"generating {path} (100k customers, 1M orders, 500k interactions)…", file=sys.stderr, flush=True)
        start = time.perf_counter()
        generate(path, 100_000, 1_000_000, 500_000, datetime.now().replace(microsecond=0))
        if not quiet:
            print(f"  generated in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    heavy_customer(path)
    settle_stages(path)
    return path


def settle_stages(path: Path) -> None:
    """Give the generated customers the lifecycle stages the app's daily job would, once.

    bench.generate leaves every customer a "lead"; the first app start would then re-stage
    100,000 customers in the middle of a measurement. A database a real owner uses has
    had its stages kept up to date every day, so the bench starts from that state.
    """
    conn = sqlite3.connect(path, timeout=60)
    try:
        done = conn.execute("SELECT COUNT(*) FROM stage_change").fetchone()[0]
    finally:
        conn.close()
    if done:
        return
    from solocrm_tui.config import Config
    from solocrm_tui.core import jobs
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(path, create=False)
    try:
        jobs.restage(datetime.now().replace(microsecond=0), Config().lifecycle)
    finally:
        close_database()


def heavy_customer(path: Path) -> int:
    """The customer with 5,000 interactions (added once, on first use of the database)."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        row = conn.execute("SELECT id FROM customer WHERE name = ?", (HEAVY_NAME,)).fetchone()
        if row:
            return row[0]
        now = datetime.now().replace(microsecond=0)
        conn.execute("BEGIN IMMEDIATE")
        cid = conn.execute(
            "INSERT INTO customer (name, company, email, email_norm, opt_out, tags, custom, created_at, updated_at, "
            "revenue_cents, order_count, stage, last_contact_at) VALUES (?,?,?,?,0,'','{}',?,?,0,0,'active',?)",
            (HEAVY_NAME, "Bench Works", "heavy@example.com", "heavy@example.com", now - timedelta(days=900), now,
             now)).lastrowid
        kinds = ("note", "call", "email", "meeting", "message")
        conn.executemany(
            "INSERT INTO interaction (customer_id, kind, direction, body, occurred_at) VALUES (?,?,?,?,?)",
            [(cid, kinds[i % 5], "in" if i % 3 else "out", f"bench entry {i}: talked about the next order",
              now - timedelta(hours=4 * i)) for i in range(HEAVY_COUNT)])
        conn.execute("COMMIT")
        return cid
    finally:
        conn.close()


def isolated_env(home: Path) -> dict[str, str]:
    """Environment for a child app: its own config and data dirs, a real terminal type."""
    env = dict(os.environ)
    env.update({"SOLOCRM_CONFIG": str(home / "config.toml"), "XDG_DATA_HOME": str(home / "data"),
                "XDG_CONFIG_HOME": str(home / "config"), "TERM": "xterm-256color", "COLORTERM": "truecolor",
                "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1]), "PYTHONDONTWRITEBYTECODE": "1"})
    env.pop("SOLOCRM_DB", None)
    env.pop("TEXTUAL", None)
    return env


# a pseudo-terminal driver -----------------------------------------------------------

_ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1bP[^\x1b]*\x1b\\|\x1b[@-Z\\-_()][0-9A-Za-z]?")


class PtyApp:
    """A program in a pseudo-terminal of SIZE: read its screen output as text, send it keys.

    The screen text is the output with escape sequences removed; Textual positions
    the cursor before each run of cells, so words of one style arrive contiguous.
    """

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> None:
        self.argv, self.env, self.cwd = argv, env, cwd
        self.raw = bytearray()
        self.pid = -1
        self.fd = -1
        self.started = 0.0

    def spawn(self) -> float:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                if self.cwd:
                    os.chdir(self.cwd)
                os.execvpe(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        return self.started

    def text(self) -> str:
        return _ANSI.sub(b"", bytes(self.raw)).decode("utf-8", "replace")

    def pump(self, timeout: float) -> bool:
        """Read what is available within `timeout`; False when the program closed the terminal."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        self.raw += chunk
        self._answer_queries(chunk)
        return True

    def _answer_queries(self, chunk: bytes) -> None:
        """Answer a cursor-position query as a terminal would (some apps wait for it)."""
        if b"\x1b[6n" in chunk:
            os.write(self.fd, b"\x1b[1;1R")

    def wait_for(self, predicate, timeout: float) -> float | None:
        """Seconds since spawn when predicate(screen_text) first holds; None on timeout or exit."""
        deadline = time.perf_counter() + timeout
        mark = 0
        while time.perf_counter() < deadline:
            if not self.pump(0.005):
                return None
            if len(self.raw) != mark:
                mark = len(self.raw)
                if predicate(self.text()):
                    return time.perf_counter() - self.started
        return None

    def clear(self) -> None:
        self.raw.clear()

    def send(self, keys: str | bytes) -> None:
        os.write(self.fd, keys.encode() if isinstance(keys, str) else keys)

    def status(self, field: str) -> int | None:
        """A /proc/<pid>/status field in kB (VmHWM = peak resident set)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def close(self) -> None:
        if self.pid > 0:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.pid, sig)  # the child leads its own session: its children go too
                except ProcessLookupError:
                    break
                for _ in range(50):
                    if os.waitpid(self.pid, os.WNOHANG)[0]:
                        self.pid = -1
                        break
                    time.sleep(0.02)
                if self.pid < 0:
                    break
            if self.pid > 0:
                try:
                    os.waitpid(self.pid, 0)
                except ChildProcessError:
                    pass
                self.pid = -1
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> "PtyApp":
        self.spawn()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def scratch_home() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="solocrm-bench-")
