"""First run (pilot): an empty book opens on Today's first steps (add, import, demo), one key
each; the offer goes once there are customers; Today's empty queue suggests what works."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import DataTable, Input, Label, Static

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.demo import generate
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import FollowUp
from solocrm_tui.modals.composer_log import FullLog, LogScreen
from solocrm_tui.modals.customer_form import CustomerForm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.screens import today

from .conftest import DEADLINE, Notes, settle, wait_until

SIZE = (120, 35)


def text_of(widget) -> str:
    return str(widget.render())


def first_steps(app) -> Static:
    return app.screen.query_one("#first-steps", Static)


def summary(app) -> str:
    return text_of(app.screen.query_one("#today-summary", Static))


async def test_an_empty_book_opens_on_the_first_steps_and_a_adds_a_customer(make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        panel = first_steps(app)
        assert panel.display
        offered = text_of(panel)
        for key, step in (("a", "add a customer"), ("i", "import"), ("t", "try the demo")):
            assert f"{key}  {step}" in offered
        assert "/add NAME [EMAIL]" in offered
        assert "/follow" not in summary(app)  # it fails with no customer in focus
        assert not app.screen.query_one("#queue", DataTable).display

        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, CustomerForm)
        form.query_one("#field-name", Input).value = "Ada Lovelace"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert CustomerModel.select().count() == 1
        assert not first_steps(app).display
        assert app.screen.query_one("#queue", DataTable).display
        await pilot.press("t")  # the offer has gone with the empty book
        await settle(pilot)
        assert CustomerModel.select().count() == 1


async def import_from_today(pilot, app, path) -> None:
    """Today's `i`, the file's path typed into its prompt, Enter."""
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    app.screen.query_one("#prompt-input", Input).value = str(path)
    await pilot.press("enter")
    await settle(pilot)


async def test_i_imports_a_csv_and_shows_its_report(make_app, tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("name,email\nAnn Lee,ann@example.com\nBo,not-an-email\n", encoding="utf-8")
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, Prompt)
        await pilot.press(*str(tmp_path / "missing.csv"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, Prompt)  # a wrong path: one line, nothing done
        assert text_of(app.screen.query_one("#prompt-error", Label)) == f"no file at {tmp_path / 'missing.csv'}"
        assert CustomerModel.select().count() == 0

        app.screen.query_one("#prompt-input", Input).value = str(csv)
        await pilot.press("enter")
        await settle(pilot)
        assert [n for (n,) in CustomerModel.select(CustomerModel.name).tuples()] == ["Ann Lee"]
        toast = [n for n in notes if n.severity == "warning"][-1]
        # the summary, not the CLI's whole report (it covered the screen at 80 columns for 30 s)
        assert toast.message.splitlines() == ["added 1, updated 0", "1 row refused: ctrl+l shows which and why"]
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        assert ('  line 3: rejected: "not-an-email" is not a valid email address (an email address must have an '
                '@-sign)', "error") in app.screen.query_one(FullLog).items
        await pilot.press("escape")
        await settle(pilot)
        assert toast.timeout == app.NOTIFICATION_TIMEOUT
        assert not first_steps(app).display


async def test_i_reads_another_tools_export_with_its_preset(make_app, tmp_path):
    csv = tmp_path / "contacts.csv"
    csv.write_text("First Name,Last Name,Labels,Organization Name,E-mail 1 - Value,Notes\n"
                   "Ann,Lee,* myContacts ::: Clients,Lee & Co,ann@example.com,Met at the fair\n", encoding="utf-8")
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await import_from_today(pilot, app, csv)
        assert [n for (n,) in CustomerModel.select(CustomerModel.name).tuples()] == ["Ann Lee"]
        toast = [n for n in notes if n.severity == "information"][-1]
        assert toast.message.splitlines() == ["Google Contacts: added 1, updated 0, 1 note on timelines"]


async def test_a_broken_csv_is_one_line_and_changes_nothing(make_app, tmp_path):
    csv = tmp_path / "broken.csv"
    csv.write_bytes(b"\xff\xfe\x00garbage\x00\n")
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await import_from_today(pilot, app, csv)
        assert "Type y to read it as utf-16" in text_of(app.screen.query_one(Label))  # it starts with that BOM
        await pilot.press("y", "enter")
        await settle(pilot)
        errors = notes.texts("error")
        assert len(errors) == 1 and "\n" not in errors[0]
        assert CustomerModel.select().count() == 0
        assert first_steps(app).display


async def test_t_loads_the_demo_in_the_background_then_today_shows_it(make_app, monkeypatch):
    """The generator is held until the screen has been read, so "loading…" is seen for sure."""
    monkeypatch.setattr(today, "DEMO_CUSTOMERS", 40)
    go_on = threading.Event()
    real = generate.generate_demo
    monkeypatch.setattr(generate, "generate_demo", lambda *a, **k: go_on.wait(DEADLINE) and real(*a, **k))
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert "loading the demo book" in summary(app)
        await pilot.press("t")  # a second press while loading does not start another
        go_on.set()
        await settle(pilot)
        await wait_until(pilot, lambda: app.screen.query_one("#queue", DataTable).row_count > 0, "the demo queue")
        assert CustomerModel.select().count() == 40
        assert not first_steps(app).display


async def test_an_empty_queue_suggests_a_follow_up_that_works(make_app, db_path, now):
    create_customer(now, name="Ann Lee")
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not first_steps(app).display
        hint = summary(app)
        suggested = hint[hint.index("/follow"):hint.index(" in the composer")].replace("@name", "@Ann_Lee")
        await pilot.press("slash")
        app.screen.query_one("#composer-input", Input).value = suggested.replace("TEXT", "call back")
        await pilot.press("enter")
        await settle(pilot)
        assert [f for (f,) in FollowUp.select(FollowUp.title).tuples()] == ["call back"]


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
async def test_the_first_steps_fit_at_every_size(make_app, size):
    app = make_app("today")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        panel = first_steps(app)
        assert panel.region.height >= len(text_of(panel).splitlines())
        assert panel.region.right <= size[0]


async def test_i_asks_how_to_read_dates_that_read_both_ways(make_app, tmp_path):
    csv = tmp_path / "contacts.csv"
    csv.write_text("name,email,birthday\nAnn Lee,ann@example.com,01/02/1980\nBo Berg,bo@example.com,03/04/1975\n",
                   encoding="utf-8")
    notes = Notes()
    app = make_app("today")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await import_from_today(pilot, app, csv)
        assert isinstance(app.screen, Prompt)
        assert 'dates like "01/02/1980" that read both ways' in text_of(app.screen.query_one(Label))
        await pilot.press("x", "enter")
        await settle(pilot)
        assert text_of(app.screen.query_one("#prompt-error", Label)) == "type d or m"
        assert CustomerModel.select().count() == 0
        await pilot.press("backspace", "m", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, Prompt)
        assert [(c.name, str(c.birthday)) for c in CustomerModel.select().order_by(CustomerModel.id)] == [
            ("Ann Lee", "1980-01-02"), ("Bo Berg", "1975-03-04")]


async def test_i_offers_to_read_a_windows_file(make_app, tmp_path):
    csv = tmp_path / "outlook.csv"
    csv.write_bytes("name,email\nZoë Müller,zoe@example.com\n".encode("cp1252"))
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await import_from_today(pilot, app, csv)
        assert isinstance(app.screen, Prompt)
        assert "Type y to read it as cp1252" in text_of(app.screen.query_one(Label))
        await pilot.press("y", "enter")
        await settle(pilot)
        assert [c.name for c in CustomerModel.select()] == ["Zoë Müller"]
