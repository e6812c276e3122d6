"""Soak test: SPEC §9 for minutes instead of seconds.

    python -m bench.soak [--minutes 5] [--db PATH] [--writes 200]

Round after round on one database: two whole app instances (headless, each its own
process) type `/buy` commands into the composer and claim due reminders; meanwhile
`solocrm import customers` runs twice, `solocrm today` and `solocrm export` read, and
a core write loop is killed with SIGKILL in the middle of its work: after a random
number of its writes have committed, while the next one is under way. After every
round: `PRAGMA integrity_check`, no order without its customer's totals, every app
write and every import row present, every write the loop reported committed present
and at most its action in flight besides, no reminder claimed twice, and no "database
is locked" or traceback anywhere.
Exit status 1 on the first broken rule (the report says which).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILDREN = ROOT / "tests" / "resilience" / "_children.py"
NOW = datetime(2026, 11, 22, 10, 30)  # the children's clock (tests/resilience/_children.py)
NAMES = ("Soak Alpha", "Soak Bravo", "Soak Charlie", "Soak Delta", "Soak Echo", "Soak Foxtrot")
REMINDERS_PER_ROUND = 40
IMPORT_ROWS = 1000


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _cli(db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(_python("-m", "solocrm_tui", "--db", str(db), *args), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _child(*args: str) -> subprocess.Popen:
    return subprocess.Popen(_python(str(CHILDREN), *args), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _query(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _count(db: Path, table: str) -> int:
    return _query(db, f'SELECT COUNT(*) FROM "{table}"')[0][0]


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db, timeout=60)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _half_done(db: Path) -> list[tuple]:
    return _query(db, "SELECT c.id FROM customer c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id "
                      "HAVING c.revenue_cents != COALESCE(SUM(o.amount_cents), 0) OR c.order_count != COUNT(o.id)")


def _seed(db: Path) -> None:
    from solocrm_tui.core.contacts import customers
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(db)
    try:
        for name in NAMES:
            customers.create_customer(NOW, name=name)
    finally:
        close_database()


def _add_reminders(db: Path, round_no: int) -> list[int]:
    from solocrm_tui.core.contacts import followups
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(db, create=False)
    try:
        cid = _query(db, f"SELECT id FROM customer WHERE name = '{NAMES[0]}'")[0][0]
        return [followups.create_followup(f"soak {round_no}.{i}", NOW - timedelta(minutes=1 + i),
                                          NOW - timedelta(days=1), customer_id=cid).id
                for i in range(REMINDERS_PER_ROUND)]
    finally:
        close_database()


def _csv(folder: Path, name: str, rows: int) -> Path:
    path = folder / f"{name}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("name,email\n")
        fh.writelines(f"{name} Person {i},{name.lower()}.{i}@example.com\n" for i in range(rows))
    return path


def _bad_output(*texts: str) -> str | None:
    for text in texts:
        for word in ("database is locked", "Traceback", "locked"):
            if word in text:
                return f"{word!r} in output: {text.strip()[-300:]}"
    return None


def _kill_mid_work(loop: subprocess.Popen, writes: int) -> int:
    """SIGKILL the write loop once `writes` of its writes have committed, while the next is
    under way (it starts the next one as soon as it has printed "done I"); returns how many
    it reported committed, counting those printed between our last read and the kill."""
    reported = 0
    while reported < writes:
        line = loop.stdout.readline()
        if not line:
            raise AssertionError(f"the write loop ended after {reported} writes, before it could be killed: "
                                 f"{loop.stderr.read().strip()[-300:]}")
        reported += line.startswith("done ")
    os.kill(loop.pid, signal.SIGKILL)
    return reported


def _loop_orders(db: Path, after_id: int) -> set[str]:
    return {text for (text,) in _query(db, f"SELECT description FROM orders WHERE id > {after_id} "
                                           "AND description LIKE 'loop-%'")}


def run_round(db: Path, folder: Path, round_no: int, writes: int, rng: random.Random) -> dict:
    orders0, customers0 = _count(db, "orders"), _count(db, "customer")
    last_order = _query(db, "SELECT COALESCE(MAX(id), 0) FROM orders")[0][0]
    reminders = set(_add_reminders(db, round_no))
    apps = [_child("app-writer", str(db), f"r{round_no}{tag}", str(writes), *NAMES) for tag in "ab"]
    loop = _child("write-loop", str(db), "1000000", *NAMES)
    started = time.monotonic()
    imports = [_cli(db, "import", "customers", str(_csv(folder, f"Round{round_no}x{n}", IMPORT_ROWS)))
               for n in range(2)]
    reads = [_cli(db, "today"), _cli(db, "export", "customers", "-o", str(folder / f"export{round_no}.csv"))]
    try:
        reported = _kill_mid_work(loop, rng.randint(20, 10 * writes))
    finally:
        if loop.poll() is None:
            loop.kill()
    loop_out, loop_err = loop.communicate(timeout=60)
    committed = reported + loop_out.count("done ")
    outputs = [p.communicate(timeout=600) for p in [*apps, *imports, *reads]]
    for proc, (out, err) in zip([*apps, *imports, *reads], outputs):
        if proc.returncode != 0:
            raise AssertionError(f"round {round_no}: {proc.args[2:5]} exited {proc.returncode}: {err.strip()[-500:]}")
        problem = _bad_output(out, err)
        if problem:
            raise AssertionError(f"round {round_no}: {proc.args[2:5]}: {problem}")
    if _bad_output(loop_err):
        raise AssertionError(f"round {round_no}: write loop: {_bad_output(loop_err)}")
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs[:2]]
    for result in results:
        if result["errors"] or [t for t in result["toasts"] if t[0] == "error"] or result["answers"] != writes:
            raise AssertionError(f"round {round_no}: an app instance saw errors: {result['errors'][:3]} "
                                 f"{result['toasts'][:3]} ({result['answers']}/{writes} answers)")
    claimed = results[0]["claimed"] + results[1]["claimed"]
    integrity = _integrity(db)
    orders = _count(db, "orders") - orders0
    expected_orders = 2 * writes + committed
    loop_orders = _loop_orders(db, last_order)
    checks = {
        "integrity_check ok": integrity == "ok",
        "no half-done order": not _half_done(db),
        "the loop was killed after it committed work": committed > 0,
        "every write the loop reported committed kept": {f"loop-{i}" for i in range(committed)} <= loop_orders,
        "nothing of the loop but its writes and the one in flight": len(loop_orders) <= committed + 1,
        "every app write and committed loop write kept": expected_orders <= orders <= expected_orders + 1,
        "every import row kept": _count(db, "customer") - customers0 == 2 * IMPORT_ROWS,
        "each reminder claimed once": len(claimed) == len(set(claimed)) and set(claimed) == reminders,
    }
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        raise AssertionError(f"round {round_no}: {', '.join(failed)} (integrity {integrity!r}, orders +{orders}, "
                             f"expected {expected_orders}..{expected_orders + 1}, claimed {len(claimed)}/"
                             f"{len(reminders)} unique {len(set(claimed))})")
    return {"round": round_no, "seconds": round(time.monotonic() - started, 1), "app_writes": 2 * writes,
            "loop_committed": committed, "loop_in_flight_kept": orders - 2 * writes - committed,
            "imported": 2 * IMPORT_ROWS, "reminders": len(claimed)}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--db", type=Path, help="database to soak (default: a new one in a temp folder)")
    parser.add_argument("--writes", type=int, default=200, help="composer commands per app instance per round")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="solocrm-soak-") as tmp:
        folder = Path(tmp)
        os.environ.setdefault("SOLOCRM_CONFIG", str(folder / "config.toml"))
        db = (args.db or folder / "soak.db").absolute()
        _seed(db)
        deadline = time.monotonic() + args.minutes * 60
        round_no, totals = 0, {"app_writes": 0, "loop_committed": 0, "imported": 0, "reminders": 0}
        print(f"soaking {db} for {args.minutes:g} min ({datetime.now():%H:%M:%S})", flush=True)
        try:
            while time.monotonic() < deadline:
                round_no += 1
                done = run_round(db, folder, round_no, args.writes, rng)
                for key in totals:
                    totals[key] += done[key]
                print(json.dumps(done), flush=True)
        except AssertionError as exc:
            print(f"FAILED: {exc}", flush=True)
            return 1
        print(f"ok: {round_no} rounds, {totals['app_writes']:,} app writes, {totals['loop_committed']:,} loop "
              f"writes killed {round_no} times, {totals['imported']:,} rows imported, {totals['reminders']} "
              f"reminders each claimed once; integrity ok after every round", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
