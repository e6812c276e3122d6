"""The draft the editor opens and reads back, and templates filled for a customer."""

from __future__ import annotations

import sys
from email.headerregistry import Address

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail import draft
from solocrm_tui.core.mail.sending import addresses, prepare_draft
from solocrm_tui.core.mail.settings import MailSettings
from solocrm_tui.core.mail.templates import fill_template

ANN = Address("Ann Lee", addr_spec="ann@example.com")
TO_ANN = draft.EmailDraft(1, "Ann Lee", "", ("ann@example.com",))
MAIL = MailSettings(host="h", from_address="me@shop.example", from_name="Jörg", signature="Jörg\nRösterei")


def test_a_saved_draft_is_read_back_into_a_mail():
    original = draft.draft_text(ANN, signature="Jörg")
    assert original == "To: Ann Lee <ann@example.com>\nSubject: \n\n\n\n-- \nJörg\n"
    written = original.replace("Subject: ", "Subject: Ihre Bestellung").replace("\n\n\n\n", "\n\nHallo Ann!\n\n")
    mail = draft.read_draft(written, TO_ANN)
    assert (str(mail.to), mail.subject) == ("Ann Lee <ann@example.com>", "Ihre Bestellung")
    assert mail.body == "Hallo Ann!\n\n-- \nJörg\n"


@pytest.mark.parametrize("change, problem", [
    (lambda t: t.replace("\n\n\n\n", "\n\nHallo\n\n"), "no subject on the Subject: line: nothing sent"),
    (lambda t: t.replace("Subject: ", "Subject: Hi").replace("-- \nJörg", "-- \nJörg B."), "no text"),
    (lambda t: t.replace("To: ", "Cc: x\nTo: ").replace("Subject: ", "Subject: Hi").replace("\n\n\n\n", "\n\nx\n\n"),
     "header lines are To:, Subject: and Attach:"),
    (lambda t: t.replace("Ann Lee <ann@example.com>", "Ann").replace("Subject: ", "Subject: Hi")
     .replace("\n\n\n\n", "\n\nx\n\n"), "To: \"Ann\" is not a valid email address"),
    (lambda t: t.replace("ann@example.com", "ANN@Example.com, bob@example.com").replace("Subject: ", "Subject: Hi")
     .replace("\n\n\n\n", "\n\nx\n\n"), "To: must be Ann Lee's address \\(ann@example.com\\): to write to someone"),
    (lambda t: t.replace("ann@example.com", "bob@example.com").replace("Subject: ", "Subject: Hi")
     .replace("\n\n\n\n", "\n\nx\n\n"), "To: must be Ann Lee's address"),
])
def test_a_draft_that_cannot_be_sent_says_why_in_one_line(change, problem):
    original = draft.draft_text(ANN, signature="Jörg")
    with pytest.raises(ValidationError, match=problem):
        draft.read_draft(change(original), TO_ANN)


def test_visual_wins_over_editor_and_vi_is_the_last_resort(monkeypatch):
    monkeypatch.setenv("VISUAL", "code --wait")
    monkeypatch.setenv("EDITOR", "nano")
    assert draft.editor_command() == ["code", "--wait"]
    monkeypatch.delenv("VISUAL")
    assert draft.editor_command() == ["nano"]
    monkeypatch.delenv("EDITOR")
    assert draft.editor_command() == ["vi"]


def test_the_editor_edits_the_file_and_a_failing_one_is_one_line(tmp_path, monkeypatch):
    script = tmp_path / "editor.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
                      "p.write_text(p.read_text().replace('Subject: ', 'Subject: Hi'))\n", encoding="utf-8")
    file = tmp_path / "draft.eml"
    file.write_text("To: a@b.co\nSubject: \n\ntext\n", encoding="utf-8")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    draft.run_editor(file)
    assert "Subject: Hi" in file.read_text(encoding="utf-8")
    monkeypatch.setenv("VISUAL", "no-such-editor-here")
    with pytest.raises(ValidationError, match="cannot start the editor “no-such-editor-here”"):
        draft.run_editor(file)


@pytest.fixture
def templates(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "follow-up.md").write_text("Subject: Wie schmeckt {company}s Kaffee, {first_name}?\n\n"
                                         "Hallo {first_name},\n{{nicht ersetzt}}\n\n{signature}\n", encoding="utf-8")
    (folder / "typo.md").write_text("Subject: Hi\n\nHallo {frist_name}\n", encoding="utf-8")
    return folder


def test_a_template_is_filled_for_the_customer(templates):
    filled = fill_template(templates, "follow-up", {"first_name": "Ann", "company": "Lee & Co", "signature": "Jörg"})
    assert filled.subject == "Wie schmeckt Lee & Cos Kaffee, Ann?"
    assert filled.body == "Hallo Ann,\n{nicht ersetzt}\n\nJörg"


def test_an_unknown_placeholder_or_template_is_one_line_naming_the_ones_there_are(templates):
    with pytest.raises(ValidationError, match=r"template typo: unknown placeholder \{frist_name\}; use \{name\}, "
                                               r"\{first_name\}"):
        fill_template(templates, "typo", {"first_name": "Ann"})
    with pytest.raises(ValidationError, match="no template “folow-up”: templates are follow-up, typo"):
        fill_template(templates, "folow-up", {})


def test_the_draft_for_a_customer_holds_the_template_and_signature_once(core_db, now, templates):
    ann = create_customer(now, name="Ann Lee", email="ann@example.com", company="Lee & Co")
    text = prepare_draft(ann.id, "Ann Lee", MAIL, templates, "", "follow-up").text
    assert text.startswith("To: Ann Lee <ann@example.com>\nSubject: Wie schmeckt Lee & Cos Kaffee, Ann?\n\nHallo Ann,")
    assert text.count("Rösterei") == 1 and "\n-- \n" not in text  # the template placed the signature itself
    plain = prepare_draft(ann.id, "Ann Lee", MAIL, templates, "").text
    assert plain == "To: Ann Lee <ann@example.com>\nSubject: \n\n\n\n-- \nJörg\nRösterei\n"


def test_no_draft_for_a_customer_without_address_or_opted_out(core_db, now, templates, unchanged):
    bob = create_customer(now, name="Bob")
    eve = create_customer(now, name="Eve", email="eve@example.com", opt_out=True)
    with unchanged():
        with pytest.raises(ValidationError, match="Bob has no email address"):
            prepare_draft(bob.id, "Bob", MAIL, templates, "")
        with pytest.raises(ValidationError, match="Eve opted out of email"):
            prepare_draft(eve.id, "Eve", MAIL, templates, "")


def test_attach_lines_name_files_that_can_be_sent(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Q-2026-0003.pdf").write_bytes(b"%PDF-1.4")
    text = "To: Ann Lee <ann@example.com>\nSubject: Angebot\nAttach: ~/Q-2026-0003.pdf\n\nAnbei.\n"
    assert draft.read_draft(text, TO_ANN).attachments == (tmp_path / "Q-2026-0003.pdf",)
    with open(tmp_path / "big.zip", "wb") as big:
        big.truncate(draft.ATTACHMENT_LIMIT + 1)
    for named, problem in (("~/gone.pdf", "Attach: no file .*gone.pdf: nothing sent"),
                           ("~", "Attach: .* is a folder, not a file: nothing sent"),
                           ("~/big.zip", "Attach: .*big.zip is 20.0 MB, over the 20 MB mail servers take"),
                           ("", "Attach: names no file")):
        with pytest.raises(ValidationError, match=problem):
            draft.read_draft(text.replace("~/Q-2026-0003.pdf", named), TO_ANN)


def test_a_kept_draft_is_reopened_for_the_same_customer_only(core_db, now, tmp_path):
    ann = create_customer(now, name="Ann Lee", email="ann@example.com")
    bob = create_customer(now, name="Bob", email="bob@example.com")
    drafts = tmp_path / "drafts"
    draft.keep_draft(draft.kept_draft(drafts, ann.id), "To: Ann Lee <ann@example.com>\nSubject: Hi\n\nkept\n")
    reopened = prepare_draft(ann.id, "Ann Lee", MAIL, tmp_path, "", drafts=drafts)
    assert (reopened.text, reopened.reopened) == ("To: Ann Lee <ann@example.com>\nSubject: Hi\n\nkept\n", True)
    assert not prepare_draft(bob.id, "Bob", MAIL, tmp_path, "", drafts=drafts).reopened
    assert oct(draft.kept_draft(drafts, ann.id).stat().st_mode & 0o777) == "0o600"


def test_a_quote_mail_reopens_only_a_kept_draft_attaching_its_pdf(core_db, now, tmp_path):
    """/quote mail opens its own draft: a kept draft is reopened only when it is this quote's
    failed mail; any other is left for the next /email, and the quote mail is not kept over it."""
    ann = create_customer(now, name="Ann Lee", email="ann@example.com")
    drafts, pdf = tmp_path / "drafts", tmp_path / "Q-2026-0001.pdf"
    kept = "To: Ann Lee <ann@example.com>\nSubject: Hi\n\nkept\n"
    draft.keep_draft(draft.kept_draft(drafts, ann.id), kept)
    fresh = prepare_draft(ann.id, "Ann Lee", MAIL, tmp_path, "", drafts=drafts, attachments=(pdf,))
    assert (fresh.reopened, fresh.kept_at) == (False, None) and f"Attach: {pdf}\n" in fresh.text
    assert draft.kept_draft(drafts, ann.id).read_text(encoding="utf-8") == kept
    quote_mail = f"To: Ann Lee <ann@example.com>\nSubject: Quote\nAttach: {pdf}\n\nkept\n"
    draft.keep_draft(draft.kept_draft(drafts, ann.id), quote_mail)
    reopened = prepare_draft(ann.id, "Ann Lee", MAIL, tmp_path, "", drafts=drafts, attachments=(pdf,))
    assert (reopened.text, reopened.reopened, reopened.kept_at) == (quote_mail, True, draft.kept_draft(drafts, ann.id))


def test_another_address_the_customer_has_on_file_may_be_written_to(core_db, now):
    ann = create_customer(now, name="Ann Lee", email="ann@example.com",
                          custom={"other emails": "ann.lee@home.example, not-an-address"})
    assert addresses(ann) == ("ann@example.com", "ann.lee@home.example")
