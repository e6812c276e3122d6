"""Add or edit a customer.

Field rules come from core (clean_fields), so the form rejects exactly what the
services would; uniqueness (an email another customer has) is only known when saving,
and core's error names the field it belongs under.
"""

from __future__ import annotations

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.customers import clean_fields
from solocrm_tui.core.errors import CRMError
from solocrm_tui.core.storage.records import Customer
from solocrm_tui.modals.form import FormScreen

FIELDS = (("name", "Name *"), ("company", "Company"), ("email", "Email"), ("phone", "Phone"),
          ("street", "Street"), ("postcode", "Postcode"), ("city", "City"), ("region", "Region"),
          ("country", "Country"), ("birthday", "Birthday (YYYY-MM-DD or --MM-DD)"),
          ("source", "Source"), ("tags", "Tags (space separated)"))


def _shown(c: Customer) -> dict[str, str]:
    return {"name": c.name, "company": c.company or "", "email": c.email or "", "phone": c.phone or "",
            "street": c.street or "", "postcode": c.postcode or "", "city": c.city or "",
            "region": c.region or "", "country": c.country or "",
            "birthday": c.birthday.isoformat() if c.birthday else f"--{c.birthday_md}" if c.birthday_md else "",
            "source": c.source or "",
            "tags": " ".join(c.tags)}


def _fields(values: dict[str, str]) -> dict:
    """The typed text as the services take it: tags as a list (commas allowed too)."""
    return {**values, "tags": values["tags"].replace(",", " ").split()}


class CustomerForm(FormScreen):
    def __init__(self, customer: Customer | None = None, values: dict | None = None,
                 errors: dict[str, str] | None = None) -> None:
        super().__init__("Edit customer" if customer else "New customer", FIELDS,
                         values or (_shown(customer) if customer else {}), errors)
        self.customer = customer

    def validate(self, values: dict[str, str]) -> dict[str, str]:
        """Check each field on its own so every wrong field gets its own message."""
        errors = {}
        fields = _fields(values)
        for key, value in fields.items():
            try:  # a phone is read in the customer's country, as saving reads it
                clean_fields({key: value, "country": fields["country"]} if key == "phone" else {key: value})
            except CRMError as exc:
                errors.setdefault(getattr(exc, "field", None) or key, str(exc))
        return errors

    def save(self, values: dict[str, str]) -> None:
        record, fields, now = self.customer, _fields(values), self.app.now()
        if record is None:
            self.persist(lambda: customers.create_customer(now, **fields), what="customers",
                         done=lambda saved: f"added {saved.name}", undo_as=f"adding {fields['name']}")
        else:
            self.persist(lambda: customers.update_customer(record.id, now, **fields), what="customers",
                         done=lambda saved: f"saved {saved.name}", customer_id=record.id,
                         undo_as=f"editing {record.name}")


def edit_customer(app, record: Customer | None = None) -> None:
    """Open the form to add a customer, or to edit `record`; the form saves itself."""
    app.push_screen(CustomerForm(record))
