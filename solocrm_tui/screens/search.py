"""Find anything: customers by name, company or email first, then every note, call,
email, follow-up, deal, ticket and order the owner wrote, as they type, grouped by
customer, with the matching words highlighted.

Pushed from any screen (ctrl+f, or /find in the composer), so Esc returns where the
owner was; Enter opens the customer, at the entry that matched. Each keystroke starts a
search in a worker and the newest one wins: an answer to an older query is dropped,
never drawn over a newer one.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from solocrm_tui import work
from solocrm_tui.core.contacts.everything import Found, Hit, find_everything
from solocrm_tui.core.contacts.search import page_customers, parse_filter, with_phone
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.storage.records import CustomerRow
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.text.figures import count, day
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.fitted_table import Col, FittedTable

PERSONAL = "personal to-do"
COLUMNS = (Col("who", "Customer", 20, narrow=14), Col("when", "When", 15, drop=2), Col("kind", "Kind", 9, drop=1),
           Col("line", "Matching line", 30, flexible=True))
KIND_LABEL = {"customer": "customer", "followup": "follow-up", "deal": "deal", "ticket": "ticket", "order": "order", "custom": "field"}
MATCH_STYLE = "bold reverse"
NAMED = 5  # customers whose name, company or email match, above the entries
SHOWN = 60  # hits drawn per query: two screens of the newest; 200 cost a keystroke 5 ms more at p95


class SearchBox(Input):
    """The query: ↓ hands the keys to the hits; Esc leaves the screen."""

    BINDINGS = [
        Binding("down", "screen.focus_hits", "To the hits", show=False, id="search.to_hits"),
        Binding("escape", "screen.leave", "Back", id="search.back"),
    ]


class SearchScreen(CRMScreen):
    HELP = ('Find anything: customers by name, company or email, then everything you wrote — notes, '
            'calls, emails, follow-ups, deals, lost reasons, tickets, orders and custom fields. Words match as prefixes, "a phrase" as a phrase, '
            'accents are ignored. kind:call, after:2026-01-01, before:2026-06-30 and @name narrow it. '
            'Enter opens the customer at that entry.')
    BINDINGS = [
        Binding("escape", "leave", "Back", id="search.leave"),
        Binding("f", "focus_box", "Edit query", id="search.edit"),
    ]

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text
        self.hits: list[Hit | CustomerRow] = []
        self.asked = 0  # the newest query's number: older answers are dropped

    def compose_body(self) -> ComposeResult:
        yield SearchBox(self.text, placeholder='find anything: a name, words, "a phrase", kind:call, after:2026-01-01, @name',
                        id="search-box")
        yield FittedTable(COLUMNS, id="hits", cursor_type="row", zebra_stripes=True)
        yield Static("", id="search-status")

    def on_mount(self) -> None:
        self.query_one("#search-box", SearchBox).focus()
        self.search(self.text)

    def focus_main(self) -> None:
        self.query_one("#hits").focus()

    def action_focus_hits(self) -> None:
        self.focus_main()

    def action_focus_box(self) -> None:
        self.query_one("#search-box").focus()

    def action_leave(self) -> None:
        self.app.pop_screen()

    def action_search(self, text: str = "") -> None:
        """ctrl+f or /find here: the query (a new one with /find), not a second screen on top."""
        box = self.query_one("#search-box", SearchBox)
        if text:
            box.value = text
        box.focus()

    @on(Input.Changed, "#search-box")
    def typed(self, event: Input.Changed) -> None:
        self.search(event.value)

    def search(self, text: str) -> None:
        self.asked += 1
        asked, now = self.asked, self.app.now()
        if not text.strip():
            self.show(asked, None)
            return
        self.query_one("#search-status", Static).update(" searching…")

        def read() -> tuple[tuple[CustomerRow, ...], Found] | CRMError:
            try:
                return named(text), find_everything(text, now, limit=SHOWN)
            except CRMError as error:  # a query the owner can fix: said on the status line
                return error

        work.load(self, read, lambda found: self.show(asked, found), group="search")

    def show(self, asked: int, answer: tuple[tuple[CustomerRow, ...], Found] | CRMError | None) -> None:
        if asked != self.asked:
            return
        if isinstance(answer, CRMError):
            self.query_one("#search-status", Static).update(cell(f" {answer}"))
            return
        people, found = answer if answer else ((), None)
        table = self.query_one("#hits", FittedTable)
        table.clear()
        self.hits = []
        now = self.app.now()
        for person in people:
            details = " · ".join(x for x in (person.company, person.stage.replace("_", " ")) if x)
            table.add_row(cell(person.name, overflow="ellipsis", no_wrap=True), "", "customer",
                          cell(details, overflow="ellipsis", no_wrap=True), key=str(len(self.hits)))
            self.hits.append(person)
        for group in found.groups if found else ():
            for index, hit in enumerate(group.hits):
                who = (group.customer_name or PERSONAL) if index == 0 else ""
                table.add_row(cell(who, overflow="ellipsis", no_wrap=True), day(hit.at, now),
                              KIND_LABEL.get(hit.kind, hit.kind), highlighted(hit),
                              key=str(len(self.hits)))
                self.hits.append(hit)
        self.query_one("#search-status", Static).update(cell(status(people, found)))

    def current(self) -> Hit | CustomerRow | None:
        table = self.query_one("#hits", FittedTable)
        return self.hits[table.cursor_row] if self.hits and table.cursor_row < len(self.hits) else None

    def focused_customer_id(self) -> int | None:
        hit = self.current()
        return hit.id if isinstance(hit, CustomerRow) else hit.customer_id if hit else None

    def action_open(self) -> None:
        hit = self.current()
        if hit is None:
            self.cannot("no hit to open: type what you are looking for")
        elif isinstance(hit, CustomerRow):
            self.app.open_customer(hit.id)
        elif hit.customer_id is None:
            self.cannot(f"“{hit.text}” is a {PERSONAL}: Today lists it")
        else:
            self.app.open_customer(hit.customer_id, focus=(hit.source, hit.source_id))


def highlighted(hit: Hit) -> Text:
    """The matching line, shown as typed (never markup), with the matched words marked."""
    text = cell(hit.text, overflow="ellipsis", no_wrap=True)
    for start, end in hit.spans:
        text.stylize(MATCH_STYLE, start, end)
    return text


def named(text: str) -> tuple[CustomerRow, ...]:
    """Customers whose name, company or email match plain words, as the Customers filter
    finds them, the ones whose phone the query is first; a query with filters (kind:,
    after:, @name) is about entries only."""
    if ":" in text or "@" in text or not text.strip():
        return ()
    query = parse_filter(text)
    first = with_phone(query.phone, NAMED) if query.phone else []
    seen = {person.id for person in first}
    return tuple([*first, *(r for r in page_customers(query, None, NAMED).rows if r.id not in seen)][:NAMED])


def status(people: tuple[CustomerRow, ...], found: Found | None) -> str:
    if found is None:
        return " type to find customers and everything you wrote"
    hint = f" · {found.hint}" if found.hint else ""
    by_name = f" {count(len(people), 'customer')} by name ·" if people else ""
    if not found.shown:
        return f"{by_name} nothing found in the entries{hint}" if people else f" nothing found{hint}"
    more = " (the newest; narrow the search for the rest)" if found.more else ""
    return f"{by_name} {count(found.shown, 'hit')}{more} · {count(len(found.groups), 'customer')}{hint}"
