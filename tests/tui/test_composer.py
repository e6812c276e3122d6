"""Pilot tests of the composer: every command changes the database as it says, bad
commands answer with an error and change nothing, /undo, /help, Tab completion,
history, and which customer a command acts on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from textual.widgets import Input

from solocrm_tui.core import validate
from solocrm_tui.core.composer.grammar import COMMANDS
from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.sales import campaigns, deals, orders
from solocrm_tui.core.service import tickets
from solocrm_tui.core.storage.models import (
    ALL_MODELS,
    CampaignTarget,
    DealStageChange,
    database,
)
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.modals.help import HelpScreen
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.screens.pipeline import PipelineScreen
from solocrm_tui.screens.search import SearchScreen
from solocrm_tui.widgets.composer import ComposerLog
from solocrm_tui.widgets.customer_table import CustomerTable
from solocrm_tui.widgets.fitted_table import FittedTable
from solocrm_tui.widgets.timeline import Timeline

from .conftest import settle

SIZE = (120, 35)




@pytest.fixture
def people(db_path, now):
    alice = customers.create_customer(now, name="Alice Anderson", email="alice@example.com")
    bob = customers.create_customer(now, name="Bob Brown")
    carol = customers.create_customer(now, name="Carol Clark")
    return alice, bob, carol


def composer_input(app) -> Input:
    return app.screen.query_one("#composer-input", Input)


def log_lines(app) -> list[tuple[str, str]]:
    """(text, kind) of each line in the composer log."""
    return app.screen.query_one(ComposerLog).items


def last_line(app) -> tuple[str, str]:
    return log_lines(app)[-1]


async def send(pilot, text: str) -> tuple[str, str]:
    """Submit one composer line (the text is put in the field, enter is pressed) and return the answer."""
    field = composer_input(pilot.app)
    if pilot.app.focused is not field:
        await pilot.press("slash")
    assert pilot.app.focused is field
    field.value = text
    await pilot.press("enter")
    await settle(pilot)
    assert field.value == ""
    return pilot.app.session.lines[-1]  # the full log: a status answer leaves the tail with the screen


def ok(answer: tuple[str, str]) -> str:
    text, kind = answer
    assert kind == "answer", answer
    assert text.startswith("✓"), answer
    return text


def db_state() -> dict[str, list[tuple]]:
    out = {}
    for model in ALL_MODELS:
        table = model._meta.table_name
        out[table] = [tuple(r) for r in database.execute_sql(f'SELECT * FROM "{table}" ORDER BY rowid')]
    return out


def entries(customer_id: int) -> list:
    return list(page_timeline(customer_id, None, 500).rows)


async def open_detail(pilot, customer) -> CustomerScreen:
    await settle(pilot)
    pilot.app.open_customer(customer.id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerScreen) and screen.customer_id == customer.id
    return screen


# focus ---------------------------------------------------------------------------------

async def test_slash_focuses_the_composer_and_escape_leaves_it(make_app, people):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_detail(pilot, alice)
        assert app.focused is screen.query_one(Timeline)
        await pilot.press("slash")
        assert app.focused is composer_input(app)
        assert composer_input(app).value == ""  # the slash only focuses
        await pilot.press(*"hi /there")  # typed into the field, not taken as keys
        assert composer_input(app).value == "hi /there"
        await pilot.press("escape")
        assert app.focused is screen.query_one(Timeline)
        assert isinstance(app.screen, CustomerScreen)


# each command --------------------------------------------------------------------------

async def test_notes_interactions_follow_up_and_order(make_app, people, now):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        assert ok(await send(pilot, "Met at the fair")) == "✓ note logged for Alice Anderson"
        assert "outbound call" in ok(await send(pilot, "/call discussed pricing"))
        assert "inbound email" in ok(await send(pilot, "/email< asked for a quote"))
        assert "outbound meeting" in ok(await send(pilot, "/meet demo at their office"))
        got = [(e.kind, e.direction, e.body, e.occurred_at) for e in reversed(entries(alice.id))]
        assert got == [("note", "out", "Met at the fair", now), ("call", "out", "discussed pricing", now),
                       ("email", "in", "asked for a quote", now), ("meeting", "out", "demo at their office", now)]
        assert customers.get_customer(alice.id).last_contact_at == now
        # the detail screen reloaded: the new entries are in the timeline
        assert [e.body for e in app.screen.query_one(Timeline).entries][-1] == "demo at their office"

        text = ok(await send(pilot, "/follow fri send quote"))
        assert text.startswith("✓ follow-up set for Fri 27 Nov: send quote")
        [f] = followups.customer_followups(alice.id)
        assert (f.title, f.due_at, f.done_at) == ("send quote", datetime(2026, 11, 27, 9, 0), None)

        assert "120.50" in ok(await send(pilot, "/buy 120.50 gift box"))
        [o] = orders.list_orders(alice.id)
        assert (o.amount, o.description, o.ordered_at) == (Decimal("120.50"), "gift box", now)
        record = customers.get_customer(alice.id)
        assert (record.revenue, record.order_count) == (Decimal("120.50"), 1)
        assert "121 (1 order)" in app.screen.query_one("#profile").text  # the card reloaded


async def test_deal_stage_won_and_lost(make_app, people, now):
    alice, bob, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        ok(await send(pilot, "/deal 5000 Website"))
        [deal] = deals.customer_deals(alice.id)
        assert (deal.title, deal.value, deal.stage) == ("Website", Decimal("5000.00"), "lead")
        assert "lead → proposal" in ok(await send(pilot, "/stage proposal"))
        assert deals.get_deal(deal.id).stage == "proposal"
        assert "proposal → won" in ok(await send(pilot, "/won"))
        won = deals.get_deal(deal.id)
        assert (won.stage, won.closed_at) == ("won", now)

        ok(await send(pilot, "/deal @bob 300 Support plan"))  # another customer's deal
        [bobs] = deals.customer_deals(bob.id)
        assert "lead → lost" in ok(await send(pilot, "/lost @bob too expensive"))
        lost = deals.get_deal(bobs.id)
        assert (lost.stage, lost.lost_reason) == ("lost", "too expensive")
        assert deals.get_deal(deal.id).stage == "won"  # Alice's deal untouched


async def test_ticket_tags_campaign_response_and_add(make_app, people, now):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        ok(await send(pilot, "/ticket Login broken"))
        [t] = tickets.customer_tickets(alice.id)
        assert (t.subject, t.status) == ("Login broken", "open")
        assert "satisfaction 4/5" in ok(await send(pilot, "/close 4"))
        closed = tickets.get_ticket(t.id)
        assert (closed.status, closed.satisfaction, closed.closed_at) == ("closed", 4, now)

        ok(await send(pilot, "/tag vip"))
        assert customers.get_customer(alice.id).tags == ("vip",)
        ok(await send(pilot, "/untag vip"))
        assert customers.get_customer(alice.id).tags == ()

        campaigns.create_campaign("Spring sale", now - timedelta(days=10), target_filter="")
        assert "responded to Spring sale" in ok(await send(pilot, "/responded Spring sale"))
        spring = campaigns.find_campaign("Spring sale")
        target = CampaignTarget.get((CampaignTarget.campaign == spring.id) & (CampaignTarget.customer == alice.id))
        assert target.responded_at == now

        text = ok(await send(pilot, "/add Dana Dent dana@example.com"))
        dana = CustomerModel.get(CustomerModel.name == "Dana Dent")
        assert text == f"✓ added Dana Dent (#{dana.id})"
        assert dana.email == "dana@example.com"
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == alice.id


# errors ----------------------------------------------------------------------------------

BAD = [
    ("/close 9", "score from 1 to 5"),
    ("/bogus", "unknown command /bogus"),
    ("/won", "has no open deal"),
    ("@nobody hi", "no customer matches @nobody"),
    ("/close", "no open ticket"),
    ("/add", "/add needs a name"),
    ("/buy @alice", "/buy needs an amount"),
]


async def test_bad_commands_answer_with_an_error_and_change_nothing(make_app, people):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        before = db_state()
        for line, message in BAD:
            text, kind = await send(pilot, line)
            assert kind == "error", line
            assert text.startswith("✗") and message in text, (line, text)
            assert log_lines(app)[-2] == (f"› {line}", "echo")
            assert db_state() == before, line
        assert not app.session.undo_stack


# undo ------------------------------------------------------------------------------------

async def test_undo_an_order_restores_the_revenue(make_app, people):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        ok(await send(pilot, "/buy 100"))
        before = db_state()
        ok(await send(pilot, "/buy 50.25 extra"))
        assert customers.get_customer(alice.id).revenue == Decimal("150.25")
        text, kind = await send(pilot, "/undo")
        assert text == "↶ undid order of 50.25 EUR" and kind == "answer"  # money as the answer wrote it
        record = customers.get_customer(alice.id)
        assert (record.revenue, record.order_count) == (Decimal("100.00"), 1)
        assert db_state() == before
        assert "100 (1 order)" in app.screen.query_one("#profile").text


async def test_undo_won_puts_the_deal_back(make_app, people, now):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        ok(await send(pilot, "/deal 5000 Website"))
        ok(await send(pilot, "/stage negotiation"))
        before = db_state()
        [deal] = deals.customer_deals(alice.id)
        timeline_before = [e.id for e in entries(alice.id)]
        ok(await send(pilot, "/won"))
        assert deals.get_deal(deal.id).stage == "won"
        # the "→ won; order …" system line and the re-stage the win's order brings (issue 24)
        assert len(entries(alice.id)) == len(timeline_before) + 2

        text, _ = await send(pilot, "/undo")
        assert text.startswith("↶ undid stage of Website")
        back = deals.get_deal(deal.id)
        assert (back.stage, back.closed_at) == ("negotiation", None)
        assert [e.id for e in entries(alice.id)] == timeline_before
        assert DealStageChange.select().where(DealStageChange.deal == deal.id).count() == 2
        assert db_state() == before
        # the timeline on screen no longer shows the won line
        shown = [e.body for e in app.screen.query_one(Timeline).entries]
        assert shown and not any("→ won" in body for body in shown)

        # undo again: the stage move, then the deal itself; then nothing left to undo
        await send(pilot, "/undo")
        assert deals.get_deal(deal.id).stage == "lead"
        await send(pilot, "/undo")
        assert deals.customer_deals(alice.id) == []
        assert await send(pilot, "/undo") == ("nothing to undo", "hint")


# help, completion, history -------------------------------------------------------------

async def test_help_lists_the_commands(make_app, people):
    """/help opens the help screen (twenty lines did not fit the three-line log)."""
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        await send(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(app.screen.lines)
        assert all(usage.split(" — ")[0] in shown for usage in COMMANDS.values())
        await pilot.press("escape")
        assert all(kind != "hint" for _, kind in log_lines(app))
        text, kind = await send(pilot, "/help buy")
        assert text == COMMANDS["/buy"] and kind == "answer"


async def test_tab_completes_commands_and_names(make_app, people):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        field = composer_input(app)
        await pilot.press("slash", *"/fo", "tab")
        await settle(pilot)
        assert field.value == "/follow "
        assert app.focused is field  # tab completed, it did not move the focus

        field.value = ""
        await pilot.press(*"@ali", "tab")
        await settle(pilot)
        assert field.value == "@Alice_Anderson "

        field.value = ""
        await pilot.press(*"/call @bo", "tab")
        await settle(pilot)
        assert field.value == "/call @Bob_Brown "
        await pilot.press(*"re order", "enter")
        await settle(pilot)
        bob = CustomerModel.get(CustomerModel.name == "Bob Brown")
        assert [(e.kind, e.body) for e in entries(bob.id)] == [("call", "re order")]

        field.value = ""
        await pilot.press(*"/c", "tab")  # /call and /close: both shown, nothing completed
        await settle(pilot)
        assert field.value == "/c"
        assert last_line(app) == ("/cadence  /call  /close", "hint")


async def test_up_recalls_previous_commands(make_app, people):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        await send(pilot, "/call one")
        await send(pilot, "/call two")
        field = composer_input(app)
        await pilot.press("up")
        assert field.value == "/call two"
        await pilot.press("up")
        assert field.value == "/call one"
        await pilot.press("up")  # stays at the oldest
        assert field.value == "/call one"
        await pilot.press("down")
        assert field.value == "/call two"
        await pilot.press("down")
        assert field.value == ""


# which customer ----------------------------------------------------------------------------

async def test_on_the_list_the_composer_acts_on_the_selected_row(make_app, people):
    alice, bob, carol = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(CustomerTable)
        await pilot.press("j")
        assert table.current_id == bob.id
        ok(await send(pilot, "hello from the list"))
        assert [(e.kind, e.body) for e in entries(bob.id)] == [("note", "hello from the list")]
        assert entries(alice.id) == [] and entries(carol.id) == []
        assert isinstance(app.screen, CustomersScreen)
        assert table.current_id == bob.id  # the reload kept the row
        assert str(table.get_row(str(bob.id))[5]) == "today"  # last contact column refreshed


async def test_at_name_targets_another_customer(make_app, people):
    alice, bob, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        assert ok(await send(pilot, "@bob phoned about delivery")) == "✓ note logged for Bob Brown"
        ok(await send(pilot, '/buy @"Bob Brown" 75'))
        assert [(e.kind, e.body) for e in entries(bob.id)] == [  # the order re-staged Bob at once
            ("system", "stage lead → new: first purchase today"), ("note", "phoned about delivery")]
        assert customers.get_customer(bob.id).revenue == Decimal("75.00")
        assert entries(alice.id) == [] and customers.get_customer(alice.id).revenue == 0


@pytest.mark.parametrize("start", ["today", "pipeline", "customers", "a customer"])
async def test_find_from_any_screen_opens_find_anything_over_it(make_app, people, now, start):
    """/find is a message: whichever screen shows pushes the search screen over itself, so
    Esc comes back to where the owner was (#21: /find finds anything, people first)."""
    customers.create_customer(now, name="Alicia Keys")
    app = make_app("today" if start == "a customer" else start)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if start == "a customer":
            await open_detail(pilot, people[0])
        before = app.screen
        field = composer_input(app)
        if app.focused is not field:
            await pilot.press("slash")
        await pilot.press(*"/find alice", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        assert screen.query_one("#search-box", Input).value == "alice"
        table = screen.query_one("#hits", FittedTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["Alice Anderson"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is before


async def test_the_log_follows_the_owner_from_screen_to_screen(make_app, people):
    alice, _, _ = people
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(pilot, alice)
        ok(await send(pilot, "/call about the invoice"))
        said = log_lines(app)[-2:]
        assert said[0][0] == "› /call about the invoice"
        await pilot.press("escape", "escape")  # leave the composer, then the detail screen
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert log_lines(app)[-2:] == said
        assert app.focused is app.screen.query_one(CustomerTable)
        await pilot.press("1")
        await settle(pilot)
        assert log_lines(app)[-2:] == said
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen) and log_lines(app)[-2:] == said


async def test_go_switches_mode(make_app, people):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (await send(pilot, "/go pipeline"))[0] == "→ pipeline"
        assert app.current_mode == "pipeline" and isinstance(app.screen, PipelineScreen)
        await send(pilot, "/go cust")
        assert app.current_mode == "customers"


async def test_a_command_word_typed_without_its_slash_is_not_logged_as_a_note(make_app, people, now):
    """`/` only focuses the composer, so `/` then `help` typed fast sent the note "help" to
    the customer in focus. A line that is just a command's name asks for the slash."""
    app = make_app("customers")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        before = db_state()
        await pilot.press("slash", *"help", "enter")
        await settle(pilot)
        assert pilot.app.session.lines[-1] == (
            "✗ “help” is a command: type /help (for a one-word note: /note help)", "error")
        assert db_state() == before


async def test_add_with_a_bad_email_answers_with_email_validators_reason(make_app, people):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = db_state()
        await pilot.press("slash")
        await pilot.press(*"/add Ann ann..lee@example.com", "enter")
        await settle(pilot)
        assert last_line(app) == ('✗ "ann..lee@example.com" is not a valid email address '
                                  "(an email address cannot have two periods in a row)", "error")
        assert db_state() == before


async def test_add_keys_the_phone_in_e164_in_the_configured_region(make_app, people, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"/add Ann Lee 0170 1234567", "enter")
        await settle(pilot)
        assert ok(last_line(app)).startswith("✓ added Ann Lee")
        ann = CustomerModel.get(CustomerModel.name == "Ann Lee")
        assert (ann.phone, ann.phone_norm) == ("0170 1234567", "+491701234567")
        await pilot.press(*"/add Ann Other +33 6 12 34 56 78 9", "enter")
        await settle(pilot)
        assert last_line(app) == ('✗ "+33 6 12 34 56 78 9" is not a phone number (too long for +33)', "error")
