"""New or edited deal, with a message under each wrong field.

The customer is typed by name and resolved when saving (as the composer's @name
is), so the form needs no customer picker; an unknown or ambiguous name re-opens
the form with the message under that field.
"""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.composer.execute import Context, resolve_customer
from solocrm_tui.core.dates import parse_when
from solocrm_tui.core.errors import CRMError, ValidationError
from solocrm_tui.core.sales import deals
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.db import db_call
from solocrm_tui.core.storage.records import Deal
from solocrm_tui.messages import DataChanged

FIELDS = (("customer", "Customer *"), ("title", "Title *"), ("value", "Value *"),
          ("stage", f"Stage ({', '.join(OPEN_DEAL_STAGES)})"), ("probability", "Probability % (blank: stage default)"),
          ("expected_close", "Expected close (2026-12-15, 3w, fri…)"))


class DealForm(ModalScreen[dict | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel"),
                Binding("ctrl+s", "save", "Save", id="form.save")]

    def __init__(self, deal: Deal | None, values: dict, errors: dict[str, str] | None = None) -> None:
        super().__init__()
        self.deal, self.values, self.errors = deal, values, errors or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label("Edit deal" if self.deal else "New deal", classes="dialog-title")
            for key, label in FIELDS:
                if self.deal and key in ("customer", "stage"):
                    continue
                yield Label(label)
                yield Input(value=str(self.values.get(key, "")), id=f"field-{key}")
                yield Label(self.errors.get(key, ""), id=f"error-{key}", classes="field-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        """Start typing in the first wrong field, else the first field (not the scroll container)."""
        fields = self.query(Input)
        wrong = [f for f in fields if f.id and f.id.removeprefix("field-") in self.errors]
        (wrong or list(fields))[0].focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.dismiss(None)

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        values = {key: field.value.strip() for key, field in
                  ((k, self.query_one(f"#field-{k}", Input)) for k, _ in FIELDS if self.query(f"#field-{k}"))}
        cleaned, errors = clean(values, self.app.now())
        for key, _ in FIELDS:
            if self.query(f"#error-{key}"):
                self.query_one(f"#error-{key}", Label).update(errors.get(key, ""))
        if errors:
            self.query_one(f"#field-{next(iter(errors))}", Input).focus()
            return
        self.dismiss({"raw": values, **cleaned})


def clean(values: dict[str, str], now) -> tuple[dict, dict[str, str]]:
    """Field-by-field checks that need no database."""
    cleaned, errors = {}, {}
    checks = {
        "customer": lambda v: validate.text(v, "customer", required=True),
        "title": lambda v: validate.text(v, "title", required=True),
        "value": _value,
        "stage": lambda v: _stage(v),
        "probability": validate.probability,
        "expected_close": lambda v: _close_date(v, now),
    }
    for key, value in values.items():
        try:
            cleaned[key] = checks[key](value)
        except CRMError as exc:
            errors[key] = str(exc)
    return cleaned, errors


def _value(value: str):
    if not value:
        raise ValidationError("value is required")
    return parse_amount(value)


def _stage(value: str) -> str:
    stage = (value or "lead").lower()
    matches = [s for s in OPEN_DEAL_STAGES if s.startswith(stage)]
    if len(matches) != 1:
        raise ValidationError(f'stage must be one of {", ".join(OPEN_DEAL_STAGES)}')
    return matches[0]


def _close_date(value: str, now) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return parse_when(value, now).date()


def edit_deal(app, deal: Deal | None, *, customer_name: str = "", values: dict | None = None,
              errors: dict | None = None, customer_id: int | None = None) -> None:
    """`customer_id` is the customer the form was opened for: used as long as their name is kept
    (two customers may share a name; any other name is resolved like an @mention)."""
    if values is None:
        values = {"customer": customer_name, "stage": "lead"} if deal is None else {
            "title": deal.title, "value": str(deal.value), "probability": str(deal.probability),
            "expected_close": deal.expected_close.isoformat() if deal.expected_close else ""}

    def save(result: dict | None) -> None:
        if result:
            known = customer_id if result.get("customer") == customer_name else None
            app.run_worker(lambda: _persist(app, deal, result, known), thread=True, group="deal-save",
                           exit_on_error=False)

    app.push_screen(DealForm(deal, values, errors), save)


def _persist(app, deal: Deal | None, result: dict, customer_id: int | None = None) -> None:
    now = app.now()
    try:
        if deal is None:
            cid = customer_id or db_call(resolve_customer, result["customer"], Context(now))[0]
            db_call(deals.create_deal, cid, result["title"], result["value"], now,
                    currency=app.config.currency, stage=result.get("stage") or "lead",
                    probability=result.get("probability"), expected_close=result.get("expected_close"))
        else:
            fields = {"title": result["title"], "value": result["value"],
                      "expected_close": result.get("expected_close")}
            # The form shows the effective probability (possibly the stage default); writing it back
            # unchanged would pin a default deal to it, so it would no longer follow its stage.
            if result.get("probability") != deal.probability:
                fields["probability"] = result.get("probability")
            db_call(deals.update_deal, deal.id, now, **fields)
    except CRMError as exc:
        field = "customer" if deal is None and ("customer" in str(exc) or "@" in str(exc)) else "title"
        app.call_from_thread(edit_deal, app, deal, values=result["raw"], errors={field: str(exc)},
                             customer_name=result["raw"].get("customer", ""), customer_id=customer_id)
        return
    app.call_from_thread(app.notify, f"saved deal {result['title']}", markup=False)
    app.call_from_thread(app.post_message, DataChanged())
