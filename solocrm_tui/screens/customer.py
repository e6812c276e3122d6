"""Customer detail: profile card, chat-style timeline, and tabs for the rest.

Pushed on the customers stack, so Esc returns to the list with the cursor on the
same row. Everything is loaded in workers; the timeline starts with the newest page.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, TabbedContent, TabPane

from solocrm_tui.core import customers, followups, orders, pipeline, tickets, timeline
from solocrm_tui.dbthread import db_call
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.widgets.profile_card import ProfileCard
from solocrm_tui.widgets.timeline import Timeline

TIMELINE_PAGE = 50
TABS = {
    "orders": ("Date", "Amount", "Description"),
    "deals": ("Title", "Stage", "Value", "Prob.", "Close"),
    "followups": ("Due", "Title", "Done"),
    "tickets": ("Opened", "Subject", "Status", "Score"),
}


class CustomerScreen(CRMScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="customer.back"),
        Binding("e", "edit", "Edit", id="customer.edit"),
        Binding("c", "compose('/call ')", "Log call", id="customer.call"),
        Binding("n", "compose('')", "Note", id="customer.note"),
        Binding("f", "compose('/follow ')", "Follow-up", id="customer.follow"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", show=False, id="customer.prev_tab"),
        Binding("right_square_bracket", "tab(1)", "Next tab", show=False, id="customer.next_tab"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.older_cursor = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="detail"):
            yield ProfileCard(id="profile")
            with TabbedContent(id="tabs"):
                with TabPane("Timeline", id="tab-timeline"):
                    yield Timeline(id="timeline")
                for key, columns in TABS.items():
                    with TabPane(key.replace("followups", "Follow-ups").capitalize(), id=f"tab-{key}"):
                        table = DataTable(id=f"table-{key}", cursor_type="row", zebra_stripes=True)
                        table.add_columns(*columns)
                        yield table

    def on_mount(self) -> None:
        self.focus_main()
        self.load()

    def focus_main(self) -> None:
        self.query_one(Timeline).focus()

    def focused_customer_id(self) -> int:
        return self.customer_id

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="customer-load", exit_on_error=False)
    def load(self) -> None:
        cid = self.customer_id
        record = db_call(customers.get_customer, cid)
        page = db_call(timeline.page_timeline, cid, None, TIMELINE_PAGE)
        extras = db_call(lambda: {
            "orders": orders.list_orders(cid), "deals": pipeline.customer_deals(cid),
            "followups": followups.customer_followups(cid, include_done=True),
            "tickets": tickets.customer_tickets(cid)})
        self.app.call_from_thread(self.show, record, page, extras)

    def show(self, record, page, extras) -> None:
        self.sub_title = record.name
        self.query_one(ProfileCard).show(record, extras, self.app.now())
        self.query_one(Timeline).show_newest(page.rows, page.cursor is not None)
        self.older_cursor = page.cursor
        rows = {
            "orders": [(o.ordered_at.strftime("%Y-%m-%d"), f"{o.amount} {o.currency}", o.description)
                       for o in extras["orders"]],
            "deals": [(d.title, d.stage, f"{d.value} {d.currency}", f"{d.probability}%",
                       d.expected_close.isoformat() if d.expected_close else "") for d in extras["deals"]],
            "followups": [(f.due_at.strftime("%Y-%m-%d %H:%M"), f.title, "✓" if f.done_at else "")
                          for f in extras["followups"]],
            "tickets": [(t.opened_at.strftime("%Y-%m-%d"), t.subject, t.status, t.satisfaction or "")
                        for t in extras["tickets"]],
        }
        for key, values in rows.items():
            table = self.query_one(f"#table-{key}", DataTable)
            table.clear()
            table.add_rows(values)
            pane = self.query_one("#tabs", TabbedContent).get_tab(f"tab-{key}")
            pane.label = f"{key.replace('followups', 'Follow-ups').capitalize()} ({len(values)})"

    @on(Timeline.NeedOlder)
    def need_older(self) -> None:
        if self.older_cursor is not None:
            self.load_older(self.older_cursor)

    @work(thread=True, exclusive=True, group="customer-older", exit_on_error=False)
    def load_older(self, cursor) -> None:
        page = db_call(timeline.page_timeline, self.customer_id, cursor, TIMELINE_PAGE)
        self.app.call_from_thread(self.show_older, page)

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

    def action_tab(self, step: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        ids = ["tab-timeline", *[f"tab-{k}" for k in TABS]]
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def action_edit(self) -> None:
        self.edit()

    @work(thread=True, exit_on_error=False, group="customer-edit")
    def edit(self) -> None:
        from solocrm_tui.modals.customer_form import edit_customer

        record = db_call(customers.get_customer, self.customer_id)
        self.app.call_from_thread(edit_customer, self.app, record)
