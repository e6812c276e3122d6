"""`solocrm timer install|status|remove`: run `remind --mail` (and `digest`) while the app is
closed, as systemd user timers, or as crontab lines to paste where there is no systemd.

The units name this interpreter and this database by absolute path, so they run the same
SoloCRM on the same book whatever the timer's environment. systemctl itself is never run
by install/remove: the owner enables the timers with the commands printed. `status`
only asks (is-enabled, list-timers) and shows systemd's own next and last run.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from solocrm_tui import paths
from solocrm_tui.cli.common import db_path, load_config
from solocrm_tui.core.errors import ValidationError

UNITS = ("solocrm-remind", "solocrm-digest")
NEVER = ("n/a", "-", "")  # how list-timers says "no run" (older systemd: n/a, newer: -)


@dataclass(frozen=True, slots=True)
class TimerRuns:
    next: str | None
    left: str | None
    last: str | None
    passed: str | None

    def describe(self) -> str:
        upcoming = f"next {self.next} ({self.left})" if self.next else "no next run scheduled"
        return f"{upcoming}, last {self.last} ({self.passed})" if self.last else f"{upcoming}, never run yet"


def parse_list_timers(text: str) -> dict[str, TimerRuns]:
    """`systemctl list-timers` as {timer unit: runs}. Its dates hold spaces, so the columns
    are cut where the header's words start rather than split on whitespace."""
    lines = text.splitlines()
    header = next((n for n, line in enumerate(lines) if line.startswith("NEXT") and " UNIT " in line), None)
    if header is None:
        return {}
    starts = [match.start() for match in re.finditer(r"\S+", lines[header])]
    names = lines[header].split()
    found = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        cells = dict(zip(names, (line[a:b].strip() for a, b in zip(starts, [*starts[1:], None]))))
        if cells.get("UNIT", "").endswith(".timer"):
            found[cells["UNIT"]] = TimerRuns(*(None if cells.get(name, "") in NEVER else cells[name]
                                                for name in ("NEXT", "LEFT", "LAST", "PASSED")))
    return found


def every_minutes(text: str) -> int:
    match = re.fullmatch(r"(\d+)(m|h)", text.strip())
    minutes = int(match[1]) * (60 if match[2] == "h" else 1) if match else 0
    if not 1 <= minutes <= 1440:
        raise ValidationError(f'--every takes minutes or hours such as 15m or 1h (up to 24h), not "{text}"')
    return minutes


def clock_time(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError(f'--digest takes a time of day such as 07:30, not "{text}"')
    return int(match[1]), int(match[2])


def units_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def has_user_systemd() -> bool:
    """systemctl on PATH and a user bus to talk to (a container or a cron-only box has neither)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS") or (runtime and (Path(runtime) / "bus").exists())
    return shutil.which("systemctl") is not None and bool(bus)


def _command(db: Path, *words: str) -> str:
    return shlex.join([sys.executable, "-m", "solocrm_tui", "--db", str(db), *words])


def _config() -> str:
    """The config file in use now, by absolute path: a timer's environment has no SOLOCRM_CONFIG
    and perhaps another HOME, and without [mail] the reminders would fail unseen."""
    return str(paths.config_path().absolute())


def _service(text: str, command: str) -> str:
    return (f"[Unit]\nDescription=SoloCRM: {text}\n\n[Service]\nType=oneshot\n"
            f"Environment={shlex.quote('SOLOCRM_CONFIG=' + _config())}\nExecStart={command}\n")


def _files(db: Path, minutes: int, digest: tuple[int, int] | None) -> dict[str, str]:
    files = {
        "solocrm-remind.service": _service("mail follow-ups as they come due", _command(db, "remind", "--mail")),
        "solocrm-remind.timer": ("[Unit]\nDescription=SoloCRM: look for due follow-ups\n\n[Timer]\n"
                                 f"OnBootSec=2min\nOnUnitActiveSec={minutes}min\n\n[Install]\nWantedBy=timers.target\n"),
    }
    if digest:
        files["solocrm-digest.service"] = _service("mail today's queue", _command(db, "digest"))
        files["solocrm-digest.timer"] = ("[Unit]\nDescription=SoloCRM: the morning digest\n\n[Timer]\n"
                                         f"OnCalendar=*-*-* {digest[0]:02d}:{digest[1]:02d}:00\nPersistent=true\n\n"
                                         "[Install]\nWantedBy=timers.target\n")
    return files


def crontab_lines(db: Path, minutes: int, digest: tuple[int, int] | None) -> list[str]:
    when = f"*/{minutes} * * * *" if minutes < 60 else f"0 */{minutes // 60} * * *"
    config = shlex.quote(f"SOLOCRM_CONFIG={_config()}")
    lines = [f"{when} {config} {_command(db, 'remind', '--mail')}"]
    if digest:
        lines.append(f"{digest[1]} {digest[0]} * * * {config} {_command(db, 'digest')}")
    return lines


def cmd_timer(args, now) -> int:
    db = db_path(args).absolute()
    if not db.exists():
        raise ValidationError(f"{db} does not exist: the timer would have no book to read")
    minutes = every_minutes(args.every)
    digest = clock_time(args.digest) if args.digest else None
    if args.action == "install":
        _warn_about_password()
        return _install(db, minutes, digest)
    if args.action == "remove":
        return _remove()
    return _status(db, minutes, digest)


def _warn_about_password() -> None:
    """A password the owner's shell exports is not in a timer's environment."""
    mail = load_config().mail
    if mail is not None and mail.user and mail.password_env:
        print(f"note: the timer will not have ${mail.password_env}: give [mail] a password_command "
              "(e.g. \"pass show mail/solocrm\") so it can log in")


def _install(db: Path, minutes: int, digest: tuple[int, int] | None) -> int:
    if not has_user_systemd():
        print("no systemd user session here: add these lines with `crontab -e`:")
        print("\n".join(crontab_lines(db, minutes, digest)))
        return 0
    folder = units_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in _files(db, minutes, digest).items():
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {folder / name}")
    timers = " ".join(f"{unit}.timer" for unit in UNITS[: 2 if digest else 1])
    print(f"enable them with:\n  systemctl --user daemon-reload\n  systemctl --user enable --now {timers}")
    return 0


def _remove() -> int:
    removed = [path for unit in UNITS for path in (units_dir() / f"{unit}.timer", units_dir() / f"{unit}.service")
               if path.exists()]
    for path in removed:
        path.unlink()
        print(f"removed {path}")
    if removed:
        print("then: systemctl --user disable --now solocrm-remind.timer solocrm-digest.timer; "
              "systemctl --user daemon-reload")
    else:
        print(f"no SoloCRM timers in {units_dir()}; a crontab line, if any, goes with `crontab -e`")
    return 0


def _status(db: Path, minutes: int, digest: tuple[int, int] | None) -> int:
    if not has_user_systemd():
        print("no systemd user session here: check `crontab -l` for lines like:")
        print("\n".join(crontab_lines(db, minutes, digest)))
        return 0
    runs = parse_list_timers(_systemctl("list-timers", "--all", "--no-pager", "solocrm-*"))
    for unit in UNITS:
        timer = units_dir() / f"{unit}.timer"
        if not timer.exists():
            print(f"{unit}.timer: not installed")
            continue
        print(f"{unit}.timer: installed, {_systemctl('is-enabled', f'{unit}.timer').strip() or 'state unknown'}"
              f" ({timer})")
        loaded = runs.get(f"{unit}.timer")
        print(f"  {loaded.describe()}" if loaded
              else f"  not known to systemd yet: systemctl --user daemon-reload; systemctl --user enable --now {unit}.timer")
    return 0


def _systemctl(*words: str) -> str:
    done = subprocess.run(["systemctl", "--user", *words], capture_output=True, text=True, timeout=10,
                          stdin=subprocess.DEVNULL)
    return done.stdout
