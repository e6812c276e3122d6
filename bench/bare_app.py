"""The reference for start-up and memory: a bare Textual app with one DataTable.

Same frame as SoloCRM (header, one table, footer) and nothing else, so the
difference to the real app is what SoloCRM itself costs.
    python -m bench.bare_app
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header


class BareApp(App):
    TITLE = "BareTable"
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Company", "Stage")
        table.add_rows([(f"Customer {i}", f"Company {i % 7}", "lead") for i in range(50)])
        table.focus()


if __name__ == "__main__":
    BareApp().run()
