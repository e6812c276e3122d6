"""A table whose columns fit its width: from 160 columns down to 80, the least important
columns narrow first and then go, and one flexible column takes whatever room is left.

DataTable sizes columns once, to fixed widths or to their content, and a narrow terminal
then cuts the right-hand columns (Today's "Why" to about 32 characters, the customer
list's "Contact" to "Contac"). Here the screen still adds every cell of a row; the table
keeps them and shows the columns that fit, and lays them out again when its width changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets.data_table import ColumnKey, RowKey

from solocrm_tui.widgets.row_table import RowTable


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int  # the flexible column: the least it is given
    narrow: int | None = None  # tried before any column is dropped
    drop: int = 0  # 1 goes first, then 2, …; 0 stays at any width
    flexible: bool = False
    grow: int = 0  # widens to its longest cell up to this width, from the flexible column's spare room


Fitted = tuple[tuple[str, str, int], ...]  # (key, label, width) of the shown columns


def fit_columns(columns: Sequence[Col], room: int, padding: int, content: dict[str, int] | None = None) -> Fitted:
    """The columns that fit in `room` cells (each also takes `padding`), in their order.

    Tried in turn until one fits: every column at full width, the narrowable ones narrow,
    then without the columns marked drop=1, drop=2, …; a column that may `grow` then widens
    to its longest cell (`content`: key -> width) while the flexible column keeps its own
    width, and the flexible column gets the rest."""
    droppable = sorted({c.drop for c in columns if c.drop})
    attempts = [(False, set()), (True, set())]
    attempts += [(True, set(droppable[:n])) for n in range(1, len(droppable) + 1)]
    for narrow, dropped in attempts:
        kept = [c for c in columns if c.drop not in dropped]
        widths = [c.narrow if narrow and c.narrow else c.width for c in kept]
        spare = room - sum(widths) - padding * len(kept)
        if spare >= 0:
            break
    flexible = next((i for i, c in enumerate(kept) if c.flexible), None)
    for i, c in enumerate(kept):
        wider = min(c.grow, (content or {}).get(c.key, 0)) - widths[i]
        if wider > 0 and spare > 0:
            widths[i] += min(wider, spare)
            spare -= min(wider, spare)
    if flexible is not None and spare > 0:
        widths[flexible] += spare
    return tuple((c.key, c.label, width) for c, width in zip(kept, widths, strict=True))


class FittedTable(RowTable):
    """Callers add rows with a cell for every column, in the order of `columns`."""

    def __init__(self, columns: Sequence[Col], **kwargs) -> None:
        super().__init__(**kwargs)
        self.all_columns = tuple(columns)
        self.fitted: Fitted = ()
        self.kept_rows: dict[str, dict[str, object]] = {}
        self.markers: dict[str, str] = {}  # column key -> what its header carries after the label (a sort arrow)
        self.content: dict[str, int] = {}  # key of a column that may grow -> its longest cell so far

    def on_mount(self) -> None:
        self.fit(self.app.size.width)  # a first guess; the first Resize gives the real width

    def on_resize(self, event: events.Resize) -> None:
        self.fit(event.size.width)

    def fit(self, width: int) -> None:
        room = width - self.styles.scrollbar_size_vertical
        fitted = fit_columns(self.all_columns, room, 2 * self.cell_padding, self.content)
        if fitted == self.fitted:
            return
        self.fitted = fitted
        cursor = self.cursor_coordinate
        super().clear(columns=True)
        for key, label, width in fitted:
            self.add_column(label + self.markers.get(key, ""), key=key, width=width)
        for row_key, row in self.kept_rows.items():
            super().add_row(*(row[key] for key, _, _ in fitted), key=row_key)
        if self.row_count:
            self.move_cursor(row=min(cursor.row, self.row_count - 1), animate=False)

    def add_row(self, *cells: object, height: int | None = 1, key: str | None = None, label=None) -> RowKey:
        assert key is not None, "a fitted table's rows need a key: they are added again when it is refitted"
        row = {column.key: value for column, value in zip(self.all_columns, cells, strict=True)}
        self.kept_rows[key] = row
        added = super().add_row(*(row[k] for k, _, _ in self.fitted), height=height, key=key, label=label)
        self._measure(row)
        return added

    def _measure(self, row: dict[str, object]) -> None:
        """A growing column's cell wider than the column: fit again once this batch of rows is in."""
        for column in self.all_columns:
            if column.grow:
                text = row[column.key]
                width = text.cell_len if isinstance(text, Text) else len(str(text))
                if width > self.content.get(column.key, 0):
                    self.content[column.key] = width
                    self.call_after_refresh(self.refit)

    def refit(self) -> None:
        """Fit again at the present width (a growing column's content changed)."""
        if self.size.width:
            self.fit(self.size.width)

    def update_cell(self, row_key: RowKey | str, column_key: ColumnKey | str, value: object, *,
                    update_width: bool = False) -> None:
        row, column = str(getattr(row_key, "value", row_key)), str(getattr(column_key, "value", column_key))
        self.kept_rows[row][column] = value
        if any(key == column for key, _, _ in self.fitted):
            super().update_cell(row_key, column_key, value, update_width=update_width)

    def label_of(self, key: str) -> str:
        return next(column.label for column in self.all_columns if column.key == key)

    def mark_column(self, key: str, marker: str) -> None:
        """Put `marker` after one column's label and take it off the others; kept through refits."""
        self.markers = {key: marker}
        for shown, label, _ in self.fitted:
            self.columns[ColumnKey(shown)].label = Text(label + self.markers.get(shown, ""))
        self.refresh()

    def clear(self, columns: bool = False):
        """Rows only: the columns belong to the fitting."""
        self.kept_rows.clear()
        self.content.clear()
        return super().clear()
