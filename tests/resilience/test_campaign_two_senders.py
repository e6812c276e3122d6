"""Two `solocrm campaign send` processes on the same campaign at once (two crons, or a
cron and the owner): each row is claimed by one of them, so the server holds exactly one
message per contactable target and every outbox row ends sent or skipped."""

from __future__ import annotations

import subprocess
import sys

from solocrm_tui.core.storage.models import Outbox
from tests.resilience.conftest import ROOT, news_campaign

TARGETS, OPTED_OUT, NO_ADDRESS = 300, 20, 16


def test_two_senders_at_once_mail_each_target_once(db_path, now, smtp_server, tmp_path):
    port, mailbox = smtp_server
    campaign_id, env = news_campaign(db_path, now, tmp_path / "home", port, TARGETS, OPTED_OUT, NO_ADDRESS)
    argv = [sys.executable, "-m", "solocrm_tui", "--db", str(db_path), "campaign", "send", str(campaign_id),
            "--template", "news"]

    senders = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [sender.communicate(timeout=300) for sender in senders]

    assert [sender.returncode for sender in senders] == [0, 0], outputs
    contactable = TARGETS - OPTED_OUT - NO_ADDRESS
    sent_now = sorted(int(out.split("this run sent ")[1].split(";")[0].replace(",", ""))
                      if "this run sent" in out else 0 for out, _ in outputs)
    assert sum(sent_now) == contactable, outputs
    recipients = [to for _, [to], _, _ in mailbox]
    assert len(recipients) == len(set(recipients)) == contactable
    assert len({message["Message-ID"] for _, _, message, _ in mailbox}) == contactable
    rows = Outbox.select(Outbox.status).where(Outbox.campaign == campaign_id).tuples()
    statuses = [status for (status,) in rows]
    assert (statuses.count("sent"), statuses.count("skipped"), len(statuses)) == (
        contactable, OPTED_OUT + NO_ADDRESS, TARGETS)
