"""Writing an email from the composer: `/email` opens the owner's editor on a draft, the
saved mail goes to a real SMTP server (aiosmtpd on localhost) and onto the timeline.

Textual's headless driver cannot suspend the app, so these tests replace only the step
that hands the terminal over (editor.in_terminal) with running the same editor command
directly; the editor itself is a real program ($VISUAL, a small script) editing the
real draft file. One test makes the headless driver suspend, to go through App.suspend
itself with a failing editor; the real terminal is seen in tmux.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest
from textual.drivers.headless_driver import HeadlessDriver

from solocrm_tui import paths
from solocrm_tui.config import Config
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.mail.draft import run_editor
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.widgets import editor

from .conftest import settle
from .test_composer import SIZE, send

WRITE = ("import sys, pathlib\np = pathlib.Path(sys.argv[1])\nt = p.read_text(encoding='utf-8')\n"
         "t = t.replace('Subject: \\n', 'Subject: Grüße zum Kaffee\\n', 1)\n"
         "head, _, rest = t.partition('\\n\\n')\n"
         "p.write_text(head + '\\n\\nHallo Ann, wie schmeckt er?' + rest, encoding='utf-8')\n")


@pytest.fixture
def ann(db_path, now):
    return customers.create_customer(now, name="Ann Lee", email="ann@example.com")


@pytest.fixture
def editing(tmp_path, monkeypatch):
    """$VISUAL is a script writing a subject and a line of text; returns the paths it was run on."""
    return editing_with(WRITE, tmp_path, monkeypatch)


# vi's :wq on a draft the owner did not change: the same text written again.
SAVE_AS_IS = ("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
              "p.write_text(p.read_text(encoding='utf-8'), encoding='utf-8')\n")


def editing_with(script_text: str, tmp_path, monkeypatch) -> list[str]:
    """$VISUAL runs `script_text` on the draft; returns the drafts as the editor opened on them."""
    script = tmp_path / "write.py"
    script.write_text(script_text, encoding="utf-8")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    opened = []

    def without_suspending(app, path):
        opened.append(path.read_text(encoding="utf-8"))
        run_editor(path)

    monkeypatch.setattr(editor, "in_terminal", without_suspending)
    return opened


def mail_config(port: int) -> Config:
    return replace(Config(), mail=MailSettings(host="127.0.0.1", port=port, security="none",
                                               from_address="me@shop.example", from_name="Jörg", signature="Jörg"))


async def test_email_opens_the_editor_sends_and_logs(make_app, ann, smtp_server, editing):
    port, mailbox = smtp_server
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/email @Ann_Lee")
        await settle(pilot)
        text, kind = pilot.app.session.lines[-1]
        assert (text, kind) == ("✓ email “Grüße zum Kaffee” sent to Ann Lee <ann@example.com> and logged", "answer")
        assert editing == ["To: Ann Lee <ann@example.com>\nSubject: \n\n\n\n-- \nJörg\n"]
        [(_, recipients, got, _)] = mailbox
        assert recipients == ["ann@example.com"] and got["Subject"] == "Grüße zum Kaffee"
        assert "Hallo Ann, wie schmeckt er?" in got.get_content()
        [entry] = page_timeline(ann.id).rows
        assert (entry.kind, entry.direction) == ("email", "out")
        assert entry.body.startswith("Grüße zum Kaffee\n\nHallo Ann, wie schmeckt er?")
        await send(pilot, "/undo list")
        assert "  the timeline entry of email “Grüße zum Kaffee” (the mail stays sent)" in [
            line for line, _ in pilot.app.session.lines]


async def test_an_editor_closed_without_saving_sends_nothing(make_app, ann, smtp_server, editing, monkeypatch):
    port, mailbox = smtp_server
    monkeypatch.setenv("VISUAL", "true")  # vi's :q: the file is not written
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await send(pilot, "/email @Ann_Lee") == ("✗ editor closed without saving: nothing sent", "error")
        assert mailbox == [] and page_timeline(ann.id).rows == ()


async def test_a_template_saved_as_filled_is_sent(make_app, ann, smtp_server, tmp_path, monkeypatch):
    """vi's :wq on a template that needs no change: the owner saved it, so it goes."""
    editing_with(SAVE_AS_IS, tmp_path, monkeypatch)
    folder = paths.templates_dir()
    folder.mkdir(parents=True)
    (folder / "thanks.md").write_text("Subject: Danke, {first_name}\n\nDanke für den Besuch!\n", encoding="utf-8")
    port, mailbox = smtp_server
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/email @Ann_Lee thanks")
        await settle(pilot)
        assert pilot.app.session.lines[-1] == (
            "✓ email “Danke, Ann” sent to Ann Lee <ann@example.com> and logged", "answer")
    [(_, recipients, got, _)] = mailbox
    assert recipients == ["ann@example.com"] and "Danke für den Besuch!" in got.get_content()


@pytest.mark.parametrize("to", ["Mateo Opt <mateo@example.com>", "ann@example.com, mateo@example.com"])
async def test_the_to_line_is_the_customers_own_address(make_app, now, ann, smtp_server, tmp_path, monkeypatch, to):
    """Another address on the To: line would bypass an opt-out and log the mail on the wrong
    customer: refused, the draft kept for the next /email."""
    customers.create_customer(now, name="Mateo Opt", email="mateo@example.com", opt_out=True)
    editing_with(WRITE.replace("t = t.replace", f"t = t.replace('Ann Lee <ann@example.com>', {to!r}).replace"),
                 tmp_path, monkeypatch)
    port, mailbox = smtp_server
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/email @Ann_Lee")
        kept = paths.drafts_dir(pilot.app.db_path) / f"customer-{ann.id}.eml"
        assert (text, kind) == ("✗ To: must be Ann Lee's address (ann@example.com): to write to someone else, "
                                f"/email them; the draft is kept in {kept}: /email reopens it", "error")
        assert f"To: {to}\n" in kept.read_text(encoding="utf-8")
    assert mailbox == [] and page_timeline(ann.id).rows == ()


@pytest.mark.parametrize("command, said", [("false", "✗ the editor “false” exited with 1: nothing sent"),
                                           ("/nonexistent/editor", "✗ cannot start the editor “/nonexistent/editor”")])
async def test_a_failing_editor_gives_the_terminal_back(make_app, ann, smtp_server, monkeypatch, command, said):
    """The real suspend path (App.suspend, run_editor): the headless driver is made to
    suspend, and must be resumed however the editor ended, or the app stays blank."""
    handed: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda driver: True))
    monkeypatch.setattr(HeadlessDriver, "suspend_application_mode", lambda driver: handed.append("suspended"))
    monkeypatch.setattr(HeadlessDriver, "resume_application_mode", lambda driver: handed.append("resumed"))
    monkeypatch.setenv("VISUAL", command)
    async with make_app(config=mail_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/email @Ann_Lee")
        assert kind == "error" and text.startswith(said)
        assert handed == ["suspended", "resumed"]
        assert await send(pilot, "/email< @Ann_Lee called back") == ("✓ inbound email logged for Ann Lee", "answer")
    assert smtp_server[1] == []


async def test_no_editor_opens_without_mail_set_up_or_for_an_opted_out_customer(make_app, db_path, now, ann,
                                                                                smtp_server, editing):
    customers.create_customer(now, name="Eve Opt", email="eve@example.com", opt_out=True)
    async with make_app().run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/email @Ann_Lee")
        assert kind == "error" and "email is not set up: add a [mail] section" in text
        assert str(paths.config_path()) in text
    async with make_app(config=mail_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await send(pilot, "/email @Eve_Opt") == ("✗ Eve Opt opted out of email: nothing to write", "error")
    assert editing == []


async def test_a_server_that_refuses_is_one_line_and_nothing_is_logged(make_app, ann, editing):
    async with make_app(config=mail_config(1)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/email @Ann_Lee")
        await settle(pilot)
        text, kind = pilot.app.session.lines[-1]
        assert kind == "error" and text.startswith("✗ could not send: cannot reach 127.0.0.1:1")
        assert page_timeline(ann.id).rows == ()


async def test_email_with_a_template_and_template_preview(make_app, ann, smtp_server, editing):
    folder = paths.templates_dir()
    folder.mkdir(parents=True)
    (folder / "follow-up.md").write_text("Subject: Nachfrage, {first_name}\n\nHallo {first_name},\n", encoding="utf-8")
    async with make_app(config=mail_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/template @Ann_Lee follow-up")
        assert text == "template follow-up for Ann Lee:\nSubject: Nachfrage, Ann\n\nHallo Ann,"
        assert (await send(pilot, "/template"))[0].startswith("templates: follow-up")
        await send(pilot, "/email @Ann_Lee follow-up")
        await settle(pilot)
        assert editing[0].startswith("To: Ann Lee <ann@example.com>\nSubject: Nachfrage, Ann\n\nHallo Ann,\n")
        assert pilot.app.session.lines[-1][0] == "✓ email “Nachfrage, Ann” sent to Ann Lee <ann@example.com> and logged"


async def test_email_with_text_still_logs_by_hand(make_app, ann, smtp_server, editing):
    async with make_app(config=mail_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (await send(pilot, "/email< @Ann_Lee asked for a quote"))[0] == "✓ inbound email logged for Ann Lee"
    assert editing == [] and smtp_server[1] == []


async def test_the_headless_terminal_cannot_be_handed_to_an_editor(make_app, ann, smtp_server, monkeypatch):
    monkeypatch.setenv("VISUAL", "true")
    async with make_app(config=mail_config(smtp_server[0])).run_test(size=SIZE) as pilot:
        await settle(pilot)
        text, kind = await send(pilot, "/email @Ann_Lee")
        assert (text, kind) == ("✗ cannot open an editor here: this terminal cannot be handed over", "error")
