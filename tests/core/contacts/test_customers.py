"""Customers: create, update, fetch, archive and tag (SPEC §2 Customer)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.customers import (
    archive_customers,
    change_tags,
    create_customer,
    get_customer,
    join_tags,
    split_tags,
    update_customer,
)
from solocrm_tui.core.contacts.search import page_customers, parse_filter
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Customer as CustomerModel


def stored(customer_id: int, *columns: str) -> tuple:
    fields = [getattr(CustomerModel, c) for c in columns]
    return CustomerModel.select(*fields).where(CustomerModel.id == customer_id).tuples().get()


# --- create / get -------------------------------------------------------------------


def test_create_and_get_every_field(core_db, t0):
    c = create_customer(
        t0, name="  Alice   Smith ", company="Acme", email="Alice@Example.com", external_id="shop-1",
        phone="+49 30 1234567", opt_out=True, city="Berlin", country="DE", birthday="1990-05-17",
        source="referral", tags=["#VIP", "newsletter", "vip"], custom={"size": "L", "kids": 2},
    )
    assert c.id > 0
    assert c.name == "Alice Smith"
    assert c.company == "Acme"
    assert c.email == "Alice@Example.com"
    assert c.external_id == "shop-1"
    assert c.phone == "+49 30 1234567"
    assert c.opt_out is True
    assert (c.city, c.country, c.source) == ("Berlin", "DE", "referral")
    assert c.birthday == date(1990, 5, 17)
    assert c.tags == ("newsletter", "vip")
    assert c.custom == {"kids": 2, "size": "L"}
    assert c.created_at == c.updated_at == t0
    assert c.archived_at is None
    assert c.revenue == Decimal("0.00") and c.order_count == 0
    assert c.last_order_at is None and c.last_contact_at is None
    assert c.stage == "lead"
    assert (c.segment, c.churn_risk, c.p_alive, c.expected_purchases, c.clv) == (None,) * 5
    assert get_customer(c.id) == c
    assert stored(c.id, "email_norm", "phone_norm", "birthday_md", "tags") == (
        "alice@example.com", "+49301234567", "05-17", " newsletter vip ")


def test_minimal_customer(core_db, t0):
    c = create_customer(t0, name="Bob")
    assert (c.company, c.email, c.phone, c.birthday, c.tags, c.custom, c.opt_out) == (None, None, None, None, (), {}, False)
    assert stored(c.id, "email_norm", "phone_norm", "birthday_md", "tags", "custom") == (None, None, None, "", "{}")


@pytest.mark.parametrize("fields", [{}, {"name": ""}, {"name": "   "}, {"name": None}, {"company": "Acme"}])
def test_name_is_required(core_db, t0, unchanged, fields):
    with unchanged(), pytest.raises(ValidationError, match="name is required"):
        create_customer(t0, **fields)


@pytest.mark.parametrize("fields, message", [
    ({"email": "not-an-email"}, "not a valid email"),
    ({"phone": "call me maybe"}, "not a phone number"),
    ({"birthday": "1990-02-30"}, "not a real date"),
    ({"tags": ["two words"]}, "not a tag"),
    ({"custom": ["a", "b"]}, "custom fields"),
    ({"colour": "red"}, "unknown customer field: colour"),
    ({"company": "x" * 300}, "too long"),
])
def test_invalid_fields_create_nothing(core_db, t0, unchanged, fields, message):
    with unchanged(), pytest.raises(ValidationError, match=message):
        create_customer(t0, name="Carol", **fields)


def test_get_missing_customer(core_db):
    with pytest.raises(NotFound, match="#12345"):
        get_customer(12345)


# --- uniqueness ---------------------------------------------------------------------


def test_email_is_unique_case_insensitively(core_db, t0, unchanged):
    create_customer(t0, name="Alice", email="alice@example.com")
    with unchanged(), pytest.raises(ValidationError, match="another customer already has the email ALICE@Example.COM"):
        create_customer(t0, name="Alice 2", email="ALICE@Example.COM")


def test_email_unique_on_update(core_db, t0, unchanged):
    create_customer(t0, name="Alice", email="alice@example.com")
    bob = create_customer(t0, name="Bob", email="bob@example.com")
    with unchanged(), pytest.raises(ValidationError, match="already has the email Alice@example.com"):
        update_customer(bob.id, t0 + timedelta(hours=1), email="Alice@example.com")


def test_changing_the_case_of_ones_own_email_is_fine(core_db, t0):
    alice = create_customer(t0, name="Alice", email="alice@example.com")
    assert update_customer(alice.id, t0, email="ALICE@example.com").email == "ALICE@example.com"


def test_many_customers_without_email_or_external_id(core_db, t0):
    for i in range(3):
        create_customer(t0, name=f"Anon {i}", email="  ", external_id="")
    assert CustomerModel.select().where(CustomerModel.email_norm.is_null() & CustomerModel.external_id.is_null()).count() == 3


def test_external_id_is_unique(core_db, t0, unchanged):
    create_customer(t0, name="A", external_id="crm-7")
    b = create_customer(t0, name="B", external_id="crm-8")
    with unchanged(), pytest.raises(ValidationError, match="another customer already has the external id crm-7"):
        create_customer(t0, name="C", external_id="crm-7")
    with unchanged(), pytest.raises(ValidationError, match="external id crm-7"):
        update_customer(b.id, t0, external_id="crm-7")


# --- update -------------------------------------------------------------------------


def test_update_changes_only_the_given_fields(core_db, t0):
    c = create_customer(t0, name="Alice", company="Acme", email="a@example.com", tags=["vip"])
    later = t0 + timedelta(days=2)
    u = update_customer(c.id, later, company="Beta GmbH", city="Hamburg", phone="0049 40 123456")
    assert (u.name, u.email, u.tags) == ("Alice", "a@example.com", ("vip",))
    assert (u.company, u.city, u.phone) == ("Beta GmbH", "Hamburg", "0049 40 123456")
    assert u.created_at == t0 and u.updated_at == later
    assert stored(c.id, "phone_norm") == ("+4940123456",)


def test_update_can_clear_optional_fields(core_db, t0):
    c = create_customer(t0, name="Alice", company="Acme", email="a@example.com", birthday="1990-01-01",
                        phone="123456", tags=["x"], custom={"a": 1})
    u = update_customer(c.id, t0, company="", email=None, birthday=None, phone=" ", tags=[], custom=None)
    assert (u.company, u.email, u.birthday, u.phone, u.tags, u.custom) == (None, None, None, None, (), {})
    assert stored(c.id, "email_norm", "phone_norm", "birthday_md", "tags", "custom") == (None, None, None, "", "{}")
    # the cleared email is free for someone else now
    assert create_customer(t0, name="Other", email="A@example.com").email == "A@example.com"


@pytest.mark.parametrize("fields, error", [
    ({"name": ""}, "name is required"),
    ({"name": None}, "name is required"),
    ({"email": "nope"}, "not a valid email"),
    ({"birthday": "2026-02-30"}, "not a real date"),
    ({"stage": "loyal"}, "unknown customer field: stage"),
    ({"revenue_cents": 5}, "unknown customer field"),
])
def test_invalid_update_changes_nothing(core_db, t0, unchanged, fields, error):
    c = create_customer(t0, name="Alice", email="a@example.com")
    with unchanged(), pytest.raises(ValidationError, match=error):
        update_customer(c.id, t0 + timedelta(days=1), **fields)


def test_update_missing_customer(core_db, t0, unchanged):
    create_customer(t0, name="Alice")
    with unchanged(), pytest.raises(NotFound, match="#999"):
        update_customer(999, t0, company="X")


# --- birthday and custom fields ----------------------------------------------------


def test_birthday_leap_day_and_month_day_key(core_db, t0):
    c = create_customer(t0, name="Leap", birthday="1992-02-29")
    assert c.birthday == date(1992, 2, 29)
    assert stored(c.id, "birthday_md") == ("02-29",)
    u = update_customer(c.id, t0, birthday=date(1985, 12, 3))
    assert u.birthday == date(1985, 12, 3)
    assert stored(c.id, "birthday_md") == ("12-03",)


def test_custom_fields_round_trip(core_db, t0):
    custom = {"größe": "XL", "notes": "line 1\nline 2", "kids": 2, "ratio": 0.5, "pets": ["cat", "dog"],
              "address": {"street": "Hauptstr. 1", "zip": "10115"}, "vip": True, "none": None, "emoji": "🎉"}
    c = create_customer(t0, name="Custom", custom=custom)
    assert c.custom == custom
    assert get_customer(c.id).custom == custom
    u = update_customer(c.id, t0, custom={"only": "this"})
    assert u.custom == {"only": "this"}


def test_custom_values_that_json_cannot_hold_are_stored_as_text(core_db, t0):
    c = create_customer(t0, name="Dates", custom={"since": date(2020, 1, 2), "amount": Decimal("1.50")})
    assert c.custom == {"since": "2020-01-02", "amount": "1.50"}


# --- archive ------------------------------------------------------------------------


def test_archive_and_unarchive(core_db, t0):
    a = create_customer(t0, name="Alice")
    b = create_customer(t0, name="Bob")
    later = t0 + timedelta(days=1)
    assert archive_customers([a.id, b.id, 999], later) == 2
    assert get_customer(a.id).archived_at == later
    assert get_customer(b.id).updated_at == later
    assert page_customers(parse_filter("")).rows == ()
    assert archive_customers([a.id], later + timedelta(days=1), archived=False) == 1
    assert get_customer(a.id).archived_at is None
    assert [r.id for r in page_customers(parse_filter("")).rows] == [a.id]


def test_archive_nothing(core_db, t0):
    create_customer(t0, name="Alice")
    assert archive_customers([], t0) == 0
    assert get_customer(1).archived_at is None


# --- tags ---------------------------------------------------------------------------


def test_split_and_join_tags():
    assert join_tags(["b", "#A", "a", " c "]) == " a b c "
    assert join_tags([]) == ""
    assert split_tags(" a b c ") == ("a", "b", "c")
    assert split_tags("") == ()


def test_change_tags_in_bulk(core_db, t0):
    a = create_customer(t0, name="A", tags=["old"])
    b = create_customer(t0, name="B", tags=["vip", "old"])
    c = create_customer(t0, name="C")
    later = t0 + timedelta(hours=3)
    assert change_tags([a.id, b.id, c.id], later, add=["VIP", "#new"], remove=["old"]) == 3
    assert get_customer(a.id).tags == ("new", "vip")
    assert get_customer(b.id).tags == ("new", "vip")
    assert get_customer(c.id).tags == ("new", "vip")
    assert get_customer(a.id).updated_at == later
    # nothing to do -> nothing changed, updated_at untouched
    assert change_tags([a.id, b.id], later + timedelta(hours=1), add=["vip"], remove=["absent"]) == 0
    assert get_customer(a.id).updated_at == later
    assert change_tags([b.id], later, remove=["vip", "new"]) == 1
    assert get_customer(b.id).tags == ()
    assert stored(b.id, "tags") == ("",)


def test_tags_are_searchable_as_whole_words(core_db, t0):
    a = create_customer(t0, name="A", tags=["vip"])
    create_customer(t0, name="B", tags=["vipish"])
    assert [r.id for r in page_customers(parse_filter("#vip")).rows] == [a.id]


def test_invalid_tag_changes_nobody(core_db, t0, unchanged):
    a = create_customer(t0, name="A", tags=["x"])
    with unchanged(), pytest.raises(ValidationError, match="not a tag"):
        change_tags([a.id], t0, add=["fine", "not fine"])
    with unchanged(), pytest.raises(ValidationError, match="not a tag"):
        change_tags([a.id], t0, remove=["#"])


def test_change_tags_on_unknown_ids_is_a_no_op(core_db, t0, unchanged):
    create_customer(t0, name="A")
    with unchanged():
        assert change_tags([404], t0, add=["vip"]) == 0


def test_editable_field_list_matches_the_record():
    from dataclasses import fields

    from solocrm_tui.core.storage.records import Customer

    names = {f.name for f in fields(Customer)}
    assert set(customers.EDITABLE) <= names


# --- which field a refusal is about -------------------------------------------------


@pytest.mark.parametrize("fields, field", [
    ({"name": " "}, "name"),
    ({"email": "not-an-email"}, "email"),
    ({"phone": "call me maybe"}, "phone"),
    ({"birthday": "1990-02-30"}, "birthday"),
    ({"tags": ["two words"]}, "tags"),
    ({"company": "x" * 300}, "company"),
    ({"external_id": "crm\x1b7"}, "external_id"),
    ({"colour": "red"}, None),
])
def test_a_refused_field_is_named_by_its_form_key(core_db, t0, fields, field):
    with pytest.raises(ValidationError) as refused:
        create_customer(t0, **({"name": "Carol"} | fields))
    assert refused.value.field == field


def test_uniqueness_refusals_name_their_field(core_db, t0, unchanged):
    create_customer(t0, name="Alice", email="alice@example.com", external_id="crm-7")
    bob = create_customer(t0, name="Bob")
    for fields, field in (({"email": "ALICE@example.com"}, "email"), ({"external_id": "crm-7"}, "external_id")):
        with unchanged(), pytest.raises(ValidationError) as refused:
            create_customer(t0, name="Alice 2", **fields)
        assert refused.value.field == field
        with unchanged(), pytest.raises(ValidationError) as refused:
            update_customer(bob.id, t0, **fields)
        assert refused.value.field == field
