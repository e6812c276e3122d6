"""`solocrm import mail --imap`: the new mail in one IMAP folder, on the timelines as an mbox's is.

The folder is the owner's live mailbox, so it is only looked at: opened with EXAMINE and
read with BODY.PEEK[], no \\Seen flag changes. A pull asks for the UIDs above the last one
read (the mail_folder row for this server, user and folder) and fetches them a batch of
UIDs per round trip; the messages go through the mbox import's one logging path, and the
row moves on in the transaction that completes that batch. A server that changed its
UIDVALIDITY numbered the folder afresh: the pull reads it all again and the Message-IDs
keep anything from being logged twice.

Whatever goes wrong on the way (no server, TLS, a refused login, no such folder, a server
that stops answering) is one line naming the server and the setting to check, and
nothing is written: every message is read before the first row is.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from solocrm_tui.core.data_io.mailboxes import MailReport, log_messages
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.mail.smtp import password
from solocrm_tui.core.storage.batches import STEP_SECONDS, chunks
from solocrm_tui.core.storage.models import MailFolder

FETCH_BATCH = 100  # UIDs per FETCH: few round trips, and never the whole folder in memory at once
UID = re.compile(rb"\bUID (\d+)")


class PullFailed(CRMError):
    """The folder could not be read: nothing was logged and the folder's state is as it was."""


@dataclass(frozen=True)
class Folder:
    """Where a pull reads from, the settings' defaults filled in."""

    host: str
    port: int
    security: str
    user: str
    name: str

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


def folder_of(settings: MailSettings, name: str | None = None) -> Folder:
    security = settings.imap_security
    port = settings.imap_port or (993 if security == "ssl" else 143)
    name = (name if name is not None else settings.imap_folder).strip()
    if not name:
        raise PullFailed("could not read mail: say which folder, e.g. --folder INBOX")
    if not name.isascii():
        raise PullFailed(f"could not read mail: the folder name “{name}” is not ASCII (IMAP names other "
                         "characters in modified UTF-7, which is not supported here)")
    return Folder(settings.imap_host or settings.host, port, security, settings.imap_user or settings.user, name)


def pull_folder(settings: MailSettings, now: datetime, *, folder: str | None = None, dry_run: bool = False,
                step_seconds: float = STEP_SECONDS) -> MailReport:
    """Log the folder's mail newer than the last pull; see the module docstring."""
    where = folder_of(settings, folder)
    secret = password(settings, failed="could not read mail")
    state = MailFolder.get_or_none(server=where.server, user=where.user, folder=where.name)
    with _failing_in_one_line(where, settings.timeout_seconds):
        with _connected(where, secret or "", settings.timeout_seconds) as conn:
            uidvalidity = _examine(conn, where)
            after = state.last_uid if state and state.uidvalidity == uidvalidity else 0
            uids = _uids_after(conn, after)

            def remember() -> None:
                last = max(uids, default=after)
                (MailFolder.insert(server=where.server, user=where.user, folder=where.name, uidvalidity=uidvalidity,
                                   last_uid=last, pulled_at=now)
                 .on_conflict(conflict_target=[MailFolder.server, MailFolder.user, MailFolder.folder],
                              update={MailFolder.uidvalidity: uidvalidity, MailFolder.last_uid: last,
                                      MailFolder.pulled_at: now})
                 .execute())

            return log_messages(f"{where.user}@{where.server}/{where.name}", _fetched(conn, uids), now,
                                dry_run=dry_run, step_seconds=step_seconds, remember=remember)


class _failing_in_one_line:
    """Turns the network's and imaplib's exceptions into one PullFailed line."""

    def __init__(self, where: Folder, timeout: int) -> None:
        self.where, self.timeout = where, timeout

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, _trace) -> bool:
        if exc is None or isinstance(exc, CRMError) or not isinstance(exc, (OSError, imaplib.IMAP4.error)):
            return False
        server = self.where.server
        if isinstance(exc, ssl.SSLError):
            line = f"TLS with {server} failed ({exc.reason or exc}); check mail.imap_security and mail.imap_port"
        elif isinstance(exc, (socket.timeout, TimeoutError)):
            line = f"{server} did not answer in {self.timeout}s; check mail.imap_host and mail.imap_port"
        elif isinstance(exc, imaplib.IMAP4.abort):
            line = f"{server} closed the connection ({_said(exc)}); check mail.imap_security and mail.imap_port"
        elif isinstance(exc, imaplib.IMAP4.error):
            line = f"{server} answered: {_said(exc)}"
        else:
            line = f"cannot reach {server} ({exc.strerror or exc}); check mail.imap_host and mail.imap_port"
        raise PullFailed(f"could not read mail: {line}") from None


class _connected:
    """A logged-in connection, logged out (or at least closed) however the pull ends."""

    def __init__(self, where: Folder, secret: str, timeout: int) -> None:
        self.where, self.secret, self.timeout = where, secret, timeout
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> imaplib.IMAP4:
        where = self.where
        if where.security == "ssl":
            self.conn = imaplib.IMAP4_SSL(where.host, where.port, ssl_context=ssl.create_default_context(),
                                          timeout=self.timeout)
        else:
            self.conn = imaplib.IMAP4(where.host, where.port, timeout=self.timeout)
        if where.security == "starttls":
            self.conn.starttls(ssl.create_default_context())
        try:
            self.conn.login(where.user, self.secret)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error:
            raise PullFailed(f"could not read mail: {where.server} refused the login for “{where.user}”; check "
                             "mail.imap_user and the password (mail.password_env or mail.password_command)") from None
        except UnicodeEncodeError:  # imaplib sends the user and password as ASCII only
            raise PullFailed("could not read mail: the IMAP user and password must be ASCII") from None
        return self.conn

    def __exit__(self, *_exc) -> bool:
        if self.conn is not None:
            try:
                self.conn.logout()
            except (OSError, imaplib.IMAP4.error):
                self.conn.shutdown()
        return False


def _examine(conn: imaplib.IMAP4, where: Folder) -> int:
    """Open the folder read-only (EXAMINE) and return its UIDVALIDITY."""
    status, _ = conn.select(_quoted(where.name), readonly=True)
    if status != "OK":
        raise PullFailed(f"could not read mail: {where.server} has no folder “{where.name}”; check "
                         "mail.imap_folder or --folder")
    _, answer = conn.response("UIDVALIDITY")
    if not answer or answer[0] is None or not answer[0].isdigit():
        raise PullFailed(f"could not read mail: {where.server} gave no UIDVALIDITY for “{where.name}”")
    return int(answer[0])


def _uids_after(conn: imaplib.IMAP4, after: int) -> list[int]:
    """The folder's UIDs above `after`, oldest first. "N:*" always names the newest message,
    even one below N, hence the filter."""
    status, answer = conn.uid("SEARCH", f"UID {after + 1}:*")
    if status != "OK":
        raise imaplib.IMAP4.error(f"SEARCH failed: {_said(answer)}")
    return sorted(uid for uid in map(int, b" ".join(part for part in answer if part).split()) if uid > after)


def _fetched(conn: imaplib.IMAP4, uids: list[int]) -> Iterator[tuple[str, bytes]]:
    """("uid N", raw bytes) per message, one FETCH per batch of UIDs, BODY.PEEK[] to leave \\Seen alone."""
    for batch in chunks(uids, FETCH_BATCH):
        status, answer = conn.uid("FETCH", ",".join(map(str, batch)), "(UID BODY.PEEK[])")
        if status != "OK":
            raise imaplib.IMAP4.error(f"FETCH failed: {_said(answer)}")
        found = []
        for index, item in enumerate(answer):
            if not isinstance(item, tuple):
                continue
            after = answer[index + 1] if index + 1 < len(answer) and isinstance(answer[index + 1], bytes) else b""
            uid = UID.search(item[0]) or UID.search(after)
            if uid:
                found.append((int(uid[1]), item[1]))
        for uid, raw in sorted(found):
            yield f"uid {uid}", raw


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(answer) -> str:
    parts = answer if isinstance(answer, list) else [answer]
    text = " ".join(part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part)
                    for part in parts if part is not None)
    return " ".join(text.split())[:200]
