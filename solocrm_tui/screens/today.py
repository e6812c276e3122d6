"""Today: the ranked daily queue, each row saying why it is there.

Follow-ups can be done or snoozed; suggestions (birthdays, repurchase, stale deals,
churn risk) can be dismissed for today. The queue reloads whenever data changes,
when reminders fire, and every minute so "due" keeps meaning now.

On an empty book (no customer yet) the queue gives way to the first steps, one key
each: add a customer, import a CSV of customers, or load the demo book. They are
Today's own keys, offered only while the book is empty, so the first screen a new
owner sees is the one they will use every day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from solocrm_tui import work
from solocrm_tui.core.contacts.customers import book_is_empty
from solocrm_tui.core.dates import parse_when
from solocrm_tui.core.demo import DEFAULT_CUSTOMERS
from solocrm_tui.core.today import dismissals, queue
from solocrm_tui.core.today.items import QueueItem, item_key
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.screens.csv_import import ImportsCSV
from solocrm_tui.text.figures import count, day, due
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.fitted_table import Col, FittedTable
from solocrm_tui.widgets.row_table import cursor_kept

# "Why" is what the owner reads: it takes the room left, at least 40 cells. At 80 columns
# the urgency figure goes (the rows are ranked by it) and the name narrows.
COLUMNS = (Col("mark", " ", 1), Col("urgency", "Urgency", 7, drop=1), Col("kind", "What", 10),
           Col("who", "Who", 20, narrow=14), Col("why", "Why", 40, flexible=True))
KIND_LABEL = {"followup": "follow-up", "birthday": "birthday", "repurchase": "repurchase",
              "stale_deal": "stale deal", "churn_risk": "churn risk", "ticket": "ticket", "cross_sell": "cross-sell"}
EMPTY_QUEUE = "nothing to do here: the queue is empty"

DEMO_CUSTOMERS = DEFAULT_CUSTOMERS
FIRST_STEPS = """\
 Welcome. There are no customers yet; start with one of these:

   a  add a customer
   i  import customers from a CSV file (name, email, phone, company…)
   t  try the demo book: made-up customers, orders and deals to explore

 Later, /add NAME [EMAIL] in the composer adds a customer from any screen."""
FIRST_STEP_ACTIONS = frozenset({"add_customer", "import_customers", "load_demo"})
QUEUE_ACTIONS = frozenset({"open", "done", "snooze", "snooze_pick", "call", "mark"})


def _rows(items: list[QueueItem]) -> str:
    """How an undo names the rows it takes back: the one row's title, or how many."""
    return f"“{items[0].title}”" if len(items) == 1 else f"{len(items)} rows"


PERSONAL = "personal to-do"  # a follow-up without a customer


def _who(item: QueueItem) -> str:
    if item.customer_name is not None:
        return item.customer_name
    return PERSONAL if item.kind == "followup" else "—"


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


class TodayScreen(ImportsCSV, CRMScreen):
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
        Binding("a", "add_customer", "Add customer", id="today.add_customer"),
        Binding("i", "import_customers", "Import CSV", id="today.import_customers"),
        Binding("t", "load_demo", "Try the demo", id="today.load_demo"),
    ]
    READ_ON_RETURN = True

    def __init__(self) -> None:
        super().__init__()
        self.items: list[QueueItem] = []
        self.shown_once = False
        self.marked: set[int] = set()
        self.empty_book = False
        self.loading_demo = False

    def compose_body(self) -> ComposeResult:
        yield Static("loading today's queue…", id="today-summary")
        steps = Static(FIRST_STEPS, id="first-steps", markup=False)
        steps.can_focus = True  # the queue is hidden: the first steps' keys need a focused home
        steps.display = False
        yield steps
        yield FittedTable(COLUMNS, id="queue", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.focus_main()
        self.load()
        self.set_interval(60, self.load)

    def focus_main(self) -> None:
        self.query_one("#first-steps" if self.empty_book else "#queue").focus()

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        now, settings = self.app.now(), self.app.config.today
        work.load(self, lambda: (queue.todays_queue(now, settings), book_is_empty()),
                  lambda loaded: self.show(*loaded), group="today-load")

    def show(self, items: list[QueueItem], empty_book: bool = False) -> None:
        self.show_first_steps(empty_book and not items)  # personal to-dos need no customer
        table = self.query_one("#queue", DataTable)
        current = self.current()
        keep = item_key(current) if current else None
        self.items = items
        self.shown_once = True
        self.marked &= {item_key(i) for i in items}
        with cursor_kept(table, lambda: next((i for i, item in enumerate(items) if item_key(item) == keep), None)):
            table.clear()
            self.add_rows(table, items)
        self.query_one("#today-summary", Static).update(self.summary(items))

    def add_rows(self, table: DataTable, items: list[QueueItem]) -> None:
        for index, item in enumerate(items):
            why = "; ".join(item.reasons)
            title = f"{item.title} — {why}" if item.kind == "followup" else why
            table.add_row("●" if item_key(item) in self.marked else " ",
                          cell(f"{item.urgency:4.1f}", justify="right"), KIND_LABEL.get(item.kind, item.kind),
                          cell(_who(item), overflow="ellipsis", no_wrap=True),
                          cell(title, overflow="ellipsis", no_wrap=True), key=str(index))

    def show_first_steps(self, empty_book: bool) -> None:
        """The first steps instead of the queue while the book is empty (no customer and
        nothing due); the queue once it is not."""
        if empty_book == self.empty_book and self.shown_once:
            return
        self.empty_book = empty_book
        self.query_one("#first-steps").display = empty_book
        self.query_one("#queue").display = not empty_book
        self.focus_main()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The first steps are offered (and shown in the footer) only while the book is empty,
        the queue's keys only while it is not, so the footer names the keys that do something."""
        if action in FIRST_STEP_ACTIONS:
            return self.empty_book and not self.loading_demo
        if action in QUEUE_ACTIONS:
            return not self.empty_book
        return True

    def summary(self, items: list[QueueItem]) -> str:
        if self.loading_demo:
            return " loading the demo book… (a few seconds)"
        if self.empty_book:
            return " First steps"
        if not items:
            return " Nothing due today · set one with /follow @name tomorrow TEXT in the composer"
        now = self.app.now()
        overdue = sum(1 for i in items if i.kind == "followup" and i.due_at and i.due_at.date() < now.date())
        due = sum(1 for i in items if i.kind == "followup") - overdue
        suggestions = len(items) - overdue - due
        return f" {day(now, now)} · {overdue} overdue · {due} due today · {count(suggestions, 'suggestion')}"

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
            self.cannot(f"“{item.title}” is a {PERSONAL}: d marks it done, s snoozes it")
        else:
            self.app.open_customer(item.customer_id)

    def action_mark(self) -> None:
        item = self.current_or_say()
        if item is None:
            return
        key = item_key(item)
        self.marked.symmetric_difference_update({key})
        table = self.query_one("#queue", DataTable)
        table.update_cell(str(table.cursor_row), "mark", "●" if key in self.marked else " ")
        table.action_cursor_down()

    def action_call(self) -> None:
        item = self.current_or_say()
        if item is not None and item.customer_id is None:
            self.cannot(f"“{item.title}” is a {PERSONAL}: there is no customer to call")
        elif item is not None and item.customer_name:
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
                          done=f"snoozed {_rows(items)} until {due(until, now)}",
                          undo_as=f"snoozing {_rows(items)}")

    # first steps ------------------------------------------------------------------------

    def action_add_customer(self) -> None:
        self.app.action_add_customer()

    def action_import_customers(self) -> None:
        self.ask_for_csv("customers", "Import customers from which CSV file?", "~/contacts.csv",
                         what=("customers", "today"))

    def action_load_demo(self) -> None:
        """The CLI's demo generator, in a worker: a few seconds for the default book."""
        from solocrm_tui.core.demo.generate import generate_demo

        now, currency, size = self.app.now(), self.app.config.currency, DEMO_CUSTOMERS
        self.loading_demo = True
        self.refresh_bindings()
        self.query_one("#today-summary", Static).update(self.summary(self.items))

        def loaded(_) -> None:
            self.loading_demo = False
            self.refresh_bindings()

        def refused(_) -> None:
            loaded(None)
            self.load()

        work.apply_change(self, lambda: generate_demo(now, size, currency=currency),
                          what=("customers", "orders", "deals", "followups", "today"), then=loaded,
                          refused=refused, done=lambda summary: f"demo book loaded: {summary.line()}",
                          group="today-demo")
