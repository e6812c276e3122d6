"""How imported rows find their customer: a row's own country places its national phone
numbers, an email or external id outranks a shared phone, and the same number or
address written another way is no change."""

from __future__ import annotations

from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import (
    create_customer,
    get_customer,
    update_customer,
)
from solocrm_tui.core.data_io.importing import import_file

from .test_importing import rejected, rows, write

# --- a row's country places its national numbers --------------------------------------------------


def test_a_rows_country_decides_where_its_national_phone_belongs(core_db, tmp_path, t0, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    path = write(tmp_path, """
        First Name,Last Name,E-mail Address,E-mail 2 Address,Mobile Phone,Business Phone,Business Country/Region
        Jennifer,Walsh,jwalsh@example.com,,,(217) 555-3344,United States
        Robert,Fischer,robert@example.de,,,040 38612200,Germany
        Kim,Berg,kim@example.de,,,0170 1234567,Atlantis
        Ola,Nordmann,ola@example.no,,,+49 170 7654321,Norge
    """)
    report = import_file("customers", path, t0)
    assert report.rejected == 0, rejected(report)
    assert rows("SELECT name, phone, phone_norm FROM customer ORDER BY id") == [
        ("Jennifer Walsh", "(217) 555-3344", "+12175553344"),
        ("Robert Fischer", "040 38612200", "+494038612200"),
        ("Kim Berg", "0170 1234567", "+491701234567"),  # no country by that name: the owner's region
        ("Ola Nordmann", "+49 170 7654321", "+491707654321"),  # a country code is never re-read
    ]


def test_the_country_places_the_phone_whichever_column_comes_first(core_db, tmp_path, t0, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    path = write(tmp_path, "name,phone,country\nJennifer Walsh,(217) 555-3344,US\n")
    report = import_file("customers", path, t0)
    assert report.rejected == 0, rejected(report)
    assert rows("SELECT phone_norm FROM customer") == [("+12175553344",)]


def test_the_customer_form_places_the_phone_in_the_customers_country(core_db, t0, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    jen = create_customer(t0, name="Jennifer Walsh", phone="(217) 555-3344", country="United States")
    assert rows("SELECT phone_norm FROM customer WHERE id = ?", jen.id) == [("+12175553344",)]
    update_customer(jen.id, t0, phone="0170 1234567", country="")
    assert rows("SELECT phone_norm FROM customer WHERE id = ?", jen.id) == [("+491701234567",)]


# --- an email or external id outranks a shared phone -------------------------------------------------


def test_an_order_whose_email_finds_a_customer_ignores_a_phone_someone_else_has(core_db, tmp_path, t0):
    create_customer(t0, name="Acme switchboard", phone="+49 30 1234567")
    ann = create_customer(t0, name="Ann", email="ann@acme.example")
    path = write(tmp_path, """
        customer_email,customer_phone,amount,date
        ann@acme.example,+49 30 1234567,25,2026-01-05
    """)
    report = import_file("orders", path, t0)
    assert (report.inserted, report.rejected) == (1, 0), rejected(report)
    assert rows("SELECT customer_id FROM orders") == [(ann.id,)]


def test_a_phone_shared_with_someone_of_another_email_does_not_find_them(core_db, tmp_path, t0):
    """A family phone: Ben's order (his own email, not yet a customer) is not Ann's."""
    create_customer(t0, name="Ann", email="ann@x.com", phone="+49 30 1234567")
    path = write(tmp_path, "customer,customer_email,customer_phone,amount,date\n"
                           "Ben,ben@x.com,+49 30 1234567,5,2026-01-01\n")
    report = import_file("orders", path, t0, create_missing=True)
    assert (report.inserted, report.customers_created, report.rejected) == (1, 1, 0), rejected(report)
    assert rows("SELECT c.name FROM orders o JOIN customer c ON c.id = o.customer_id") == [("Ben",)]


# --- the same number or address written differently is no change ----------------------------------


def test_the_same_phone_and_email_written_differently_are_no_update(core_db, tmp_path, t0, monkeypatch):
    monkeypatch.setattr(validate, "_phone_region", "DE")
    ann = create_customer(t0, name="Ann", email="ann@x.com", phone="+49 (0)170 1234567")
    path = write(tmp_path, "name,email,phone\nAnn,ANN@X.com,0049 170 1234567\n")
    report = import_file("customers", path, datetime(2026, 11, 23, 9, 0))
    assert (report.updated, report.skipped) == (0, 1)
    found = get_customer(ann.id)
    assert (found.email, found.phone, found.updated_at) == ("ann@x.com", "+49 (0)170 1234567", t0)
    assert rows("SELECT COUNT(*) FROM interaction WHERE kind = 'system'") == [(0,)]
