"""config.toml -> a frozen, validated Config.

Validated once at start so a typo in the config is one clear error naming the key,
not a crash deep inside a job an hour later. The app writes one key back, `theme`
(picked in the command palette), by editing that one line, so the owner's other
settings, layout and comments stay as they wrote them (no TOML writer that keeps
comments is installed, and one top-level string needs none).
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_type_hints

from solocrm_tui.core import validate
from solocrm_tui.core.analytics.runs import Settings as Analytics
from solocrm_tui.core.contacts.lifecycle import Rules as Lifecycle
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail.settings import SECURITY, MailSettings
from solocrm_tui.core.sales.quotes import Owner
from solocrm_tui.core.stages import DEFAULT_PROBABILITIES, OPEN_DEAL_STAGES
from solocrm_tui.core.validate import setting

# [lifecycle] and [analytics] are the core's own rule and settings classes, so their
# fields, defaults and ranges are written once.

YEAR_OF_HOURS = 8760
TEN_YEARS_OF_DAYS = 3650


@dataclass(frozen=True)
class Jobs:
    reminder_seconds: int = setting(15, 1, 86400)
    restage_hours: int = setting(24, 1, YEAR_OF_HOURS)
    refit_hours: int = setting(24, 1, YEAR_OF_HOURS)
    refit_change_share: float = setting(0.05, 0.0, 1.0)
    backup_hours: int = setting(24, 1, YEAR_OF_HOURS)
    backups_kept: int = setting(7, 1, 1000)  # 0 would delete the backup just made


@dataclass(frozen=True)
class Notifications:
    bell: bool = True
    desktop: str = "off"  # "off", "osc9" or "osc777": opt-in, it writes an escape sequence to the terminal


@dataclass(frozen=True)
class Today:
    stale_deal_days: int = setting(14, 1, TEN_YEARS_OF_DAYS)
    no_contact_days: int = setting(30, 1, TEN_YEARS_OF_DAYS)
    old_ticket_days: int = setting(7, 1, TEN_YEARS_OF_DAYS)
    repurchase_factor: float = setting(2.0, 1.0, 20.0)
    # `[analytics] cross_sell_min_lift`, copied here by parse_config for the cross-sell
    # source (Today's sources read this section; not settable in [today]).
    cross_sell_min_lift: float = setting(2.0, 1.0, 1000.0)


@dataclass(frozen=True)
class Config:
    currency: str = "EUR"
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    jobs: Jobs = field(default_factory=Jobs)
    notifications: Notifications = field(default_factory=Notifications)
    analytics: Analytics = field(default_factory=Analytics)
    today: Today = field(default_factory=Today)
    deal_probabilities: dict[str, int] = field(
        default_factory=lambda: {stage: DEFAULT_PROBABILITIES[stage] for stage in OPEN_DEAL_STAGES}
    )
    keys: dict[str, str] = field(default_factory=dict)
    theme: str | None = None  # a Textual theme name; checked where Textual is loaded (themes.py)
    phone_region: str | None = None  # the region (DE) of phone numbers written without a country code
    owner: Owner = field(default_factory=Owner)  # who quotes are from
    mail: MailSettings | None = None  # [mail]: how email is sent; None until the owner sets it up


_SECTIONS = {"lifecycle": Lifecycle, "jobs": Jobs, "notifications": Notifications,
             "analytics": Analytics, "today": Today}


def _check_type(key: str, value: Any, expected: Any) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return value  # a whole number is a fine float; converted once its range is checked
    if (expected in (int, float) and isinstance(value, bool)) or not isinstance(value, expected):
        raise ValidationError(f"config: {key} must be {expected.__name__}, got {value!r}")
    return value


def _check_range(key: str, value: Any, spec: Field) -> Any:
    """The field's declared range; nan fails every comparison, so it is refused too.

    Compared before any conversion: Python compares a huge int with the bounds exactly,
    where float() or a timedelta would overflow."""
    if "range" not in spec.metadata:
        return value
    low, high = spec.metadata["range"]
    if not low <= value <= high:
        raise ValidationError(f"config: {key} must be between {low} and {high}, got {value!r}")
    return float(value) if isinstance(low, float) else value


def _build_section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ValidationError(f"config: [{name}] must be a table")
    types = get_type_hints(cls)
    specs = {spec.name: spec for spec in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key in _SET_ELSEWHERE.get(name, {}):
            raise ValidationError(f"config: {name}.{key} is set as {key} in [{_SET_ELSEWHERE[name][key]}]")
        if key not in specs:
            raise ValidationError(f"config: unknown key {name}.{key}")
        checked = _check_type(f"{name}.{key}", value, types[key])
        values[key] = _check_range(f"{name}.{key}", checked, specs[key])
    return cls(**values)


def _owner(raw: Any) -> Owner:
    """[owner]: `address` is a list of lines (or one line); the rest as any section's."""
    if not isinstance(raw, dict):
        raise ValidationError("config: [owner] must be a table")
    address = raw.get("address", [])
    lines = [address] if isinstance(address, str) else address
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise ValidationError(f"config: owner.address must be a list of lines of text, got {address!r}")
    owner = _build_section("owner", Owner, {k: v for k, v in raw.items() if k != "address"})
    try:
        validate.email(owner.email or None)  # a quote's sender address, checked as a customer's is
    except ValidationError as exc:
        raise ValidationError(f"config: owner.email {exc}") from None
    return replace(owner, address=tuple(line.strip() for line in lines if line.strip()))


def _mail(raw: Any) -> MailSettings:
    """[mail]: a server and a sender at least; the password by reference only (an
    environment variable or a command), never written in the file."""
    if isinstance(raw, dict) and "password" in raw:
        raise ValidationError("config: mail.password is not read: name an environment variable with "
                              "password_env, or a command that prints it with password_command")
    mail = _build_section("mail", MailSettings, raw)
    for key in ("host", "from_address"):
        if not getattr(mail, key).strip():
            raise ValidationError(f"config: mail.{key} is required in [mail]")
    if mail.security not in SECURITY:
        raise ValidationError(f"config: mail.security must be {', '.join(SECURITY)}, got {mail.security!r}")
    if mail.imap_security not in SECURITY:
        raise ValidationError(f"config: mail.imap_security must be {', '.join(SECURITY)}, got {mail.imap_security!r}")
    if not mail.imap_folder.strip():
        raise ValidationError("config: mail.imap_folder must name a folder (e.g. INBOX)")
    if mail.password_env and mail.password_command:
        raise ValidationError("config: mail takes password_env or password_command, not both")
    try:
        validate.email(mail.from_address)
    except ValidationError as exc:
        raise ValidationError(f"config: mail.from_address {exc}") from None
    return mail


def _string_map(name: str, raw: Any, value_type: type) -> dict:
    if not isinstance(raw, dict):
        raise ValidationError(f"config: [{name}] must be a table")
    return {str(k): _check_type(f"{name}.{k}", v, value_type) for k, v in raw.items()}


# Settings one section's class carries for another's sake: the owner sets them once, there.
_SET_ELSEWHERE = {"analytics": {"new_days": "lifecycle"}, "today": {"cross_sell_min_lift": "analytics"}}


def parse_config(raw: dict[str, Any]) -> Config:
    config = Config()
    for key, value in raw.items():
        if key in _SECTIONS:
            config = replace(config, **{key: _build_section(key, _SECTIONS[key], value)})
        elif key == "currency":
            code = _check_type(key, value, str).upper()
            if len(code) != 3 or not code.isalpha():
                raise ValidationError(f"config: currency must be a 3-letter code like EUR, got {value!r}")
            config = replace(config, currency=code)
        elif key == "deal_probabilities":
            probs = _string_map(key, value, int)
            for stage, p in probs.items():
                if stage not in OPEN_DEAL_STAGES or not 0 <= p <= 100:
                    raise ValidationError(f"config: deal_probabilities.{stage} must be a stage "
                                          f"({', '.join(OPEN_DEAL_STAGES)}) with a value 0-100")
            config = replace(config, deal_probabilities={**config.deal_probabilities, **probs})
        elif key == "owner":
            config = replace(config, owner=_owner(value))
        elif key == "mail":
            config = replace(config, mail=_mail(value))
        elif key == "keys":
            config = replace(config, keys=_string_map(key, value, str))
        elif key == "theme":
            config = replace(config, theme=_check_type(key, value, str))
        elif key == "phone_region":
            typed = _check_type(key, value, str)
            try:
                region = validate.phone_region_code(typed)
            except ValidationError as exc:
                raise ValidationError(f"config: phone_region {exc}") from None
            config = replace(config, phone_region=region)
        else:
            raise ValidationError(f"config: unknown key {key}")
    if config.notifications.desktop not in ("off", "osc9", "osc777"):
        raise ValidationError("config: notifications.desktop must be off, osc9 or osc777")
    return replace(config, analytics=replace(config.analytics, new_days=config.lifecycle.new_days),
                   today=replace(config.today, cross_sell_min_lift=config.analytics.cross_sell_min_lift))


def load_config(path: Path) -> Config:
    """Missing file means defaults; a broken file is a one-line error. The config's
    phone_region becomes the process's (every entry point loads the config before it
    opens the database, which re-keys stored phones made with another region)."""
    config = _read_config(path)
    validate.use_phone_region(config.phone_region)
    return config


def _read_config(path: Path) -> Config:
    if not path.exists():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"config: {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValidationError(f"config: cannot read {path}: {exc.strerror}") from None
    return parse_config(raw)


_THEME_LINE = re.compile(r"""theme\s*=\s*("[^"\n]*"|'[^'\n]*')(?P<rest>\s*(#.*)?)$""")


def keep_theme(path: Path, name: str) -> None:
    """Set the top-level `theme = "name"` in config.toml: the line is changed in place (its
    comment kept) or added above the first [table]; nothing else in the file changes.
    The result is parsed before it replaces the file, atomically, with the file's mode."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    before = _parsed(path, text)
    lines = text.splitlines(keepends=True)
    line = f'theme = "{name}"'
    for index, old in enumerate(lines):
        stripped = old.strip()
        found = _THEME_LINE.match(stripped)
        if found:
            lines[index] = old[:len(old) - len(old.lstrip())] + line + found["rest"] + "\n"
            break
        if stripped.startswith("["):  # top-level keys must come before the first table
            while index and (not lines[index - 1].strip() or lines[index - 1].lstrip().startswith("#")):
                index -= 1  # the blank lines and comments above a table belong to it
            lines.insert(index, line + ("\n" if lines[index].strip() == "" else "\n\n"))
            break
    else:
        lines.append(("\n" if lines and not lines[-1].endswith("\n") else "") + line + "\n")
    new = "".join(lines)
    if {**before, "theme": name} != _parsed(path, new):
        raise ValidationError(f"config: cannot set theme in {path} without changing more; set theme = \"{name}\" there")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(new)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _parsed(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"config: {path} is not valid TOML: {exc}") from None
