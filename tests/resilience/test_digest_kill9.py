"""`solocrm remind --mail` killed with SIGKILL while the server holds its DATA: the digest
row (written with its Message-ID in the claim's transaction) survives in "sending", and
the next run sends it again with that Message-ID and text: the owner gets the digest
once, not at most once, and a third run sends nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from solocrm_tui import paths
from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup
from solocrm_tui.core.storage.db import close_database
from tests.conftest import _free_port
from tests.resilience.conftest import ROOT, cli


class Unanswered:
    """A server that takes the envelope and then never answers the DATA: the sender hangs mid-send."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.Event().wait()


@pytest.fixture
def hanging_smtp_server():
    from aiosmtpd.controller import Controller

    controller = Controller(Unanswered(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def configure_mail(port: int) -> None:
    paths.config_path().write_text(f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                                   'from_address = "me@shop.example"\n', encoding="utf-8")


def digests(db_path) -> list[tuple[str, str]]:
    with sqlite3.connect(db_path) as raw:
        return raw.execute("SELECT status, message_id FROM digest ORDER BY id").fetchall()


def test_a_digest_killed_mid_send_is_sent_once_by_the_next_run(db_path, hanging_smtp_server, smtp_server):
    wall = datetime.now()  # the children run on the real clock
    ann = create_customer(wall, name="Ann Lee", email="ann@example.com")
    create_followup("send the quote", wall - timedelta(minutes=5), wall, customer_id=ann.id)
    create_followup("Rückruf: Angebot", wall - timedelta(minutes=1), wall)
    close_database()
    argv = ["--db", str(db_path), "remind", "--mail"]

    configure_mail(hanging_smtp_server)
    sender = subprocess.Popen([sys.executable, "-m", "solocrm_tui", *argv], cwd=ROOT, env=os.environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not digests(db_path) and sender.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # polling the database file for the child's commit, not waiting on a clock
    sender.send_signal(signal.SIGKILL)
    sender.communicate(timeout=30)
    assert sender.returncode == -signal.SIGKILL, "the sender finished before it could be killed"
    [(status, message_id)] = digests(db_path)
    assert status == "sending"

    port, mailbox = smtp_server
    configure_mail(port)
    resumed = cli(*argv)
    assert (resumed.returncode, resumed.stderr) == (0, "")
    assert resumed.stdout == "resent after a crash: 1 digest to me@shop.example\n"
    assert len(mailbox) == 1
    message = mailbox[0][2]
    assert message["Message-ID"] == message_id and message["Subject"] == "SoloCRM: 2 follow-ups due"
    body = message.get_content()
    assert "send the quote — Ann Lee" in body and "Rückruf: Angebot" in body
    assert digests(db_path) == [("sent", message_id)]

    again = cli(*argv)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert len(mailbox) == 1
