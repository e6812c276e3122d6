"""The customer list table: formatting rows and marking them.

It only ever holds the pages the owner has scrolled through; the screen appends
more as the cursor nears the end.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.binding import Binding

from solocrm_tui.core.storage.records import CustomerRow
from solocrm_tui.text.figures import ago, money, percent
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.fitted_table import Col, FittedTable

# At 80 columns the list keeps who, stage, last contact, revenue and churn; segment and CLV
# go first (the profile card shows both), and the name takes any room to spare.
COLUMNS = (Col("mark", " ", 1), Col("name", "Name", 22, narrow=18, flexible=True),
           Col("company", "Company", 17, narrow=14), Col("stage", "Stage", 8), Col("segment", "Segment", 13, drop=2),
           Col("last_contact", "Contact", 8), Col("revenue", "Revenue", 8), Col("clv", "CLV", 7, drop=1),
           Col("churn", "Churn", 6))


class CustomerTable(FittedTable):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.up"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(COLUMNS, cursor_type="row", zebra_stripes=True, **kwargs)
        self.marked: set[int] = set()
        self.now = datetime.min
        self.names: dict[int, str] = {}  # the loaded rows' names, to tell namesakes apart
        self.namesakes: dict[str, int] = {}  # casefolded name -> how many loaded rows carry it

    def on_mount(self) -> None:
        self.now = self.app.now()

    def row_cells(self, row: CustomerRow) -> list:
        return [
            cell("●", style="bold") if row.id in self.marked else " ",
            self.name_cell(row.id, row.name),
            cell(row.company, overflow="ellipsis", no_wrap=True),
            row.stage.replace("_", " "),
            cell(row.segment),
            ago(row.last_contact_at, self.now),
            cell(money(row.revenue), justify="right"),
            cell(money(row.clv), justify="right"),
            cell(percent(row.churn_risk), justify="right"),
        ]

    def name_cell(self, cid: int, name: str) -> Text:
        """Namesakes carry their id, the handle the composer asks for (`@#12`), short enough
        for 80 columns; everyone else is just their name."""
        text = cell(name, overflow="ellipsis", no_wrap=True)
        if self.namesakes.get(name.casefold(), 0) > 1:
            text = Text.assemble(cell(name), (f" #{cid}", "dim"), overflow="ellipsis", no_wrap=True)
        return text

    def append(self, rows: tuple[CustomerRow, ...]) -> None:
        before = dict(self.namesakes)
        for row in rows:
            if str(row.id) not in self.rows:
                self.names[row.id] = row.name
                self.namesakes[row.name.casefold()] = self.namesakes.get(row.name.casefold(), 0) + 1
                self.add_row(*self.row_cells(row), key=str(row.id))
        for cid, name in self.names.items():  # a namesake shown later also changes the rows before it
            shared = self.namesakes[name.casefold()]
            if shared > 1 and before.get(name.casefold(), 0) != shared:
                self.update_cell(str(cid), "name", self.name_cell(cid, name))

    def clear(self, columns: bool = False) -> CustomerTable:
        self.names.clear()
        self.namesakes.clear()
        return super().clear(columns)

    def show_sort(self, sort: str, descending: bool) -> None:
        """▲/▼ on the sorted column's header; the others show their plain label."""
        self.mark_column(sort, "▼" if descending else "▲")

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
