"""Customers: a searchable, sortable list paged from SQL.

Typing in the filter box runs the query in an exclusive worker; each query carries
a generation number and answers from an older generation are dropped, so fast
typing never shows stale rows. More rows are fetched when the cursor nears the end.
"""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from solocrm_tui import work
from solocrm_tui.core.contacts.search import (
    SORTS,
    CustomerQuery,
    count_customers,
    page_customers,
    parse_filter,
)
from solocrm_tui.core.errors import CRMError
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.screens.customer_list_actions import NO_ROW, CustomerListActions
from solocrm_tui.text.figures import count
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.customer_table import CustomerTable

PAGE = 100
PREFETCH = 25
SORT_ORDER = tuple(SORTS)
COLUMN_SORT = {"name": "name", "company": "company", "stage": "stage", "segment": "segment",
               "last_contact": "last_contact", "revenue": "revenue", "clv": "clv", "churn": "churn"}


class FilterBox(Input):
    """The filter: Esc clears it, a second Esc (or Down) hands the keys to the list."""

    BINDINGS = [
        Binding("escape", "clear_or_leave", "Clear", id="customers.filter.clear"),
        Binding("down", "leave", "To the list", show=False, id="customers.filter.leave"),
    ]

    def action_clear_or_leave(self) -> None:
        if self.value:
            self.value = ""
        else:
            self.action_leave()

    def action_leave(self) -> None:
        self.screen.focus_main()


class CustomersScreen(CustomerListActions, CRMScreen):
    HELP = ("Customers: the whole book, filtered as you type (f): a name, company or email, or "
            "stage:at_risk, segment:Champions, #tag. s changes the sort, S reverses it; space marks "
            "rows for archive (x), tag (t) and merge (m).")
    BINDINGS = [
        Binding("f", "focus_filter", "Filter", id="customers.filter"),
        Binding("enter", "open", "Open", id="customers.open"),
        Binding("a", "add", "Add", id="customers.add"),
        Binding("e", "edit", "Edit", id="customers.edit"),
        Binding("x", "archive", "Archive", id="customers.archive"),
        Binding("space", "mark", "Mark", id="customers.mark"),
        Binding("t", "tag", "Tag", id="customers.tag"),
        Binding("m", "merge", "Merge", id="customers.merge"),
        Binding("F", "forget", "Forget (GDPR)", show=False, id="customers.forget"),
        Binding("s", "cycle_sort", "Sort", id="customers.sort"),
        Binding("S", "reverse_sort", "Reverse", show=False, id="customers.reverse"),
    ]
    READ_ON_RETURN = True

    def __init__(self) -> None:
        super().__init__()
        self.query_state = CustomerQuery()
        self.cursor = None
        self.generation = 0
        self.loading_more = False
        self.total: int | None = None

    def compose_body(self) -> ComposeResult:
        yield FilterBox(placeholder="filter: name, company, email…  stage:at_risk  segment:Champions  #tag",
                    id="filter")
        yield CustomerTable(id="customers")
        yield Static("", id="list-status")

    def on_mount(self) -> None:
        self.focus_main()
        self.load()

    def focus_main(self) -> None:
        self.query_one(CustomerTable).focus()

    def focused_customer_id(self) -> int | None:
        return self.query_one(CustomerTable).current_id

    # loading -------------------------------------------------------------------------

    def load(self, keep_rows: int = PAGE, *, from_top: bool = False) -> None:
        """`from_top` for a new sort: the cursor's customer may sit anywhere in the new order."""
        self.generation += 1
        self.fetch(self.generation, self.query_state, max(PAGE, keep_rows), from_top)

    def fetch(self, generation: int, query: CustomerQuery, limit: int, from_top: bool = False) -> None:
        """The rows first, then the count: counting a broad search takes as long as the
        page, and the owner is looking at the rows."""
        work.load(self, lambda: page_customers(query, None, limit),
                  lambda page: self.show_first_page(generation, page, query, from_top), group="customers-load")

    def show_total(self, generation: int, total: int) -> None:
        if generation == self.generation:
            self.total = total
            self.update_status()

    def show_first_page(self, generation: int, page, query: CustomerQuery, from_top: bool = False) -> None:
        if generation != self.generation:
            return
        work.load(self, lambda: count_customers(query), lambda total: self.show_total(generation, total),
                  group="customers-count")
        table = self.query_one(CustomerTable)
        keep = table.current_id
        old_row = table.cursor_row
        table.show_sort(query.sort, query.is_descending)
        table.clear()
        table.now = self.app.now()
        table.append(page.rows)
        self.cursor = page.cursor
        self.total = None  # counted next
        if from_top:
            table.move_cursor(row=0, animate=False)
            table.scroll_home(animate=False)
        elif keep is not None and str(keep) in table.rows:
            table.move_cursor(row=table.get_row_index(str(keep)), animate=False, scroll=True)
        elif table.row_count:
            table.move_cursor(row=min(old_row, table.row_count - 1), animate=False)
        self.update_status()

    def fetch_more(self, generation: int, query: CustomerQuery, cursor) -> None:
        work.load(self, lambda: page_customers(query, cursor, PAGE), lambda page: self.show_more(generation, page),
                  group="customers-more", exclusive=False)

    def show_more(self, generation: int, page) -> None:
        self.loading_more = False
        if generation != self.generation:
            return
        self.query_one(CustomerTable).append(page.rows)
        self.cursor = page.cursor
        self.update_status()

    def update_status(self) -> None:
        table = self.query_one(CustomerTable)
        q = self.query_state
        direction = "▼" if q.is_descending else "▲"  # the arrow its column's header carries
        marked = f" · {len(table.marked)} marked" if table.marked else ""
        hint = f" {q.hint} ·" if q.hint else ""  # it quotes the typed filter: shown through cell
        self.query_one("#list-status", Static).update(cell(
            f"{hint} {'… customers' if self.total is None else count(self.total, 'customer')} · "
            f"showing {table.row_count:,} · sorted by {table.label_of(q.sort)} {direction}{marked}"))

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        try:
            self.query_state = parse_filter(event.value, sort=self.query_state.sort,
                                            descending=self.query_state.descending)
        except CRMError as exc:
            self.generation += 1  # an answer still on its way must not cover the hint
            self.query_one("#list-status", Static).update(cell(f" {exc}"))  # it quotes the typed filter
            return
        self.load()

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.focus_main()

    @on(DataTable.RowHighlighted, "#customers")
    def maybe_fetch_more(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(CustomerTable)
        if self.cursor is not None and not self.loading_more and event.cursor_row >= table.row_count - PREFETCH:
            self.loading_more = True
            self.fetch_more(self.generation, self.query_state, self.cursor)

    @on(DataTable.RowSelected, "#customers")
    def row_selected(self) -> None:
        self.action_open()

    @on(DataTable.HeaderSelected, "#customers")
    def header_selected(self, event: DataTable.HeaderSelected) -> None:
        sort = COLUMN_SORT.get(str(event.column_key.value))
        if sort == self.query_state.sort:
            self.action_reverse_sort()
        elif sort:
            self.set_sort(sort, None)

    def reload(self) -> None:
        self.load(keep_rows=self.query_one(CustomerTable).row_count)

    # actions -------------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_open(self) -> None:
        cid = self.focused_customer_id()
        if cid is None:
            self.cannot(NO_ROW)
        else:
            self.app.open_customer(cid)

    def set_sort(self, sort: str, descending: bool | None) -> None:
        self.query_state = replace(self.query_state, sort=sort, descending=descending)
        self.load(from_top=True)

    def action_cycle_sort(self) -> None:
        index = SORT_ORDER.index(self.query_state.sort)
        self.set_sort(SORT_ORDER[(index + 1) % len(SORT_ORDER)], None)

    def action_reverse_sort(self) -> None:
        self.set_sort(self.query_state.sort, not self.query_state.is_descending)

    def action_mark(self) -> None:
        table = self.query_one(CustomerTable)
        if table.current_id is None:
            self.cannot(NO_ROW)
            return
        table.toggle_mark()
        table.action_cursor_down()
        self.update_status()
