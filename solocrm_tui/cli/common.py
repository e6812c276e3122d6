"""What every command shares: the argument parser's house rules, argument types,
opening the database and the config, output that shows the owner's text without
letting it command the terminal, and the one-line error.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from solocrm_tui import __version__, paths
from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.visible import visible


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {visible(message)} (see {self.prog} --help)\n")


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
    bindings and `theme` against Textual's themes here, where the UI may be imported
    (only then, to keep commands fast)."""
    from solocrm_tui.config import load_config

    config = load_config(paths.config_path())
    if config.theme is not None:
        from solocrm_tui.themes import check_theme

        check_theme(config.theme)
    if config.keys:
        from solocrm_tui.keymap import check_keymap

        check_keymap(config.keys)
    return config


def open_db(args: argparse.Namespace, *, create: bool, **options) -> Path:
    from solocrm_tui.core.storage.db import open_database

    return open_database(db_path(args), create=create, **options)


class Shown(io.TextIOBase):
    """stdout or stderr as the commands print to it: every line passes the one sanitiser,
    so a name, title or imported value holding an escape sequence or a bidi override is
    shown (␛, �), never obeyed by the terminal. Newlines and tabs are kept; a CRLF, as a
    CSV writer ends its lines, is one line break on a terminal."""

    def __init__(self, stream) -> None:
        super().__init__()
        self.stream = stream

    @property
    def encoding(self) -> str:
        return self.stream.encoding

    def write(self, text: str) -> int:
        self.stream.write(visible(text.replace("\r\n", "\n"), lines=True))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


@contextmanager
def shown_output() -> Iterator[None]:
    """While a command runs, what it prints goes through Shown (see cli.main)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Shown(out), Shown(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def stdout():
    """Where an export writes its data: byte for byte into a file or a pipe; on a
    terminal, shown like everything else (the data may hold escapes from older imports)."""
    stream = sys.stdout.stream if isinstance(sys.stdout, Shown) else sys.stdout
    try:
        stream.reconfigure(encoding="utf-8")
    except (AttributeError, ValueError):
        pass
    return Shown(stream) if stream.isatty() else stream


def fail(message: str) -> int:
    print(f"solocrm: error: {visible(message)}", file=sys.stderr)
    return 1
