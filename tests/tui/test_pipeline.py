"""Pipeline screen (pilot): selection, moves drawn at once and persisted, won/lost, the deal form,
rollback of a failed write, the totals in the headers and forecast strip, lazy card mounting."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from textual.widgets import Input, Label, Static
from textual.widgets._footer import FooterKey

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.sales import deals
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.core.storage.models import Deal as DealModel
from solocrm_tui.core.storage.models import DealStageChange, Interaction, database
from solocrm_tui.modals.deal_form import DealForm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.widgets.deal_card import CHUNK, DealCard, StageColumn

from ..core.conftest import table_dump
from .conftest import Notes, settle

D = timedelta(days=1)
SIZE = (120, 35)


@pytest.fixture
def seeded(db_path, now):
    """Open deals with known figures, plus closed ones for the forecast strip.

    lead        L1 1000 (10%), L2 500 (own 40%)     total 1,500   weighted 300
    qualified   Q1 2000 (25%)                       total 2,000   weighted 500
    proposal    P1 4000 (50%), P2 3000 (own 60%)    total 7,000   weighted 3,800
    negotiation N1 10000 (75%)                      total 10.0k   weighted 7,500
    """
    ann = create_customer(now, name="Ann").id
    bob = create_customer(now, name="Bob").id
    deals = {
        "L1": create_deal(ann, "L1", "1000", now, expected_close="2026-11-30"),
        "L2": create_deal(bob, "L2", "500", now, probability=40),
        "Q1": create_deal(ann, "Q1", "2000", now, stage="qualified", expected_close="2026-10-15"),
        "P1": create_deal(bob, "P1", "4000", now, stage="proposal", expected_close="2026-12-01"),
        "P2": create_deal(ann, "P2", "3000", now, stage="proposal", probability=60, expected_close="2027-01-05"),
        "N1": create_deal(bob, "N1", "10000", now, stage="negotiation", expected_close="2026-12-31"),
    }
    w1 = create_deal(ann, "W1", "1000", now - 40 * D)
    move_deal(w1.id, "won", now - 10 * D)
    w2 = create_deal(bob, "W2", "2500", now - 70 * D)
    move_deal(w2.id, "won", now - 30 * D)
    x1 = create_deal(ann, "X1", "800", now - 20 * D)
    move_deal(x1.id, "lost", now - 5 * D, reason="price")
    return {"ann": ann, "bob": bob} | {k: v.id for k, v in deals.items()}






def column_titles(app) -> dict[str, list[str]]:
    """What the board shows: DealCard widgets per column."""
    return {col.stage: [card.card.deal.title for card in col.query(DealCard)] for col in app.screen.query(StageColumn)}


def selected_title(app) -> str | None:
    cards = list(app.screen.query(".deal-card.-selected"))
    assert len(cards) <= 1
    assert (cards[0].card.deal.title if cards else None) == (
        app.screen.selected().deal.title if app.screen.selected() else None)
    return cards[0].card.deal.title if cards else None


def stage_of(deal_id: int) -> str:
    return DealModel.get_by_id(deal_id).stage


def text_of(widget: Static) -> str:
    return str(widget.content)


# --- board contents -------------------------------------------------------------------------


async def test_headers_and_forecast_show_the_known_totals(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert column_titles(app) == {"lead": ["L1", "L2"], "qualified": ["Q1"], "proposal": ["P1", "P2"],
                                      "negotiation": ["N1"]}
        headers = {col.stage: text_of(col.query_one(".stage-header", Static)) for col in app.screen.query(StageColumn)}
        assert headers == {
            "lead": "Lead · 2\n1.5k · weighted 300",  # compact on the narrow board, the same in every header
            "qualified": "Qualified · 1\n2.0k · weighted 500",
            "proposal": "Proposal · 2\n7.0k · weighted 3.8k",
            "negotiation": "Negotiation · 1\n10.0k · weighted 7.5k",
        }
        forecast = text_of(app.screen.query_one("#forecast", Static))
        assert "this month 600 · next month 9,500" in forecast  # L1 100 + Q1 500 (overdue); P1 2000 + N1 7500
        assert "win rate 67% of 3 · 35 days to close" in forecast
        assert "won 1 (1,000) · lost 1" in forecast
        card = app.screen.query_one("#col-proposal", StageColumn).query(DealCard)[1]
        assert str(card.content) == "P2\nAnn · 3.0k · 60% · 5 Jan 2027"


# --- selection ------------------------------------------------------------------------------


async def test_navigation_with_vim_keys_and_arrows(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert selected_title(app) == "L1"
        steps = [("j", "L2"), ("j", "L2"), ("k", "L1"), ("down", "L2"), ("up", "L1"),
                 ("l", "Q1"), ("right", "P1"), ("j", "P2"), ("l", "N1"), ("h", "P2"), ("left", "Q1"),
                 ("left", "L1"), ("h", "N1")]  # each column keeps its own row; h from the first wraps
        for key, expected in steps:
            await pilot.press(key)
            assert selected_title(app) == expected, key
        assert "-active" in app.screen.query_one("#col-negotiation").classes


# --- moves ----------------------------------------------------------------------------------


async def test_move_on_is_drawn_at_once_and_then_persisted(seeded, make_app, monkeypatch, now):
    gate = threading.Event()
    real_move = deals.move_deal

    def slow_move(*args, **kwargs):
        assert gate.wait(10)
        return real_move(*args, **kwargs)

    monkeypatch.setattr(deals, "move_deal", slow_move)
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await pilot.pause()
        # drawn before the write finished
        assert column_titles(app)["lead"] == ["L2"]
        assert column_titles(app)["qualified"] == ["L1", "Q1"]
        assert selected_title(app) == "L1"
        assert stage_of(seeded["L1"]) == "lead"
        gate.set()
        await settle(pilot)
        assert stage_of(seeded["L1"]) == "qualified"
        assert column_titles(app)["qualified"] == ["Q1", "L1"]  # reloaded: ordered by expected close
        change = DealStageChange.select().where(DealStageChange.deal == seeded["L1"]).order_by(
            DealStageChange.id.desc()).first()
        assert (change.from_stage, change.to_stage, change.at) == ("lead", "qualified", now)
        assert Interaction.select().where((Interaction.customer == seeded["ann"]) & (Interaction.kind == "system")
                                          & (Interaction.body == "deal L1: lead → qualified")).count() == 1


async def test_shift_arrows_and_back(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "shift+right")  # Q1 -> proposal
        await settle(pilot)
        assert stage_of(seeded["Q1"]) == "proposal"
        assert "Q1" in column_titles(app)["proposal"]
        await pilot.press("H")  # selection followed the card: back to qualified
        await settle(pilot)
        assert stage_of(seeded["Q1"]) == "qualified"
        assert column_titles(app)["qualified"] == ["Q1"]
        await pilot.press("shift+left")  # ... and to lead
        await settle(pilot)
        assert stage_of(seeded["Q1"]) == "lead"
        await pilot.press("H")  # nothing before lead
        await settle(pilot)
        assert stage_of(seeded["Q1"]) == "lead"
        stages = [(c.from_stage, c.to_stage) for c in DealStageChange.select().where(
            DealStageChange.deal == seeded["Q1"]).order_by(DealStageChange.id)]
        assert stages == [(None, "qualified"), ("qualified", "proposal"), ("proposal", "qualified"),
                          ("qualified", "lead")]


async def test_a_move_says_which_deal_went_where(seeded, make_app):
    notes = Notes()
    app = make_app("pipeline")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("L")  # L1 -> qualified
        await settle(pilot)
        await pilot.press("l", "l", "H")  # N1 -> proposal
        await settle(pilot)
        assert notes.texts() == ["moved “L1” to qualified", "moved “N1” to proposal"]


async def test_a_failed_write_puts_the_card_back_and_says_so(seeded, make_app, monkeypatch):
    def refuse(*args, **kwargs):
        raise CRMError("database is on fire")

    monkeypatch.setattr(deals, "move_deal", refuse)
    notes = Notes()
    app = make_app("pipeline")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        assert column_titles(app)["lead"] == ["L1", "L2"]
        assert column_titles(app)["qualified"] == ["Q1"]
        assert notes.texts("error") == ["move not saved: database is on fire"]
        assert stage_of(seeded["L1"]) == "lead"


# --- won / lost -----------------------------------------------------------------------------


async def test_won_takes_the_deal_off_the_board(seeded, make_app):
    notes = Notes()
    app = make_app("pipeline")
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        await pilot.press("l", "l", "w")  # P1
        assert column_titles(app)["proposal"] == ["P2"]
        await settle(pilot)
        assert stage_of(seeded["P1"]) == "won"
        assert DealModel.get_by_id(seeded["P1"]).closed_at is not None
        assert column_titles(app)["proposal"] == ["P2"]
        assert "won: P1" in notes.texts()
        assert "won 2 (5,000)" in text_of(app.screen.query_one("#forecast", Static))


async def test_lost_asks_for_a_reason(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "x")  # L2
        await pilot.pause()
        assert isinstance(app.screen, Prompt)
        await pilot.press("enter")  # empty reason: the prompt says so and stays open
        await settle(pilot)
        assert isinstance(app.screen, Prompt)
        assert text_of(app.screen.query_one("#prompt-error", Label)) == "a reason is needed — Esc cancels"
        assert stage_of(seeded["L2"]) == "lead"
        await pilot.press("h")  # typed into the reason, not a move on the board behind it
        assert app.screen.query_one("#prompt-input", Input).value == "h"
        app.screen.query_one("#prompt-input", Input).value = "went with a competitor"
        await pilot.press("enter")
        await settle(pilot)
        deal = DealModel.get_by_id(seeded["L2"])
        assert (deal.stage, deal.lost_reason) == ("lost", "went with a competitor")
        assert column_titles(app)["lead"] == ["L1"]
        await pilot.press("x", *"price", "escape")  # Esc: nothing changes either
        await settle(pilot)
        assert stage_of(seeded["L1"]) == "lead"
        assert column_titles(app)["lead"] == ["L1"]


# --- the deal form --------------------------------------------------------------------------


def form_errors(app) -> dict[str, str]:
    return {label.id.removeprefix("error-"): str(label.content) for label in app.screen.query(".field-error")
            if str(label.content)}


def set_field(app, key: str, value: str) -> None:
    app.screen.query_one(f"#field-{key}", Input).value = value


async def test_new_deal_form_validates_then_creates(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, DealForm)
        assert app.screen.query_one("#field-customer", Input).value == "Ann"  # the selected card's customer
        set_field(app, "value", "lots")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, DealForm)  # refused: still open
        errors = form_errors(app)
        assert set(errors) == {"title", "value"}
        assert errors["title"] == "title is required"
        assert "lots" in errors["value"]
        set_field(app, "customer", "Zed Nobody")
        set_field(app, "title", "Support contract")
        set_field(app, "value", "2,500")
        set_field(app, "stage", "prop")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # an unknown customer is only found out when saving: the form comes back, as typed
        assert isinstance(app.screen, DealForm)
        assert "Zed Nobody" in form_errors(app)["customer"]
        assert app.screen.query_one("#field-title", Input).value == "Support contract"
        assert not DealModel.select().where(DealModel.title == "Support contract").exists()
        set_field(app, "customer", "Bob")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, DealForm)
        deal = DealModel.get(DealModel.title == "Support contract")
        assert (deal.customer_id, deal.value_cents, deal.stage, deal.probability) == (
            seeded["bob"], 250000, "proposal", None)
        assert column_titles(app)["proposal"] == ["P1", "P2", "Support contract"]


async def test_an_ambiguous_customer_typed_into_the_deal_form_shows_under_customer(seeded, make_app, now):
    anna = create_customer(now, name="Anna")
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = table_dump()
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DealForm)
        assert app.focused is form.query_one("#field-customer", Input)
        await pilot.press("ctrl+a", "ctrl+k", *"An", "tab", *"Support", "tab", *"900", "enter")
        await settle(pilot)
        assert app.screen is form  # only core knows two customers match: still open, as typed
        errors = form_errors(app)
        assert set(errors) == {"customer"} and "@An" in errors["customer"]
        assert (form.query_one("#field-title", Input).value, form.query_one("#field-value", Input).value) == (
            "Support", "900")
        assert app.focused is form.query_one("#field-customer", Input)
        assert table_dump() == before

        await pilot.press("end", *"na", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, DealForm)
        assert DealModel.get(DealModel.title == "Support").customer_id == anna.id


async def test_a_refusal_about_no_field_of_the_form_shows_above_the_buttons(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")  # L1
        await settle(pilot)
        form = app.screen
        assert isinstance(form, DealForm)
        general = form.query_one("#error-form", Label)
        assert not general.display  # takes no line until there is something to say
        deals.delete_deal(seeded["L1"])  # meanwhile, from the CLI or another window
        await pilot.press("end", *" v2", "enter")
        await settle(pilot)
        assert app.screen is form
        assert general.display and str(general.content) == f"no deal #{seeded['L1']}"
        assert form_errors(app) == {"form": f"no deal #{seeded['L1']}"}
        assert form.query_one("#field-title", Input).value == "L1 v2"


async def test_edit_changes_value_and_title_keeping_probability_rules(seeded, make_app):
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")  # L1
        await pilot.pause()
        assert isinstance(app.screen, DealForm)
        assert app.screen.query_one("#field-value", Input).value == "1000.00"
        set_field(app, "value", "7500")
        await pilot.press("ctrl+s")
        await settle(pilot)
        deal = DealModel.get_by_id(seeded["L1"])
        assert deal.value_cents == 750000
        assert deal.probability is None  # still the stage default: it follows the deal's stage
        header = text_of(app.screen.query_one("#col-lead .stage-header", Static))
        assert header == "Lead · 2\n8.0k · weighted 950"  # 7500 x 10% + 500 x 40%
        await pilot.press("j", "e")  # L2, own 40%
        await pilot.pause()
        assert app.screen.query_one("#field-probability", Input).value == "40"
        set_field(app, "title", "L2 renamed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        deal = DealModel.get_by_id(seeded["L2"])
        assert (deal.title, deal.probability, deal.value_cents) == ("L2 renamed", 40, 50000)


# --- a long column --------------------------------------------------------------------------


async def test_a_long_column_mounts_cards_in_chunks(db_path, now, make_app):
    cid = create_customer(now, name="Many").id
    with database.atomic():
        for i in range(300):
            create_deal(cid, f"deal {i:03}", "100", now, expected_close=now.date() + timedelta(days=i))
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lead = app.screen.query_one("#col-lead", StageColumn)
        assert "Lead · 300" in text_of(lead.query_one(".stage-header", Static))
        assert len(lead.query(DealCard)) == CHUNK < 300
        row = CHUNK // 2 + 2  # the selection keeps half a chunk of cards mounted below it
        # arrows in a column long enough to scroll still move the selection (they do not scroll it away)
        await pilot.press(*["down"] * (row + 1), "up")
        await pilot.pause()
        assert selected_title(app) == f"deal {row:03}"
        mounted = len(lead.query(DealCard))
        assert CHUNK < mounted < 300
        assert mounted >= row + CHUNK // 2
        assert [c.card.deal.title for c in lead.query(DealCard)] == [f"deal {i:03}" for i in range(mounted)]


# --- the summary strip and an empty pipeline ----------------------------------------------


def forecast_phrases(app) -> list[list[str]]:
    """The strip's lines, each as the phrases it holds."""
    lines = text_of(app.screen.query_one("#forecast")).splitlines()
    return [[phrase.strip() for phrase in line.split("│")] for line in lines]


@pytest.mark.parametrize("size", [(80, 24), (120, 35)], ids=["80x24", "120x35"])
async def test_the_summary_never_breaks_a_phrase(seeded, make_app, size):
    app = make_app("pipeline")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        phrases = [phrase for line in forecast_phrases(app) for phrase in line]
        assert phrases == ["Forecast (weighted, by expected close): this month 600 · next month 9,500",
                           "Last 90 days: win rate 67% of 3 · 35 days to close",
                           "This month: won 1 (1,000) · lost 1"]
        width = app.screen.query_one("#forecast").content_region.width
        assert all(len(line) <= width for line in text_of(app.screen.query_one("#forecast")).splitlines())


def footer_keys(app) -> set[str]:
    return {key.description for key in app.screen.query(FooterKey)}


async def test_an_empty_pipeline_reads_naturally_and_offers_only_what_works(db_path, make_app, now):
    create_customer(now, name="Ann Lee")
    app = make_app("pipeline")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        said = text_of(app.screen.query_one("#forecast"))
        assert "No deals closed in the last 90 days" in said and "Nothing won or lost this month" in said
        assert "won 0" not in said and "—" not in said
        assert {"◀ Move", "Move ▶", "Won", "Lost", "Edit", "Open customer"}.isdisjoint(footer_keys(app))
        assert {"New deal", "Won/lost"} <= footer_keys(app)

        await pilot.press("n")  # a deal arrives: the keys that need one come back
        await settle(pilot)
        app.screen.query_one("#field-customer", Input).value = "Ann Lee"
        app.screen.query_one("#field-title", Input).value = "Website"
        app.screen.query_one("#field-value", Input).value = "500"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert {"◀ Move", "Won", "Lost"} <= footer_keys(app)


async def test_the_selection_follows_the_moved_deal_after_the_save(seeded, make_app):
    """L1 moved to qualified is drawn on top; the reload after the save sorts Q1 (earlier
    close) first, and the cursor stayed on row 0: a second H moved Q1, not L1."""
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("L")
        await settle(pilot)
        assert column_titles(app)["qualified"] == ["Q1", "L1"]
        assert selected_title(app) == "L1"
        await pilot.press("H")
        await settle(pilot)
        assert (stage_of(seeded["L1"]), stage_of(seeded["Q1"])) == ("lead", "qualified")
