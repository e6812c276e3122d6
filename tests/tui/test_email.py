"""Writing an email from the composer: `/email` opens the owner's editor on a draft, the
saved mail goes to a real SMTP server (aiosmtpd on localhost) and onto the timeline.

Textual's headless driver cannot suspend the app, so these tests replace only the step
that hands the terminal over (editor.in_terminal) with running the same editor command
directly; the editor itself is a real program ($VISUAL, a small script) editing the
real draft file. Suspending is seen in tmux (see the branch's report).
"""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

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


async def test_an_unchanged_draft_sends_nothing(make_app, ann, smtp_server, editing, monkeypatch):
    port, mailbox = smtp_server
    monkeypatch.setenv("VISUAL", "true")
    async with make_app(config=mail_config(port)).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert await send(pilot, "/email @Ann_Lee") == ("✗ draft unchanged: nothing sent", "error")
        assert mailbox == [] and page_timeline(ann.id).rows == ()


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
