"""Find anything: keystroke to hits (SPEC §8: ≤ 50 ms p95, within 5× of raw FTS5).

    python -m bench.everything [--db PATH]

1. Index build: the migration that builds the index from every interaction, follow-up,
   deal, ticket and order, run on a copy of the book.
2. Core: what the search screen's worker does per keystroke — `find_everything(q)` —
   over realistic queries: 2–8 character prefixes of words the book's own entries use
   (common and rare), and two-word phrases, as they are typed. Reference: the same
   FTS5 MATCH in raw sqlite3 (the newest 200 matching rowids), the floor without
   looking up who and when.
3. Pilot: the real SearchScreen in `app.run_test()`; type into its box and time each
   key until the screen has drawn that query's hits into its table (as bench.search
   times the customer list).
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.common import Result, db_arg_parser, ensure_db, percentile, print_results

QUERIES = 200
PILOT_WORDS = 8
TARGET_MS = 50.0
RAW_RATIO = 5.0
NOW = datetime(2026, 11, 22, 10, 30)


def realistic_queries(path: Path, count: int = QUERIES, seed: int = 5) -> list[str]:
    """Prefixes (2..8 characters) of words from real entries, and phrases, in typing order."""
    conn = sqlite3.connect(path)
    try:
        top = conn.execute("SELECT MAX(id) FROM interaction").fetchone()[0]
        rng = random.Random(seed)
        out: list[str] = []
        while len(out) < count:
            body = conn.execute("SELECT body FROM interaction WHERE id >= ? AND kind != 'system' ORDER BY id LIMIT 1",
                                (rng.randint(1, top),)).fetchone()
            words = [w for w in re.findall(r"\w+", body[0] if body else "") if len(w) >= 4]
            if not words:
                continue
            if rng.random() < 0.25 and len(words) >= 2:
                start = rng.randrange(len(words) - 1)
                phrase = f'"{words[start]} {words[start + 1]}"'
                out += [phrase[:n] for n in range(len(words[start]) + 3, len(phrase) + 1, 2)]
            else:
                word = rng.choice(words)
                out += [word[:n] for n in range(2, min(len(word), 8) + 1)]
        return out[:count]
    finally:
        conn.close()


def core_latencies(queries: list[str]) -> list[float]:
    from solocrm_tui.core.contacts.everything import find_everything
    from solocrm_tui.core.storage.db import db_call

    out = []
    for q in queries:
        start = time.perf_counter()
        db_call(find_everything, q, NOW)
        out.append((time.perf_counter() - start) * 1000)
    return out


def raw_latencies(path: Path, queries: list[str]) -> list[float]:
    from solocrm_tui.core.contacts.search import fts_expression

    conn = sqlite3.connect(path)
    out = []
    try:
        for q in queries:
            match = (f'"{q.strip(chr(34))}"' if q.startswith('"') else fts_expression(q))
            start = time.perf_counter()
            conn.execute("SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? ORDER BY rowid DESC LIMIT 200",
                         (match,)).fetchall()
            out.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return out


async def _pilot(path: Path, words: list[str]) -> list[float]:
    from solocrm_tui.cli import make_app
    from solocrm_tui.config import Config
    from solocrm_tui.screens.search import SearchScreen

    app = make_app(path, Config(), clock=lambda: NOW, jobs=False, start_mode="today")
    latencies: list[float] = []
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause(0.5)
        app.push_screen(SearchScreen())
        await pilot.pause(0.2)
        screen = app.screen
        shown: dict[int, float] = {}
        original = screen.show

        def spy(asked, found):
            original(asked, found)
            shown[asked] = time.perf_counter()

        screen.show = spy  # instance attribute: the worker's callback looks it up when it runs
        for word in words:
            box = screen.query_one("#search-box")
            box.value = ""
            await pilot.pause(0.05)
            for char in word:
                asked = screen.asked + 1
                start = time.perf_counter()
                await pilot.press(char if char != " " else "space")
                deadline = start + 10
                while asked not in shown:
                    await asyncio.sleep(0.001)
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"no hits after typing {box.value!r}")
                latencies.append((shown[asked] - start) * 1000)
                await asyncio.sleep(0.05)  # a typist's gap
    return latencies


def pilot_latencies(path: Path, words: list[str]) -> list[float]:
    from solocrm_tui.core.storage.db import APP_CACHE_KIB, close_database, open_database

    open_database(path, create=False, cache_kib=APP_CACHE_KIB)
    try:
        return asyncio.run(_pilot(path, words))
    finally:
        close_database()


def index_build(path: Path) -> float:
    """Seconds to build the index from every row of a copy of the book: its migration's
    statements, run again after dropping what an earlier run of the app built."""
    from solocrm_tui.core.storage.schema import migration_scripts, split_statements

    script = next(s for s in migration_scripts() if "CREATE VIRTUAL TABLE entry_fts" in s)
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "book.db"
        shutil.copyfile(path, copy)
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND name LIKE 'entry_fts_%'").fetchall():
                conn.execute(f"DROP TRIGGER {name}")
            conn.execute("DROP TABLE IF EXISTS entry_fts")
            start = time.perf_counter()
            conn.execute("BEGIN")
            for statement in split_statements(script):
                conn.execute(statement)
            conn.execute("COMMIT")
            return time.perf_counter() - start
        finally:
            conn.close()


def measure(path: Path) -> list[Result]:
    from solocrm_tui.core.storage.db import close_database, open_database

    build = index_build(path)
    open_database(path)
    try:
        queries = realistic_queries(path)
        core = core_latencies(queries)
    finally:
        close_database()
    raw = raw_latencies(path, queries)
    words = [q for q in queries if len(q) >= 6 and not q.startswith('"')][:PILOT_WORDS]
    pilot = pilot_latencies(path, words)
    results = [Result("Find anything: index build from every row (its migration)", "—", build, None, "s",
                      "", None, "interactions, follow-ups, deals, tickets, orders")]
    for name, q in (("p50", 0.50), ("p95", 0.95)):
        value, reference = percentile(core, q), percentile(raw, q)
        results.append(Result(f"Find anything keystroke → hits, core, {name} ({len(core)} queries)",
                              "≤ 50 ms p95, ≤ 5× raw", value, reference, "ms", "raw sqlite3 FTS5 MATCH, 200 rowids",
                              (value <= TARGET_MS and value <= RAW_RATIO * max(reference, 1.0)) if name == "p95" else None,
                              f"max {max(core):.0f} ms" if name == "p95" else ""))
    for name, q in (("p50", 0.50), ("p95", 0.95)):
        value = percentile(pilot, q)
        results.append(Result(f"Find anything keystroke → hits on screen, pilot, {name}", "≤ 50 ms p95", value,
                              percentile(core, q), "ms", "core alone", value <= TARGET_MS if name == "p95" else None,
                              f"{len(pilot)} keys" if name == "p95" else ""))
    return results


def main() -> None:
    args = db_arg_parser(__doc__.splitlines()[0]).parse_args()
    print_results(measure(ensure_db(args.db)))


if __name__ == "__main__":
    sys.exit(main())
