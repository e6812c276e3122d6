"""Sending through a real SMTP server on localhost (aiosmtpd): what arrives, and the one
line the owner reads when it cannot arrive."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from email.headerregistry import Address
from email.utils import parsedate_to_datetime

import pytest

from solocrm_tui.core.mail import smtp
from solocrm_tui.core.mail.message import build_message
from solocrm_tui.core.mail.settings import MailSettings

WHEN = datetime(2026, 11, 22, 10, 30, tzinfo=timezone.utc)


def local(port: int, **more) -> MailSettings:
    return MailSettings(**{"host": "127.0.0.1", "port": port, "security": "none",
                           "from_address": "owner@roesterei.example", "from_name": "Jörg Bähr", **more})


def message(settings: MailSettings, subject: str = "Grüße aus Köln — 日本", text: str = "Hallo Änne,\nbis bald.\n"):
    return build_message(settings, Address("Änne Lee", addr_spec="ann@example.com"), subject, text, WHEN)


def test_the_message_arrives_with_its_headers_and_utf8_subject(smtp_server):
    port, mailbox = smtp_server
    settings = local(port)
    sent = message(settings)
    smtp.send(settings, sent)
    [(sender, recipients, got, raw)] = mailbox
    assert sender == "owner@roesterei.example" and recipients == ["ann@example.com"]
    assert got["Subject"] == "Grüße aus Köln — 日本"
    head = raw.partition(b"\r\n\r\n")[0]
    assert head.isascii() and b"Subject: =?utf-8?" in head  # encoded words: any server passes them on intact
    assert got["From"].addresses[0].display_name == "Jörg Bähr"
    assert got["To"].addresses[0].display_name == "Änne Lee" and got["To"].addresses[0].addr_spec == "ann@example.com"
    assert got["Message-ID"] == sent["Message-ID"] and got["Message-ID"].endswith("@roesterei.example>")
    assert parsedate_to_datetime(got["Date"]) == WHEN
    assert got.get_content().replace("\r\n", "\n") == "Hallo Änne,\nbis bald.\n"


def test_a_login_with_the_password_from_the_environment(smtp_auth_server, monkeypatch):
    port, mailbox, user, password = smtp_auth_server
    monkeypatch.setenv("SHOP_MAIL_PASSWORD", password)
    settings = local(port, user=user, password_env="SHOP_MAIL_PASSWORD")
    smtp.send(settings, message(settings))
    assert len(mailbox) == 1


def test_a_login_with_the_password_from_a_command(smtp_auth_server, tmp_path):
    port, mailbox, user, password = smtp_auth_server
    script = tmp_path / "pass.py"
    script.write_text(f"print({password!r})\nprint('second line is not the password')\n", encoding="utf-8")
    settings = local(port, user=user, password_command=f"{sys.executable} {script}")
    smtp.send(settings, message(settings))
    assert len(mailbox) == 1


def test_a_wrong_password_is_one_line_and_nothing_arrives(smtp_auth_server, monkeypatch):
    port, mailbox, user, _ = smtp_auth_server
    monkeypatch.setenv("SHOP_MAIL_PASSWORD", "wrong")
    settings = local(port, user=user, password_env="SHOP_MAIL_PASSWORD")
    with pytest.raises(smtp.SendFailed, match=r"^could not send: the server refused the password \(535\)$"):
        smtp.send(settings, message(settings))
    assert mailbox == []


@pytest.mark.parametrize("settings, problem", [
    (MailSettings(host="h", from_address="a@b.c", password_env="NOT_SET_ANYWHERE"),
     "mail.password_env names $NOT_SET_ANYWHERE, which is not set"),
    (MailSettings(host="h", from_address="a@b.c", password_command="no-such-password-tool show x"),
     "the password command “no-such-password-tool show x” was not found"),
    (MailSettings(host="h", from_address="a@b.c", password_command=f"{sys.executable} -c 'raise SystemExit(3)'"),
     "failed (exit 3)"),
    (MailSettings(host="h", from_address="a@b.c", password_command=f"{sys.executable} -c 'pass'"),
     "printed no password"),
])
def test_a_password_that_cannot_be_had_is_one_line(settings, problem):
    with pytest.raises(smtp.SendFailed) as failed:
        smtp.password(settings)
    assert problem in str(failed.value) and "\n" not in str(failed.value)


def test_a_server_that_is_not_there_is_one_line():
    settings = local(_closed_port())
    with pytest.raises(smtp.SendFailed, match=r"^could not send: cannot reach 127\.0\.0\.1:\d+ \(.+\)$"):
        smtp.send(settings, message(settings))


def test_starttls_to_a_server_without_it_is_one_line(smtp_server):
    port, mailbox = smtp_server
    settings = local(port, security="starttls")
    with pytest.raises(smtp.SendFailed, match="does not offer STARTTLS"):
        smtp.send(settings, message(settings))
    assert mailbox == []


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_without_login_needs_no_password(smtp_server, monkeypatch):
    """password_env may be there for reading mail (IMAP) only: sending with no user never reads it."""
    port, mailbox = smtp_server
    monkeypatch.delenv("ONLY_FOR_IMAP", raising=False)
    settings = local(port, password_env="ONLY_FOR_IMAP")
    smtp.send(settings, message(settings))
    assert len(mailbox) == 1


def test_a_dropped_connection_is_not_called_a_timeout(monkeypatch):
    """A server that hangs up at once did not make us wait: the line says which happened."""
    import socketserver
    import threading

    class HangUp(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.close()

    with socketserver.TCPServer(("127.0.0.1", 0), HangUp) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        settings = local(server.server_address[1])
        with pytest.raises(smtp.SendFailed) as failed:
            smtp.send(settings, message(settings))
        server.shutdown()
    assert "closed the connection" in str(failed.value) and "did not answer" not in str(failed.value)
