"""`python -m bench [--db PATH] [--only NAMES] [--readme]`: every SPEC §8 figure in one table.

Generates the large database (100k customers, 1M orders, 500k interactions; about a
minute) unless --db names an existing one, adds the 5,000-interaction customer, runs
each script in turn, prints one markdown table and writes it to bench/out/latest.md.
With --readme it also replaces the README's Performance section with this run. Each
script also runs alone: `python -m bench.startup`, `bench.search`, `bench.everything`, `bench.detail`,
`bench.imports`, `bench.refit`, `bench.memory`.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from bench import common
from bench.common import DEFAULT_DB, OUT, ROOT, Result

IMPORT_TARGET = 50_000  # rows/s (SPEC §8)
ORDER = ("startup", "search", "everything", "detail", "imports", "refit", "memory")
RATIO_NOTE = ("Ratio = measured ÷ reference (for rows/s higher is better, for times and memory lower is better). "
              "The reference is measured in the same run, so the ratio survives a noisy machine better than the figure.")


def _run(name: str, db: Path) -> list[Result]:
    if name == "startup":
        from bench import startup

        return startup.measure(db)[0]
    if name == "search":
        from bench import search

        return search.measure(db)
    if name == "everything":
        from bench import everything
        return everything.measure(db)
    if name == "detail":
        from bench import detail

        return detail.measure(db)
    if name == "imports":
        from bench import imports

        return imports.measure()
    if name == "refit":
        from bench import refit

        return refit.measure(db)
    if name == "memory":
        from bench import memory

        return memory.measure(db)
    raise ValueError(name)


def _book_size(db: Path) -> str:
    """What the run measured on, counted, not assumed (the book may be generated bigger)."""
    conn = sqlite3.connect(db)
    try:
        counts = [conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("customer", "orders", "interaction")]
    finally:
        conn.close()
    return "{:,} customers, {:,} orders, {:,} interactions".format(*counts)


def report(results: list[Result], seconds: float, db: Path) -> str:
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    passed = sum(r.passed is True for r in results)
    judged = sum(r.passed is not None for r in results)
    return "\n".join([
        f"Measured {when} on: {common.machine()}.",
        f"Database: {db.name} — {_book_size(db)} (+1 customer with {common.HEAVY_COUNT:,} interactions); "
        f"whole run {seconds / 60:.1f} min; {passed}/{judged} targets met.",
        "",
        common.table(results),
        "",
        RATIO_NOTE,
    ])


def known_misses(results: list[Result]) -> list[str]:
    """A paragraph per missed target, with the reason when the same-run reference shows it."""
    out = []
    for r in results:
        if r.passed is not False:
            continue
        if r.measured is None:  # the script itself failed: its error stands in the reference column
            out += [f"Known miss — {r.figure}: {r.reference}.", ""]
        elif r.unit == "rows/s" and r.reference is not None and r.reference < IMPORT_TARGET:
            out += [f"Known miss — {r.figure}: {r.measured:,.0f} rows/s. The reason is physical: SQLite alone, "
                    f"given the same rows already parsed and building the search index and the sorting indexes "
                    f"once after them (the reference), reaches {r.reference:,.0f} rows/s on this machine, before "
                    "any parsing, validation, matching against existing customers, merging of repeated rows or "
                    "undo log. Reaching the target here would mean dropping the sort indexes or the search "
                    "index's prefix tables, which the list and the 50 ms search target rely on.", ""]
        elif r.unit == "rows/s" and r.reference is not None:
            out += [f"Known miss — {r.figure}: {r.measured:,.0f} rows/s against {r.target}, where SQLite alone "
                    f"(the reference: rows pre-parsed, indexes built once after them) reaches {r.reference:,.0f} "
                    "rows/s. The difference is the import's own work: parsing, validating, cleaning and matching "
                    "every row against the existing customers, logging the batch for undo, and writing in short "
                    "steps with a pause after each, so the app, a second instance and the reminders can write "
                    "meanwhile (SPEC §9); the steps keep the sort and search indexes live instead of building "
                    "them once at the end.", ""]
        else:
            out += [f"Known miss — {r.figure}: {r.measured:,.1f} {r.unit} against {r.target}.", ""]
    return out


def readme_section(body: str, results: list[Result]) -> str:
    return "\n".join([
        "## Performance",
        "",
        "SPEC §8 targets, measured by `python -m bench --readme` (about 5 minutes; it rewrites this section, and generates the large "
        "database first, or reuses one with `--db PATH`). Each script also runs alone, e.g. "
        "`python -m bench.search`. Numbers come from a shared 2-core machine with other work running, "
        "so each figure sits next to a reference measured in the same run.",
        "",
        body,
        "",
        "How each figure is taken: start-up drives `solocrm --db BIG` in a 120×35 pseudo-terminal "
        "until the header and the footer's keys are on screen; search times what the list worker does "
        "per keystroke (`page_customers` + `count_customers`) over 200 typed prefixes, and a pilot types "
        "into the real filter; a customer is opened the way Enter opens it (`app.open_customer`) in a pilot "
        "until its timeline has drawn; the refit is the Insights screen's `r` with a 10 ms ticker on the UI "
        "loop; memory is the app's VmHWM after visiting the screens, with the daily re-staging job running "
        "meanwhile (the Insights figures and the refit run in child processes, whose own peak is in the note).",
        "",
        *known_misses(results),
    ])


def update_readme(path: Path, section: str) -> None:
    """Swap the text from "## Performance" to the next "## " heading for `section`."""
    text = path.read_text(encoding="utf-8")
    start = text.index("## Performance")
    end = text.find("\n## ", start + 1)
    path.write_text(text[:start] + section.rstrip() + "\n" + (text[end:] if end != -1 else ""), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="bench database (generated if missing)")
    parser.add_argument("--only", default=",".join(ORDER), help=f"comma-separated subset of {', '.join(ORDER)}")
    parser.add_argument("--readme", action="store_true", help="also replace the README's Performance section")
    args = parser.parse_args()
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(ORDER)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    start = time.perf_counter()
    db = common.ensure_db(args.db)
    results: list[Result] = []
    for name in ORDER:
        if name not in names:
            continue
        began = time.perf_counter()
        print(f"… {name}", flush=True, file=sys.stderr)
        try:
            results += _run(name, db)
        except Exception as exc:  # one broken script must not hide the other figures
            traceback.print_exc()
            results.append(Result(f"{name}: did not run", "–", None, None, "", f"{type(exc).__name__}: {exc}"[:120],
                                  False))
        print(f"  {name} took {time.perf_counter() - began:.0f} s", flush=True, file=sys.stderr)
    body = report(results, time.perf_counter() - start, db)
    print(body)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.md").write_text(body + "\n", encoding="utf-8")
    if args.readme:
        update_readme(ROOT / "README.md", readme_section(body, results))


if __name__ == "__main__":
    main()
