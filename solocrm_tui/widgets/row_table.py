"""A table of records the owner opens: Enter reads "Open" in the footer, and Home/End
go to the first and last row (DataTable's own Home/End scroll sideways, which in a list
of people only hides the names).

Enter runs the screen's `open` action (every screen showing one has it) rather than
the table's row selection, which an empty table ignores: the screen says why nothing
opened."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    BINDINGS = [
        Binding("enter", "screen.open", "Open", id="table.open"),
        Binding("home", "first_row", "First row", show=False, id="table.first"),
        Binding("end", "last_row", "Last row", show=False, id="table.last"),
    ]

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0, animate=False)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1, animate=False)
