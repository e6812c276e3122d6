"""What other tools' exports look like: choosing a preset, several values for one field,
labels, names, notes, order lines, refunds and cancellations (and their undo)."""

from __future__ import annotations

import io
import json

import pytest

from solocrm_tui.core import validate
from solocrm_tui.core.data_io import exporting
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.undo import undo_batch

from .test_importing import rejected, rows, write

SHOPIFY = ("Name,Email,Financial Status,Paid at,Currency,Subtotal,Total,Created at,Lineitem quantity,Lineitem name,"
           "Lineitem price,Lineitem sku,Billing Name,Cancelled at,Refunded Amount,Id\n")


def test_a_forced_preset_a_refused_one_and_none(core_db, tmp_path, t0):
    path = write(tmp_path, "First Name,Last Name,Labels,Organization Name,E-mail 1 - Value\n"
                           "Ann,Lee,* myContacts ::: Friends,Lee & Co,ann@example.com\n")
    assert import_file("customers", path, t0, dry_run=True).preset == "Google Contacts"
    plain = import_file("customers", path, t0, dry_run=True, preset="none")
    assert plain.preset is None and "Labels" not in plain.custom_columns  # the synonyms read Labels too
    with pytest.raises(ValidationError, match='no preset "gmail"; use one of google, google-legacy'):
        import_file("customers", path, t0, preset="gmail")
    with pytest.raises(ValidationError, match="--preset shopify-orders reads orders, not customers"):
        import_file("customers", path, t0, preset="shopify-orders")
    assert rows("SELECT COUNT(*) FROM customer") == [(0,)]


def test_a_file_of_another_kind_is_refused_with_the_command_that_reads_it(core_db, tmp_path, t0, unchanged):
    path = write(tmp_path, SHOPIFY + "#1001,ann@example.com,paid,,EUR,10,10,2026-01-05 10:00:00 +0100,1,Mug,10,M1,"
                                     "Ann Lee,,,1\n")
    with unchanged(), pytest.raises(ValidationError) as refused:
        import_file("customers", path, t0)
    assert str(refused.value) == ("in.csv holds orders, by its headers (Shopify orders): import it with "
                                  "`solocrm import orders in.csv` (or --preset none)")


def test_map_wins_over_the_preset(core_db, tmp_path, t0):
    path = write(tmp_path, "Record ID,First Name,Last Name,Email,Phone Number\n"
                           "501,Ann,Lee,ann@example.com,+49 30 1234567\n")
    report = import_file("customers", path, t0, mapping=["Record ID=ignore", "Email=company"])
    assert report.preset == "HubSpot contacts"
    assert rows("SELECT external_id, email, company, phone FROM customer") == [
        (None, None, "ann@example.com", "+49 30 1234567")]


def test_several_values_labels_names_and_a_company_for_a_name(core_db, tmp_path, t0):
    path = write(tmp_path, """\
        First Name,Middle Name,Last Name,Labels,Organization Name,E-mail 1 - Value,E-mail 2 - Value,Phone 1 - Value,Notes
        Ann,Marie,Lee,* myContacts ::: VIP Customers ::: Wholesale (EU),,ann@example.com ::: ann@lee.example,a.lee@work.example,+49 30 1234567 ::: +49 30 1234567 ::: +49 170 7654321,Met at the fair
        ,,,Suppliers,Acme GmbH,,,+49 40 1111111,
        """)
    report = import_file("customers", path, t0)
    assert report.ok and report.notes == 1
    (ann_tags, ann_custom), (acme_tags, _) = rows("SELECT tags, custom FROM customer ORDER BY id")
    assert rows("SELECT name FROM customer ORDER BY id") == [("Ann Marie Lee",), ("Acme GmbH",)]
    assert ann_tags.split() == ["vip-customers", "wholesale-eu"] and acme_tags.split() == ["suppliers"]
    assert json.loads(ann_custom) == {"other emails": "ann@lee.example, a.lee@work.example",
                                      "other phones": "+49 170 7654321"}
    assert rows("SELECT c.name, i.kind, i.body FROM interaction i JOIN customer c ON c.id = i.customer_id "
                "WHERE i.kind != 'system'") == [("Ann Marie Lee", "note", "Met at the fair")]
    assert rows("SELECT last_contact_at FROM customer WHERE name = 'Ann Marie Lee'") == [(None,)]
    again = import_file("customers", path, t0)
    assert (again.inserted, again.updated, again.notes) == (0, 0, 0)


def test_line_items_make_one_order_with_its_lines_and_its_text(core_db, tmp_path, t0):
    path = write(tmp_path, SHOPIFY +
                 "#1001,ann@example.com,paid,,EUR,45.50,45.50,2026-01-05 10:00:00 +0100,2,Espresso 1kg,18.00,E1,"
                 "Ann Lee,,,11\n"
                 "#1001,ann@example.com,,,,,,,1,Milk jug,9.50,J1,,,,\n"
                 "#1002,bob@example.com,paid,,EUR,,,2026-01-06 10:00:00 +0100,3,Filter papers,2.50,F1,Bob Roe,,,12\n"
                 "#1001,ann@example.com,,,,,99.00,,1,Tamper,5.00,T1,,,,\n")
    report = import_file("orders", path, t0, create_missing=True)
    assert rejected(report) == {5: 'order #1001 is on line 2 with another Total: "45.50"'}
    assert rows("SELECT o.external_id, c.name, o.amount_cents, o.description FROM orders o "
                "JOIN customer c ON c.id = o.customer_id ORDER BY o.id") == [
        ("#1001", "Ann Lee", 4550, "2× Espresso 1kg, Milk jug"),
        ("#1002", "Bob Roe", 750, "3× Filter papers")]  # no Total: the sum of its lines
    assert rows("SELECT o.external_id, l.position, l.name, l.sku, l.quantity, l.unit_price_cents FROM order_line l "
                "JOIN orders o ON o.id = l.order_id ORDER BY o.id, l.position") == [
        ("#1001", 1, "Espresso 1kg", "E1", 2, 1800), ("#1001", 2, "Milk jug", "J1", 1, 950),
        ("#1002", 1, "Filter papers", "F1", 3, 250)]
    ann = rows("SELECT id FROM customer WHERE name = 'Ann Lee'")[0][0]
    person = json.loads(_person(ann, t0))
    assert person["orders"][0]["lines"][1] == {"name": "Milk jug", "sku": "J1", "quantity": 1, "unit_price": "9.50"}


def _person(customer_id: int, now) -> str:
    out = io.StringIO()
    exporting.write_person(customer_id, out, now)
    return out.getvalue()


def test_refunds_cancellations_and_an_order_refunded_since_it_was_imported(core_db, tmp_path, t0):
    paid = write(tmp_path, SHOPIFY +
                 "#1,ann@example.com,paid,,EUR,40,40,2026-01-05 10:00,1,Grinder,40,G1,Ann Lee,,,1\n"
                 "#2,ann@example.com,partially_refunded,,EUR,30,30,2026-01-06 10:00,1,Scale,30,S1,Ann Lee,,10.00,2\n"
                 "#3,ann@example.com,paid,,EUR,25,25,2026-01-07 10:00,1,Kettle,25,K1,Ann Lee,2026-01-08 09:00,,3\n"
                 "#4,ann@example.com,voided,,EUR,15,15,2026-01-08 10:00,1,Cups,15,C1,Ann Lee,,,4\n",
                 name="paid.csv")
    first = import_file("orders", paid, t0, create_missing=True)
    assert [(e.line, e.reason) for e in first.excluded] == [(4, "cancelled"), (5, "voided")]
    assert "2 orders not counted as revenue (1 cancelled, 1 voided): not imported (lines 4, 5)" in first.lines()
    assert rows("SELECT external_id, amount_cents FROM orders ORDER BY id") == [("#1", 4000), ("#2", 2000)]
    assert rows("SELECT revenue_cents, order_count FROM customer") == [(6000, 2)]

    refunded = write(tmp_path, SHOPIFY +
                     "#1,ann@example.com,refunded,,EUR,40,40,2026-01-05 10:00,1,Grinder,40,G1,Ann Lee,,40.00,1\n",
                     name="refunded.csv")
    later = import_file("orders", refunded, t0)
    assert later.removed == 1 and later.batch_id
    assert rows("SELECT external_id FROM orders") == [("#2",)]
    assert rows("SELECT revenue_cents, order_count FROM customer") == [(2000, 1)]
    assert rows("SELECT body FROM interaction WHERE kind = 'system' AND batch_id = ?", later.batch_id) == [
        (f"took out 1 order refunded or cancelled since (batch {later.batch_id})",)]

    undo_batch(later.batch_id, t0, kind="import")
    assert rows("SELECT external_id, amount_cents FROM orders ORDER BY id") == [("#1", 4000), ("#2", 2000)]
    assert rows("SELECT name, quantity FROM order_line l JOIN orders o ON o.id = l.order_id "
                "WHERE o.external_id = '#1'") == [("Grinder", 1)]
    assert rows("SELECT revenue_cents, order_count FROM customer") == [(6000, 2)]


def test_changed_lines_are_replaced_and_undo_brings_the_old_ones_back(core_db, tmp_path, t0):
    before = write(tmp_path, SHOPIFY + "#1,ann@example.com,paid,,EUR,40,40,2026-01-05 10:00,1,Grinder,40,G1,Ann Lee,,,1\n",
                   name="before.csv")
    import_file("orders", before, t0, create_missing=True)
    assert import_file("orders", before, t0).skipped == 1
    after = write(tmp_path, SHOPIFY +
                  "#1,ann@example.com,paid,,EUR,40,40,2026-01-05 10:00,1,Grinder,30,G1,Ann Lee,,,1\n"
                  "#1,ann@example.com,,,,,,,2,Brush,5,B1,,,,\n", name="after.csv")
    changed = import_file("orders", after, t0)
    assert (changed.updated, changed.skipped) == (1, 0)
    lines = "SELECT name, quantity, unit_price_cents FROM order_line ORDER BY position"
    assert rows(lines) == [("Grinder", 1, 3000), ("Brush", 2, 500)]
    undo_batch(changed.batch_id, t0, kind="import")
    assert rows(lines) == [("Grinder", 1, 4000)]
    assert rows("SELECT description FROM orders") == [("Grinder",)]


def test_stripe_payments_not_captured_failed_and_partly_refunded(core_db, tmp_path, t0):
    path = write(tmp_path, """\
        id,Created date (UTC),Amount,Amount Refunded,Currency,Captured,Status,Customer ID,Customer Email,Customer Description,Card Name
        ch_1,2026-01-05 10:00,"200,00","50,00",eur,true,Paid,cus_1,ann@example.com,Trial from the webinar,Ann Lee
        ch_2,2026-01-06 10:00,"80,00","0,00",eur,false,Paid,cus_1,ann@example.com,,Ann Lee
        ch_3,2026-01-07 10:00,"1.234,50","0,00",eur,true,Failed,cus_1,ann@example.com,,Ann Lee
        ch_4,2026-01-08 10:00,"12,50","0,00",eur,true,Paid,cus_2,,,
        """)
    report = import_file("orders", path, t0, create_missing=True)
    assert report.preset == "Stripe payments"
    assert rejected(report) == {5: "unknown customer (external id cus_2) and no name, email or phone to create them "
                                   "from: import the customers first"}
    assert [(e.line, e.reason) for e in report.excluded] == [(3, "not captured"), (4, "failed")]
    assert rows("SELECT o.external_id, o.amount_cents, o.currency, c.name, c.external_id FROM orders o "
                "JOIN customer c ON c.id = o.customer_id") == [("ch_1", 15000, "EUR", "Ann Lee", "cus_1")]


def test_the_dry_run_shows_the_preset_the_columns_and_the_first_rows(core_db, tmp_path, t0):
    path = write(tmp_path, "First Name,Last Name,Labels,Organization Name,E-mail 1 - Value,Birthday,Photo\n"
                           "Ann,Lee,Clients,Lee & Co,ann@example.com,--07-23,http://x\n")
    lines = import_file("customers", path, t0, dry_run=True).lines()
    assert lines[1].startswith("preset: Google Contacts, recognised from the headers")
    assert ("columns: First Name → first_name; Last Name → last_name; Labels → labels; Organization Name → company; "
            "E-mail 1 - Value → email; Birthday → birthday") in lines
    assert "  line 2: name=Ann Lee · company=Lee & Co · email=ann@example.com · birthday=--07-23 · tags=clients" in lines
    assert "left out: 1 column that only Google Contacts uses (Photo)" in lines
    assert rows("SELECT COUNT(*) FROM customer") == [(0,)]


def test_pending_orders_wait_for_the_export_that_has_them_paid(core_db, tmp_path, t0):
    pending = write(tmp_path, SHOPIFY + "#7,ann@example.com,pending,,EUR,80,80,2026-01-05 10:00,1,Grinder,80,G1,Ann Lee,,,7\n"
                                        "#8,ann@example.com,authorized,,EUR,45,45,2026-01-06 10:00,1,Scale,45,S1,Ann Lee,,,8\n",
                    name="pending.csv")
    report = import_file("orders", pending, t0, create_missing=True)
    assert [e.reason for e in report.excluded] == ["not paid yet", "not paid yet"] and report.inserted == 0
    paid = write(tmp_path, SHOPIFY + "#7,ann@example.com,paid,,EUR,80,80,2026-01-05 10:00,1,Grinder,80,G1,Ann Lee,,,7\n",
                 name="paid.csv")
    assert import_file("orders", paid, t0, create_missing=True).inserted == 1
    assert rows("SELECT revenue_cents FROM customer") == [(8000,)]


def test_a_re_import_that_only_adds_notes_counts_each_row_once(core_db, tmp_path, t0):
    first = write(tmp_path, "name,email\nAnn,ann@example.com\nBob,bob@example.com\n", name="first.csv")
    import_file("customers", first, t0)
    noted = write(tmp_path, "name,email,notes\nAnn,ann@example.com,Likes oat milk\nBob,bob@example.com,\n",
                  name="noted.csv")
    report = import_file("customers", noted, t0)
    assert (report.inserted, report.updated, report.skipped, report.notes) == (0, 0, 2, 1)


def test_outlooks_home_address_when_the_business_one_is_empty(core_db, tmp_path, t0):
    path = write(tmp_path, """\
        First Name,Last Name,E-mail Address,E-mail 2 Address,Mobile Phone,Business Street,Business City,Business Postal Code,Business Country/Region,Home Street,Home Street 2,Home City,Home State,Home Postal Code,Home Country/Region,Web Page,Spouse
        Maria,Huber,maria@huber.at,,,,,,,Hauptstraße 5,Stiege 2,Graz,Steiermark,8010,Austria,https://huber.at,Franz
        Karl,Berg,karl@berg.de,,,Am Hafen 1,Hamburg,20457,Germany,Elbchaussee 9,,Hamburg,Hamburg,22763,Germany,,
        """)
    assert import_file("customers", path, t0).ok
    assert rows("SELECT name, street, postcode, city, region, country, custom FROM customer ORDER BY id") == [
        ("Maria Huber", "Hauptstraße 5, Stiege 2", "8010", "Graz", "Steiermark", "Austria",
         '{"Spouse": "Franz", "Web Page": "https://huber.at"}'),
        ("Karl Berg", "Am Hafen 1", "20457", "Hamburg", None, "Germany",
         '{"home address": "Elbchaussee 9, 22763 Hamburg, Germany"}')]


def test_a_second_email_or_phone_kept_from_an_address_book_finds_the_customer(core_db, tmp_path, t0):
    validate.use_phone_region("DE")
    book = write(tmp_path, "First Name,Last Name,Labels,Organization Name,E-mail 1 - Value,Phone 1 - Value\n"
                           "Anna,Schmidt,,,anna@feinkost.de ::: anna.m@gmail.com,+49 151 23456789 ::: +49 30 90182077\n",
                 name="google.csv")
    import_file("customers", book, t0)
    orders = write(tmp_path, "order id,email,phone,name,date,total\n"
                             "A1,anna.m@gmail.com,,Anna S.,2026-01-05,10.00\n"
                             "A2,,030 90182077,Anna S.,2026-01-06,20.00\n", name="orders.csv")
    report = import_file("orders", orders, t0, create_missing=True)
    assert (report.inserted, report.customers_created) == (2, 0)
    people = write(tmp_path, "name,email,city\nAnna Schmidt,anna.m@gmail.com,Berlin\n", name="people.csv")
    report = import_file("customers", people, t0)
    assert (report.inserted, report.updated) == (0, 1)
    assert rows("SELECT email, city FROM customer WHERE name = 'Anna Schmidt'") == [("anna@feinkost.de", "Berlin")]
    assert rows("SELECT o.external_id, c.email FROM orders o JOIN customer c ON c.id = o.customer_id "
                "ORDER BY o.id") == [("A1", "anna@feinkost.de"), ("A2", "anna@feinkost.de")]


def test_a_new_customer_sharing_a_phone_is_added_with_a_word(core_db, tmp_path, t0):
    import_file("customers", write(tmp_path, "name,email,phone\nJonas Becker,jonas@becker.de,+49 170 1234567\n",
                                   name="one.csv"), t0)
    report = import_file("customers", write(tmp_path, "name,email,phone\nJonas B.,jb@events.de,+49 170 1234567\n",
                                            name="two.csv"), t0)
    assert report.inserted == 1 and report.ok
    assert [(i.line, i.message) for i in report.issues] == [
        (2, "shares its phone with customer #1, who has another email or external id: added as someone else "
            "(solocrm duplicates lists such pairs)")]


def test_undoing_a_later_import_leaves_last_contact_as_it_was(core_db, tmp_path, t0):
    google = write(tmp_path, "First Name,Last Name,Labels,Organization Name,E-mail 1 - Value,Notes\n"
                             "Anna,Schmidt,,,anna@feinkost.de,Met at Anuga\n", name="google.csv")
    import_file("customers", google, t0)
    shopify = write(tmp_path, "First Name,Last Name,Email,Total Spent,Total Orders,City\n"
                              "Anna,Schmidt,anna@feinkost.de,0,0,Berlin\n", name="shopify.csv")
    later = import_file("customers", shopify, t0)
    assert later.updated == 1
    undo_batch(later.batch_id, t0, kind="import")
    assert rows("SELECT city, last_contact_at FROM customer") == [(None, None)]
