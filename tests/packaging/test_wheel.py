"""The built wheel carries everything the app reads at run time.

An editable install reads files from the checkout, so a stylesheet or migration left
out of the package data only shows once someone installs the wheel. This builds the
wheel the way pip does for `pip install .`/pipx/uv and compares its contents with the
package tree.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "solocrm_tui"



def _runtime_files() -> set[str]:
    """Every non-Python file under the package, as a wheel names it."""
    return {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*")
            if path.is_file() and path.suffix not in {".py", ".pyc"} and "__pycache__" not in path.parts}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a clean copy: a checkout's build/ and *.egg-info would hide a missing file."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(PACKAGE, source / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
                            capture_output=True, text=True, timeout=600, cwd=source)
    assert result.returncode == 0, result.stderr
    (path,) = out.glob("solocrm-*.whl")
    return path


def test_the_wheel_ships_every_non_python_file_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {name for name in names if name.startswith("solocrm_tui/") and not name.endswith(".py")}
    expected = _runtime_files()
    assert {name for name in expected if name.endswith(".sql")}, "the migrations moved: update this test"
    assert shipped == expected


def test_the_wheel_ships_every_module_and_the_entry_point(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py")}
    assert modules <= names
    entry = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "solocrm = solocrm_tui.__main__:main" in zipfile.ZipFile(wheel).read(entry).decode()
