"""One frame for the add and edit dialogs, so every form behaves alike: a label, an
input and a message line per field, Enter or ctrl+s to save, Esc to cancel, and the
focus in the first wrong field.

A form saves itself through work.apply_change and stays open until core accepts. Some
refusals are only known to core (an email another customer has, a customer name nobody
has): the message goes under the field the error names (ValidationError.field), or
above the buttons when it names none, and what was typed stays in place to be fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label
from textual.worker import Worker

from solocrm_tui import work
from solocrm_tui.core.errors import CRMError, ValidationError
from solocrm_tui.text.figures import count
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.footer import CRMFooter

T = TypeVar("T")
GENERAL = "form"  # the message line above the buttons: a refusal about no one field of the form


def check_fields(values: Mapping[str, str], checks: Mapping[str, Callable[[str], Any]]) -> tuple[dict, dict[str, str]]:
    """(cleaned values, errors by field): every field checked, so every wrong one shows at once."""
    cleaned, errors = {}, {}
    for key, value in values.items():
        try:
            cleaned[key] = checks[key](value)
        except CRMError as exc:
            errors[key] = str(exc)
    return cleaned, errors


class FormScreen(ModalScreen[Any]):
    """A concrete form gives its fields as (key, label), `validate` for the checks that need
    no database (every wrong field at once, before anything is written) and `save`, which
    usually hands the core call to `persist`."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="form.save"),
                Binding("escape", "cancel", "Cancel", id="form.cancel")]
    SAVE_BUTTON: ClassVar[tuple[str, str]] = ("Save (ctrl+s)", "primary")  # text, variant

    def __init__(self, heading: str, fields: Iterable[tuple[str, str]] = (),
                 values: Mapping[str, object] | None = None, errors: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.heading = heading
        self.fields = tuple(fields)
        self.values = dict(values or {})
        self.errors = dict(errors or {})
        self.writing: Worker | None = None

    def compose(self) -> ComposeResult:
        text, variant = self.SAVE_BUTTON
        with VerticalScroll(classes="dialog form"):
            yield Label(cell(self.heading), classes="dialog-title")
            yield from self.compose_fields()
            general = Label(cell(self.errors.get(GENERAL)), id=f"error-{GENERAL}", classes="field-error")
            general.display = bool(self.errors.get(GENERAL))  # an empty label would still take a line
            yield general
            with Horizontal(classes="buttons"):
                yield Button(text, variant=variant, id="save")
                yield Button("Cancel (esc)", id="cancel")
        yield CRMFooter(compact=True)  # how to save and cancel, not the keys of the screen behind

    def compose_fields(self) -> ComposeResult:
        for key, label in self.fields:
            yield Label(cell(label))
            # Input draws its value as is: a value stored before validation refused escapes is
            # shown (and saved back) with them made visible, never sent to the terminal.
            yield Input(value=visible(str(self.values.get(key, ""))), id=f"field-{key}")
            yield Label(cell(self.errors.get(key)), id=f"error-{key}", classes="field-error")

    def first_field(self) -> Widget:
        """Where typing starts when nothing is wrong: a field, not the scroll container."""
        return self.query_one(f"#field-{self.fields[0][0]}")

    def on_mount(self) -> None:
        self._focus(self.errors)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save() if event.button.id == "save" else self.action_cancel()

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.writing is not None and not self.writing.is_finished:  # Enter again while core still saves
            return
        values = {key: self.query_one(f"#field-{key}", Input).value.strip() for key, _ in self.fields}
        errors = self.validate(values)
        self.show_errors(errors)
        if errors:
            self._focus(errors)
            self.notify(f"{count(len(errors), 'field')} {'needs' if len(errors) == 1 else 'need'} attention", severity="warning")
            return
        self.save(values)

    def validate(self, values: dict[str, str]) -> dict[str, str]:
        return {}

    def save(self, values: dict[str, str]) -> None:
        raise NotImplementedError

    def persist(self, write: Callable[[], T], *, what: str, done: Callable[[T], str], undo_as: str,
                customer_id: int | None = None) -> None:
        """Run `write`; close on success, keep the form open with core's message on a refusal.

        The worker belongs to the app, not to the form: a save the owner walked away from
        (Esc while it ran) still finishes and is still announced, and can be undone as `undo_as`.
        """
        self.writing = work.apply_change(self.app, write, what=what, customer_id=customer_id, done=done,
                                         then=self._saved, refused=self._refused, undo_as=undo_as)

    def show_errors(self, errors: Mapping[str, str]) -> None:
        for key in [key for key, _ in self.fields] + [GENERAL]:
            self.query_one(f"#error-{key}", Label).update(cell(errors.get(key)))  # messages quote what was typed
        self.query_one(f"#error-{GENERAL}", Label).display = bool(errors.get(GENERAL))

    def _focus(self, errors: Mapping[str, str]) -> None:
        wrong = next((key for key, _ in self.fields if errors.get(key)), None)
        (self.query_one(f"#field-{wrong}") if wrong else self.first_field()).focus()

    def _saved(self, _result: object) -> None:
        if self.is_active:  # not after Esc: dismissing would close whatever is on top instead
            self.dismiss(None)

    def _refused(self, error: CRMError) -> None:
        if not self.is_attached:  # closed with Esc meanwhile: the toast says it all
            return
        field = error.field if isinstance(error, ValidationError) else None
        key = field if any(key == field for key, _ in self.fields) else GENERAL
        self.show_errors({key: str(error)})
        if key == GENERAL:
            self.query_one(f"#error-{GENERAL}", Label).scroll_visible()
        else:
            self._focus({key: str(error)})
