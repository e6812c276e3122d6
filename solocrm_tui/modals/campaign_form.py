"""New campaign: name, channel, cost, attribution window and the customer filter
whose matches become the (frozen) target list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.contacts.search import parse_filter
from solocrm_tui.core.errors import CRMError, ValidationError

FIELDS = (("name", "Name *", ""), ("channel", "Channel", "email"), ("cost", "Cost", "0"),
          ("attribution_days", "Attribution window (days)", "30"),
          ("filter", 'Targets: customer filter (e.g. segment:"At risk" #newsletter; empty = everyone)', ""))


def _days(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 365:
        raise ValidationError("the attribution window is 1 to 365 days")
    return int(text)


CHECKS = {"name": lambda v: validate.text(v, "campaign name", required=True),
          "channel": lambda v: validate.text(v, "channel") or "email",
          "cost": lambda v: parse_amount(v or "0"), "attribution_days": _days,
          "filter": lambda v: (parse_filter(v), v)[1]}


class CampaignForm(ModalScreen[dict | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel"),
                Binding("ctrl+s", "save", "Save", id="form.save")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label("New campaign", classes="dialog-title")
            for key, label, default in FIELDS:
                yield Label(label)
                yield Input(value=default, id=f"field-{key}")
                yield Label("", id=f"error-{key}", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button("Create (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#field-name", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        values, errors = {}, {}
        for key, _, _ in FIELDS:
            raw = self.query_one(f"#field-{key}", Input).value.strip()
            try:
                values[key] = CHECKS[key](raw)
            except CRMError as exc:
                errors[key] = str(exc)
            self.query_one(f"#error-{key}", Label).update(errors.get(key, ""))
        if errors:
            self.query_one(f"#field-{next(iter(errors))}", Input).focus()
            return
        self.dismiss(values)
