"""Architecture rule 1: core/ is headless and the analytics stack is imported lazily.

Each module is imported in a fresh interpreter, so what one test imported cannot
hide what another module drags in. Modules are discovered at test time, so a new
file under core/ is covered without touching this test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "solocrm_tui"
UI_AND_SCHEDULER = ("textual", "rich", "apscheduler")
ANALYTICS_STACK = ("pandas", "sklearn", "scipy")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _headless_modules() -> list[str]:
    core = PACKAGE / "core"
    return sorted(_module_name(p) for p in core.rglob("*.py")
                  if "analytics" not in p.relative_to(core).parts[:-1]
                  and "__pycache__" not in p.parts)


def _loaded_after_import(module: str) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=120)
    assert result.returncode == 0, f"importing {module} failed:\n{result.stderr}"
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


HEADLESS = _headless_modules()


def test_discovery_finds_the_core_modules():
    assert "solocrm_tui.core.storage.db" in HEADLESS
    assert "solocrm_tui.core.contacts.customers" in HEADLESS
    assert not any(".analytics" in m for m in HEADLESS)


@pytest.mark.parametrize("module", HEADLESS)
def test_core_module_is_headless(module):
    loaded = _loaded_after_import(module)
    forbidden = sorted(loaded & {*UI_AND_SCHEDULER, *ANALYTICS_STACK})
    assert forbidden == [], f"{module} imports {forbidden}"


@pytest.mark.parametrize("module", ["solocrm_tui", "solocrm_tui.config", "solocrm_tui.paths",
                                    "solocrm_tui.core.analytics"])
def test_light_entry_modules_stay_light(module):
    """The package, config and paths are read by every command; the analytics package
    itself promises an import-free __init__ so callers can import it cheaply."""
    loaded = _loaded_after_import(module)
    forbidden = sorted(loaded & {*UI_AND_SCHEDULER, *ANALYTICS_STACK})
    assert forbidden == [], f"{module} imports {forbidden}"


def test_cli_does_not_load_analytics():
    loaded = _loaded_after_import("solocrm_tui.cli")
    forbidden = sorted(loaded & {"pandas", "sklearn"})
    assert forbidden == [], f"solocrm_tui.cli imports {forbidden} at start-up"


def test_the_app_never_loads_the_analytics_stack(tmp_path):
    """Insights figures come from a child process: after every screen, Insights included,
    has shown its data, the app's own interpreter has not imported pandas or scikit-learn."""
    code = f"""
import asyncio, json, sys
from datetime import datetime
from pathlib import Path
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.demo.generate import generate_demo
path = Path({str(tmp_path / "demo.db")!r})
open_database(path)
generate_demo(datetime(2026, 11, 22, 10, 0), customers=120)
close_database()
from textual.worker import WorkerCancelled
from solocrm_tui.cli import make_app
from solocrm_tui.config import Config

async def main():
    app = make_app(path, Config(), jobs=False, start_mode="today")
    async with app.run_test(size=(120, 35)) as pilot:
        for key in "1234":
            await pilot.press(key)
            for _ in range(1200):
                try:
                    await app.workers.wait_for_complete()
                except WorkerCancelled:  # a newer load superseded an exclusive worker
                    continue
                await pilot.pause(0.05)
                if key != "4" or app.screen.summary is not None:
                    break
        assert app.screen.summary.customers == 120, app.screen.summary
asyncio.run(main())
print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "textual" in loaded
    assert sorted(loaded & set(ANALYTICS_STACK)) == []
