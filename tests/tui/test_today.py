"""Today screen (pilot): the ranked queue with its reasons, done / dismiss, snooze, marking, open, log a call."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Label, Static

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.contacts.followups import create_followup, get_followup
from solocrm_tui.core.sales.deals import create_deal
from solocrm_tui.core.storage.models import Interaction, QueueDismissal
from solocrm_tui.modals.prompt import Prompt

from .conftest import settle

SIZE = (120, 35)


@pytest.fixture
def book(db_path, now):
    """Three follow-ups (one overdue, two due today), a birthday and a stale deal."""
    c = {name: create_customer(now, **extra, name=name).id for name, extra in (
        ("Ada Overdue", {}), ("Ben", {}), ("Cleo", {"birthday": "1985-11-22"}), ("Gus", {}))}
    f = {
        "quote": create_followup("send quote", datetime(2026, 11, 20, 9, 0), now, customer_id=c["Ada Overdue"]).id,
        "confirm": create_followup("confirm order", datetime(2026, 11, 22, 9, 0), now, customer_id=c["Ben"]).id,
        "call": create_followup("call back", datetime(2026, 11, 22, 14, 30), now, customer_id=c["Ben"]).id,
    }
    create_followup("not yet", datetime(2026, 11, 23, 9, 0), now, customer_id=c["Ben"])
    create_deal(c["Gus"], "Website", "5000", now - timedelta(days=21), stage="proposal")
    return c | f


EXPECTED_ROWS = [
    ("12.0", "follow-up", "Ada Overdue", "send quote — follow-up due 2 days ago"),
    ("11.0", "follow-up", "Ben", "confirm order — due today 09:00"),
    ("10.0", "follow-up", "Ben", "call back — due today 14:30"),
    ("6.0", "birthday", "Cleo", "birthday today (turns 41)"),
    ("5.3", "stale deal", "Gus", "no activity on deal Website for 21 days (proposal)"),
]




def rows(app) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#queue", DataTable)
    return [tuple(str(cell).strip() for cell in table.get_row_at(i)[1:]) for i in range(table.row_count)]


def marks(app) -> list[str]:
    table = app.screen.query_one("#queue", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def whos_and_kinds(app) -> list[tuple[str, str]]:
    return [(who, kind) for _, kind, who, _ in rows(app)]


def move_to(app, row: int) -> None:
    app.screen.query_one("#queue", DataTable).move_cursor(row=row, animate=False)


async def test_queue_is_ranked_with_reasons_and_c_prefills_a_call(book, make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app) == EXPECTED_ROWS
        summary = str(app.screen.query_one("#today-summary", Static).content)
        assert summary == " Sun 22 Nov · 1 overdue · 2 due today · 2 suggestions"
        assert isinstance(app.focused, DataTable)
        await pilot.press("c")
        field = app.screen.query_one("#composer-input", Input)
        assert field.value == "/call @Ada_Overdue "
        assert app.focused is field
        assert field.cursor_position == len(field.value)
        field.value += "left a voicemail"
        await pilot.press("enter")
        await settle(pilot)
        calls = [(i.customer_id, i.body) for i in Interaction.select().where(Interaction.kind == "call")]
        assert calls == [(book["Ada Overdue"], "left a voicemail")]


async def test_d_finishes_a_followup_and_dismisses_a_birthday(book, make_app, now):
    notes: list = []
    app = make_app("today")
    hook = lambda m: notes.append(m.notification.message) if isinstance(m, Notify) else None
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("d")  # Ada's overdue quote
        await settle(pilot)
        assert get_followup(book["quote"]).done_at == now
        assert whos_and_kinds(app) == [("Ben", "follow-up"), ("Ben", "follow-up"), ("Cleo", "birthday"),
                                       ("Gus", "stale deal")]
        assert "done: send quote" in notes
        move_to(app, 2)
        await pilot.press("d")  # Cleo's birthday: hidden for the rest of the day
        await settle(pilot)
        assert whos_and_kinds(app) == [("Ben", "follow-up"), ("Ben", "follow-up"), ("Gus", "stale deal")]
        assert QueueDismissal.get_by_id(f"birthday:{book['Cleo']}:").until == datetime(2026, 11, 23)
        assert get_followup(book["confirm"]).done_at is None


async def test_s_snoozes_a_day_and_S_asks_until_when(book, make_app, now):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")  # Ada's quote: one day
        await settle(pilot)
        quote = get_followup(book["quote"])
        assert (quote.due_at, quote.snoozes, quote.done_at) == (now + timedelta(days=1), 1, None)
        assert [who for who, _ in whos_and_kinds(app)][:2] == ["Ben", "Ben"]

        await pilot.press("S")  # Ben's 09:00 confirmation
        await pilot.pause()
        assert isinstance(app.screen, Prompt)
        field = app.screen.query_one("#prompt-input", Input)
        field.value = "someday"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, Prompt)  # a bad date keeps the prompt open, with the reason
        assert "someday" in str(app.screen.query_one("#prompt-error", Label).content)
        assert get_followup(book["confirm"]).due_at == datetime(2026, 11, 22, 9, 0)
        field.value = "2026-12-01"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, Prompt)
        confirm = get_followup(book["confirm"])
        assert (confirm.due_at, confirm.snoozes) == (datetime(2026, 12, 1, 9, 0), 1)
        assert whos_and_kinds(app) == [("Ben", "follow-up"), ("Cleo", "birthday"), ("Gus", "stale deal")]
        assert rows(app)[0][3] == "call back — due today 14:30"


async def test_space_marks_rows_and_d_completes_them_all(book, make_app, now):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space")  # marks a row and moves down
        assert marks(app) == ["●", "●", " ", " ", " "]
        await pilot.press("space")
        await pilot.press("k", "space")  # unmark the third again
        assert marks(app) == ["●", "●", " ", " ", " "]
        await pilot.press("d")
        await settle(pilot)
        assert get_followup(book["quote"]).done_at == now
        assert get_followup(book["confirm"]).done_at == now
        assert get_followup(book["call"]).done_at is None
        assert rows(app) == EXPECTED_ROWS[2:]
        assert marks(app) == [" ", " ", " "]


async def test_enter_opens_the_customer(book, make_app):
    from solocrm_tui.screens.customer import CustomerScreen

    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")  # Cleo's birthday
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.customer_id == book["Cleo"]


async def test_the_queue_loads_once_at_start_and_once_per_return(make_app, book, monkeypatch):
    """The first ScreenResume follows on_mount's load at once; loading twice ran two
    queue computations side by side at start-up, each twice as slow."""
    from solocrm_tui.screens import today as today_screen

    calls = []
    real = today_screen.queue.todays_queue

    def counting(*args):
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(today_screen.queue, "todays_queue", counting)
    app = make_app("today")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert len(calls) == 1 and rows(app)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert len(calls) == 2
