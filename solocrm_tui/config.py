"""config.toml -> a frozen, validated Config.

Validated once at start so a typo in the config is one clear error naming the key,
not a crash deep inside a job an hour later.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, get_type_hints

from solocrm_tui.core.analytics.runs import Settings as Analytics
from solocrm_tui.core.contacts.lifecycle import Rules as Lifecycle
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.stages import DEFAULT_PROBABILITIES, OPEN_DEAL_STAGES

# [lifecycle] and [analytics] are the core's own rule and settings classes, so their
# fields and defaults are written once.



@dataclass(frozen=True)
class Jobs:
    reminder_seconds: int = 15
    restage_hours: int = 24
    refit_hours: int = 24
    refit_change_share: float = 0.05
    backup_hours: int = 24
    backups_kept: int = 7


@dataclass(frozen=True)
class Notifications:
    bell: bool = True
    desktop: str = "osc9"  # "off", "osc9" or "osc777"


@dataclass(frozen=True)
class Today:
    stale_deal_days: int = 14
    no_contact_days: int = 30
    old_ticket_days: int = 7
    repurchase_factor: float = 2.0


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


_SECTIONS = {"lifecycle": Lifecycle, "jobs": Jobs, "notifications": Notifications,
             "analytics": Analytics, "today": Today}


def _check_type(key: str, value: Any, expected: Any) -> Any:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (expected in (int, float) and isinstance(value, bool)) or not isinstance(value, expected):
        raise ValidationError(f"config: {key} must be {expected.__name__}, got {value!r}")
    return value


def _build_section(name: str, cls: type, raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise ValidationError(f"config: [{name}] must be a table")
    known = get_type_hints(cls)
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ValidationError(f"config: unknown key {name}.{key}")
        values[key] = _check_type(f"{name}.{key}", value, known[key])
    return cls(**values)


def _string_map(name: str, raw: Any, value_type: type) -> dict:
    if not isinstance(raw, dict):
        raise ValidationError(f"config: [{name}] must be a table")
    return {str(k): _check_type(f"{name}.{k}", v, value_type) for k, v in raw.items()}


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
        elif key == "keys":
            config = replace(config, keys=_string_map(key, value, str))
        else:
            raise ValidationError(f"config: unknown key {key}")
    if config.notifications.desktop not in ("off", "osc9", "osc777"):
        raise ValidationError("config: notifications.desktop must be off, osc9 or osc777")
    return config


def load_config(path: Path) -> Config:
    """Missing file means defaults; a broken file is a one-line error."""
    if not path.exists():
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"config: {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValidationError(f"config: cannot read {path}: {exc.strerror}") from None
    return parse_config(raw)
