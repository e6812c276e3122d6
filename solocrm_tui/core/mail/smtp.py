"""Handing a message to the owner's SMTP server, and the password it asks for.

Every way sending can fail (a refused password, an unknown recipient, a server that is
down or does not speak TLS) becomes one line saying so: the owner is looking at the
composer, not at a traceback, and nothing is logged on the timeline for a mail that
did not leave.
"""

from __future__ import annotations

import os
import shlex
import smtplib
import socket
import ssl
import subprocess
from email.message import EmailMessage

from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.mail.settings import MailSettings

PASSWORD_COMMAND_SECONDS = 30  # long enough to type a passphrase into a pinentry


class SendFailed(CRMError):
    """The server did not take the message: nothing was sent and nothing logged.

    `permanent` when the server said no for good (a 5xx for the recipient or the
    message): sending the same mail again would only be refused again. Everything else
    (a server down, a dropped connection, a timeout, a 4xx "try later") may pass later.
    `server` when the failure is the server's or the settings' (unreachable, no answer, TLS,
    the password): every other mail would fail the same way, so a run of many stops.
    """

    def __init__(self, message: str, *, permanent: bool = False, server: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.server = server


def password(settings: MailSettings, failed: str = "could not send") -> str | None:
    """The password from the environment variable or the command the config names;
    `failed` begins the line saying why there is none (reading mail shares the password)."""
    try:
        if settings.password_env:
            value = os.environ.get(settings.password_env)
            if not value:
                raise SendFailed(f"could not send: mail.password_env names ${settings.password_env}, "
                                 "which is not set")
            return value
        if settings.password_command:
            return _from_command(settings.password_command)
        return None
    except SendFailed as exc:
        raise SendFailed(str(exc).replace("could not send", failed, 1)) from None


def _from_command(command: str) -> str:
    """Run without a shell (the config is text, not a script); the first line is the password."""
    try:
        args = shlex.split(command)
    except ValueError as exc:
        raise SendFailed(f"could not send: mail.password_command “{command}” cannot be read ({exc})") from None
    if not args:
        raise SendFailed("could not send: mail.password_command is empty")
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=PASSWORD_COMMAND_SECONDS,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise SendFailed(f"could not send: the password command “{command}” was not found") from None
    except subprocess.TimeoutExpired:
        raise SendFailed(f"could not send: the password command “{command}” took over "
                         f"{PASSWORD_COMMAND_SECONDS}s") from None
    except OSError as exc:
        raise SendFailed(f"could not send: the password command “{command}” cannot run ({exc.strerror})") from None
    if done.returncode != 0:
        raise SendFailed(f"could not send: the password command “{command}” failed (exit {done.returncode})")
    lines = done.stdout.splitlines()
    if not lines or not lines[0]:
        raise SendFailed(f"could not send: the password command “{command}” printed no password")
    return lines[0]


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Deliver `message` to its To address through the configured server."""
    try:
        secret = password(settings) if settings.user else None  # no login: the password may be IMAP's only
    except SendFailed as exc:
        raise SendFailed(str(exc), server=True) from None
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        with server:
            if settings.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                _login(server, settings.user, secret or "")
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"could not send: the server refused the password ({exc.smtp_code})", server=True) from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(f"{address} ({code} {_text(text)})" for address, (code, text) in exc.recipients.items())
        raise SendFailed(f"could not send: the server refused the recipient {refused}",
                         permanent=all(code >= 500 for code, _ in exc.recipients.values())) from None
    except smtplib.SMTPSenderRefused as exc:
        raise SendFailed(f"could not send: the server refused the sender {exc.sender} ({exc.smtp_code})",
                         server=True) from None
    except smtplib.SMTPNotSupportedError:
        raise SendFailed(f"could not send: {where} does not offer STARTTLS or login; check mail.security "
                         "and mail.user", server=True) from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"could not send: the server answered {exc.smtp_code} {_text(exc.smtp_error)}",
                         permanent=exc.smtp_code >= 500) from None
    except ssl.SSLError as exc:
        raise SendFailed(f"could not send: TLS with {where} failed ({exc.reason or exc}); check mail.security "
                         "and mail.port", server=True) from None
    except smtplib.SMTPServerDisconnected:
        raise SendFailed(f"could not send: {where} closed the connection", server=True) from None
    except (socket.timeout, TimeoutError):
        raise SendFailed(f"could not send: {where} did not answer in {settings.timeout_seconds}s", server=True) from None
    except smtplib.SMTPException as exc:
        raise SendFailed(f"could not send: {exc}") from None
    except OSError as exc:
        raise SendFailed(f"could not send: cannot reach {where} ({exc.strerror or exc})", server=True) from None


def _login(server: smtplib.SMTP, user: str, secret: str) -> None:
    try:
        server.login(user, secret)
    except UnicodeEncodeError:  # smtplib sends the user and password as ASCII only
        raise SendFailed("could not send: the mail user and password must be ASCII for SMTP login") from None


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())
