"""Today: the ranked daily queue, each row saying why it is there.

Follow-ups can be done or snoozed; suggestions (birthdays, repurchase, stale deals,
churn risk) can be dismissed for today. The queue reloads whenever data changes,
when reminders fire, and every minute so "due" keeps meaning now.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from solocrm_tui import work
from solocrm_tui.core.dates import format_due, parse_when
from solocrm_tui.core.today import dismissals, queue
from solocrm_tui.core.today.items import QueueItem, item_key
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.row_table import RowTable

KIND_LABEL = {"followup": "follow-up", "birthday": "birthday", "repurchase": "repurchase",
              "stale_deal": "stale deal", "churn_risk": "churn risk", "ticket": "ticket"}
EMPTY_QUEUE = "nothing to do here: the queue is empty"


def _rows(items: list[QueueItem]) -> str:
    """How an undo names the rows it takes back: the one row's title, or how many."""
    return f"“{items[0].title}”" if len(items) == 1 else f"{len(items)} rows"


def _what(item: QueueItem) -> str:
    """A row as a toast names it: a follow-up by its title, a suggestion by kind and person."""
    if item.kind == "followup":
        return item.title
    return f"{KIND_LABEL.get(item.kind, item.kind)} of {item.customer_name}"


def _finished(items: list[QueueItem]) -> str:
    """The toast after `d`: which follow-up is done, which suggestion is gone for today."""
    done = [i for i in items if i.kind == "followup"]
    dismissed = [i for i in items if i.kind != "followup"]
    parts = []
    if done:
        parts.append(f"done: {_what(done[0])}" if len(done) == 1 else f"done: {len(done)} follow-ups")
    if dismissed:
        what = _what(dismissed[0]) if len(dismissed) == 1 else f"{len(dismissed)} suggestions"
        parts.append(f"dismissed until tomorrow: {what}")
    return " · ".join(parts)


class TodayScreen(CRMScreen):
    HELP = ("Today: your follow-ups and the app's suggestions, most urgent first. Urgency ranks "
            "each row: a follow-up due today scores 10 or more (+1 a day overdue), so your own "
            "promises come before every suggestion (birthdays, repurchases, stale deals, churn risk).")
    BINDINGS = [
        Binding("enter", "open", "Open", id="today.open"),
        Binding("d", "done", "Done/dismiss", id="today.done"),
        Binding("s", "snooze", "Snooze 1d", id="today.snooze"),
        Binding("S", "snooze_pick", "Snooze until…", id="today.snooze_pick"),
        Binding("c", "call", "Log call", id="today.call"),
        Binding("space", "mark", "Mark", id="today.mark"),
        Binding("j", "cursor_down", "Down", show=False, id="today.down"),
        Binding("k", "cursor_up", "Up", show=False, id="today.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: list[QueueItem] = []
        self.shown_once = False
        self.marked: set[int] = set()

    def compose_body(self) -> ComposeResult:
        yield Static("loading today's queue…", id="today-summary")
        table = RowTable(id="queue", cursor_type="row", zebra_stripes=True)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Urgency", key="urgency", width=7)
        table.add_column("What", key="kind", width=10)
        table.add_column("Who", key="who", width=20)
        table.add_column("Why", key="why")
        yield table

    def on_mount(self) -> None:
        self.focus_main()
        self.load()
        self.set_interval(60, self.load)

    def focus_main(self) -> None:
        self.query_one("#queue", DataTable).focus()

    def reload(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        """Coming back from another screen: reload. Not on the first resume, which follows
        on_mount's load at once; two loads at start-up ran side by side and each took twice
        as long (one GIL), so the queue of a 100k book appeared after 2.9 s instead of 1.2 s."""
        if self.shown_once:
            self.load()

    def load(self) -> None:
        now, settings = self.app.now(), self.app.config.today
        work.load(self, lambda: queue.todays_queue(now, settings), self.show, group="today-load")

    def show(self, items: list[QueueItem]) -> None:
        table = self.query_one("#queue", DataTable)
        current = self.current()
        keep = item_key(current) if current else None
        self.items = items
        self.shown_once = True
        self.marked &= {item_key(i) for i in items}
        table.clear()
        for index, item in enumerate(items):
            why = "; ".join(item.reasons)
            title = f"{item.title} — {why}" if item.kind == "followup" else why
            table.add_row("●" if item_key(item) in self.marked else " ",
                          cell(f"{item.urgency:4.1f}", justify="right"), KIND_LABEL.get(item.kind, item.kind),
                          cell(item.customer_name or "—", overflow="ellipsis", no_wrap=True),
                          cell(title, overflow="ellipsis", no_wrap=True), key=str(index))
            if item_key(item) == keep:
                table.move_cursor(row=index, animate=False)
        self.query_one("#today-summary", Static).update(self.summary(items))

    def summary(self, items: list[QueueItem]) -> str:
        if not items:
            return " Nothing due today. Add follow-ups with /follow WHEN TEXT in the composer."
        now = self.app.now()
        overdue = sum(1 for i in items if i.kind == "followup" and i.due_at and i.due_at.date() < now.date())
        due = sum(1 for i in items if i.kind == "followup") - overdue
        suggestions = len(items) - overdue - due
        return f" {now:%A %d %B} · {overdue} overdue · {due} due today · {suggestions} suggestions"

    def current(self) -> QueueItem | None:
        table = self.query_one("#queue", DataTable)
        if not self.items or table.cursor_row >= len(self.items):
            return None
        return self.items[table.cursor_row]

    def focused_customer_id(self) -> int | None:
        item = self.current()
        return item.customer_id if item else None

    def targets(self) -> list[QueueItem]:
        marked = [i for i in self.items if item_key(i) in self.marked]
        current = self.current()
        return marked or ([current] if current else [])

    @on(DataTable.RowSelected, "#queue")
    def row_selected(self) -> None:
        self.action_open()

    def action_cursor_down(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#queue", DataTable).action_cursor_up()

    def current_or_say(self) -> QueueItem | None:
        """The row under the cursor, or None after saying the queue is empty."""
        item = self.current()
        if item is None:
            self.cannot(EMPTY_QUEUE)
        return item

    def action_open(self) -> None:
        item = self.current_or_say()
        if item is None:
            return
        if item.customer_id is None:
            self.cannot(f"“{item.title}” is not about a customer: nothing to open")
        else:
            self.app.open_customer(item.customer_id)

    def action_mark(self) -> None:
        item = self.current_or_say()
        if item is None:
            return
        key = item_key(item)
        self.marked.symmetric_difference_update({key})
        table = self.query_one("#queue", DataTable)
        table.update_cell_at((table.cursor_row, 0), "●" if key in self.marked else " ")
        table.action_cursor_down()

    def action_call(self) -> None:
        item = self.current_or_say()
        if item is not None and not item.customer_name:
            self.cannot(f"“{item.title}” is not about a customer: name one with /call @name")
        elif item is not None:
            field = self.query_one("#composer-input")
            field.value = f"/call @{item.customer_name.replace(' ', '_')} "
            field.cursor_position = len(field.value)
            field.focus()

    def action_done(self) -> None:
        items = self.targets()
        if not items:
            self.cannot(EMPTY_QUEUE)
            return
        self.marked.clear()
        now = self.app.now()
        work.apply_change(self, lambda: dismissals.done_or_dismiss(items, now), what=("followups", "today"),
                          done=_finished(items), undo_as=f"{_rows(items)} done")

    def action_snooze(self) -> None:
        self.snooze_until(self.app.now() + timedelta(days=1))

    def action_snooze_pick(self) -> None:
        from solocrm_tui.modals.prompt import Prompt

        if not self.targets():
            self.cannot(EMPTY_QUEUE)
        else:
            now = self.app.now()
            self.app.push_screen(
                Prompt("Snooze until when?", placeholder="tomorrow 9:00, 3d, fri, 2026-12-01",
                       check=lambda text: parse_when(text, now)),
                lambda text: text and self.snooze_until(parse_when(text, self.app.now())))

    def snooze_until(self, until: datetime) -> None:
        items = self.targets()
        if not items:
            self.cannot(EMPTY_QUEUE)
            return
        self.marked.clear()
        now = self.app.now()
        work.apply_change(self, lambda: dismissals.snooze_items(items, until, now), what=("followups", "today"),
                          done=f"snoozed {_rows(items)} until {format_due(until, now)}",
                          undo_as=f"snoozing {_rows(items)}")
