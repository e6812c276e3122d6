"""Peak resident memory of the app on the big database (SPEC §8: ≤ 400 MB).

    python -m bench.memory [--db PATH]

Drives the real app (`solocrm --db BIG`) in a 120x35 pseudo-terminal: Today at start,
`2` the customer list, Enter a customer's detail, Esc, `4` the Insights screen (its
summary loads a million orders into pandas, in a child process the app starts), then
reads VmHWM (peak RSS) from /proc/<pid>/status. The child's own peak is measured
separately and printed as a note: it is memory the machine needs for a few seconds,
not memory the app holds. The day's re-staging job (2 s after start, once a day across
instances) is made due first, so the worst case — the first start of a day, when it
re-stages 100,000 customers while the screens load — is what is measured every time.
Reference: the bare Textual app with one DataTable, measured the same way after its
first frame.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.common import (
    PtyApp,
    Result,
    db_arg_parser,
    ensure_db,
    isolated_env,
    print_results,
    scratch_home,
)
from bench.startup import bare_argv, first_frame, solocrm_argv

TARGET_MB = 400.0


def make_restage_due(path: Path) -> None:
    conn = sqlite3.connect(path, timeout=60)
    try:
        conn.execute("DELETE FROM job_state WHERE name = 'restage'")
        conn.commit()
    finally:
        conn.close()


def app_peak_mb(path: Path, env: dict) -> tuple[float, list[str]]:
    make_restage_due(path)
    steps: list[str] = []
    app = PtyApp(solocrm_argv(path), env, cwd=Path(__file__).resolve().parents[1])
    with app:
        if app.wait_for(lambda s: first_frame(s, "SoloCRM"), 30) is None:
            raise RuntimeError("no first frame")
        steps.append("today")
        for keys, done, name in (
            ("2", lambda s: "customers ·" in s, "customer list"),
            ("\r", lambda s: "Follow-ups (" in s, "customer detail"),
            ("\x1b", lambda s: "customers ·" in s, "back"),
            ("4", lambda s: "As of " in s or "No orders yet" in s, "insights"),
        ):
            app.clear()
            app.send(keys)
            if app.wait_for(done, 120) is None:
                raise RuntimeError(f"memory run: {name} did not show; screen:\n{app.text()[-1500:]}")
            steps.append(name)
        app.wait_for(lambda s: False, 5.0)  # let the last workers (and the re-staging) finish
        return (app.status("VmHWM") or 0) / 1024, steps


def bare_peak_mb(env: dict) -> float:
    app = PtyApp(bare_argv(), env, cwd=Path(__file__).resolve().parents[1])
    with app:
        app.wait_for(lambda s: first_frame(s, "BareTable"), 30)
        app.wait_for(lambda s: False, 0.5)
        return (app.status("VmHWM") or 0) / 1024


def summary_child_peak_mb(path: Path) -> float:
    """Peak RSS of the Insights summary's child process, as the app starts it."""
    code = ("import dataclasses, json, resource, subprocess, sys\n"
            "from solocrm_tui.core.analytics.runs import Settings\n"
            "subprocess.run([sys.executable, '-m', 'solocrm_tui.core.analytics.child', 'summary', sys.argv[1], "
            "'2026-11-22T12:00:00', json.dumps(dataclasses.asdict(Settings())), '{}'], check=True, "
            "stdout=subprocess.DEVNULL)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[1], check=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def measure(path: Path) -> list[Result]:
    with scratch_home() as home:
        env = isolated_env(Path(home))
        bare = bare_peak_mb(env)
        peak, steps = app_peak_mb(path, env)
    child = summary_child_peak_mb(path)
    return [Result("Peak resident memory (VmHWM): " + " → ".join(steps) + ", with the daily re-staging",
                   "≤ 400 MB", peak, bare, "MB", "bare Textual app + DataTable", peak <= TARGET_MB,
                   f"the Insights summary's child process peaks at {child:.0f} MB while it runs (~5 s)")]


def main() -> None:
    args = db_arg_parser(__doc__.splitlines()[0]).parse_args()
    print_results(measure(ensure_db(args.db)))


if __name__ == "__main__":
    sys.exit(main())
