"""Layouts at the smallest supported terminal (80x24) and a common one (120x35): read from
what is drawn on screen, so a cut footer, label or column fails here without any SVG."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.core.sales import deals
from solocrm_tui.core.storage.models import Customer as CustomerModel

from .conftest import settle

SMALL = (80, 24)


def screen_lines(app) -> list[str]:
    """The screen as the terminal shows it, one string per row."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


@pytest.fixture
def book(now):
    ann = customers.create_customer(now - timedelta(days=90), name="Ann Lee", company="Lee Consulting",
                                    email="ann@example.com", city="Leeds", country="UK")
    CustomerModel.update(stage="at_risk", segment="Potential loyalists").where(CustomerModel.id == ann.id).execute()
    followups.create_followup("send the renewal quote with the new prices and the delivery dates", now, now,
                              customer_id=ann.id)
    deals.create_deal(ann.id, "Website relaunch", "12500", now)
    return ann.id


@pytest.mark.parametrize("mode", ["today", "customers", "pipeline", "insights"])
async def test_the_footer_shows_help_and_quit_at_80x24(make_app, book, mode):
    async with make_app(mode).run_test(size=SMALL) as pilot:
        await settle(pilot)
        footer = screen_lines(pilot.app)[-1]
        assert "? Help" in footer and "q Quit" in footer, footer


async def test_the_footer_shows_help_and_quit_on_the_customer_detail_at_80x24(make_app, book):
    async with make_app("customers").run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        footer = screen_lines(pilot.app)[-1]
        assert "? Help" in footer and "q Quit" in footer, footer


async def test_today_gives_the_why_column_the_room_at_80x24(make_app, book):
    async with make_app("today").run_test(size=SMALL) as pilot:
        await settle(pilot)
        row = next(line for line in screen_lines(pilot.app) if "Ann Lee" in line)
        assert "send the renewal quote with the new prices" in row, row


CUSTOMER_HEADERS = {"Name", "Company", "Stage", "Segment", "Contact", "Revenue", "CLV", "Churn"}


@pytest.mark.parametrize(("size", "shown"), [
    (SMALL, {"Name", "Company", "Stage", "Contact", "Revenue", "Churn"}),
    ((120, 35), CUSTOMER_HEADERS),
])
async def test_customers_show_their_important_columns_whole(make_app, book, size, shown):
    async with make_app("customers").run_test(size=size) as pilot:
        await settle(pilot)
        header = next(line for line in screen_lines(pilot.app) if "Name" in line and "Stage" in line)
        assert set(header.replace("▲", " ").replace("▼", " ").split()) == shown, header  # the sorted column carries its arrow
        row = next(line for line in screen_lines(pilot.app) if "Ann Lee" in line)
        assert "Lee Consulting" in row and "at risk" in row, row


@pytest.mark.parametrize("size", [SMALL, (120, 35)])
async def test_pipeline_headers_keep_count_total_and_weighted_value(make_app, book, size):
    async with make_app("pipeline").run_test(size=size) as pilot:
        await settle(pilot)
        text = "\n".join(screen_lines(pilot.app))
        assert "Lead · 1" in text and "Negotiation · 0" in text, text
        assert len(re.findall(r"weighted \d", text)) == 4, text
        assert "12,500" in text or "12.5k" in text, text


async def open_first_customer(pilot) -> list[str]:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    return screen_lines(pilot.app)


@pytest.mark.parametrize("size", [SMALL, (120, 35)])
async def test_the_detail_tab_bar_shows_every_tab(make_app, book, size):
    async with make_app("customers").run_test(size=size) as pilot:
        text = "\n".join(await open_first_customer(pilot))
        for title in ("Timeline", "Orders", "Deals 1", "Follow-ups 1", "Tickets"):
            assert title in text.replace("(", "").replace(")", ""), text


async def test_clicking_a_tab_on_the_second_row_of_a_wrapped_bar_shows_it(make_app, book):
    async with make_app("customers").run_test(size=SMALL) as pilot:
        lines = await open_first_customer(pilot)
        row = next(i for i, line in enumerate(lines) if "Tickets" in line)
        await pilot.click(offset=(lines[row].index("Tickets") + 1, row))
        await settle(pilot)
        assert pilot.app.screen.active_tab == "tickets"


@pytest.mark.parametrize("size", [SMALL, (120, 35)])
async def test_long_profile_values_wrap_under_their_own_column(make_app, book, size):
    async with make_app("customers").run_test(size=size) as pilot:
        lines = await open_first_customer(pilot)
        at = next(i for i, line in enumerate(lines) if " segment " in line)
        column = lines[at].index("Potential")
        assert "Potential loyalists" in lines[at] or lines[at + 1].index("loyalists") == column, lines[at:at + 2]
        assert lines[at].index("segment") < column


def dialog_text(app) -> str:
    """The words inside the open dialog as drawn, its wrapped lines joined by spaces: a
    question cut at the dialog's edge or scrolled out of sight is missing here."""
    region = app.screen.query_one(".dialog").content_region
    lines = screen_lines(app)[region.y:region.bottom]
    return " ".join(" ".join(line[region.x:region.right].split()) for line in lines)


async def test_forget_shows_its_whole_question_and_error_at_80x24(make_app, book):
    async with make_app("customers").run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert "This cannot be undone. Type forget to confirm." in dialog_text(pilot.app)
        await pilot.press(*"nope", "enter")
        await settle(pilot)
        assert 'type "forget" to erase this customer for good' in dialog_text(pilot.app)


async def test_lost_reason_prompt_shows_its_question_at_80x24(make_app, book):
    async with make_app("pipeline").run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "Why was “Website relaunch” lost?" in dialog_text(pilot.app)


async def test_snooze_error_is_shown_whole_at_80x24(make_app, book):
    async with make_app("today").run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        await pilot.press(*"someday soon", "enter")
        await settle(pilot)
        error = str(pilot.app.screen.query_one("#prompt-error").visual.plain)
        assert len(error) > 60 and error in dialog_text(pilot.app)


async def test_birthday_error_is_shown_whole_at_80x24(make_app, book):
    async with make_app("customers").run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*"Bea Bell")
        pilot.app.screen.query_one("#field-birthday").value = "31.02.1990"
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(pilot.app.screen.query_one("#error-birthday").visual.plain)
        assert "birthday" in error and error in dialog_text(pilot.app)


async def test_merge_form_explains_itself_at_80x24(make_app, book, now):
    customers.create_customer(now, name="Ann Lee", email="ann.lee@example.org")
    async with make_app("customers").run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "m")
        await settle(pilot)
        text = dialog_text(pilot.app)
        assert "Which record stays? (the other one's timeline, orders, deals, follow-ups and tickets move to it)" \
            in text, text


async def test_every_insights_tab_label_is_in_sight_at_80x24(make_app, book):
    """At 80 columns the tab strip scrolled: Campaigns and Tickets were out of sight, and
    moving to them cut the first labels."""
    async with make_app("insights").run_test(size=SMALL) as pilot:
        await settle(pilot)
        for _ in range(8):
            strip = next(line for line in screen_lines(pilot.app) if "Overview" in line or "Tickets" in line)
            assert all(label in strip for label in ("Overview", "Contact", "Top CLV", "Top margin", "Segments",
                                                    "Models", "Campaigns", "Tickets")), strip
            await pilot.press("right_square_bracket")
            await settle(pilot)


@pytest.mark.parametrize("size", [SMALL, (120, 35)])
async def test_a_long_queue_scrolls_inside_its_table_and_end_shows_the_last_row(make_app, db_path, now, size):
    """The queue ran on under the composer (the screen scrolled instead of the table), so
    End put the cursor on a row nobody could see."""
    ann = customers.create_customer(now - timedelta(days=90), name="Ann Lee")
    for n in range(40):
        followups.create_followup(f"task {n:02d}", now - timedelta(hours=n + 1), now, customer_id=ann.id)
    async with make_app("today").run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        lines = screen_lines(pilot.app)
        composer_top = next(i for i, line in enumerate(lines) if line.startswith("─"))
        assert any("task 00" in line for line in lines[:composer_top]), "\n".join(lines)
        assert pilot.app.screen.scroll_y == 0


async def test_the_products_sku_column_fits_its_longest_sku(make_app, now):
    from solocrm_tui.core.sales import products

    products.add_product("Espresso beans 1kg", now, sku="BEAN-ESP-1KG", price="24", cost="11")
    products.add_product("Grinder EK43", now, sku="EK43", price="2450")
    async with make_app("products").run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        row = next(line for line in screen_lines(pilot.app) if "Espresso beans 1kg" in line)
        assert "BEAN-ESP-1KG" in row, row
