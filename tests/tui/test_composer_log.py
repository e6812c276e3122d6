"""The composer's log and the help screen: the small log under each screen shows only
the recent conversation, ctrl+l and /log open the whole log to scroll from the keyboard,
and ? and /help open a help screen built from the real bindings and the grammar.
"""

from __future__ import annotations

import pytest

from solocrm_tui.core.composer.grammar import COMMANDS
from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.modals.composer_log import FullLog, LogScreen
from solocrm_tui.modals.help import HelpScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.today import TodayScreen
from solocrm_tui.widgets.composer import ComposerLog

from .conftest import settle, wait_until


@pytest.fixture
def ann(db_path, now):
    return customers.create_customer(now, name="Ann Lee", email="ann@example.com")


def tail(app) -> list[str]:
    """What the small log under the current screen shows."""
    return [text for text, _ in app.screen.query_one(ComposerLog).items]


async def type_line(pilot, text: str) -> None:
    """Focus the composer, type the line key by key, press enter and let it finish."""
    if pilot.app.focused is None or pilot.app.focused.id != "composer-input":
        await pilot.press("slash")
    await pilot.press(*text, "enter")
    await settle(pilot)


def help_lines(app) -> list[str]:
    assert isinstance(app.screen, HelpScreen)
    return app.screen.lines


async def test_help_opens_the_help_screen_not_twenty_lines_in_the_log(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "/help")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        text = "\n".join(help_lines(app))
        assert help_lines(app)[0].startswith("Customers: the whole book")
        assert "Archive" in text and "Filter" in text  # the list's keys, though the composer had the focus
        assert "Previous" not in text  # not the composer field's own keys
        for usage in COMMANDS.values():
            syntax, _, what = usage.partition(" — ")
            assert syntax in text and what in text
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)
        assert len(app.session.lines) <= 2 and all(kind != "hint" for _, kind in app.session.lines)
        await type_line(pilot, "/help buy")  # one command explained still answers in the log
        assert tail(app)[-1] == COMMANDS["/buy"]


async def test_question_mark_lists_this_screens_keys_first_then_global_then_commands(make_app, ann, now):
    followups.create_followup("call Ann back", now, now, customer_id=ann.id)
    app = make_app("today")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        lines = help_lines(app)
        mine, everywhere, commands = (lines.index(h) for h in (
            "Keys on this screen", "Keys everywhere",
            "Composer commands (/ to type; Tab completes; @name picks a customer)"))
        assert mine < everywhere < commands
        screen_part, global_part = "\n".join(lines[mine:everywhere]), "\n".join(lines[everywhere:commands])
        assert "Done/dismiss" in screen_part and "Snooze 1d" in screen_part
        assert "Quit" in global_part and "Composer log" in global_part and "Done" not in global_part
        assert "Urgency" in "\n".join(lines[:mine])  # the column is explained
        assert not any("Cursor" in line for line in lines)  # DataTable's keys are not listed
        dialog = app.screen.query_one("#help-dialog")
        assert dialog.region.right <= 80 and dialog.region.bottom <= 24
        body = app.screen.query_one("#help-body")
        assert app.focused is body and body.max_scroll_y > 0
        await pilot.press("end")
        await wait_until(pilot, lambda: body.scroll_y == body.max_scroll_y, "scrolled to the end")
        await pilot.press("home")
        await wait_until(pilot, lambda: body.scroll_y == 0, "scrolled to the top")
        await pilot.press("question_mark")
        assert isinstance(app.screen, TodayScreen)


async def test_ctrl_l_and_slash_log_open_the_whole_log_to_scroll(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for number in range(12):
            await type_line(pilot, f"@Ann_Lee note {number}")
        await pilot.press("escape", "ctrl+l")
        assert isinstance(app.screen, LogScreen)
        log = app.screen.query_one(FullLog)
        assert app.focused is log
        assert log.items == app.session.lines and len(log.items) == 24
        await wait_until(pilot, lambda: log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y, "the newest line")
        await pilot.press("home")
        await wait_until(pilot, lambda: log.scroll_y == 0, "the oldest line")
        await pilot.press("pagedown")
        await wait_until(pilot, lambda: log.scroll_y > 0, "a page down")
        await pilot.press("end")
        await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y, "the end again")
        await pilot.press("escape")
        assert isinstance(app.screen, CustomersScreen)
        await type_line(pilot, "/log")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), "the log from /log")
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, CustomersScreen)


async def test_a_status_line_leaves_the_tail_when_the_screen_changes(make_app, ann):
    app = make_app("today")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await type_line(pilot, "@Ann_Lee met at the fair")
        await type_line(pilot, "/go customers")
        await wait_until(pilot, lambda: isinstance(app.screen, CustomersScreen), "the customer list")
        await settle(pilot)
        assert not any("/go" in line or "→ customers" in line for line in tail(app))
        assert tail(app)[-1] == "✓ note logged for Ann Lee"  # the answer before it is still fresh
        await pilot.press("escape", "3")
        await wait_until(pilot, lambda: isinstance(app.screen, PipelineScreen), "the pipeline")
        await settle(pilot)
        assert not any("searching" in line for line in tail(app))
        assert "→ customers" in [text for text, _ in app.session.lines]  # the full log keeps it


async def test_tab_options_leave_the_tail_at_the_next_line(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"/c", "tab")
        await settle(pilot)
        assert tail(app)[-1] == "/cadence  /call  /close"
        app.screen.query_one("#composer-input").value = ""
        await type_line(pilot, "@Ann_Lee hello")
        assert "/cadence  /call  /close" not in tail(app)
        assert tail(app)[-1] == "✓ note logged for Ann Lee"


async def test_answers_age_out_of_the_tail_but_stay_in_the_log(make_app, ann, clock):
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await type_line(pilot, "@Ann_Lee hello")
        assert tail(app) == ["› @Ann_Lee hello", "✓ note logged for Ann Lee"]
        clock.advance(minutes=3)
        await pilot.press("escape", "3")
        await wait_until(pilot, lambda: isinstance(app.screen, PipelineScreen), "the pipeline")
        await settle(pilot)
        assert tail(app) == ["› @Ann_Lee hello", "✓ note logged for Ann Lee"]  # still the conversation
        clock.advance(minutes=10)
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, CustomersScreen), "the customer list")
        await settle(pilot)
        assert tail(app) == []
        assert app.session.lines == [("› @Ann_Lee hello", "echo"), ("✓ note logged for Ann Lee", "answer")]


async def test_the_palettes_keys_command_opens_the_same_help_screen(make_app, ann):
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Keys")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        assert help_lines(app)[0].startswith("Customers: the whole book")
