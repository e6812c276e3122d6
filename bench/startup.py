"""Start-up to the first interactive frame (SPEC §8: ≤ 1 s), in a real pseudo-terminal.

    python -m bench.startup [--db PATH]

Spawns `solocrm --db BIG` in a 120x35 pty (TERM=xterm-256color) and times from the
spawn until the screen shows the header title ("SoloCRM") and the footer's key help
("Quit"): the first frame, after which keys work. A bare Textual app with one
DataTable (bench/bare_app.py) is measured the same way. Median of 5 runs each,
alternating. Also reported: when Today's queue has its data (the worker's answer).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from bench.common import (
    VENV_BIN,
    PtyApp,
    Result,
    db_arg_parser,
    ensure_db,
    isolated_env,
    print_results,
    scratch_home,
)

RUNS = 5
TARGET_S = 1.0


def solocrm_argv(db: Path) -> list[str]:
    exe = VENV_BIN / "solocrm"
    return [str(exe), "--db", str(db)] if exe.exists() else [sys.executable, "-m", "solocrm_tui", "--db", str(db)]


def bare_argv() -> list[str]:
    return [sys.executable, "-m", "bench.bare_app"]


def first_frame(text: str, title: str) -> bool:
    return title in text and "Quit" in text


def queue_loaded(text: str) -> bool:
    return "suggestions" in text or "Nothing due today" in text


def run_once(argv: list[str], env: dict, title: str, *, data: bool = False) -> tuple[float, float | None, int]:
    """Seconds to the first frame, to Today's data (if asked), and the peak RSS (kB) then."""
    app = PtyApp(argv, env, cwd=Path(__file__).resolve().parents[1])
    with app:
        frame = app.wait_for(lambda s: first_frame(s, title), 30)
        if frame is None:
            raise RuntimeError(f"{argv[0]}: no first frame within 30 s; screen:\n{app.text()[-2000:]}")
        loaded = app.wait_for(queue_loaded, 30) if data else None
        return frame, loaded, app.status("VmHWM") or 0


def measure(path: Path) -> tuple[list[Result], dict]:
    app_frames, bare_frames, loaded, bare_rss = [], [], [], []
    with scratch_home() as home:
        env = isolated_env(Path(home))
        run_once(bare_argv(), env, "BareTable")  # warm the OS caches for both
        run_once(solocrm_argv(path), env, "SoloCRM")
        for _ in range(RUNS):
            frame, _, rss = run_once(bare_argv(), env, "BareTable")
            bare_frames.append(frame)
            bare_rss.append(rss)
            frame, data, _ = run_once(solocrm_argv(path), env, "SoloCRM", data=True)
            app_frames.append(frame)
            if data is not None:
                loaded.append(data)
    app_s, bare_s = statistics.median(app_frames), statistics.median(bare_frames)
    note = f"Today's queue loaded at {statistics.median(loaded):.2f} s" if loaded else ""
    results = [Result(f"Start-up → first interactive frame, pty 120×35 (median of {RUNS})", "≤ 1 s", app_s, bare_s,
                      "s", "bare Textual app + DataTable", app_s <= TARGET_S, note)]
    return results, {"bare_rss_mb": statistics.median(bare_rss) / 1024}


def main() -> None:
    args = db_arg_parser(__doc__.splitlines()[0]).parse_args()
    results, _ = measure(ensure_db(args.db))
    print_results(results)


if __name__ == "__main__":
    sys.exit(main())
