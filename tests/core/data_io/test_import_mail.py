"""`import_mail`: an mbox or a Maildir (tests/data/mail: the same ten messages) on the customers'
timelines, each fixture message checked field by field; re-import, /email's own copy, undo,
dry run, and hostile mailboxes (not a mailbox, truncated, broken headers) without a traceback."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.data_io.mailboxes import import_mail
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import undo_batch

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
MBOX, MAILDIR = MAIL / "inbox.mbox", MAIL / "maildir"


@pytest.fixture(autouse=True)
def berlin(monkeypatch):
    """The machine's zone is Berlin (UTC+1 in November): Date headers become Berlin times."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def people(core_db, t0) -> dict[str, int]:
    anna = create_customer(t0, name="Anna Berg", email="anna@berg.example")
    ben = create_customer(t0, name="Ben Cho", email="ben@cho.example",
                          custom={"other emails": "ben.private@mail.example"})
    clara = create_customer(t0, name="Clara Diaz", email="Clara@Diaz.example")
    return {"anna": anna.id, "ben": ben.id, "clara": clara.id}


def emails() -> list[tuple]:
    return database.execute_sql(
        "SELECT customer_id, direction, body, occurred_at, message_id FROM interaction "
        "WHERE kind = 'email' ORDER BY occurred_at, customer_id").fetchall()


def test_every_fixture_message_is_logged_as_it_was_written(people, t0):
    report = import_mail(MBOX, t0)
    anna, ben, clara = people["anna"], people["ben"], people["clara"]
    got = emails()
    no_id = got[7][4]
    assert got == [
        (anna, "in", "Grüße aus Köln\n\nHallo Sam,\n\ndie Maschine läuft wunderbar. Können wir über die Wartung "
                     "sprechen?\n\n> Wie läuft die neue Maschine?\n\n-- \nAnna Berg, Rösterei Berg",
         "2026-11-02 09:15:00", "<m1@berg.example>"),
        (anna, "out", "Réponse à votre demande\n\nBonjour Anna, le café est prêt. La maintenance coûte 120 EUR par "
                      "an, livraison comprise.", "2026-11-03 15:00:00", "<m2@solo.example>"),
        (ben, "in", "Order question\n\nWhere is my grinder? Order 1042.", "2026-11-04 14:00:00",
         "<m3@mail.example>"),
        (clara, "out", "Your invoice\n\nHello Clara,\nyour invoice is attached & paid.", "2026-11-05 10:00:00",
         "<m4@solo.example>"),
        (clara, "in", "Thanks\n\nDanke! Die Rechnung ist angekommen und wird diese Woche überwiesen, sobald die "
                      "Buchhaltung zurück ist.", "2026-11-06 16:45:00", "<m5@diaz.example>"),
        (anna, "out", "Tasting on Friday\n\nBoth of you are welcome at the tasting on Friday at 15:00.",
         "2026-11-09 11:30:00", "<m6@solo.example>"),
        (ben, "out", "Tasting on Friday\n\nBoth of you are welcome at the tasting on Friday at 15:00.",
         "2026-11-09 11:30:00", "<m6@solo.example>#2"),
        (ben, "in", "No id here\n\nSent from a client that writes no Message-ID.", "2026-11-11 12:00:00", no_id),
    ]
    assert no_id.startswith("<") and no_id.endswith("@solocrm.invalid>")
    assert (report.messages, report.logged_in, report.logged_out, report.already, report.unknown) == (10, 4, 4, 0, 1)
    assert report.unknown_addresses == ("stranger@else.example",)  # the owner's own address is not named
    assert [(bad.number, bad.why) for bad in report.unreadable] == [
        (9, 'no readable date (Date: "sometime last week")'),
        (10, 'its text is in a charset Python does not know ("x-no-such-charset")')]
    assert ("logged 8 (in 4, out 4), already logged 0, from/to nobody known 1 (stranger@else.example), "
            "unreadable 2") in report.lines()
    assert "  message 9: unreadable: no readable date (Date: \"sometime last week\")" in report.lines()
    assert get_customer(anna).last_contact_at == datetime(2026, 11, 9, 11, 30)
    assert get_customer(ben).last_contact_at == datetime(2026, 11, 11, 12, 0)
    systems = database.execute_sql("SELECT customer_id, body FROM interaction WHERE kind = 'system' "
                                   "ORDER BY customer_id").fetchall()
    assert systems == [(anna, f"imported 3 emails (batch {report.batch_id})"),
                       (ben, f"imported 3 emails (batch {report.batch_id})"),
                       (clara, f"imported 2 emails (batch {report.batch_id})")]


def test_the_same_mailbox_again_logs_nothing(people, t0):
    import_mail(MBOX, t0)
    before = emails()
    again = import_mail(MBOX, t0)
    assert emails() == before
    assert (again.logged_in, again.logged_out, again.already, again.batch_id) == (0, 0, 8, None)
    assert "nothing changed, so no batch was recorded" in again.lines()


def test_a_message_email_already_logged_is_not_logged_again_but_its_other_customers_are(people, t0):
    database.execute_sql("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at, message_id) "
                         "VALUES (?, 'email', 'out', 'Tasting on Friday', '2026-11-09 11:30:00', '<m6@solo.example>')",
                         (people["anna"],))
    report = import_mail(MBOX, t0)
    tasting = [row for row in emails() if row[4].startswith("<m6@")]
    assert [(cid, mid) for cid, _, _, _, mid in tasting] == [(people["anna"], "<m6@solo.example>"),
                                                             (people["ben"], "<m6@solo.example>#2")]
    assert report.already == 1


def test_undo_removes_exactly_the_imported_entries(people, t0):
    database.execute_sql("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at) "
                         "VALUES (?, 'note', 'out', 'met at the fair', '2026-10-01 10:00:00')", (people["anna"],))
    before = database.execute_sql("SELECT * FROM interaction ORDER BY id").fetchall()
    report = import_mail(MBOX, t0)
    undo_batch(report.batch_id, t0, kind="import")
    assert database.execute_sql("SELECT * FROM interaction ORDER BY id").fetchall() == before
    assert get_customer(people["anna"]).last_contact_at == datetime(2026, 10, 1, 10, 0)
    assert get_customer(people["clara"]).last_contact_at is None


def test_a_dry_run_writes_nothing_and_says_what_it_would_log(people, t0, unchanged):
    with unchanged():
        report = import_mail(MBOX, t0, dry_run=True)
    assert ("would be logged 8 (in 4, out 4), already logged 0, from/to nobody known 1 (stranger@else.example), "
            "unreadable 2") in report.lines()
    assert report.lines()[-1] == "dry run: nothing was changed"


def test_a_maildir_and_an_mbox_of_the_same_messages_give_the_same_timeline(people, t0, tmp_path):
    import_mail(MAILDIR, t0)
    from_maildir = emails()
    database.execute_sql("DELETE FROM interaction")
    import_mail(MBOX, t0)
    assert emails() == from_maildir and len(from_maildir) == 8


def test_a_maildir_names_the_file_of_an_unreadable_message(people, t0):
    report = import_mail(MAILDIR, t0)
    assert [(bad.number, bad.where) for bad in report.unreadable] == [(9, "1762000009.M9P1.solo"),
                                                                      (10, "1762000010.M10P1.solo")]


def test_a_truncated_mbox_logs_what_it_holds(people, t0, tmp_path):
    whole = MBOX.read_bytes()
    cut = tmp_path / "cut.mbox"
    cut.write_bytes(whole[:whole.index(b"Subject: Tasting") + 10])  # the sixth message ends inside its Subject
    report = import_mail(cut, t0)
    assert report.messages == 6
    assert [row[4] for row in emails()] == ["<m1@berg.example>", "<m2@solo.example>", "<m3@mail.example>",
                                            "<m4@solo.example>", "<m5@diaz.example>"]
    assert [(bad.number, bad.why) for bad in report.unreadable] == [(6, 'no readable date (Date: "")')]


def test_broken_headers_make_one_message_unreadable_and_the_rest_are_logged(people, t0, tmp_path):
    box = tmp_path / "broken.mbox"
    box.write_bytes(b"From x Mon Nov 23 10:00:00 2026\n"
                    b"From: =?utf-8?q?broken <<<@@>\nTo: \x00\xff\nDate: Mon, 02 Nov 2026 09:15:00 +0100\n"
                    b"Subject: =?no-such?q?x?=\n\nbody\n\n"
                    b"From x Mon Nov 23 10:00:00 2026\n"
                    b"From: anna@berg.example\nDate: Mon, 02 Nov 2026 09:15:00 +0100\nMessage-ID: <ok@x>\n"
                    b"Subject: still here\n\nfine\n")
    report = import_mail(box, t0)
    assert [row[4] for row in emails()] == ["<ok@x>"]
    assert report.messages == 2 and report.unknown + len(report.unreadable) == 1


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "people.csv", "is not an mbox file"),
    (lambda p: p, "is a folder but not a Maildir"),
    (lambda p: p / "nowhere", "no mailbox at"),
])
def test_what_is_not_a_mailbox_is_refused_in_one_line(people, t0, tmp_path, unchanged, make, message):
    (tmp_path / "people.csv").write_text("name,email\nAnn,ann@x.com\n")
    with unchanged(), pytest.raises(ValidationError, match=message):
        import_mail(make(tmp_path), t0)

