"""`solocrm timer install|status|remove`: systemd user units under a temp XDG_CONFIG_HOME
(systemctl is a stand-in script: the tests never touch the real user session), or
crontab lines where there is no systemd."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from solocrm_tui import paths
from solocrm_tui.core.storage.db import close_database, open_database

from .test_cli import run


@pytest.fixture
def book(db_path):
    open_database(db_path)
    close_database()
    return db_path


@pytest.fixture
def user_systemd(tmp_path, monkeypatch):
    bin_dir, runtime = tmp_path / "bin", tmp_path / "run"
    bin_dir.mkdir(), runtime.mkdir()
    (runtime / "bus").touch()
    systemctl = bin_dir / "systemctl"
    systemctl.write_text("#!/bin/sh\necho enabled\n")
    systemctl.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)


def test_install_writes_units_running_this_solocrm_on_this_book(capsys, book, user_systemd, now):
    code, out, err = run(capsys, "--db", str(book), "timer", "install", "--every", "10m", "--digest", "07:30",
                         now=now)
    assert (code, err) == (0, "")
    units = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    remind = (units / "solocrm-remind.service").read_text()
    assert f"ExecStart={sys.executable} -m solocrm_tui --db {book} remind --mail\n" in remind
    # The config the owner uses now, by absolute path: a timer's environment has no SOLOCRM_CONFIG.
    assert f"Environment=SOLOCRM_CONFIG={paths.config_path().absolute()}\n" in remind
    assert "OnUnitActiveSec=10min" in (units / "solocrm-remind.timer").read_text()
    assert f"--db {book} digest\n" in (units / "solocrm-digest.service").read_text()
    assert "OnCalendar=*-*-* 07:30:00" in (units / "solocrm-digest.timer").read_text()
    assert "systemctl --user enable --now solocrm-remind.timer solocrm-digest.timer" in out
    code, out, _ = run(capsys, "--db", str(book), "timer", "status", now=now)
    assert "solocrm-remind.timer: installed, enabled" in out and "solocrm-digest.timer: installed" in out
    code, out, _ = run(capsys, "--db", str(book), "timer", "remove", now=now)
    assert code == 0 and out.count("removed ") == 4 and not any(units.iterdir())
    assert "solocrm-remind.timer: not installed" in run(capsys, "--db", str(book), "timer", "status", now=now)[1]


def test_without_systemd_it_prints_crontab_lines(capsys, book, tmp_path, monkeypatch, now):
    monkeypatch.setenv("PATH", str(tmp_path))  # no systemctl
    code, out, err = run(capsys, "--db", str(book), "timer", "install", "--digest", "7:05", now=now)
    assert (code, err) == (0, "")
    config = f"SOLOCRM_CONFIG={paths.config_path().absolute()}"
    assert f"*/15 * * * * {config} {sys.executable} -m solocrm_tui --db {book} remind --mail" in out
    assert f"5 7 * * * {config} {sys.executable} -m solocrm_tui --db {book} digest" in out
    assert "crontab -l" in run(capsys, "--db", str(book), "timer", "status", now=now)[1]


@pytest.mark.parametrize("argv", [("--every", "soon"), ("--every", "0m"), ("--digest", "25:00")])
def test_bad_times_are_one_line(capsys, book, argv, now):
    code, out, err = run(capsys, "--db", str(book), "timer", "install", *argv, now=now)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_missing_database_is_refused(capsys, tmp_path, now):
    code, _, err = run(capsys, "--db", str(tmp_path / "nope.db"), "timer", "install", now=now)
    assert code == 1 and "does not exist" in err


# `systemctl --user list-timers --all` as systemd 252 prints it (captured shape: dates with
# spaces, "n/a" for a timer that has not run, the ACTIVATES column cut with ">"). The stand-in
# systemctl names /bin/cat: the tests' PATH holds only the stand-in.
LIST_TIMERS = """\
NEXT                        LEFT          LAST                        PASSED       UNIT                 ACTIVATES        >
Tue 2026-12-01 08:00:00 UTC 14min left    Tue 2026-12-01 07:45:02 UTC 50s ago      solocrm-remind.timer solocrm-remind.s>
Wed 2026-12-02 07:30:00 UTC 23h left      n/a                         n/a          solocrm-digest.timer solocrm-digest.s>

2 timers listed.
"""


def test_list_timers_is_read_by_its_columns():
    from solocrm_tui.cli.timer import TimerRuns, parse_list_timers

    assert parse_list_timers(LIST_TIMERS) == {
        "solocrm-remind.timer": TimerRuns("Tue 2026-12-01 08:00:00 UTC", "14min left", "Tue 2026-12-01 07:45:02 UTC",
                                          "50s ago"),
        "solocrm-digest.timer": TimerRuns("Wed 2026-12-02 07:30:00 UTC", "23h left", None, None)}
    assert parse_list_timers("0 timers listed.\nPass --all to see loaded but inactive timers, too.\n") == {}


def test_status_shows_the_next_and_last_run_from_systemd(capsys, book, user_systemd, tmp_path, now):
    (tmp_path / "list-timers.txt").write_text(LIST_TIMERS)
    (tmp_path / "bin" / "systemctl").write_text(
        f'#!/bin/sh\nif [ "$2" = list-timers ]; then /bin/cat {tmp_path / "list-timers.txt"}; else echo enabled; fi\n')
    run(capsys, "--db", str(book), "timer", "install", "--digest", "07:30", now=now)
    code, out, err = run(capsys, "--db", str(book), "timer", "status", now=now)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("solocrm-remind.timer: installed, enabled (")
    assert lines[1] == ("  next Tue 2026-12-01 08:00:00 UTC (14min left), "
                        "last Tue 2026-12-01 07:45:02 UTC (50s ago)")
    assert lines[3] == "  next Wed 2026-12-02 07:30:00 UTC (23h left), never run yet"


def test_a_password_from_the_environment_is_flagged_the_timer_will_not_have_it(capsys, book, tmp_path, monkeypatch,
                                                                                now):
    monkeypatch.setenv("PATH", str(tmp_path))
    paths.config_path().parent.mkdir(parents=True, exist_ok=True)
    paths.config_path().write_text('[mail]\nhost = "smtp.example"\nfrom_address = "me@shop.example"\n'
                                   'user = "me"\npassword_env = "SHOP_PW"\n', encoding="utf-8")
    code, out, err = run(capsys, "--db", str(book), "timer", "install", now=now)
    assert code == 0
    assert "the timer will not have $SHOP_PW" in out and "password_command" in out
