"""`pull_folder` against a real IMAP server (pymap, started by the `imap_server` fixture) holding
the mbox fixture's ten messages: the same timeline as the mbox import, only new UIDs on the next
pull, the folder left unread, and every failure one line that changes nothing."""

from __future__ import annotations

import imaplib
import mailbox
from pathlib import Path

import pytest

from solocrm_tui.core.data_io.mailboxes import import_mail
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.mail.imap import pull_folder
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.storage.models import database
from tests.core.data_io.test_import_mail import berlin, people  # noqa: F401 (the same Berlin clock and customers)

pytestmark = pytest.mark.usefixtures("people")
MBOX = Path(__file__).resolve().parents[2] / "data" / "mail" / "inbox.mbox"
LATE = (b"From: Anna Berg <anna@berg.example>\r\nTo: sam@solo.example\r\nSubject: One more thing\r\n"
        b"Message-ID: <late@berg.example>\r\nDate: Thu, 12 Nov 2026 09:00:00 +0100\r\n\r\nCan you call me?\r\n")


@pytest.fixture
def inbox(imap_server, monkeypatch):
    """The server's INBOX holding the mbox fixture's messages; yields (settings, a logged-in client)."""
    port, user, password = imap_server
    monkeypatch.setenv("IMAP_TEST_PASSWORD", password)
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login(user, password)
    box = mailbox.mbox(MBOX, create=False)
    for key in box.keys():
        assert client.append("INBOX", None, None, box.get_bytes(key))[0] == "OK"
    box.close()
    settings = MailSettings(host="127.0.0.1", from_address="sam@solo.example", imap_port=port, imap_security="none",
                            user=user, password_env="IMAP_TEST_PASSWORD", timeout_seconds=5)
    yield settings, client
    client.logout()


def emails() -> list[tuple]:
    return database.execute_sql("SELECT customer_id, direction, body, occurred_at, message_id FROM interaction "
                                "WHERE kind = 'email' ORDER BY occurred_at, customer_id").fetchall()


def folder_state() -> list[tuple]:
    return database.execute_sql("SELECT server, user, folder, uidvalidity, last_uid FROM mail_folder").fetchall()


def flags(client: imaplib.IMAP4) -> list[bytes]:
    client.select("INBOX", readonly=True)
    return client.uid("FETCH", "1:*", "(FLAGS)")[1]


def test_the_folder_gives_the_same_timeline_as_the_mbox_and_stays_unread(inbox, t0):
    settings, client = inbox
    before = flags(client)
    report = pull_folder(settings, t0)
    assert (report.messages, report.logged_in, report.logged_out, report.already, report.unknown) == (10, 4, 4, 0, 1)
    assert report.unknown_addresses == ("stranger@else.example",)
    assert [bad.where for bad in report.unreadable] == [f"uid {uid}" for uid in _uids(client)[8:]]
    assert report.lines()[0].startswith(f"mail from owner@127.0.0.1:{settings.imap_port}/INBOX: 10 messages")
    from_imap = emails()
    database.execute_sql("DELETE FROM interaction")
    import_mail(MBOX, t0)
    assert emails() == from_imap and len(from_imap) == 8
    assert flags(client) == before and b"\\Seen" not in b" ".join(before)


def test_the_next_pull_fetches_only_what_came_since(inbox, t0):
    settings, client = inbox
    pull_folder(settings, t0)
    (server, user, folder, uidvalidity, last_uid), = folder_state()
    assert (server, user, folder, last_uid) == (f"127.0.0.1:{settings.imap_port}", "owner", "INBOX",
                                                max(_uids(client)))
    again = pull_folder(settings, t0)
    assert (again.messages, again.logged_in + again.logged_out, again.batch_id) == (0, 0, None)
    assert folder_state() == [(server, user, folder, uidvalidity, last_uid)]
    client.append("INBOX", None, None, LATE)
    late = pull_folder(settings, t0)
    assert (late.messages, late.logged_in, late.logged_out) == (1, 1, 0)
    assert emails()[-1][1:] == ("in", "One more thing\n\nCan you call me?", "2026-11-12 09:00:00",
                                "<late@berg.example>")
    assert folder_state()[0][4] == max(_uids(client)) > last_uid


def test_a_changed_uidvalidity_reads_the_folder_again_and_logs_nothing_twice(inbox, t0):
    settings, _ = inbox
    pull_folder(settings, t0)
    database.execute_sql("UPDATE mail_folder SET uidvalidity = uidvalidity + 1")
    again = pull_folder(settings, t0)
    assert (again.messages, again.already, again.logged_in + again.logged_out) == (10, 8, 0)


def test_a_dry_run_changes_nothing_not_even_the_folder_state(inbox, t0, unchanged):
    settings, _ = inbox
    with unchanged():
        report = pull_folder(settings, t0, dry_run=True)
    assert "would be logged 8 (in 4, out 4)" in "\n".join(report.lines())
    assert folder_state() == []


@pytest.mark.parametrize("change, says", [
    ({"imap_user": "nobody"}, "refused the login for “nobody”; check mail.imap_user and the password"),
    ({"imap_folder": "Archive"}, "has no folder “Archive”; check mail.imap_folder or --folder"),
    ({"imap_security": "ssl"}, "check mail.imap_security and mail.imap_port"),
    ({"imap_security": "starttls"}, "check mail.imap_security"),
    ({"password_env": "NO_SUCH_VARIABLE"}, "could not read mail: mail.password_env names $NO_SUCH_VARIABLE"),
])
def test_a_failed_pull_is_one_line_naming_what_to_check_and_changes_nothing(inbox, t0, unchanged,
                                                                              change, says):
    settings, _ = inbox
    with unchanged(), pytest.raises(CRMError) as failed:
        pull_folder(MailSettings(**{**settings.__dict__, **change}), t0)
    assert says in str(failed.value) and "\n" not in str(failed.value)


def test_no_server_listening_is_one_line(inbox, t0, unchanged):
    settings, _ = inbox
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with unchanged(), pytest.raises(CRMError, match=rf"cannot reach 127.0.0.1:{closed} .*check mail.imap_host"):
        pull_folder(MailSettings(**{**settings.__dict__, "imap_port": closed}), t0)


def _uids(client: imaplib.IMAP4) -> list[int]:
    client.select("INBOX", readonly=True)
    return sorted(map(int, client.uid("SEARCH", "ALL")[1][0].split()))
