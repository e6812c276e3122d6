"""Sending to a customer logs the mail on their timeline, once it has left; a failed
send logs nothing."""

from __future__ import annotations

from dataclasses import replace
from email.headerregistry import Address

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.mail.draft import WrittenEmail
from solocrm_tui.core.mail.sending import send_email
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.mail.smtp import SendFailed
from solocrm_tui.core.storage.models import Interaction

MAIL = dict(host="127.0.0.1", security="none", from_address="me@shop.example")
WRITTEN = WrittenEmail(Address("Ann Lee", addr_spec="ann@example.com"), "Ihre Bestellung", "Hallo Ann!\n")


def test_a_sent_mail_is_on_the_timeline_with_its_message_id(core_db, now, smtp_server):
    port, mailbox = smtp_server
    ann = create_customer(now, name="Ann Lee", email="ann@example.com")
    message_id = send_email(ann.id, WRITTEN, MailSettings(port=port, **MAIL), now)
    [(_, _, got, _)] = mailbox
    assert got["Message-ID"] == message_id
    [entry] = page_timeline(ann.id).rows
    assert (entry.kind, entry.direction, entry.body) == ("email", "out", "Ihre Bestellung\n\nHallo Ann!")
    assert Interaction.get_by_id(entry.id).message_id == message_id


def test_a_failed_send_logs_nothing(core_db, now, unchanged):
    ann = create_customer(now, name="Ann Lee", email="ann@example.com")
    with unchanged():
        with pytest.raises(SendFailed, match="could not send: cannot reach"):
            send_email(ann.id, WRITTEN, MailSettings(port=_closed_port(), **MAIL), now)


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_attachment_arrives_typed_by_its_name_and_the_timeline_names_it(core_db, now, smtp_server, tmp_path):
    port, mailbox = smtp_server
    ann = create_customer(now, name="Ann Lee", email="ann@example.com")
    pdf, notes = tmp_path / "Q-2026-0003.pdf", tmp_path / "notes.unknownext"
    pdf.write_bytes(b"%PDF-1.4 \x00\xff")
    notes.write_bytes(b"\x01\x02")
    send_email(ann.id, replace(WRITTEN, attachments=(pdf, notes)), MailSettings(port=port, **MAIL), now)
    [(_, _, got, _)] = mailbox
    assert [(p.get_content_type(), p.get_filename(), p.get_content()) for p in got.iter_attachments()] == [
        ("application/pdf", "Q-2026-0003.pdf", pdf.read_bytes()),
        ("application/octet-stream", "notes.unknownext", b"\x01\x02")]
    [entry] = page_timeline(ann.id).rows
    assert entry.body.endswith("\n\nattached: Q-2026-0003.pdf\nattached: notes.unknownext")
