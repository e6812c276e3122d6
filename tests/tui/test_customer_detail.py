"""Pilot tests of the customer detail screen: profile card, the chat-like timeline
with its paging, and the orders / deals / follow-ups / tickets tabs.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from textual.widgets import DataTable

from solocrm_tui.core.contacts import customers, followups
from solocrm_tui.core.sales import deals, orders
from solocrm_tui.core.service import tickets
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.models import Order as OrderModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.screens.customer import CustomerScreen
from solocrm_tui.screens.customers import CustomersScreen
from solocrm_tui.text.figures import day
from solocrm_tui.widgets.customer_table import CustomerTable
from solocrm_tui.widgets.profile_card import ProfileCard
from solocrm_tui.widgets.tab_bar import TabBar
from solocrm_tui.widgets.timeline import Timeline

from .conftest import Notes, settle, wait_until

SIZE = (120, 35)
TOTAL = 120




def expected_side(kind: str, direction: str) -> str:
    return "system" if kind in ("system", "order") else ("inbound" if direction == "in" else "outbound")


@pytest.fixture
def alice(db_path, now):
    """Alice with 2 orders, 2 deals (one won), 2 follow-ups, a ticket and 120 timeline entries."""
    a = customers.create_customer(now, name="Alice Anderson", email="alice@example.com", company="Anderson Ltd",
                                  tags=["vip"])
    customers.create_customer(now, name="Bob Brown")
    won = deals.create_deal(a.id, "Old project", "1000", now - timedelta(days=60))
    deals.move_deal(won.id, "won", now - timedelta(days=40))  # the win is the first order (issue 24)
    orders.add_order(a.id, "234", now - timedelta(days=3), description="refill")
    deals.create_deal(a.id, "Website", "5000", now - timedelta(days=2))
    followups.create_followup("send quote", now + timedelta(days=2), now, customer_id=a.id)
    done = followups.create_followup("call back", now - timedelta(days=5), now, customer_id=a.id)
    followups.mark_done([done.id], now)
    tickets.open_ticket(a.id, "Login broken", now - timedelta(days=1))
    existing = InteractionModel.select().where(InteractionModel.customer == a.id).count()
    rows = []
    for i in range(TOTAL - existing):  # four entries a day going back from two days ago
        kind, direction = [("call", "out"), ("email", "in"), ("note", "out"), ("meeting", "in"),
                           ("system", "out")][i % 5]
        rows.append({"customer": a.id, "kind": kind, "direction": direction, "body": f"entry {i:03d}",
                     "occurred_at": now - timedelta(days=2, hours=6 * (i + 1))})
    with database.atomic():
        InteractionModel.insert_many(rows).execute()
    return a


def timeline_order(customer_id: int) -> list[tuple[bool, int]]:
    """(is an order, id) of every entry and order, newest first, as the timeline pages them:
    at the same moment the order comes first, then the entry."""
    I, O = InteractionModel, OrderModel
    entries = [(at, True, False, i) for i, at in I.select(I.id, I.occurred_at).where(I.customer == customer_id).tuples()]
    bought = [(at, False, True, i) for i, at in O.select(O.id, O.ordered_at).where(O.customer == customer_id).tuples()]
    return [(is_order, i) for _, _, is_order, i in sorted(entries + bought, reverse=True)]


async def open_alice(pilot, alice) -> CustomerScreen:
    await settle(pilot)
    table = pilot.app.screen.query_one(CustomerTable)
    assert table.current_id == alice.id  # sorted by name, Alice is first
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerScreen) and screen.customer_id == alice.id
    return screen


def bubble_ids(screen) -> list[tuple[bool, int]]:
    """(is an order, id) of what the timeline has laid out, top to bottom."""
    return [(b.entry.kind == "order", b.entry.id) for b in screen.query_one(Timeline).blocks if b.entry is not None]


async def test_profile_card_then_escape_back_to_the_list(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        text = screen.query_one(ProfileCard).text
        assert "Alice Anderson" in text
        assert "Anderson Ltd" in text
        assert "alice@example.com" in text
        assert "#vip" in text
        assert "1,234 (2 orders)" in text
        assert "3d ago" in text  # last order
        assert screen.sub_title == "Alice Anderson"
        assert app.focused is screen.query_one(Timeline)

        await pilot.press("escape")  # back to the list, on Alice's row
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert app.screen.query_one(CustomerTable).current_id == alice.id


async def test_profile_card_model_lines_tell_one_story(make_app, alice):
    """A one-time buyer used to read "P(alive) 100%" next to "churn risk 94%": the card now
    shows the risk as P(no purchase in the horizon), its drivers, and purchase days with ranges."""
    CustomerModel.update(churn_risk=0.94, p_alive=1.0, expected_purchases=0.26, expected_purchases_low=0,
                         expected_purchases_high=1, clv=120.0, clv_low=0.0, clv_high=410.0,
                         churn_why="silent 94 days, usually every 21; 3 purchases").where(
        CustomerModel.id == alice.id).execute()
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        text = screen.query_one(ProfileCard).text
        assert "P(alive)" not in text and "100%" not in text
        assert "94% no buy in 90d" in text
        assert "silent 94 days, usually every 21; 3 purchases" in text
        assert "buy days 90d 0.3 (0–1)" in text
        assert "120 (0–410)" in text


async def test_timeline_shows_the_newest_page_and_o_loads_older(make_app, alice):
    order = timeline_order(alice.id)
    assert len(order) == TOTAL + 2  # the entries and Alice's two orders
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        assert len(bubble_ids(screen)) == 50
        assert bubble_ids(screen) == order[:50][::-1]  # newest at the bottom
        assert timeline.has_older and timeline.scroll_y > 0  # scrolled to the newest

        await pilot.press("o")
        await settle(pilot)
        assert len(bubble_ids(screen)) == 100
        assert bubble_ids(screen) == order[:100][::-1]

        await pilot.press("o")
        await settle(pilot)
        assert len(bubble_ids(screen)) == TOTAL + 2
        assert bubble_ids(screen) == order[::-1]
        assert not timeline.has_older

        await pilot.press("o")  # nothing older: nothing happens
        await settle(pilot)
        assert len(bubble_ids(screen)) == TOTAL + 2


async def test_scrolling_to_the_top_loads_older_entries(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        assert timeline.scroll_y > 0
        timeline.scroll_home(animate=False)
        await settle(pilot)
        assert len(bubble_ids(screen)) == 100
        assert timeline.scroll_y > 0  # kept in place: the entry the owner looked at did not jump


def line_text(strip) -> str:
    return "".join(segment.text for segment in strip)


async def test_sides_alignment_and_day_separators(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        await pilot.press("o")
        await settle(pilot)
        timeline = screen.query_one(Timeline)
        width = timeline.content_width
        sides = set()
        for block in timeline.blocks:
            if block.entry is None:
                continue
            side = expected_side(block.entry.kind, block.entry.direction)
            sides.add(side)
            assert block.kind == side
            lines = [line_text(timeline.lines[y]) for y in range(block.top, block.top + block.height)]
            assert all(len(text) == width for text in lines)
            head = lines[0].strip()
            if side == "system":
                assert head == f"{block.entry.body} · {block.entry.occurred_at:%H:%M}"
                left, right = len(lines[0]) - len(lines[0].lstrip()), len(lines[0]) - len(lines[0].rstrip())
                assert abs(left - right) <= 1  # centred
                continue
            assert head.endswith(("you", "them") [side == "inbound"] + f" · {block.entry.occurred_at:%H:%M}")
            assert lines[1].strip() == block.entry.body
            segments = [s for s in timeline.lines[block.top] if s.text]
            bubble_style = timeline.get_component_rich_style(f"timeline--{side}")
            if block.entry.id == timeline.selected:  # `o` highlighted the newest entry it loaded
                bubble_style += timeline.get_component_rich_style("timeline--selected")
            if side == "outbound":  # flush with the right edge, at most 70 % wide
                assert segments[-1].style == bubble_style and lines[0].startswith(" " * int(width * 0.3))
            else:  # flush with the left edge
                assert segments[0].style == bubble_style and lines[0].endswith(" " * int(width * 0.3))
        assert sides == {"outbound", "inbound", "system"}
        quiet = [line_text(timeline.lines[b.top]).strip() for b in timeline.blocks
                 if b.entry is not None and b.entry.kind == "order"]
        assert quiet == ["order 234.00 EUR — refill · 10:30"]  # of the two orders, the newest 100 hold one

        # one separator per day, each right before that day's first entry, none duplicated by paging
        blocks = timeline.blocks
        days = [b.day for b in blocks if b.kind == "day"]
        entry_days = [b.entry.occurred_at.date() for b in blocks if b.entry is not None]
        assert days == sorted(set(entry_days))
        assert blocks[0].kind == "day"
        for before, after in pairwise(blocks):
            if before.entry is not None and after.entry is not None:
                assert before.entry.occurred_at.date() == after.entry.occurred_at.date()
            if before.kind == "day":
                assert after.entry is not None and after.entry.occurred_at.date() == before.day
                assert line_text(timeline.lines[before.top]).strip() == f"── {day(before.day, app.now())} ──"
            assert after.top >= before.top + before.height  # blocks never overlap


async def test_bubble_styles_come_from_the_theme(make_app, alice):
    """Outbound and inbound bubbles have their own backgrounds; system lines are muted text."""
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        styles = {}
        for block in timeline.blocks:
            if block.entry is not None:
                segments = [s for s in timeline.lines[block.top] if s.text.strip()]
                styles.setdefault(block.kind, segments[0].style)
        assert styles["outbound"].bgcolor != styles["inbound"].bgcolor
        assert styles["outbound"].bgcolor != timeline.rich_style.bgcolor
        assert styles["system"].color == timeline.get_component_rich_style("timeline--system").color


async def test_long_bodies_wrap_inside_the_bubble_and_rewrap_on_resize(make_app, alice, now):
    body = "word " * 60
    timeline_model = InteractionModel.create(customer=alice.id, kind="note", direction="out", body=body.strip(),
                                             occurred_at=now)
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        last = timeline.blocks[-1]
        assert last.entry.id == timeline_model.id
        assert last.height > 3
        wide = [line_text(timeline.lines[y]) for y in range(last.top, last.top + last.height)]
        assert all(len(t) == timeline.content_width for t in wide)
        assert " ".join(t.strip() for t in wide[1:]).split() == body.split()
        assert timeline.scroll_y == timeline.max_scroll_y  # the newest entry is in view

        await pilot.resize_terminal(80, 30)
        await settle(pilot)
        narrow = timeline.blocks[-1]
        assert narrow.height > last.height  # wrapped again for the narrower width
        assert all(len(line_text(timeline.lines[y])) == timeline.content_width
                   for y in range(narrow.top, narrow.top + narrow.height))
        assert timeline.scroll_y == timeline.max_scroll_y


async def test_hostile_and_wide_bodies_never_break_the_lines(make_app, alice, now):
    from rich.cells import cell_len

    bodies = ["\x1b[31mred\x1b[0m and a bell\x07", "tab\there\nand a second line", "漢字" * 60, "plain short"]
    for i, body in enumerate(bodies):
        InteractionModel.create(customer=alice.id, kind="note", direction="in", body=body,
                                occurred_at=now - timedelta(minutes=len(bodies) - i))
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        timeline = screen.query_one(Timeline)
        width = timeline.content_width
        blocks = [b for b in timeline.blocks if b.entry is not None and b.entry.body in bodies]
        assert [b.entry.body for b in blocks] == bodies
        for block in blocks:
            texts = [line_text(timeline.lines[y]) for y in range(block.top, block.top + block.height)]
            for text in texts:
                assert cell_len(text) == width
                assert text.isprintable(), repr(text)  # no escape, bell, tab or newline reaches the terminal
        assert line_text(timeline.lines[blocks[0].top + 1]).strip() == "␛[31mred␛[0m and a bell␇"  # shown, not obeyed
        wide = blocks[2]
        assert wide.height > 3  # 120 wide characters wrapped inside a 70 % bubble
        assert "".join(line_text(timeline.lines[y]).strip() for y in range(wide.top + 1, wide.top + wide.height)) \
            == "漢字" * 60
        second = [line_text(timeline.lines[y]).strip() for y in range(blocks[1].top + 1, blocks[1].top + blocks[1].height)]
        assert second[-1] == "and a second line"


async def test_a_customer_without_entries_gets_a_hint(make_app, db_path, now):
    customers.create_customer(now, name="Aaron Empty")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        timeline = app.screen.query_one(Timeline)
        assert timeline.blocks == []
        assert any("No interactions yet" in line_text(s) for s in timeline.lines)


def table_rows(screen) -> list[list]:
    """The rows as shown: cells are Text (the markup-safe cells), compared by their text."""
    table = screen.query_one("#tab-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_tabs_show_orders_deals_followups_and_tickets(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        bar = screen.query_one(TabBar)
        assert bar.labels == {"timeline": "Timeline", "orders": "Orders (2)", "deals": "Deals (2)",
                              "followups": "Follow-ups (2)", "tickets": "Tickets (1)"}
        assert screen.active_tab == "timeline" and app.focused is screen.query_one(Timeline)

        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.active_tab == "orders"
        assert app.focused is screen.query_one("#tab-table", DataTable)  # keys move in the table now
        assert screen.query_one(Timeline).display is False
        assert [row[1:] for row in table_rows(screen)] == [["234.00 EUR", "cost unknown", "refill"],
                                                           ["1,000.00 EUR", "cost unknown", "Old project"]]

        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.active_tab == "deals"
        assert {tuple(row[:2]) for row in table_rows(screen)} == {("Website", "lead"), ("Old project", "won")}

        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")  # wraps round
        await pilot.pause()
        assert screen.active_tab == "tickets"
        assert [row[1:3] for row in table_rows(screen)] == [["Login broken", "open"]]

        await pilot.press("right_square_bracket")  # back round to the timeline
        await pilot.pause()
        assert screen.active_tab == "timeline" and app.focused is screen.query_one(Timeline)


async def test_clicking_a_tab_label_shows_it(make_app, alice):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        bar = screen.query_one(TabBar)
        x = len("Timeline   Orders (2)   ")  # the first column of "Deals (2)"
        assert bar.key_at(0) == "timeline" and bar.key_at(x) == "deals" and bar.key_at(x - 1) is None
        await pilot.click(TabBar, offset=(bar.styles.padding.left + x + 2, 0))  # on the "a" of "Deals"
        await pilot.pause()
        assert screen.active_tab == "deals"
        assert len(table_rows(screen)) == 2


async def test_the_open_tab_refreshes_when_data_changes(make_app, alice, now):
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_alice(pilot, alice)
        await pilot.press("right_square_bracket")
        await pilot.press("slash")
        await pilot.press(*"/buy 99 beans", "enter")
        await settle(pilot)
        assert screen.active_tab == "orders"
        assert screen.query_one(TabBar).labels["orders"] == "Orders (3)"
        assert [row[1:] for row in table_rows(screen)][0] == ["99.00 EUR", "cost unknown", "beans"]


# Opening a customer at one entry, as a search hit does: the entry is loaded however old it
# is, highlighted and on screen; `o` still pages older and Esc goes back where the owner was.
def on_screen(timeline: Timeline) -> list[str]:
    return [line_text(timeline.render_line(y)) for y in range(timeline.size.height)]


async def open_at(pilot, customer_id: int, focus: tuple[str, int]) -> CustomerScreen:
    await settle(pilot)
    pilot.app.open_customer(customer_id, focus)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerScreen) and screen.customer_id == customer_id
    return screen


async def test_an_old_entry_opens_highlighted_on_screen_and_o_still_pages_older(make_app, alice):
    entry_id = InteractionModel.get(InteractionModel.body == "entry 100").id
    order = timeline_order(alice.id)
    position = order.index((False, entry_id))
    assert position > 60  # far beyond the first page of 50
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_at(pilot, alice.id, ("interaction", entry_id))
        timeline = screen.query_one(Timeline)
        assert app.focused is timeline
        assert timeline.selected_entry.body == "entry 100"
        assert any(line.strip() == "entry 100" for line in on_screen(timeline))
        block = next(b for b in timeline.blocks if b.entry is not None and b.entry.id == entry_id
                     and b.entry.kind != "order")
        selected = timeline.get_component_rich_style("timeline--selected")
        assert any(s.style is not None and s.style.bgcolor == selected.bgcolor for s in timeline.lines[block.top])
        assert bubble_ids(screen) == order[:position + 1 + 50][::-1]  # everything newer, the entry, 50 older

        await pilot.press("o")
        await settle(pilot)
        assert bubble_ids(screen) == order[::-1]  # the rest of the history, nothing skipped or repeated
        assert not timeline.has_older

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert app.screen.query_one(CustomerTable).current_id == alice.id


async def test_an_order_line_opens_highlighted(make_app, alice):
    order_id = OrderModel.get(OrderModel.description == "Old project").id
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_at(pilot, alice.id, ("order", order_id))
        timeline = screen.query_one(Timeline)
        assert any("order 1,000.00 EUR — Old project" in line for line in on_screen(timeline))
        block = next(b for b in timeline.blocks if b.entry is not None and b.entry.kind == "order"
                     and b.entry.id == order_id)
        selected = timeline.get_component_rich_style("timeline--selected")
        assert any(s.style is not None and s.style.bgcolor == selected.bgcolor for s in timeline.lines[block.top])


async def test_a_followup_opens_on_its_tab_with_the_row_selected(make_app, alice):
    done = next(f for f in followups.customer_followups(alice.id, include_done=True) if f.title == "call back")
    app = make_app("customers")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_at(pilot, alice.id, ("followup", done.id))
        assert screen.query_one(TabBar).active == "followups"
        table = screen.query_one("#tab-table", DataTable)
        assert app.focused is table
        assert table.get_row_at(table.cursor_row)[1].plain == "call back"


async def test_an_entry_deleted_since_the_search_says_so_and_nothing_opens(make_app, alice):
    entry = InteractionModel.get(InteractionModel.body == "entry 100")
    entry.delete_instance()
    app = make_app("customers")
    notes = Notes()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await settle(pilot)
        app.open_customer(alice.id, ("interaction", entry.id))
        await wait_until(pilot, lambda: notes.texts("error"), "the error toast")
        assert notes.texts("error") == [f"that interaction is no longer in the timeline of customer #{alice.id}"]
        assert isinstance(app.screen, CustomersScreen)
