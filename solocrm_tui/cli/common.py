"""What every command shares: the argument parser's house rules, argument types,
opening the database and the config, stdout that takes any text, and the one-line error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from solocrm_tui import __version__, paths
from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def add_globals(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """--db and --version work before and after the subcommand; SUPPRESS keeps the outer value."""
    default = argparse.SUPPRESS if nested else None
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="database file (default: $SOLOCRM_DB or the user data dir)")
    parser.add_argument("--version", action="version", version=f"solocrm {__version__}")


def id_of(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            return validate.record_id(text, what)
        except ValidationError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    return parse


customer_id = id_of("customer")


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a whole number') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def db_path(args: argparse.Namespace) -> Path:
    if args.db is not None and not args.db.strip():
        raise ValidationError("--db needs a file path")
    return paths.resolve_db_path(args.db)


def load_config():
    """The config file, checked whole: a [keys] section is checked against the app's
    bindings here, where the UI may be imported (only then, to keep commands fast)."""
    from solocrm_tui.config import load_config

    config = load_config(paths.config_path())
    if config.keys:
        from solocrm_tui.keymap import check_keymap

        check_keymap(config.keys)
    return config


def open_db(args: argparse.Namespace, *, create: bool, **options) -> Path:
    from solocrm_tui.core.storage.db import open_database

    return open_database(db_path(args), create=create, **options)


def stdout():
    try:
        sys.stdout.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    return sys.stdout


def fail(message: str) -> int:
    print(f"solocrm: error: {message}", file=sys.stderr)
    return 1
