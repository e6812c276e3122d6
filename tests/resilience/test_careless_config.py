"""A careless config.toml: values out of range, nan, numbers too big for anything, a
typo in a [keys] binding id, a key taken from another action. Every command and the
app's start answer with one line naming the key (exit 1), never a traceback, and
nothing runs on a setting that would silently stop a job or delete the backups.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from .conftest import ROOT, cli, seed


@pytest.fixture
def crm(tmp_path, db_file):
    seed(db_file)
    return tmp_path, db_file


def run_with_config(tmp_path, db, toml: str, *command: str) -> subprocess.CompletedProcess:
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    return cli("--db", db, *command, env=dict(os.environ, SOLOCRM_CONFIG=str(config)))


def one_config_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + (done.stdout or "")
    assert "Error:" not in done.stderr  # no Python exception name (OverflowError: …)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("solocrm: error: config: "), done.stderr
    return lines[0]


BAD_VALUES = [
    ("[jobs]\nreminder_seconds = 99999999999999999999\n",
     "jobs.reminder_seconds must be between 1 and 86400, got 99999999999999999999"),
    ("[jobs]\nreminder_seconds = -5\n", "jobs.reminder_seconds must be between 1 and 86400, got -5"),
    ("[jobs]\nbackups_kept = 0\n", "jobs.backups_kept must be between 1 and 1000, got 0"),
    ("[jobs]\nrefit_change_share = nan\n", "jobs.refit_change_share must be between 0.0 and 1.0, got nan"),
    ("[today]\nrepurchase_factor = inf\n", "today.repurchase_factor must be between 1.0 and 20.0, got inf"),
    ("[lifecycle]\nrhythm_churned_factor = 1e400\n", "lifecycle.rhythm_churned_factor must be between"),
    ("[analytics]\nannual_discount_rate = -nan\n", "analytics.annual_discount_rate must be between 0.0 and 1.0"),
    ("[analytics]\nchurn_horizon_days = 0\n", "analytics.churn_horizon_days must be between 7 and 730, got 0"),
    ("[deal_probabilities]\nlead = 99999999999999999999\n", "deal_probabilities.lead"),
]


@pytest.mark.parametrize("toml, message", BAD_VALUES, ids=[m.split(" ")[0] for _, m in BAD_VALUES])
def test_out_of_range_setting_is_one_line_naming_the_key(crm, toml, message):
    tmp_path, db = crm
    assert message in one_config_line(run_with_config(tmp_path, db, toml, "today"))


@pytest.mark.parametrize("command", [("today",), ("insights",), ("import", "customers", "x.csv")])
def test_every_command_that_reads_the_config_refuses_a_bad_one(crm, command):
    tmp_path, db = crm
    done = run_with_config(tmp_path, db, "[jobs]\nbackups_kept = 0\n", *command)
    assert "jobs.backups_kept must be between 1 and 1000, got 0" in one_config_line(done)
    assert not (db.parent / "backups").exists()  # nothing made, nothing pruned


def test_doctor_reports_the_config_error(crm):
    tmp_path, db = crm
    done = run_with_config(tmp_path, db, "[jobs]\nreminder_seconds = 99999999999999999999\n", "doctor")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "jobs.reminder_seconds must be between 1 and 86400" in done.stdout


def test_unknown_binding_id_is_reported_with_close_matches(crm):
    tmp_path, db = crm
    line = one_config_line(run_with_config(tmp_path, db, '[keys]\n"pipeline.lots" = "X"\n', "today"))
    assert "keys.pipeline.lots" in line and "pipeline.lost" in line


def test_taking_another_actions_key_names_both_actions(crm):
    tmp_path, db = crm
    line = one_config_line(run_with_config(tmp_path, db, '[keys]\n"pipeline.lost" = "w"\n', "today"))
    assert "pipeline.lost" in line and "pipeline.won" in line


def test_a_valid_keymap_and_a_swap_are_accepted(crm):
    tmp_path, db = crm
    swap = '[keys]\n"pipeline.lost" = "w"\n"pipeline.won" = "x"\n"today.done" = "D"\n'
    done = run_with_config(tmp_path, db, swap, "today")
    assert done.returncode == 0, done.stderr


def test_the_app_start_answers_with_the_same_line(crm):
    """`solocrm` with no command, in a real terminal: the config is refused before the
    screen is taken over, so the line stays readable in the shell."""
    tmp_path, db = crm
    config = tmp_path / "config.toml"
    config.write_text("[jobs]\nreminder_seconds = 99999999999999999999\n", encoding="utf-8")
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "solocrm_tui", "--db", str(db)], cwd=ROOT,
                              stdin=follower, stdout=follower, stderr=subprocess.PIPE, text=True,
                              timeout=120, env=dict(os.environ, SOLOCRM_CONFIG=str(config)))
    finally:
        os.close(follower)
        os.close(leader)
    assert "jobs.reminder_seconds must be between 1 and 86400" in one_config_line(done)
