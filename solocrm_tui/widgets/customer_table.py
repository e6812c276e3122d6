"""The customer list table: formatting rows and marking them.

It only ever holds the pages the owner has scrolled through; the screen appends
more as the cursor nears the end.
"""

from __future__ import annotations

from datetime import datetime

from textual.binding import Binding

from solocrm_tui.core.storage.records import CustomerRow
from solocrm_tui.text.figures import ago, money, percent
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.row_table import RowTable

COLUMNS = (("mark", " ", 1), ("name", "Name", 22), ("company", "Company", 17), ("stage", "Stage", 8),
           ("segment", "Segment", 13), ("last_contact", "Contact", 8), ("revenue", "Revenue", 8),
           ("clv", "CLV", 7), ("churn", "Churn", 5))


class CustomerTable(RowTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.marked: set[int] = set()
        self.now = datetime.min

    def on_mount(self) -> None:
        self.now = self.app.now()
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def row_cells(self, row: CustomerRow) -> list:
        return [
            cell("●", style="bold") if row.id in self.marked else " ",
            cell(row.name, overflow="ellipsis", no_wrap=True),
            cell(row.company, overflow="ellipsis", no_wrap=True),
            row.stage.replace("_", " "),
            cell(row.segment),
            ago(row.last_contact_at, self.now),
            cell(money(row.revenue), justify="right"),
            cell(money(row.clv), justify="right"),
            cell(percent(row.churn_risk), justify="right"),
        ]

    def append(self, rows: tuple[CustomerRow, ...]) -> None:
        for row in rows:
            if str(row.id) not in self.rows:
                self.add_row(*self.row_cells(row), key=str(row.id))

    @property
    def current_id(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return int(key.value) if key.value else None

    def name_of(self, cid: int) -> str:
        """The name shown on a customer's row (#id when the row is not loaded)."""
        key = str(cid)
        return str(self.get_cell(key, "name")) if key in self.rows else f"#{cid}"

    def toggle_mark(self) -> None:
        cid = self.current_id
        if cid is None:
            return
        self.marked.symmetric_difference_update({cid})
        self.update_cell(str(cid), "mark", cell("●", style="bold") if cid in self.marked else " ")
