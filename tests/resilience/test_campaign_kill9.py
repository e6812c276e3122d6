"""A 1,000-target campaign killed with SIGKILL halfway and run again: the server holds
one message per contactable target. The kill can land inside the window (a row claimed,
its "sent" mark not yet written: the server may or may not have taken the mail); the
rule then is one resend with the same Message-ID, counted in the report, so distinct
Message-IDs always equal the contactable targets and the total is at most that plus
the resends reported."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

from tests.resilience.conftest import ROOT, cli, news_campaign

TARGETS, OPTED_OUT, NO_ADDRESS = 1000, 40, 30


def test_a_campaign_killed_halfway_and_resumed_mails_each_target_once(db_path, now, smtp_server, tmp_path):
    port, mailbox = smtp_server
    campaign_id, env = news_campaign(db_path, now, tmp_path / "home", port, TARGETS, OPTED_OUT, NO_ADDRESS)
    argv = ["--db", str(db_path), "campaign", "send", str(campaign_id)]

    sender = subprocess.Popen([sys.executable, "-m", "solocrm_tui", *argv, "--template", "news"], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    contactable = TARGETS - OPTED_OUT - NO_ADDRESS
    deadline = time.monotonic() + 120
    while len(mailbox) < contactable // 2 and sender.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # polling the server, a separate thread of this process, not waiting on a clock
    sender.send_signal(signal.SIGKILL)
    sender.communicate(timeout=30)
    assert sender.returncode == -signal.SIGKILL, "the sender finished before it could be killed"
    arrived_before = len(mailbox)
    assert 0 < arrived_before < contactable

    resumed = cli(*argv, env=env)
    assert resumed.returncode == 0, resumed.stderr
    resent = int(re.search(r"resent after a crash (\d+)", resumed.stdout)[1])
    assert f"; in all sent {contactable:,}, skipped {OPTED_OUT + NO_ADDRESS} (opted out {OPTED_OUT}, " \
           f"no address {NO_ADDRESS}), failed 0" in resumed.stdout
    ids = [message["Message-ID"] for _, _, message, _ in mailbox]
    assert len(set(ids)) == contactable
    assert resent <= 1 and contactable <= len(ids) <= contactable + resent  # resent: claimed, maybe delivered
    assert len({to for _, [to], _, _ in mailbox}) == contactable
