"""Campaign sending against a real SMTP server: headers, opt-outs, the outbox and its
claims, the rate limit, and the dry run."""

from __future__ import annotations

import pytest

from solocrm_tui.core.contacts.customers import create_customer, update_customer
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail.campaigns import MAX_ATTEMPTS, plan_campaign, send_campaign
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.sales.campaigns import create_campaign
from solocrm_tui.core.storage.models import Outbox
from solocrm_tui.core.storage.owners import this_process
from tests.conftest import Mailbox, _free_port, serving_smtp

MAIL = dict(host="127.0.0.1", security="none", from_address="me@shop.example", from_name="Mia")


@pytest.fixture
def campaign(core_db, now, tmp_path):
    ann = create_customer(now, name="Ann Müller", email="ann@example.com", tags=["news"])
    bob = create_customer(now, name="Bob Roe", email="bob@example.com", tags=["news"])
    create_customer(now, name="Cy Poe", tags=["news"])
    update_customer(bob.id, now, opt_out=True)
    create_customer(now, name="Di Doe", email="di@example.com", tags=["news"])
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "winter.md").write_text("Subject: Winterangebot für {first_name}\n\nHallo {first_name}!\n",
                                         encoding="utf-8")
    return create_campaign("Winter", now, target_filter="#news"), templates, ann


def test_sends_to_contactable_targets_with_unsubscribe_header_and_utf8_subject(campaign, now, smtp_server):
    port, mailbox = smtp_server
    winter, templates, ann = campaign
    report = send_campaign(winter.id, MailSettings(port=port, **MAIL), templates, now, template="winter")
    assert report.line() == "sent 2, skipped 2 (opted out 1, no address 1), failed 0, resent after a crash 0"
    assert sorted(to for _, [to], _, _ in mailbox) == ["ann@example.com", "di@example.com"]
    got = next(msg for _, [to], msg, _ in mailbox if to == "ann@example.com")
    assert got["Subject"] == "Winterangebot für Ann"
    assert got["List-Unsubscribe"] == "<mailto:me@shop.example?subject=unsubscribe>"
    assert "unsubscribe" in got.get_content().strip().splitlines()[-1]
    assert got["Message-ID"] == Outbox.get(Outbox.customer == ann.id).message_id


def test_a_second_run_sends_nothing_again(campaign, now, smtp_server):
    port, mailbox = smtp_server
    winter, templates, _ = campaign
    settings = MailSettings(port=port, **MAIL)
    send_campaign(winter.id, settings, templates, now, template="winter")
    report = send_campaign(winter.id, settings, templates, now)
    assert len(mailbox) == 2 and report.sent == 2


def test_a_row_claimed_by_a_live_sender_is_not_sent_and_a_dead_ones_is_resent_with_its_id(
        campaign, now, smtp_server):
    port, mailbox = smtp_server
    winter, templates, ann = campaign
    settings = MailSettings(port=port, **MAIL)
    send_campaign(winter.id, settings, templates, now, template="winter", dry_run=None, per_minute=None)
    mailbox.clear()
    ann_row = Outbox.get(Outbox.customer == ann.id)
    Outbox.update(status="sending", claimed_by=this_process(), claimed_at=now).where(Outbox.id == ann_row.id).execute()
    assert send_campaign(winter.id, settings, templates, now).pending == 1  # we are alive: not ours to send
    assert mailbox == []
    Outbox.update(claimed_by="gone-host:1", claimed_at=now.replace(year=2020)).where(
        Outbox.id == ann_row.id).execute()
    report = send_campaign(winter.id, settings, templates, now)
    [(_, _, got, _)] = mailbox
    assert got["Message-ID"] == ann_row.message_id
    assert report.resent == 1 and "resent after a crash 1" in report.line()


def test_the_rate_limit_sleeps_between_sends_not_before_the_first(campaign, now, smtp_server):
    port, _ = smtp_server
    winter, templates, _ = campaign
    naps: list[float] = []
    send_campaign(winter.id, MailSettings(port=port, **MAIL), templates, now, template="winter", per_minute=30,
                  sleep=naps.append)
    assert naps == [2.0]


def test_dry_run_writes_eml_files_and_sends_and_stores_nothing(campaign, now, smtp_server, tmp_path, unchanged):
    port, mailbox = smtp_server
    winter, templates, ann = campaign
    with unchanged():
        report = send_campaign(winter.id, MailSettings(port=port, **MAIL), templates, now, template="winter",
                               dry_run=tmp_path / "out")
    assert mailbox == [] and report.line().startswith("would send 2, skipped 2")
    assert b"Winterangebot" in (tmp_path / "out" / f"{ann.id}.eml").read_bytes()
    assert plan_campaign(winter.id).to_send == 2


def test_without_a_template_nothing_is_frozen(campaign, now, unchanged):
    winter, templates, _ = campaign
    with unchanged():
        with pytest.raises(ValidationError, match="--template NAME"):
            send_campaign(winter.id, MailSettings(**MAIL), templates, now)
        with pytest.raises(ValidationError, match="no template “nope”"):
            send_campaign(winter.id, MailSettings(**MAIL), templates, now, template="nope")
        (templates / "blank.md").write_text("Subject: \nHallo {first_name}\n", encoding="utf-8")
        for dry_run in (None, templates.parent / "out"):
            with pytest.raises(ValidationError, match="template blank has no subject"):
                send_campaign(winter.id, MailSettings(**MAIL), templates, now, template="blank", dry_run=dry_run)


class PickyMailbox(Mailbox):
    """A real server that refuses some recipients with the answer the test names."""

    def __init__(self, refuse: dict[str, str]):
        super().__init__()
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def picky_server():
    """Yields (port, mailbox): set mailbox.refuse[address] = "550 ..." to refuse one."""
    mailbox = PickyMailbox({})
    with serving_smtp(mailbox) as port:
        yield port, mailbox


def test_a_transient_refusal_is_retried_on_the_next_run_up_to_the_limit(campaign, now, picky_server):
    port, mailbox = picky_server
    winter, templates, ann = campaign
    settings = MailSettings(port=port, **MAIL)
    mailbox.refuse["ann@example.com"] = "451 try again later"
    for run in range(1, MAX_ATTEMPTS):
        report = send_campaign(winter.id, settings, templates, now, template="winter")
        assert report.failed == 1 and report.retry == 1
        assert "failed 1 (1 will be retried on the next run)" in report.line()
        assert "451 try again later" in report.summary(winter.id)
    assert Outbox.get(Outbox.customer == ann.id).attempts == MAX_ATTEMPTS - 1
    report = send_campaign(winter.id, settings, templates, now)
    assert (report.failed, report.retry) == (1, 0) and "failed 1," in report.line()  # the last attempt
    del mailbox.refuse["ann@example.com"]
    assert send_campaign(winter.id, settings, templates, now).sent_now == 0
    assert [to for _, [to], _, _ in mailbox] == ["di@example.com"]


def test_a_transient_failure_then_success_sends_once(campaign, now, picky_server):
    port, mailbox = picky_server
    winter, templates, _ = campaign
    settings = MailSettings(port=port, **MAIL)
    down = send_campaign(winter.id, MailSettings(port=_free_port(), **MAIL), templates, now, template="winter")
    # A server that cannot be reached stops the run at the first mail: the rest would each wait
    # for the same refusal (or, from a server that does not answer, the whole timeout).
    assert (down.sent, down.failed, down.retry, down.pending) == (0, 1, 1, 1)
    assert "cannot reach" in down.summary(winter.id) and "still pending 1" in down.summary(winter.id)
    report = send_campaign(winter.id, settings, templates, now)
    assert (report.sent_now, report.sent, report.failed) == (2, 2, 0)
    assert sorted(to for _, [to], _, _ in mailbox) == ["ann@example.com", "di@example.com"]


def test_a_permanent_refusal_stays_failed_with_its_reason_and_is_never_retried(campaign, now, picky_server):
    port, mailbox = picky_server
    winter, templates, ann = campaign
    settings = MailSettings(port=port, **MAIL)
    mailbox.refuse["ann@example.com"] = "550 no such user"
    report = send_campaign(winter.id, settings, templates, now, template="winter")
    assert (report.sent, report.failed, report.retry) == (1, 1, 0)
    assert "failed 1," in report.line() and "will be retried" not in report.line()
    row = Outbox.get(Outbox.customer == ann.id)
    assert (row.status, row.attempts) == ("failed", 1) and "550" in row.error
    del mailbox.refuse["ann@example.com"]
    send_campaign(winter.id, settings, templates, now)
    assert [to for _, [to], _, _ in mailbox] == ["di@example.com"]


def test_a_rerun_with_nothing_left_says_so_and_a_run_that_sent_says_what_it_did(campaign, now, smtp_server):
    port, _ = smtp_server
    winter, templates, _ = campaign
    settings = MailSettings(port=port, **MAIL)
    first = send_campaign(winter.id, settings, templates, now, template="winter")
    assert first.summary(winter.id) == (
        f"campaign #{winter.id} “Winter”: this run sent 2; in all sent 2, skipped 2 (opted out 1, no address 1), "
        "failed 0, resent after a crash 0")
    again = send_campaign(winter.id, settings, templates, now)
    assert again.summary(winter.id) == f"campaign #{winter.id} “Winter”: nothing left to send (2 sent earlier, 2 skipped)"


def test_progress_is_reported_as_each_mail_leaves(campaign, now, smtp_server):
    port, _ = smtp_server
    winter, templates, _ = campaign
    seen: list[tuple[int, int]] = []
    send_campaign(winter.id, MailSettings(port=port, **MAIL), templates, now, template="winter",
                  progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 2), (1, 2), (2, 2)]

