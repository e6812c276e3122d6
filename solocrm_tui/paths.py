"""Where SoloCRM keeps its files.

The database defaults to the platform user-data directory so `solocrm` works from
any working directory; `--db` and `SOLOCRM_DB` override it, `SOLOCRM_CONFIG` points
at another config file. Directories we create are owner-only (0700) because a CRM
holds other people's personal data.
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "solocrm"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(user_data_path(APP_NAME, appauthor=False))


def config_dir() -> Path:
    from platformdirs import user_config_path

    return Path(user_config_path(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "solocrm.db"


def resolve_db_path(cli_value: str | None = None) -> Path:
    """--db wins over SOLOCRM_DB, which wins over the platform default."""
    raw = cli_value or os.environ.get("SOLOCRM_DB")
    return Path(raw).expanduser() if raw else default_db_path()


def config_path() -> Path:
    raw = os.environ.get("SOLOCRM_CONFIG")
    return Path(raw).expanduser() if raw else config_dir() / "config.toml"


def templates_dir() -> Path:
    """Email templates sit in templates/ beside config.toml: the owner's words, like the config."""
    return config_path().parent / "templates"


def backups_dir(db_path: Path) -> Path:
    """Backups sit beside the database they protect, so moving one moves both."""
    return db_path.parent / "backups"


def quotes_dir(db_path: Path) -> Path:
    """Quotes sit beside the database that numbers them, as backups do."""
    return db_path.parent / "quotes"


def drafts_dir(db_path: Path) -> Path:
    """Mails that could not be sent wait beside the database, one per customer, to be reopened."""
    return db_path.parent / "drafts"


def log_path(db_path: Path) -> Path:
    return db_path.parent / "solocrm.log"


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) readable by the owner only."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)
