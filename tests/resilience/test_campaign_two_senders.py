"""Two `solocrm campaign send` processes on the same campaign at once (two crons, or a
cron and the owner): each row is claimed by one of them, so the server holds exactly one
message per contactable target and every outbox row ends sent or skipped."""

from __future__ import annotations

import os
import subprocess
import sys

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.storage.db import close_database
from solocrm_tui.core.storage.models import Outbox, database
from tests.resilience.conftest import ROOT

TARGETS, OPTED_OUT, NO_ADDRESS = 300, 20, 16


def test_two_senders_at_once_mail_each_target_once(db_path, now, smtp_server, tmp_path):
    port, mailbox = smtp_server
    config = tmp_path / "home"
    (config / "templates").mkdir(parents=True)
    (config / "templates" / "news.md").write_text("Subject: Neues für {first_name}\n\nHallo {name}!\n",
                                                  encoding="utf-8")
    (config / "config.toml").write_text(f'[mail]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
                                        'from_address = "me@shop.example"\n', encoding="utf-8")
    with database.atomic():
        for n in range(TARGETS):
            create_customer(now, name=f"Kunde {n:04}", tags=["news"], opt_out=n < OPTED_OUT,
                            email=None if OPTED_OUT <= n < OPTED_OUT + NO_ADDRESS else f"k{n}@example.com")
    campaign = create_campaign("News", now, target_filter="#news")
    close_database()
    env = {**os.environ, "SOLOCRM_CONFIG": str(config / "config.toml")}
    argv = [sys.executable, "-m", "solocrm_tui", "--db", str(db_path), "campaign", "send", str(campaign.id),
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
    rows = Outbox.select(Outbox.status).where(Outbox.campaign == campaign.id).tuples()
    statuses = [status for (status,) in rows]
    assert (statuses.count("sent"), statuses.count("skipped"), len(statuses)) == (
        contactable, OPTED_OUT + NO_ADDRESS, TARGETS)
