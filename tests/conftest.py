"""Project-wide fixtures: a fixed `now`, a fresh temporary database file, and no
test ever reading the owner's real config or database.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui.core import validate
from solocrm_tui.core.storage.db import close_database, open_database

NOW = datetime(2026, 11, 22, 10, 30)


@pytest.fixture
def now() -> datetime:
    """The fixed clock of the tests (Sunday 22 November 2026, 10:30)."""
    return NOW


@pytest.fixture
def db_path(tmp_path: Path):
    """A fresh, migrated database *file* bound to the models; closed afterwards."""
    path = open_database(tmp_path / "crm.db")
    try:
        yield path
    finally:
        close_database()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """Point config and platform dirs at a scratch folder so tests never touch real files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("SOLOCRM_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("SOLOCRM_DB", raising=False)
    monkeypatch.delenv("TMUX", raising=False)  # the notification bytes differ inside tmux
    monkeypatch.setenv("COLORTERM", "truecolor")  # the default theme follows the terminal's colours
    # A test that loads a config chooses the phone region for the process: back to none chosen after it.
    monkeypatch.setattr(validate, "_phone_region", None)
    monkeypatch.setattr(validate, "_phone_region_chosen", False)


@pytest.fixture
def bugs_surface(monkeypatch):
    """The CLI's last-resort handler hides unexpected exceptions; tests calling the CLI in
    this process want to see them. (Not autouse: child processes would inherit it.)"""
    monkeypatch.setenv("SOLOCRM_DEBUG", "1")


SLOW_LAYERS = ("resilience", "snapshots", "packaging")


def pytest_collection_modifyitems(config, items):
    """Whole layers are `slow` (real subprocesses, rendered screens, a wheel build), so
    `pytest -m "not slow"` is the quick dev loop; CI runs everything."""
    for item in items:
        if any(part in SLOW_LAYERS for part in item.path.parts[-3:-1]):
            item.add_marker(pytest.mark.slow)


class Mailbox(list):
    """What a test SMTP server received: (envelope sender, recipients, parsed message, raw bytes)."""

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        self.append((envelope.mail_from, list(envelope.rcpt_tos),
                     message_from_bytes(envelope.original_content, policy=policy.default),
                     envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving_smtp(mailbox: Mailbox):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 at a free port, handled by `mailbox`
    (a Mailbox, or one that also answers RCPT its own way); yields the port."""
    from aiosmtpd.controller import Controller

    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 at a free port; yields (port, Mailbox)."""
    mailbox = Mailbox()
    with serving_smtp(mailbox) as port:
        yield port, mailbox


@pytest.fixture
def smtp_auth_server():
    """As smtp_server, but it asks for a login before taking mail; yields (port, Mailbox,
    user, password). AUTH over plain text is allowed here only because the server is local."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server, session, envelope, mechanism, auth_data):
        good = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=good, handled=False)  # handled=False: aiosmtpd answers 535 itself

    user, password = "owner", "s3cret-pass"
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port(), authenticator=check,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        yield controller.port, mailbox, user, password
    finally:
        controller.stop()


@pytest.fixture
def imap_server():
    """A real IMAP server (pymap's in-memory backend, plain text, no admin or sieve service) on
    127.0.0.1 at a free port; yields (port, user, password). Its INBOX starts empty."""
    import socket
    import subprocess
    import sys
    import time

    port, user, password = _free_port(), "owner", "imap-s3cret"
    server = subprocess.Popen(
        [sys.executable, "-c", "from pymap.main import main; main()", "--host", "127.0.0.1", "--port", str(port),
         "--no-tls", "--no-service", "admin", "--no-service", "managesieve",
         "dict", "--demo-user", user, "--demo-password", password],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):  # the interpreter starting, not the test, is what is waited on
            if server.poll() is not None:
                raise RuntimeError(f"pymap exited with {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("pymap did not listen within 15s")
        yield port, user, password
    finally:
        server.terminate()
        server.wait(timeout=10)
