"""`python -m bench [--db PATH] [--only NAMES] [--readme]`: every SPEC §8 figure in one table.

Generates the large database (100k customers, 1M orders, 500k interactions; about a
minute) unless --db names an existing one, adds the 5,000-interaction customer, runs
each script in turn, prints one markdown table and writes it to bench/out/latest.md.
With --readme it also writes bench/README_PERFORMANCE.md (the README's Performance
section). Each script also runs alone: `python -m bench.startup`, `bench.search`,
`bench.detail`, `bench.imports`, `bench.refit`, `bench.memory`.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from datetime import datetime
from pathlib import Path

from bench import common
from bench.common import DEFAULT_DB, OUT, ROOT, Result

ORDER = ("startup", "search", "detail", "imports", "refit", "memory")
RATIO_NOTE = ("Ratio = measured ÷ reference (for rows/s higher is better, for times and memory lower is better). "
              "The reference is measured in the same run, so the ratio survives a noisy machine better than the figure.")


def _run(name: str, db: Path) -> list[Result]:
    if name == "startup":
        from bench import startup

        return startup.measure(db)[0]
    if name == "search":
        from bench import search

        return search.measure(db)
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


def report(results: list[Result], seconds: float, db: Path) -> str:
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    passed = sum(r.passed is True for r in results)
    judged = sum(r.passed is not None for r in results)
    return "\n".join([
        f"Measured {when} on: {common.machine()}.",
        f"Database: {db.name} — 100,000 customers, 1,000,000 orders, 500,000 interactions "
        f"(+1 customer with {common.HEAVY_COUNT:,}); whole run {seconds / 60:.1f} min; {passed}/{judged} targets met.",
        "",
        common.table(results),
        "",
        RATIO_NOTE,
    ])


def readme_section(body: str) -> str:
    return "\n".join([
        "## Performance",
        "",
        "SPEC §8 targets, measured by `python -m bench` (about 5 minutes; it generates the large "
        "database first, or reuses one with `--db PATH`). Each script also runs alone, e.g. "
        "`python -m bench.search`. Numbers come from a shared 2-core machine with other work running, "
        "so each figure sits next to a reference measured in the same run.",
        "",
        body,
        "",
        "How each figure is taken: start-up drives `solocrm --db BIG` in a 120×35 pseudo-terminal "
        "until the header and the footer's keys are on screen; search times what the list worker does "
        "per keystroke (`page_customers` + `count_customers`) over 200 typed prefixes, and a pilot types "
        "into the real filter; the customer detail is pushed in a pilot until the newest bubbles are laid "
        "out; the refit is the Insights screen's `r` with a 10 ms ticker on the UI loop; memory is the app's "
        "VmHWM after visiting the screens, with the daily re-staging job running meanwhile.",
        "",
        "Known misses: opening a customer is dominated by Textual building a screen of ~150 widgets; "
        "the data loads in under 1 ms, and a bare Textual screen with the same number of widgets "
        "(the reference) already takes longer than 100 ms here, so the target needs a detail screen "
        "with far fewer widgets (for instance the timeline drawn by one widget rather than two per "
        "entry). The CSV import is being reworked separately (`bench/import_speed.py`).",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="bench database (generated if missing)")
    parser.add_argument("--only", default=",".join(ORDER), help=f"comma-separated subset of {', '.join(ORDER)}")
    parser.add_argument("--readme", action="store_true", help="also write bench/README_PERFORMANCE.md")
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
        (ROOT / "bench" / "README_PERFORMANCE.md").write_text(readme_section(body), encoding="utf-8")


if __name__ == "__main__":
    main()
