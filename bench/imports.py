"""CSV import speed (SPEC §8: ≥ 50,000 rows/s), through bench/import_speed.py.

    python -m bench.imports [ROWS]

Runs `bench/import_speed.py ROWS` (default 100,000) in its own process and reads its
figures: `solocrm import` rows/s against SQLite alone (the same rows pre-parsed, one
executemany, indexes and search built after the rows: the floor of any importer on
this schema and machine), measured in the same run.
"""

from __future__ import annotations

import re
import subprocess
import sys

from bench.common import ROOT, Result, print_results

ROWS = 100_000
TARGET = 50_000
_LINE = re.compile(r"^\s*(?P<label>.+?)\s+(?P<secs>[\d.]+)\s*s\s+(?P<rate>[\d,]+)\s+rows/s")


def run(rows: int = ROWS) -> dict[str, float]:
    """label -> rows/s, as printed by import_speed.py."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "import_speed.py"), str(rows)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"import_speed.py failed: {(done.stderr or done.stdout).strip()[-500:]}")
    rates = {}
    for line in done.stdout.splitlines():
        match = _LINE.match(line)
        if match:
            rates[match["label"].strip()] = float(match["rate"].replace(",", ""))
    return rates


def _find(rates: dict[str, float], *words: str) -> tuple[str, float] | None:
    for label, rate in rates.items():
        if all(w in label for w in words):
            return label, rate
    return None


def measure(rows: int = ROWS) -> list[Result]:
    rates = run(rows)
    ours = _find(rates, "solocrm import")
    raw = _find(rates, "raw, search bulk-built")
    if ours is None:
        raise RuntimeError(f"import_speed.py printed no 'solocrm import' figure: {rates}")
    notes = [f"{label}: {rate:,.0f} rows/s" for label, rate in rates.items()
             if label not in (ours[0], raw[0] if raw else None)]
    return [Result(f"CSV import, {rows:,} customer rows", f"≥ {TARGET:,} rows/s", ours[1], raw[1] if raw else None,
                   "rows/s", "SQLite alone, pre-parsed, indexes built after" if raw else "no raw figure printed",
                   ours[1] >= TARGET,
                   "; ".join(notes))]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    print_results(measure(rows))


if __name__ == "__main__":
    sys.exit(main())
