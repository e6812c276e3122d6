"""Customer detail: profile card, chat-style timeline, and tabs for the rest.

Pushed on the customers stack, so Esc returns to the list with the cursor on the
same row. Everything is loaded in workers; the timeline starts with the newest page.
The screen is kept to a few widgets (one for the timeline, one tab strip, one table
that shows whichever of orders, deals, follow-ups or tickets is chosen) because the
owner opens customers all day and Textual's cost is per widget.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable

from solocrm_tui import work
from solocrm_tui.core.amounts import split_amount
from solocrm_tui.core.contacts import customers, followups, lifecycle, timeline
from solocrm_tui.core.contacts.detail import TIMELINE_PAGE, CustomerDetail, read_detail
from solocrm_tui.core.contacts.recurrence import (
    Recurrence,
    describe,
    phrase,
    split_every,
    starts_series,
    suffix,
)
from solocrm_tui.core.dates import split_when
from solocrm_tui.core.sales import deals, margin, orders
from solocrm_tui.core.service import tickets
from solocrm_tui.core.storage.records import FollowUp
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.text.figures import day, due, money, shorten
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import cell, cells
from solocrm_tui.widgets.profile_card import ProfileCard
from solocrm_tui.widgets.row_table import cursor_kept
from solocrm_tui.widgets.tab_bar import TabBar
from solocrm_tui.widgets.timeline import Timeline

TABS = {
    "orders": ("Date", "Amount", "Margin", "Description"),  # the margin before the text: 80 columns cut the text
    "deals": ("Title", "Stage", "Value", "Prob.", "Close"),
    "followups": ("Due", "Title", "Done", "Repeats"),
    "tickets": ("Opened", "Subject", "Status", "Score"),
}
CHANGED = {"timeline": "interactions"}  # the DataChanged name of a tab's rows, where it differs
ROW_NAMES = {"timeline": "entry", "orders": "order", "deals": "deal", "followups": "follow-up", "tickets": "ticket"}
# What `del` calls for a row of each tab; each write is one undoable change set.
DELETE = {"timeline": timeline.delete_interaction, "orders": orders.delete_order, "deals": deals.delete_deal,
          "followups": followups.delete_followup, "tickets": tickets.delete_ticket}
# Below this width (the tab's, beside the profile: ~46 at 80 columns) an order or a deal is
# one cell, figures on its first line and its text and lines under them: in columns, the
# text and the lines start too far right to be read ("1× B").
STACKED_BELOW = 70
STACKED = {"orders": "Order", "deals": "Deal"}
COST_UNKNOWN = "cost unknown"  # an order's margin when a line's cost is not known: never read as free
FOCUS_TABS = {"followup": "followups", "deal": "deals", "ticket": "tickets"}  # a search hit's source → its tab
TITLES = {"timeline": "Timeline", "orders": "Orders", "deals": "Deals", "followups": "Follow-ups",
          "tickets": "Tickets"}


def _shown_lines(lines) -> list[str]:
    return [f"  {line.quantity}× {line.name} · {money(line.total, cents=True)}" for line in lines]


def _order_fields(text: str) -> tuple[Decimal, str]:
    """'42.50 espresso beans' -> the amount and the description, as /buy reads them."""
    amount, rest = split_amount(text.split())
    return amount, " ".join(rest)


class CustomerScreen(CRMScreen):
    HELP = ("A customer: the profile, and the timeline (↑/↓ pick an entry, e rewrites it, del "
            "deletes it, o loads older ones). [ and ] switch to orders, deals, follow-ups, tickets. "
            "On a follow-up: d marks it done (a repeating one brings its next occurrence), e changes "
            "when, or the rhythm (every fri 9:00 …), x stops a series (the open one stays).")
    BINDINGS = [
        Binding("escape", "back", "Back", id="customer.back"),
        Binding("e", "edit", "Edit", id="customer.edit"),
        Binding("delete", "delete_row", "Delete", id="customer.delete"),
        Binding("c", "compose('/call ')", "Log call", id="customer.call"),
        Binding("n", "compose('')", "Note", id="customer.note"),
        Binding("f", "compose('/follow ')", "Follow-up", id="customer.follow"),
        Binding("d", "followup_done", "Done", id="customer.followup_done"),
        Binding("x", "stop_series", "Stop series", id="customer.stop_series"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="customer.prev_tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, id="customer.next_tab"),
    ]

    def __init__(self, customer_id: int, detail: CustomerDetail | None = None,
                 focus: tuple[str, int] | None = None) -> None:
        """`detail`, when the opener has read it already (app.open_customer), is drawn in
        the screen's first frame instead of one load later. `focus` (source, id) is the
        search hit the owner opened: the screen starts on it (read_detail loaded it)."""
        super().__init__()
        self.customer_id = customer_id
        self._preloaded = detail
        self._focus = focus
        self.older_cursor = None
        self.table_tab: str | None = None  # whose rows the tab table holds
        self.tab_rows: dict[str, list[tuple]] = {key: [] for key in TABS}
        self.tab_ids: dict[str, list[int]] = {key: [] for key in TABS}
        self.due_at: dict[int, datetime] = {}
        self.order_lines: dict[int, list[str]] = {}  # order id -> its lines as shown under it
        self.deal_lines: dict[int, list[str]] = {}  # deal id -> its lines as shown under its title
        self.order_margins: dict[int, str] = {}  # shown in the table, not part of the row's words (delete, e)
        self.series: dict[int, FollowUp] = {}  # the open follow-ups that repeat, by id: e and x read them

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="detail"):
            yield ProfileCard(id="profile")
            with Vertical(id="tabs"):
                yield TabBar(TITLES, id="tab-bar")
                with ContentSwitcher(initial="timeline", id="tab-content"):
                    yield Timeline(id="timeline")  # the table joins on the first visit to its tab

    def on_mount(self) -> None:
        self.focus_main()
        if self._preloaded is not None:
            self.show(self._preloaded)
            self._preloaded = None
            if self._focus is not None:
                self.call_later(self.go_to, *self._focus)
        else:
            self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """d and x act on follow-ups: in the footer only on their tab, where they mean something."""
        if action in ("followup_done", "stop_series"):
            return self.active_tab == "followups"
        return True

    def focus_main(self) -> None:
        self.query_one("#tab-content", ContentSwitcher).visible_content.focus()

    def focused_customer_id(self) -> int:
        return self.customer_id

    def focused_deal_id(self) -> int | None:
        """The Deals tab's highlighted row, while that tab shows."""
        if self.active_tab != "deals" or not self.tab_ids["deals"]:
            return None
        table = self.query_one("#tab-table", DataTable)
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        customer_id = self.customer_id
        work.load(self, lambda: read_detail(customer_id), self.show, group="customer-load")

    def show(self, detail: CustomerDetail) -> None:
        page = detail.timeline
        self.sub_title = visible(detail.record.name)
        card = self.query_one(ProfileCard)
        card.show(detail, self.app.now(), self.app.config.analytics.churn_horizon_days)
        if detail.margin.margin is not None:
            work.load(self, margin.book_margin, card.show_book_margin, group="customer-share")
        self.query_one(Timeline).show_newest(page.rows, page.cursor is not None)
        self.older_cursor = page.cursor
        self.tab_ids = {"orders": [o.id for o in detail.orders], "deals": [d.id for d in detail.deals],
                        "followups": [f.id for f in detail.followups], "tickets": [t.id for t in detail.tickets]}
        self.order_lines = {order_id: _shown_lines(lines) for order_id, lines in detail.order_lines.items()}
        self.deal_lines = {deal_id: _shown_lines(lines) for deal_id, lines in detail.deal_lines.items()}
        self.order_margins = {o.id: COST_UNKNOWN if o.cost is None else money(o.amount - o.cost, cents=True)
                              for o in detail.orders}
        self.due_at = {f.id: f.due_at for f in detail.followups}  # the tab shows it for reading, e types it
        self.series = {f.id: f for f in detail.followups if f.recurrence is not None and f.done_at is None}
        now = self.app.now()
        self.tab_rows = {
            "orders": [(day(o.ordered_at, now), money(o.amount, cents=True, currency=o.currency), o.description)
                       for o in detail.orders],
            "deals": [(d.title, d.stage, money(d.value, cents=True, currency=d.currency), f"{d.probability}%",
                       day(d.expected_close, now) if d.expected_close else "") for d in detail.deals],
            "followups": [(due(f.due_at, now), f.title, "✓" if f.done_at else "",
                           describe(f.recurrence, f.recur_from, f.due_at) if f.id in self.series else "")
                          for f in detail.followups],
            "tickets": [(day(t.opened_at, now), t.subject, t.status, t.satisfaction or "")
                        for t in detail.tickets],
        }
        bar = self.query_one(TabBar)
        for key, values in self.tab_rows.items():
            bar.set_label(key, f"{TITLES[key]} ({len(values)})")
        if bar.active in TABS:
            self.fill_table(bar.active)

    async def go_to(self, source: str, row_id: int) -> None:
        """Highlight a timeline entry or order line, or open the tab of a follow-up, deal or
        ticket with its row under the cursor; a custom field's hit is the profile itself."""
        if source in ("interaction", "order"):
            self.query_one(Timeline).select_entry(row_id, order=source == "order")
        elif (tab := FOCUS_TABS.get(source)) is not None and row_id in self.tab_ids[tab]:
            await self.show_tab(tab)
            self.query_one("#tab-table", DataTable).move_cursor(row=self.tab_ids[tab].index(row_id))

    @property
    def active_tab(self) -> str:
        return self.query_one(TabBar).active

    async def show_tab(self, key: str) -> None:
        """Show the timeline or one of the tables; the table is filled from the loaded rows."""
        self.query_one(TabBar).active = key
        self.refresh_bindings()  # d and x are the Follow-ups tab's
        content = self.query_one("#tab-content", ContentSwitcher)
        if key in TABS:
            if not content.query("#tab-table"):  # mounted on first use: most opens never need it
                await content.mount(DataTable(id="tab-table", cursor_type="row", zebra_stripes=True))
            self.fill_table(key)
        content.current = "timeline" if key == "timeline" else "tab-table"
        content.visible_content.focus()

    def fill_table(self, key: str) -> None:
        """The table shows one tab's rows; refilled with the same tab's (data changed), the
        cursor stays on its row (see cursor_kept), and on another tab's it starts at the top."""
        table = self.query_one("#tab-table", DataTable)
        same_tab, self.table_tab = self.table_tab == key, key
        with cursor_kept(table) if same_tab else nullcontext():
            table.clear(columns=True)
            self.add_rows(table, key)

    def add_rows(self, table: DataTable, key: str) -> None:
        width = self.query_one("#tab-content").size.width
        stacked = key in STACKED and width < STACKED_BELOW
        table.add_columns(*((STACKED[key],) if stacked else TABS[key]))
        for row_id, row in zip(self.tab_ids[key], self.tab_rows[key], strict=True):
            shown, lines = cells(*row), self.order_lines.get(row_id, []) if key == "orders" else []
            if key == "deals":
                lines = self.deal_lines.get(row_id, [])
            if stacked:
                table.add_row(self._stacked(key, row_id, row, lines, width - 2), key=str(row_id), height=2 + len(lines))
                continue
            if key == "orders":  # its margin before the text, and each line of it under the text
                shown = [*shown[:2], cell(self.order_margins[row_id]), Text("\n").join([shown[2], *cells(*lines)])]
            elif key == "deals":  # each line under the title
                shown = [Text("\n").join([shown[0], *cells(*lines)]), *shown[1:]]
            table.add_row(*shown, key=str(row_id), height=1 + len(lines))

    def _stacked(self, key: str, row_id: int, row: tuple, lines: list[str], width: int) -> Text:
        """An order as its figures, then its text, then its lines; a deal as its title, then
        its figures, then its lines: each line cut with an ellipsis to the tab's width."""
        margin = self.order_margins.get(row_id, "")
        margin = margin if margin in ("", COST_UNKNOWN) else f"margin {margin}"
        figures = " · ".join(str(value) for value in (row[:2] + (margin,) if key == "orders" else row[1:]) if value)
        text = str(row[2] if key == "orders" else row[0])
        parts = [text, figures] if key == "deals" else [figures, text]
        return Text("\n").join(cells(*(shorten(part, width) for part in (*parts, *lines))))

    def on_resize(self) -> None:
        """A narrower or wider terminal may switch an order or a deal between one stacked cell
        and columns."""
        if self.active_tab in STACKED and self.query("#tab-table"):
            self.fill_table(self.active_tab)

    def selected_row(self) -> tuple[str, int, tuple] | None:
        """(tab, id, shown cells) of the highlighted timeline entry or tab-table row, if any."""
        timeline = self.query_one(Timeline)
        if self.focused is timeline:
            entry = timeline.selected_entry
            return None if entry is None else ("timeline", entry.id, (entry.kind, entry.body))
        tab = self.active_tab
        if tab not in TABS or not self.tab_ids[tab] or self.focused is not self.query_one("#tab-table"):
            return None
        table = self.query_one("#tab-table", DataTable)
        row_id = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return tab, row_id, self.tab_rows[tab][self.tab_ids[tab].index(row_id)]

    def action_delete_row(self) -> None:
        from solocrm_tui.modals.confirm import Confirm

        selected = self.selected_row()
        if selected is None:
            self.cannot("nothing selected to delete: pick an entry with ↑/↓ first")
            return
        tab, row_id, cells = selected
        what = f"{ROW_NAMES[tab]} {' · '.join(str(c) for c in cells if c)}"

        def delete(yes: bool) -> None:
            if yes:
                work.apply_change(self, self._restaging(tab, lambda: DELETE[tab](row_id)), what=CHANGED.get(tab, tab),
                                  done=f"deleted the {what}", undo_as=f"deleting the {what}")

        self.app.push_screen(Confirm(f"Delete the {what}?"), delete)

    def rewrite(self, entry_id: int, kind: str, body: str) -> None:
        from solocrm_tui.modals.prompt import Prompt

        def rewritten(text: str | None) -> None:
            if text:
                work.apply_change(self, lambda: timeline.edit_interaction(entry_id, text), what="interactions",
                                  done=f"{kind} rewritten", undo_as=f"rewriting the {kind}")

        self.app.push_screen(Prompt(f"Rewrite the {kind}:", value=body), rewritten)

    def correct(self, tab: str, row_id: int, cells: tuple) -> None:
        """e on an order (amount and text), a ticket (its subject) or a deal (the deal form)."""
        from solocrm_tui.modals.deal_form import edit_deal
        from solocrm_tui.modals.prompt import Prompt

        if tab == "deals":
            work.load(self, lambda: deals.get_deal(row_id), lambda deal: edit_deal(self.app, deal),
                      group="customer-edit")
            return
        if tab == "orders":
            question, value, check = ("Correct the order (amount, then what it was):",
                                      f"{cells[1].split()[0]} {cells[2]}".strip(), _order_fields)
        else:
            question, value, check = "Rename the ticket:", str(cells[1]), None

        def write(text: str) -> object:
            if tab == "orders":
                return orders.update_order(row_id, *_order_fields(text))
            return tickets.rename_ticket(row_id, text)

        def corrected(text: str | None) -> None:
            if text:
                work.apply_change(self, self._restaging(tab, lambda: write(text)), what=tab,
                                  done=f"{ROW_NAMES[tab]} corrected",
                                  undo_as=f"correcting the {ROW_NAMES[tab]}")

        self.app.push_screen(Prompt(question, value=value, check=check), corrected)

    def _restaging(self, tab: str, write):
        """An order corrected or deleted can move the customer's stage: they are re-staged in
        the same change set, so undo puts the stage back with the order."""
        if tab != "orders":
            return write
        customer_id, now, rules = self.customer_id, self.app.now(), self.app.config.lifecycle

        def write_and_restage():
            result = write()
            lifecycle.restage(now, rules, [customer_id])
            return result

        return write_and_restage

    def reschedule(self, followup_id: int, typed_due: str, title: str) -> None:
        """When, then the title, as /follow reads them; leaving the title out keeps it. A
        rhythm (`every fri 9:00 …`) in place of the when gives the follow-up a new rhythm,
        counted from its first occurrence from now; a plain date moves this occurrence only."""
        from solocrm_tui.modals.prompt import Prompt

        def parsed(text: str) -> tuple[datetime, Recurrence | None, str]:
            words = text.split()
            if starts_series(words):
                when, rule, words = split_every(words, self.app.now())
                return when, rule, " ".join(words) or title
            when, words = split_when(words, self.app.now())
            return when, None, " ".join(words) or title

        def moved(text: str | None) -> None:
            if text:
                now = self.app.now()
                when, rule, new_title = parsed(text)
                current = self.series.get(followup_id)
                if rule is not None and current is not None and rule == Recurrence(current.recurrence,
                                                                                   current.recur_from or "due"):
                    when = current.due_at  # the same rhythm (a new title): this occurrence stays where it is

                def write():
                    if rule is None:
                        return followups.reschedule(followup_id, when, now, new_title)
                    return followups.repeat(followup_id, when, rule, now, new_title)

                work.apply_change(self, write, what="followups",
                                  done=f"“{new_title}” now due {due(when, self.app.now())}",
                                  undo_as=f"rescheduling “{title}”")

        self.app.push_screen(Prompt(f"Reschedule “{title}” (when or every …, then the title):",
                                    value=f"{typed_due} {title}{self._typed_tail(followup_id)}", check=parsed,
                                    placeholder="fri 14:30 send the quote, or every fri 9:00 weekly call"), moved)

    @on(TabBar.Chosen)
    async def tab_chosen(self, message: TabBar.Chosen) -> None:
        await self.show_tab(message.key)

    @on(Timeline.NeedOlder)
    def need_older(self) -> None:
        if self.older_cursor is not None:
            self.load_older(self.older_cursor)

    def load_older(self, cursor) -> None:
        customer_id = self.customer_id
        work.load(self, lambda: timeline.page_history(customer_id, cursor, TIMELINE_PAGE), self.show_older,
                  group="customer-older")

    def show_older(self, page) -> None:
        self.older_cursor = page.cursor
        self.query_one(Timeline).show_older(page.rows, page.cursor is not None)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_compose(self, prefix: str) -> None:
        field = self.query_one("#composer-input")
        field.value = prefix
        field.cursor_position = len(prefix)
        field.focus()

    async def action_tab(self, step: int) -> None:
        keys = list(TITLES)
        await self.show_tab(keys[(keys.index(self.active_tab) + step) % len(keys)])

    def action_edit(self) -> None:
        """e: on a highlighted timeline entry, rewrite it; on a follow-up, reschedule it;
        anywhere else, edit the customer."""
        from solocrm_tui.modals.customer_form import edit_customer

        selected = self.selected_row()
        if selected is not None and selected[0] == "followups":
            self.reschedule(selected[1], self._typed_when(selected[1]), str(selected[2][1]))
            return
        if selected is not None and selected[0] == "timeline":
            self.rewrite(selected[1], selected[2][0], selected[2][1])
            return
        if selected is not None and selected[0] in ("orders", "tickets", "deals"):
            self.correct(*selected)
            return

        customer_id = self.customer_id
        work.load(self, lambda: customers.get_customer(customer_id), lambda record: edit_customer(self.app, record),
                  group="customer-edit")

    def _typed_when(self, followup_id: int) -> str:
        """What the reschedule prompt starts from: the due moment, or a series' rhythm in
        the composer's words."""
        f = self.series.get(followup_id)
        if f is None:
            return f"{self.due_at[followup_id]:%Y-%m-%d %H:%M}"
        return phrase(f.recurrence, f.recur_from, f.due_at)

    def _typed_tail(self, followup_id: int) -> str:
        """A series' ` until …` and ` from done`, which follow the title."""
        f = self.series.get(followup_id)
        tail = suffix(f.recurrence, f.recur_from) if f is not None else ""
        return f" {tail}" if tail else ""

    def _selected_followup(self, verb: str) -> int | None:
        selected = self.selected_row()
        if selected is None or selected[0] != "followups":
            self.cannot(f"nothing to {verb}: pick a follow-up on the Follow-ups tab first (] to get there)")
            return None
        return selected[1]

    def action_followup_done(self) -> None:
        """d: the highlighted follow-up is done; a repeating one brings its next occurrence."""
        followup_id = self._selected_followup("mark done")
        if followup_id is None:
            return
        title, now = str(self.tab_rows["followups"][self.tab_ids["followups"].index(followup_id)][1]), self.app.now()
        repeats = followup_id in self.series
        work.apply_change(self, lambda: followups.mark_done([followup_id], now), what="followups",
                          done=f"“{title}” done" + (": the next one is on the list" if repeats else ""),
                          undo_as=f"marking “{title}” done")

    def action_stop_series(self) -> None:
        """x: no further occurrences of the highlighted series; the open one stays."""
        followup_id = self._selected_followup("stop")
        if followup_id is None:
            return
        if followup_id not in self.series:
            self.cannot("that follow-up does not repeat: nothing to stop")
            return
        title = self.series[followup_id].title
        work.apply_change(self, lambda: followups.stop_series(followup_id), what="followups",
                          done=f"“{title}” no longer repeats (this one stays: del removes it)",
                          undo_as=f"stopping the series “{title}”")
