"""Add or edit a customer, with a message under each field that is wrong.

Field rules come from core.validate, so the form rejects exactly what the services
would; uniqueness (an email already used) is only known after saving, and the
caller re-opens the form with that message.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.customers import clean_fields
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.core.storage.records import Customer
from solocrm_tui.messages import DataChanged

FIELDS = (("name", "Name *"), ("company", "Company"), ("email", "Email"), ("phone", "Phone"),
          ("city", "City"), ("country", "Country"), ("birthday", "Birthday (YYYY-MM-DD)"),
          ("source", "Source"), ("tags", "Tags (space separated)"))


class CustomerForm(ModalScreen[dict | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
    ]

    def __init__(self, customer: Customer | None = None, values: dict | None = None,
                 errors: dict[str, str] | None = None) -> None:
        super().__init__()
        self.customer = customer
        self.values = values or (self._from_record(customer) if customer else {})
        self.errors = errors or {}

    @staticmethod
    def _from_record(c: Customer) -> dict[str, str]:
        return {"name": c.name, "company": c.company or "", "email": c.email or "", "phone": c.phone or "",
                "city": c.city or "", "country": c.country or "",
                "birthday": c.birthday.isoformat() if c.birthday else "", "source": c.source or "",
                "tags": " ".join(c.tags)}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label("Edit customer" if self.customer else "New customer", classes="dialog-title")
            for key, label in FIELDS:
                yield Label(label)
                yield Input(value=str(self.values.get(key, "")), id=f"field-{key}")
                yield Label(self.errors.get(key, ""), id=f"error-{key}", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        # the first field to type in (not the scroll container): the first wrong one, else the name
        self.query_one(f"#field-{next(iter(self.errors), 'name')}", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_save()

    def collect(self) -> dict:
        values = {key: self.query_one(f"#field-{key}", Input).value.strip() for key, _ in FIELDS}
        values["tags"] = values["tags"].replace(",", " ").split()
        return values

    def validate(self, values: dict) -> dict[str, str]:
        """Check each field on its own so every wrong field gets its own message."""
        errors = {}
        for key, value in values.items():
            try:
                clean_fields({key: value})
            except CRMError as exc:
                errors[key] = str(exc)
        if not values.get("name"):
            errors["name"] = "name is required"
        return errors

    def action_save(self) -> None:
        values = self.collect()
        errors = self.validate(values)
        for key, _ in FIELDS:
            self.query_one(f"#error-{key}", Label).update(errors.get(key, ""))
        if errors:
            self.query_one(f"#field-{next(iter(errors))}", Input).focus()
            self.notify(f"{len(errors)} field(s) need attention", severity="warning")
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


def edit_customer(app, record: Customer | None = None, *, values: dict | None = None,
                  errors: dict[str, str] | None = None) -> None:
    """Open the form, save in a worker, and re-open it with the message if saving is refused."""

    def save(fields: dict | None) -> None:
        if fields:
            app.run_worker(lambda: _persist(app, record, fields), thread=True, group="customer-save",
                           exit_on_error=False)

    app.push_screen(CustomerForm(record, values, errors), save)


def _persist(app, record: Customer | None, fields: dict) -> None:
    now = app.now()
    try:
        if record is None:
            saved = db_call(customers.create_customer, now, **fields)
        else:
            saved = db_call(customers.update_customer, record.id, now, **fields)
    except CRMError as exc:
        message = str(exc)
        field = next((k for k in ("email", "external id", "phone") if k in message), "name").replace(" ", "_")
        shown = {**fields, "tags": " ".join(fields.get("tags", []))}
        app.call_from_thread(edit_customer, app, record, values=shown, errors={field: message})
        return
    app.call_from_thread(app.notify, f"{'added' if record is None else 'saved'} {saved.name}")
    app.call_from_thread(app.post_message, DataChanged(saved.id))
