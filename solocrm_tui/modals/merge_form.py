"""Merge two customers: choose which record stays and, per differing field, which value wins.

Only fields where both records have different values are asked about; empty
fields are filled from the other record automatically (core.merging does that).
The customer list runs the merge with the choice this form dismisses with, because
it also clears the marks that picked the two records.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Label, RadioButton, RadioSet

from solocrm_tui.core.contacts.merging import FIELDS
from solocrm_tui.core.storage.records import Customer
from solocrm_tui.modals.form import FormScreen
from solocrm_tui.widgets.cells import cell

ASKED = tuple(f for f in FIELDS if f not in ("tags", "custom"))  # tags and custom fields are combined


def _shown(customer: Customer, field: str) -> str:
    value = getattr(customer, field)
    return "" if value is None else str(value)


class MergeForm(FormScreen):
    BINDINGS = [Binding("ctrl+s", "save", "Merge", id="form.save")]
    SAVE_BUTTON = ("Merge (ctrl+s)", "warning")

    def __init__(self, first: Customer, second: Customer) -> None:
        super().__init__(f"Merge #{first.id} {first.name} and #{second.id} {second.name}")
        self.records = (first, second)
        self.differing = [f for f in ASKED if _shown(first, f) and _shown(second, f)
                          and _shown(first, f) != _shown(second, f)]

    def compose_fields(self) -> ComposeResult:
        a, b = self.records
        yield Label("Which record stays? (the other one's timeline, orders, deals, follow-ups and tickets move to it)")
        with RadioSet(id="keep"):  # names and values are the owner's text, never markup
            yield RadioButton(cell(f"#{a.id} {a.name}"), value=True)
            yield RadioButton(cell(f"#{b.id} {b.name}"))
        for field in self.differing:
            yield Label(f"{field.replace('_', ' ')}: which value?")
            with RadioSet(id=f"pick-{field}"):
                yield RadioButton(cell(_shown(a, field)), value=True)
                yield RadioButton(cell(_shown(b, field)))
        if not self.differing:
            yield Label("No conflicting fields: empty fields are filled from the other record.")
        yield Label("Tags and custom fields are combined. The merge can be undone: solocrm merge --undo BATCH.",
                    classes="field-error")

    def first_field(self) -> Widget:
        return self.query_one("#keep", RadioSet)

    def save(self, values: dict[str, str]) -> None:
        a, b = self.records
        keep_first = self.query_one("#keep", RadioSet).pressed_index != 1
        keep, other = (a, b) if keep_first else (b, a)
        prefer = {}
        for field in self.differing:
            picked_first = self.query_one(f"#pick-{field}", RadioSet).pressed_index != 1
            prefer[field] = "keep" if picked_first == keep_first else "other"
        self.dismiss({"keep_id": keep.id, "other_id": other.id, "prefer": prefer})
