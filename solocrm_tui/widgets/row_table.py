"""A table of records the owner opens: Enter reads "Open" in the footer, and Home/End
go to the first and last row (DataTable's own Home/End scroll sideways, which in a list
of people only hides the names).

Enter runs the screen's `open` action (every screen showing one has it) rather than
the table's row selection, which an empty table ignores: the screen says why nothing
opened."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from textual.binding import Binding
from textual.widgets import DataTable


@contextmanager
def cursor_kept(table: DataTable, row_of_kept: Callable[[], int | None] | None = None) -> Iterator[None]:
    """Refill `table` inside this and the cursor stays where the owner was reading:
    on the same row if it is still listed (found by its key, or by `row_of_kept` where
    keys are positions), else on the same row index, the row that took the place of
    one done or deleted, clamped to the last row. DataTable.clear() sends the cursor to
    the first row, and the next Enter opened another customer."""
    old_row = table.cursor_row
    old_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key if table.row_count else None
    yield
    if not table.row_count:
        return
    if row_of_kept is not None:
        row = row_of_kept()
    else:
        row = table.get_row_index(old_key) if old_key is not None and old_key in table.rows else None
    table.move_cursor(row=min(old_row if row is None else row, table.row_count - 1), animate=False)


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
