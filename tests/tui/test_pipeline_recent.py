"""Pipeline (pilot): an empty pipeline says how to add a deal; `r` shows the deals won and lost
in the last 30 days beside the open ones, and the choice is kept while the app runs."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.modals.deal_form import DealForm

from .conftest import settle

D = timedelta(days=1)
SIZE = (120, 35)


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_an_empty_pipeline_says_how_to_add_a_deal(make_app, db_path, now):
    create_customer(now, name="Ann Lee")
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        guidance = app.screen.query_one("#pipeline-empty", Static)
        assert guidance.display and not app.screen.query_one("#board").display
        said = text_of(guidance)
        assert "Press n for a new deal" in said and "/deal AMOUNT TITLE" in said
        await pilot.press("n")  # the key it names opens the deal form
        await settle(pilot)
        assert isinstance(app.screen, DealForm)


async def test_a_pipeline_with_deals_shows_the_board(make_app, db_path, now):
    create_deal(create_customer(now, name="Ann Lee").id, "Website", "5000", now)
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#pipeline-empty", Static).display
        assert app.screen.query_one("#board").display


async def test_r_shows_recently_won_and_lost_deals_and_the_choice_is_kept(make_app, db_path, now):
    ann = create_customer(now, name="Ann Lee").id
    create_deal(ann, "Open one", "100", now)
    won = create_deal(ann, "Website", "5000", now - 20 * D)
    move_deal(won.id, "won", now - 3 * D)
    lost = create_deal(ann, "Retainer", "800", now - 20 * D)
    move_deal(lost.id, "lost", now - 6 * D, reason="price")
    old = create_deal(ann, "Ancient", "900", now - 200 * D)
    move_deal(old.id, "won", now - 90 * D)
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        recent = app.screen.query_one("#recent", Static)
        assert not recent.display  # off by default
        await pilot.press("r")
        await settle(pilot)
        shown = text_of(recent)
        assert recent.display and "last 30 days" in shown
        lines = shown.splitlines()[1:]
        assert "won" in lines[0] and "19 Nov" in lines[0] and "Website" in lines[0] and "Ann Lee" in lines[0]
        assert "lost" in lines[1] and "16 Nov" in lines[1] and "Retainer" in lines[1] and "price" in lines[1]
        assert "Ancient" not in shown

        await pilot.press("1")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen.query_one("#recent", Static).display  # kept while the app runs
        await pilot.press("r")
        await settle(pilot)
        assert not app.screen.query_one("#recent", Static).display


async def test_recent_deals_show_even_when_no_deal_is_open(make_app, db_path, now):
    won = create_deal(create_customer(now, name="Ann Lee").id, "Website", "5000", now - 20 * D)
    move_deal(won.id, "won", now - 3 * D)
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert "Website" in text_of(app.screen.query_one("#recent", Static))
        assert app.screen.query_one("#pipeline-empty", Static).display


async def test_a_long_recent_deal_is_one_line_cut_not_wrapped(make_app, db_path, now):
    won = create_deal(create_customer(now, name="Ann Lee").id, "A very long deal title " * 6, "5000", now - 9 * D)
    move_deal(won.id, "won", now - 3 * D)
    app = make_app("pipeline")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        recent = app.screen.query_one("#recent", Static)
        assert recent.region.height == 3  # the rule above, the heading and the one deal


async def test_recent_deal_titles_line_up_whatever_the_day(make_app, db_path, now):
    ann = create_customer(now, name="Ann Lee").id
    for title, days_ago in (("Website", 3), ("Retainer", 18)):  # 19 Nov and 4 Nov
        won = create_deal(ann, title, "100", now - 30 * D)
        move_deal(won.id, "won", now - days_ago * D)
    app = make_app("pipeline")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        lines = text_of(app.screen.query_one("#recent", Static)).splitlines()[1:]
        assert [line.index(title) for line, title in zip(lines, ("Website", "Retainer"))] == [lines[0].index("Website")] * 2
        assert " 4 Nov" in lines[1]
