"""Customers: create, update, fetch, archive and tag.

Emails are unique case-insensitively and external ids are unique, so an import or
a second `/add` finds the existing person instead of creating a duplicate.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

from peewee import IntegrityError

from solocrm_tui.core import validate
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import Customer, cents_to_decimal

EDITABLE = ("name", "company", "email", "external_id", "phone", "opt_out", "street", "postcode", "city", "region",
            "country", "birthday", "source", "tags", "custom")


# The custom fields that keep a customer's further emails and phones (an address book's
# second columns): imports match on them, the vCard export lists them as EMAIL and TEL.
OTHER = {"email": "other emails", "phone": "other phones"}


def address_text(street: str | None, postcode: str | None, city: str | None, region: str | None,
                 country: str | None) -> str:
    """"Torstraße 140, 10119 Berlin, BE, DE" as people write an address on one line; a region
    that only repeats the city (Berlin, Berlin) is said once."""
    town = " ".join(x for x in (postcode, city) if x)
    region = None if region and city and region.casefold() == city.casefold() else region
    return ", ".join(x for x in (street, town, region, country) if x)


def split_tags(stored: str) -> tuple[str, ...]:
    return tuple(stored.split())


def join_tags(tags: Iterable[str]) -> str:
    """Stored as ' a b ' so `LIKE '% a %'` matches a whole tag only."""
    unique = sorted({validate.tag(t) for t in tags})
    return f" {' '.join(unique)} " if unique else ""


def to_record(row: dict[str, Any]) -> Customer:
    return Customer(
        id=row["id"], name=row["name"], company=row["company"], email=row["email"],
        external_id=row["external_id"], phone=row["phone"], opt_out=bool(row["opt_out"]),
        city=row["city"], country=row["country"], birthday=row["birthday"], birthday_md=row["birthday_md"],
        source=row["source"],
        tags=split_tags(row["tags"]), custom=json.loads(row["custom"] or "{}"),
        created_at=row["created_at"], updated_at=row["updated_at"], archived_at=row["archived_at"],
        revenue=cents_to_decimal(row["revenue_cents"]), order_count=row["order_count"],
        last_order_at=row["last_order_at"], last_contact_at=row["last_contact_at"],
        stage=row["stage"], segment=row["segment"], churn_risk=row["churn_risk"],
        p_alive=row["p_alive"], expected_purchases=row["expected_purchases"], clv=row["clv"],
        expected_purchases_low=row["expected_purchases_low"], expected_purchases_high=row["expected_purchases_high"],
        clv_low=row["clv_low"], clv_high=row["clv_high"], churn_why=row["churn_why"],
        street=row["street"], postcode=row["postcode"], region=row["region"],
    )


def clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate user-editable fields and map them to columns (unknown names are refused).
    A phone given with a country is read in that country (`validate.country_region`)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"unknown customer field: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "name":
            out["name"] = validate.text(value, "name", required=True, key="name")
        elif key == "email":
            out["email"], out["email_norm"] = validate.email(value)
        elif key == "phone":
            out["phone"], out["phone_norm"] = validate.phone(value, validate.country_region(fields.get("country")))
        elif key == "birthday":
            out["birthday"], out["birthday_md"] = validate.birthday(value, key="birthday")
        elif key == "tags":
            out["tags"] = join_tags(value or ())
        elif key == "custom":
            if not isinstance(value or {}, dict):
                raise ValidationError("custom fields must be name/value pairs")
            out["custom"] = json.dumps(validate.custom(value or {}), ensure_ascii=False, sort_keys=True, default=str)
        elif key == "opt_out":
            out["opt_out"] = bool(value)
        else:
            out[key] = validate.text(value, key.replace("_", " "), key=key)
    return out


def _uniqueness_error(exc: IntegrityError, fields: dict[str, Any]) -> ValidationError:
    message = str(exc)
    if "email_norm" in message:
        return ValidationError(f"another customer already has the email {fields.get('email')}", field="email")
    if "external_id" in message:
        return ValidationError(f"another customer already has the external id {fields.get('external_id')}",
                               field="external_id")
    return ValidationError(f"cannot save customer: {message}")


def create_customer(now: datetime, **fields: Any) -> Customer:
    columns = clean_fields(fields)
    if not columns.get("name"):
        raise ValidationError("name is required", field="name")
    columns.update(created_at=now, updated_at=now)
    try:
        with database.atomic():
            new_id = CustomerModel.insert(**columns).execute()
    except IntegrityError as exc:
        raise _uniqueness_error(exc, fields) from None
    return get_customer(new_id)


def update_customer(customer_id: int, now: datetime, **fields: Any) -> Customer:
    columns = clean_fields(fields)
    if "name" in fields and not columns.get("name"):
        raise ValidationError("name is required", field="name")
    columns["updated_at"] = now
    try:
        with database.atomic():
            if not CustomerModel.update(**columns).where(CustomerModel.id == customer_id).execute():
                raise NotFound(f"no customer #{customer_id}")
    except IntegrityError as exc:
        raise _uniqueness_error(exc, fields) from None
    return get_customer(customer_id)


def get_customer(customer_id: int) -> Customer:
    row = CustomerModel.select().where(CustomerModel.id == customer_id).dicts().first()
    if row is None:
        raise NotFound(f"no customer #{customer_id}")
    return to_record(row)


def book_is_empty() -> bool:
    """No customer at all, archived ones included: the app then offers its first steps."""
    return not CustomerModel.select(CustomerModel.id).exists()


def archive_customers(ids: Iterable[int], now: datetime, *, archived: bool = True) -> int:
    ids = list(ids)
    with database.atomic():
        return (CustomerModel.update(archived_at=now if archived else None, updated_at=now)
                .where(CustomerModel.id.in_(ids)).execute())


def change_tags(ids: Iterable[int], now: datetime, add: Iterable[str] = (), remove: Iterable[str] = ()) -> int:
    """Add/remove tags on many customers in one transaction; returns how many changed."""
    add_set = {validate.tag(t) for t in add}
    remove_set = {validate.tag(t) for t in remove}
    changed = 0
    with database.atomic():
        rows = CustomerModel.select(CustomerModel.id, CustomerModel.tags).where(
            CustomerModel.id.in_(list(ids))).tuples()
        for cid, stored in list(rows):
            current = set(split_tags(stored))
            new = (current | add_set) - remove_set
            if new != current:
                CustomerModel.update(tags=join_tags(new), updated_at=now).where(CustomerModel.id == cid).execute()
                changed += 1
    return changed
