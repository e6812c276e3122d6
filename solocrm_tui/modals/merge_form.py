"""Merge two customers: choose which record stays and, per differing field, which value wins.

Only fields where both records have different values are asked about; empty
fields are filled from the other record automatically (core.merging does that).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, RadioButton, RadioSet

from solocrm_tui.core.contacts.merging import FIELDS
from solocrm_tui.core.storage.records import Customer

ASKED = tuple(f for f in FIELDS if f not in ("tags", "custom"))  # tags and custom fields are combined


def _shown(customer: Customer, field: str) -> str:
    value = getattr(customer, field)
    return "" if value is None else str(value)


class MergeForm(ModalScreen[dict | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel"),
                Binding("ctrl+s", "save", "Merge", id="form.save")]

    def __init__(self, first: Customer, second: Customer) -> None:
        super().__init__()
        self.records = (first, second)
        self.differing = [f for f in ASKED if _shown(first, f) and _shown(second, f)
                          and _shown(first, f) != _shown(second, f)]

    def compose(self) -> ComposeResult:
        a, b = self.records
        with VerticalScroll(classes="dialog form"):
            yield Label(f"Merge #{a.id} {a.name} and #{b.id} {b.name}", classes="dialog-title", markup=False)
            yield Label("Which record stays? (the other one's timeline, orders, deals, follow-ups and tickets move to it)")
            with RadioSet(id="keep"):
                yield RadioButton(f"#{a.id} {a.name}", value=True)
                yield RadioButton(f"#{b.id} {b.name}")
            for field in self.differing:
                yield Label(f"{field.replace('_', ' ')}: which value?")
                with RadioSet(id=f"pick-{field}"):
                    yield RadioButton(_shown(a, field), value=True)
                    yield RadioButton(_shown(b, field))
            if not self.differing:
                yield Label("No conflicting fields: empty fields are filled from the other record.")
            yield Label("Tags and custom fields are combined. The merge can be undone: solocrm merge --undo BATCH.",
                        classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button("Merge (ctrl+s)", variant="warning", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#keep", RadioSet).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        a, b = self.records
        keep_first = self.query_one("#keep", RadioSet).pressed_index != 1
        keep, other = (a, b) if keep_first else (b, a)
        prefer = {}
        for field in self.differing:
            picked_first = self.query_one(f"#pick-{field}", RadioSet).pressed_index != 1
            prefer[field] = "keep" if picked_first == keep_first else "other"
        self.dismiss({"keep_id": keep.id, "other_id": other.id, "prefer": prefer})
