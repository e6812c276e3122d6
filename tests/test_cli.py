"""The `solocrm` command line: every command works, and every mistake is one line, never a traceback."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui import __version__, cli
from solocrm_tui.core.storage.backup import integrity_errors
from solocrm_tui.core.storage.schema import LATEST_VERSION

COMMANDS = ("demo", "today", "backup", "restore", "locate", "doctor")


pytestmark = pytest.mark.usefixtures("bugs_surface")


def run(capsys, *argv: str, now=None) -> tuple[int, str, str]:
    """cli.main in-process; argparse exits become return codes."""
    try:
        code = cli.main(list(argv), now=now)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *, usage: bool = False) -> None:
    assert code == (2 if usage else 1), err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("solocrm"), err
    assert "error:" in lines[0]


def counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'customer_fts%'")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    """One demo database per module; tests copy it instead of regenerating."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    from datetime import datetime

    assert cli.main(["--db", str(path), "demo", "--customers", "120", "--seed", "1"],
                    now=datetime(2026, 11, 22, 10, 30)) == 0
    return path


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    target = tmp_path / "crm.db"
    conn, copy = sqlite3.connect(demo_template), sqlite3.connect(target)
    conn.backup(copy)
    conn.close(), copy.close()
    os.chmod(target, 0o600)
    return target


# --- help and version -------------------------------------------------------------------

def test_help_lists_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "usage: solocrm " + command in out and "--db" in out


@pytest.mark.parametrize("argv", [("--version",), ("today", "--version")])
def test_version(capsys, argv):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.strip() == f"solocrm {__version__}"


# --- the commands -----------------------------------------------------------------------

def test_demo_then_today(capsys, tmp_path, now):
    db = tmp_path / "new" / "crm.db"
    code, out, err = run(capsys, "--db", str(db), "demo", "--customers", "80", now=now)
    assert code == 0, err
    assert "80 customers" in out and str(db) in out
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    code, out, err = run(capsys, "today", "--db", str(db), now=now)  # --db after the command works too
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Today, Sun 22 Nov 10:30:")  # the one day style: no year when it is this year
    header = lines[2]
    assert header.split() == ["URG", "KIND", "WHO", "WHAT", "WHY"]
    rows = lines[3:]
    assert len(rows) >= 5 and any("follow-up" in r for r in rows) and any("birthday today" in r for r in rows)
    assert all(r.index(r.split()[1]) == header.index("KIND") for r in rows)  # aligned columns


def test_today_json(capsys, demo_db, now):
    code, out, _ = run(capsys, "--db", str(demo_db), "today", "--json", now=now)
    assert code == 0
    items = json.loads(out)
    assert items and {"kind", "customer_id", "customer_name", "title", "reasons", "urgency", "due_at"} <= set(items[0])
    assert [i["urgency"] for i in items] == sorted((i["urgency"] for i in items), reverse=True)


def test_env_var_selects_the_database(capsys, demo_db, now, monkeypatch):
    monkeypatch.setenv("SOLOCRM_DB", str(demo_db))
    code, out, _ = run(capsys, "today", "--json", now=now)
    assert code == 0 and json.loads(out)


def test_doctor_healthy(capsys, demo_db):
    code, out, _ = run(capsys, "--db", str(demo_db), "doctor")
    assert code == 0
    assert out.strip().splitlines()[-1] == "healthy"
    assert f"version {LATEST_VERSION} (latest {LATEST_VERSION})" in out
    assert "-rw-------" in out and "customer" in out and "120" in out


def test_doctor_flags_loose_permissions(capsys, demo_db):
    os.chmod(demo_db, 0o644)
    code, out, _ = run(capsys, "--db", str(demo_db), "doctor")
    assert code == 1 and "chmod 600" in out and out.strip().endswith("1 problem")


def test_doctor_reports_a_broken_config(capsys, demo_db, tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.write_text("currency = [", encoding="utf-8")
    monkeypatch.setenv("SOLOCRM_CONFIG", str(config))
    code, out, _ = run(capsys, "--db", str(demo_db), "doctor")
    assert code == 1 and "not valid TOML" in out
    assert_one_line_error(*run(capsys, "--db", str(demo_db), "today")[::2])


def test_backup_default_location(capsys, demo_db, now):
    code, out, _ = run(capsys, "--db", str(demo_db), "backup", now=now)
    assert code == 0
    target = Path(out.strip())
    assert target == demo_db.parent / "backups" / "crm-20261122-103000.db"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert integrity_errors(target) == []
    assert counts(target) == counts(demo_db)


def test_backup_to_a_file_or_folder(capsys, demo_db, tmp_path, now):
    code, out, _ = run(capsys, "--db", str(demo_db), "backup", "-o", str(tmp_path / "copy.db"), now=now)
    assert code == 0 and Path(out.strip()) == tmp_path / "copy.db"
    folder = tmp_path / "folder"
    folder.mkdir()
    code, out, _ = run(capsys, "--db", str(demo_db), "backup", "-o", str(folder), now=now)
    assert code == 0 and Path(out.strip()).parent == folder
    assert counts(Path(out.strip())) == counts(demo_db)


def test_restore_round_trip(capsys, demo_db, tmp_path, now):
    backup = tmp_path / "before.db"
    assert run(capsys, "--db", str(demo_db), "backup", "-o", str(backup), now=now)[0] == 0
    original = counts(demo_db)
    conn = sqlite3.connect(demo_db)
    conn.execute("DELETE FROM customer WHERE id <= 10")
    conn.commit(), conn.close()
    changed = counts(demo_db)
    assert changed != original
    code, out, err = run(capsys, "--db", str(demo_db), "restore", str(backup), now=now)
    assert code == 0, err
    assert counts(demo_db) == original
    safety = Path(out.strip().splitlines()[-1].rsplit(" ", 1)[-1])
    assert safety.exists() and counts(safety) == changed
    assert stat.S_IMODE(demo_db.stat().st_mode) == 0o600
    assert run(capsys, "--db", str(demo_db), "doctor")[0] == 0


@pytest.mark.parametrize("damage", ["junk", "pages"])
def test_restore_over_a_damaged_database(capsys, demo_db, tmp_path, now, damage):
    """Restore is the way out of a broken file: the damaged bytes are kept as the safety copy."""
    good = tmp_path / "good.db"
    assert run(capsys, "--db", str(demo_db), "backup", "-o", str(good), now=now)[0] == 0
    if damage == "junk":
        demo_db.write_bytes(b"junk" * 100)
    else:
        _damage_pages(demo_db)
    broken = demo_db.read_bytes()
    code, out, err = run(capsys, "--db", str(demo_db), "restore", str(good), now=now)
    assert code == 0, err
    assert counts(demo_db) == counts(good)
    safety = Path(out.strip().splitlines()[-1].rsplit(" ", 1)[-1])
    assert safety.read_bytes() == broken


def _damage_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, min(len(data), 4096 * 40), 97):
        data[offset] = 0xFF
    path.write_bytes(bytes(data))


def test_restore_into_a_new_location(capsys, demo_db, tmp_path, now):
    target = tmp_path / "fresh.db"
    code, out, _ = run(capsys, "--db", str(target), "restore", str(demo_db), now=now)
    assert code == 0 and "no previous database" in out
    assert counts(target) == counts(demo_db)


def test_locate(capsys, tmp_path):
    db = tmp_path / "x" / "crm.db"
    code, out, _ = run(capsys, "--db", str(db), "locate")
    assert code == 0
    labels = [line.split()[0] for line in out.splitlines()]
    assert labels == ["database", "config", "backups", "log"]
    assert str(db) in out and str(db.parent / "backups") in out
    assert not db.exists()  # locating creates nothing


def test_demo_refuses_a_non_empty_database(capsys, demo_db, now):
    code, _, err = run(capsys, "--db", str(demo_db), "demo", now=now)
    assert_one_line_error(code, err)
    assert "--force" in err
    code, _, _ = run(capsys, "--db", str(demo_db), "demo", "--customers", "10", "--force", now=now)
    assert code == 0 and counts(demo_db)["customer"] == 130


def test_demo_is_deterministic(capsys, tmp_path, now):
    outputs, names = [], []
    for name in ("a.db", "b.db"):
        code, out, _ = run(capsys, "--db", str(tmp_path / name), "demo", "--customers", "60", "--seed", "9", now=now)
        assert code == 0
        outputs.append(out.split(": ", 1)[1])
        conn = sqlite3.connect(tmp_path / name)
        names.append(conn.execute("SELECT name FROM customer ORDER BY id LIMIT 15").fetchall())
        conn.close()
    assert outputs[0] == outputs[1] and names[0] == names[1]
    assert counts(tmp_path / "a.db") == counts(tmp_path / "b.db")


def test_make_app_builds_the_tui(demo_db, now):
    from solocrm_tui.config import Config

    app = cli.make_app(demo_db, Config(), clock=lambda: now)
    assert app.db_path == demo_db and app.now() == now and app.with_jobs


def test_unexpected_errors_are_one_line_too(capsys, monkeypatch):
    def broken(args, now):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "locate", broken)
    monkeypatch.delenv("SOLOCRM_DEBUG")
    code, _, err = run(capsys, "locate")
    assert_one_line_error(code, err)
    assert "boom" in err


def test_keyboard_interrupt_exits_130(capsys, monkeypatch):
    def interrupted(args, now):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "locate", interrupted)
    code, _, err = run(capsys, "locate")
    assert code == 130 and "Traceback" not in err


# --- every mistake is one line ----------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ("demo", "--customers", "0"), ("demo", "--customers", "200001"), ("demo", "--customers", "lots"),
    ("demo", "--seed", "x"), ("today", "--bogus"), ("restore",), ("nosuchcommand",), ("--db",),
])
def test_usage_errors(capsys, tmp_path, argv):
    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), *argv) if argv != ("--db",) else run(capsys, *argv)
    assert_one_line_error(code, err, usage=True)


def _read_commands(db: Path, tmp_path: Path) -> list[tuple[str, ...]]:
    return [("--db", str(db), "today"), ("--db", str(db), "today", "--json"), ("--db", str(db), "doctor"),
            ("--db", str(db), "backup", "-o", str(tmp_path / "b.db")), ("--db", str(db), "backup")]


def test_missing_database_is_not_created(capsys, tmp_path):
    db = tmp_path / "nowhere" / "crm.db"
    for argv in _read_commands(db, tmp_path):
        code, _, err = run(capsys, *argv)
        assert_one_line_error(code, err)
        assert "no database" in err
    assert not db.exists() and not db.parent.exists()


def test_directory_as_database(capsys, tmp_path):
    for argv in _read_commands(tmp_path, tmp_path) + [("--db", str(tmp_path), "demo"),
                                                     ("--db", str(tmp_path), "restore", str(tmp_path / "b.db"))]:
        code, _, err = run(capsys, *argv)
        assert_one_line_error(code, err)


def test_unwritable_paths(capsys, tmp_path, demo_db):
    blocker = tmp_path / "plainfile"
    blocker.write_text("x")
    code, _, err = run(capsys, "--db", str(blocker / "crm.db"), "demo")
    assert_one_line_error(code, err)
    code, _, err = run(capsys, "--db", str(demo_db), "backup", "-o", str(blocker / "b.db"))
    assert_one_line_error(code, err)
    code, _, err = run(capsys, "--db", str(blocker / "crm.db"), "restore", str(demo_db))
    assert_one_line_error(code, err)
    code, _, err = run(capsys, "--db", "", "today")
    assert_one_line_error(code, err)


def test_not_an_sqlite_file(capsys, tmp_path):
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"Dear diary, today I bought a CRM.\n" * 50)
    for argv in _read_commands(junk, tmp_path) + [("--db", str(junk), "demo"),
                                                 ("--db", str(tmp_path / "ok.db"), "restore", str(junk))]:
        code, _, err = run(capsys, *argv)
        assert_one_line_error(code, err)
        assert "not" in err
    assert junk.read_bytes().startswith(b"Dear diary")  # nothing overwrote it


def test_corrupt_sqlite_file(capsys, demo_db):
    _damage_pages(demo_db)
    for argv in (("--db", str(demo_db), "doctor"), ("--db", str(demo_db), "today")):
        code, out, err = run(capsys, *argv)
        assert code != 0 and "Traceback" not in err + out
        assert len(err.strip().splitlines()) <= 1


def test_newer_schema(capsys, demo_db, tmp_path):
    conn = sqlite3.connect(demo_db)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 5}")
    conn.commit(), conn.close()
    for argv in _read_commands(demo_db, tmp_path) + [("--db", str(demo_db), "demo", "--force"),
                                                    ("--db", str(tmp_path / "ok.db"), "restore", str(demo_db))]:
        code, _, err = run(capsys, *argv)
        assert_one_line_error(code, err)
        assert "newer" in err


def test_restore_rejects_bad_sources(capsys, demo_db, tmp_path):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit(), conn.close()
    before = counts(demo_db)
    for source in (tmp_path / "missing.db", other, demo_db):
        code, _, err = run(capsys, "--db", str(demo_db), "restore", str(source))
        assert_one_line_error(code, err)
    assert counts(demo_db) == before


# --- the real executable ----------------------------------------------------------------

def _solocrm(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solocrm_tui", *argv], capture_output=True, text=True,
                          check=False, timeout=120, env=os.environ.copy())


def test_subprocess_version_and_help():
    result = _solocrm("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"solocrm {__version__}"
    result = _solocrm("today", "--help")
    assert result.returncode == 0 and "--json" in result.stdout


def test_subprocess_demo_today_doctor(tmp_path):
    db = tmp_path / "crm.db"
    result = _solocrm("--db", str(db), "demo", "--customers", "40")
    assert result.returncode == 0, result.stderr
    result = _solocrm("--db", str(db), "today", "--json")
    assert result.returncode == 0 and isinstance(json.loads(result.stdout), list)
    result = _solocrm("--db", str(db), "doctor")
    assert result.returncode == 0 and result.stdout.strip().endswith("healthy")


@pytest.mark.parametrize("argv", [("today",), ("doctor",), ("backup",), ("demo", "--customers", "-3")])
def test_subprocess_errors_are_one_line(tmp_path, argv):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    result = _solocrm("--db", str(junk), *argv)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("solocrm")


def test_the_app_in_a_pipe_says_it_needs_a_terminal(tmp_path):
    """`solocrm | cat` or cron: one line and exit 1, instead of escape codes into a pipe and waiting forever."""
    db = tmp_path / "crm.db"
    result = subprocess.run([sys.executable, "-m", "solocrm_tui", "--db", str(db)], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, check=False, timeout=120, env=os.environ.copy())
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == ["solocrm: error: the app needs a terminal; in scripts and cron use "
                                          "`solocrm today` or `solocrm remind`"]
    assert not db.exists()


def test_a_broken_installation_is_one_line_not_a_traceback(tmp_path):
    """A module or resource missing from the installed package fails before the CLI's own handler."""
    env = {key: value for key, value in os.environ.items() if key != "SOLOCRM_DEBUG"}
    code = ("import sys; sys.modules['solocrm_tui.cli'] = None\n"
            "from solocrm_tui.__main__ import main\n"
            f"raise SystemExit(main(['--db', {str(tmp_path / 'crm.db')!r}, 'today']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                            timeout=120, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("solocrm: error: the installation is broken (ModuleNotFoundError")


def test_subprocess_today_json_carries_a_personal_to_do_with_no_customer(tmp_path):
    from solocrm_tui.core.contacts.followups import create_followup
    from solocrm_tui.core.storage.db import close_database, open_database

    db = tmp_path / "crm.db"
    open_database(db)
    try:
        create_followup("renew the domain", datetime(2000, 1, 1, 9, 0), datetime(2000, 1, 1))
    finally:
        close_database()
    result = _solocrm("--db", str(db), "today", "--json")
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)
    assert (item["kind"], item["title"], item["customer_id"], item["customer_name"]) == (
        "followup", "renew the domain", None, None)
    result = _solocrm("--db", str(db), "today")
    assert result.returncode == 0 and "renew the domain" in result.stdout
