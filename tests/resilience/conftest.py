"""Helpers for the resilience tests: child processes, raw looks at the database file.

Every check of the file after a child wrote (or was killed) goes through a fresh
raw sqlite3 connection, never the models, so nothing cached in this process can
hide what is on disk.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILDREN = Path(__file__).with_name("_children.py")
NOW = datetime(2026, 11, 22, 10, 30)
WRITER_NAMES = ("Writer Alpha", "Writer Bravo", "Writer Charlie", "Writer Delta", "Writer Echo",
                "Writer Foxtrot", "Writer Golf", "Writer Hotel")
TABLES = ("customer", "orders", "interaction", "followup", "deal", "ticket", "batch", "batch_change",
          "stage_change", "deal_stage_change", "campaign", "campaign_target")


def child(kind: str, *args: str, as_nobody: bool = False, **popen) -> subprocess.Popen:
    return subprocess.Popen([*nobody_prefix(as_nobody), sys.executable, str(CHILDREN), kind, *map(str, args)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def cli(*args: str, timeout: float = 600, as_nobody: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """`solocrm ARGS` in a child process, as a user would run it."""
    return subprocess.run([*nobody_prefix(as_nobody), sys.executable, "-m", "solocrm_tui", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout, **kwargs)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def counts(path: Path) -> dict[str, int]:
    conn = raw(path)
    try:
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    finally:
        conn.close()


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def inconsistent_totals(path: Path) -> list[tuple]:
    """Customers whose stored totals disagree with their orders: the trace of a half-done action."""
    conn = raw(path)
    try:
        return conn.execute(
            "SELECT c.id, c.revenue_cents, c.order_count, COALESCE(SUM(o.amount_cents), 0), COUNT(o.id) "
            "FROM customer c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id "
            "HAVING c.revenue_cents != COALESCE(SUM(o.amount_cents), 0) OR c.order_count != COUNT(o.id)").fetchall()
    finally:
        conn.close()


def seed(path: Path, *, reminders: int = 0) -> dict[str, int]:
    """The writer customers (and due reminders), through core like the app would."""
    from solocrm_tui.core.contacts import customers, followups
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(path)
    try:
        ids = {name: customers.create_customer(NOW, name=name).id for name in WRITER_NAMES}
        for i in range(reminders):
            followups.create_followup(f"call back {i}", NOW - timedelta(hours=1 + i), NOW - timedelta(days=1),
                                      customer_id=ids[WRITER_NAMES[i % len(WRITER_NAMES)]])
    finally:
        close_database()
    return ids


def write_customers_csv(path: Path, rows: int, prefix: str) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("name,email,city\n")
        for i in range(rows):
            fh.write(f"{prefix} Person {i},{prefix.lower()}.{i}@example.com,Berlin\n")
    return path


def news_campaign(db_path: Path, now: datetime, folder: Path, port: int, targets: int, opted_out: int,
                  no_address: int) -> tuple[int, dict[str, str]]:
    """A #news campaign over `targets` customers (the first `opted_out` opted out, the next
    `no_address` without an address), a config sending to `port` with templates/news.md;
    returns the campaign's id and the environment a `solocrm campaign send` child needs.
    The database is closed, for the children to open."""
    from solocrm_tui.core.contacts.customers import create_customer
    from solocrm_tui.core.sales.campaigns import create_campaign
    from solocrm_tui.core.storage.db import close_database
    from solocrm_tui.core.storage.models import database

    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "news.md").write_text("Subject: Neuigkeiten für {first_name}\n\nHallo {name}!\n",
                                                  encoding="utf-8")
    (folder / "config.toml").write_text(f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                                        'from_address = "me@shop.example"\n', encoding="utf-8")
    with database.atomic():
        for n in range(targets):
            create_customer(now, name=f"Kunde {n:04}", tags=["news"], opt_out=n < opted_out,
                            email=None if opted_out <= n < opted_out + no_address else f"k{n}@example.com")
    campaign = create_campaign("News", now, target_filter="#news")
    close_database()
    return campaign.id, {**os.environ, "SOLOCRM_CONFIG": str(folder / "config.toml")}


def wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 300) -> None:
    """Read the child's stdout until a line equal to `text` (the child prints it flushed)."""
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if selector.select(timeout=0.2):
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip() == text:
                return
    raise AssertionError(f"child never printed {text!r}; stderr:\n{proc.stderr.read() if proc.poll() is not None else ''}")


@pytest.fixture
def make_app(db_path):
    """The app on the test database (`db_path`, bound in this process), jobs off, clock fixed."""
    from solocrm_tui.cli import make_app as build_app
    from solocrm_tui.config import Config

    def build(start_mode: str = "customers"):
        return build_app(db_path, Config(), clock=lambda: NOW, jobs=False, start_mode=start_mode)

    return build


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A path for a database that this process does not keep open."""
    from solocrm_tui.core.storage.db import close_database

    close_database()
    return tmp_path / "crm.db"


def nobody_prefix(wanted: bool) -> list[str]:
    """The command prefix that drops root, so file permissions apply (root ignores them)."""
    if not wanted or os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    if not _runs_as_nobody(tuple(prefix)):
        pytest.skip(f"{sys.executable} cannot start as nobody here (its files are private to root)")
    return prefix


@functools.cache
def _runs_as_nobody(prefix: tuple[str, ...]) -> bool:
    return subprocess.run([*prefix, sys.executable, "-c", "import solocrm_tui"], cwd=ROOT,
                          capture_output=True, timeout=120).returncode == 0
