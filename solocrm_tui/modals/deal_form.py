"""New or edited deal.

The customer is typed by name and resolved when saving (as the composer's @name
is), so the form needs no customer picker; an unknown or ambiguous name is a refusal
shown under that field.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, Label

from solocrm_tui import work
from solocrm_tui.core import validate
from solocrm_tui.core.amounts import parse_amount
from solocrm_tui.core.composer.execute import Context, resolve_customer
from solocrm_tui.core.dates import parse_when
from solocrm_tui.core.errors import CRMError, ValidationError
from solocrm_tui.core.sales import deal_lines, deals
from solocrm_tui.core.sales.products import Line
from solocrm_tui.core.stages import OPEN_DEAL_STAGES
from solocrm_tui.core.storage.records import Deal
from solocrm_tui.modals.form import FormScreen, check_fields
from solocrm_tui.text.figures import money
from solocrm_tui.widgets.cells import cell

FIELDS = (("customer", "Customer *"), ("title", "Title *"), ("value", "Value *"),
          ("stage", f"Stage ({', '.join(OPEN_DEAL_STAGES)})"), ("probability", "Probability % (blank: stage default)"),
          ("expected_close", "Expected close (2026-12-15, 3w, fri…)"))
NEW_ONLY = ("customer", "stage")  # an existing deal moves between stages on the board, and keeps its customer


class DealForm(FormScreen):
    def __init__(self, deal: Deal | None, values: dict, errors: dict[str, str] | None = None, *,
                 customer_name: str = "", customer_id: int | None = None) -> None:
        fields = [f for f in FIELDS if not (deal and f[0] in NEW_ONLY)]
        super().__init__("Edit deal" if deal else "New deal", fields, values, errors)
        self.deal, self.customer_name, self.customer_id = deal, customer_name, customer_id
        self.has_lines = False

    def compose_fields(self) -> ComposeResult:
        yield from super().compose_fields()
        lines = Label("", id="deal-lines")
        lines.display = False
        yield lines

    def on_mount(self) -> None:
        super().on_mount()
        if self.deal is not None:
            deal_id = self.deal.id
            work.load(self, lambda: deal_lines.deal_lines(deal_id), self.show_lines, group="deal-form-lines")

    def show_lines(self, lines: list[Line]) -> None:
        """A deal with lines is worth their sum: the lines are listed (changed with /item) and
        the value cannot be typed over."""
        self.has_lines = bool(lines)
        if not lines:
            return
        shown = [f"{line.quantity}× {line.name} at {money(line.unit_price, cents=True)} = "
                 f"{money(line.total, cents=True)}" for line in lines]
        label = self.query_one("#deal-lines", Label)
        label.update(Text("\n").join(cell(text) for text in ["Lines (the value is their sum; change them with /item):",
                                                               *shown]))
        label.display = True
        self.query_one("#field-value", Input).disabled = True

    def validate(self, values: dict[str, str]) -> dict[str, str]:
        return clean(values, self.app.now())[1]

    def save(self, values: dict[str, str]) -> None:
        now, deal = self.app.now(), self.deal
        cleaned = clean(values, now)[0]
        if deal is None:
            known = self.customer_id if cleaned["customer"] == self.customer_name else None
            currency = self.app.config.currency

            def write() -> Deal:
                return deals.create_deal(known or _customer_id(cleaned["customer"], now), cleaned["title"],
                                         cleaned["value"], now, currency=currency, stage=cleaned["stage"],
                                         probability=cleaned["probability"], expected_close=cleaned["expected_close"])
        else:
            fields = {"title": cleaned["title"], "expected_close": cleaned["expected_close"]}
            if not self.has_lines:
                fields["value"] = cleaned["value"]
            # The form shows the effective probability (possibly the stage default); writing it back
            # unchanged would pin a default deal to it, so it would no longer follow its stage.
            if cleaned["probability"] != deal.probability:
                fields["probability"] = cleaned["probability"]

            def write() -> Deal:
                return deals.update_deal(deal.id, now, **fields)
        self.persist(write, what="deals", done=lambda _: f"saved deal {cleaned['title']}",
                     undo_as=f"{'editing' if self.deal else 'adding'} deal {cleaned['title']}")


def _customer_id(name: str, now) -> int:
    """Resolve the typed name like an @mention: whatever is wrong with it is wrong with the Customer field."""
    try:
        return resolve_customer(name, Context(now))[0]
    except CRMError as exc:
        raise ValidationError(str(exc), field="customer") from exc


def clean(values: dict[str, str], now) -> tuple[dict, dict[str, str]]:
    """Field-by-field checks that need no database."""
    return check_fields(values, {
        "customer": lambda v: validate.text(v, "customer", required=True),
        "title": lambda v: validate.text(v, "title", required=True),
        "value": _value,
        "stage": _stage,
        "probability": validate.probability,
        "expected_close": lambda v: _close_date(v, now),
    })


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


def edit_deal(app, deal: Deal | None, *, customer_name: str = "", customer_id: int | None = None) -> None:
    """`customer_id` is the customer the form was opened for: used as long as their name is kept
    (two customers may share a name; any other name is resolved like an @mention)."""
    values = {"customer": customer_name, "stage": "lead"} if deal is None else {
        "title": deal.title, "value": str(deal.value), "probability": str(deal.probability),
        "expected_close": deal.expected_close.isoformat() if deal.expected_close else ""}
    app.push_screen(DealForm(deal, values, customer_name=customer_name, customer_id=customer_id))
