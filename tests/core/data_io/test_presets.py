"""Files in the header shapes real tools export (tests/data/imports, sources in SOURCES.md)
import through `solocrm import` with no rejects but their deliberately bad rows: the
preset is named in the report, and the chosen rows are stored the way an owner would
file them by hand (names, E.164 phones, addresses, tags, notes on the timeline, orders
with their lines and without refunded money)."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from solocrm_tui import cli

NOW = datetime(2026, 11, 22, 10, 30)
DATA = Path(__file__).resolve().parents[2] / "data" / "imports"
PRESET_NAMES = ("google contacts", "outlook", "hubspot contacts", "hubspot deals", "shopify customers",
                "shopify orders", "stripe customers", "stripe payments", "contacts (first/last name)")

pytestmark = pytest.mark.usefixtures("bugs_surface")


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def region_de(tmp_path, monkeypatch) -> None:
    """The owner's config says German numbers without a country code are German."""
    config = tmp_path / "config.toml"
    config.write_text('phone_region = "DE"\n', encoding="utf-8")
    monkeypatch.setenv("SOLOCRM_CONFIG", str(config))


def run(capsys, *argv: str) -> tuple[int, str]:
    try:
        code = cli.main(list(argv), now=NOW)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, out + err


def import_file(capsys, db: Path, kind: str, name: str, *options: str) -> tuple[int, str]:
    return run(capsys, "--db", str(db), "import", kind, str(DATA / name), *options)


def rejected_lines(report: str) -> set[int]:
    return {int(n) for n in re.findall(r"^\s*line (\d+): rejected", report, re.MULTILINE)}


def expect_only_bad_rows(code: int, report: str, preset: str, bad: set[int]) -> None:
    assert preset in report.lower(), report
    assert rejected_lines(report) == bad, report
    assert code == 1, report


def rows(db: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def value(db: Path, sql: str, *params):
    found = rows(db, sql, *params)
    assert len(found) == 1, found
    return found[0][0]


def customer(db: Path, email: str) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        found = conn.execute("SELECT * FROM customer WHERE email_norm = ?", (email.lower(),)).fetchall()
    finally:
        conn.close()
    assert len(found) == 1, f"{len(found)} customers with {email}"
    return dict(found[0])


def tags(record: dict) -> set[str]:
    return set(record["tags"].split())


def custom_keys(record: dict) -> set[str]:
    return set(json.loads(record["custom"]))


def custom_text(record: dict) -> str:
    return " ".join(str(v) for v in json.loads(record["custom"]).values())


def keeps_phone(record: dict, digits: str) -> bool:
    """A secondary number is kept in a custom field, in whatever spelling: its digits are there."""
    return digits in re.sub(r"\D", "", custom_text(record))


def notes(db: Path, record: dict) -> list[str]:
    return [body for (body,) in rows(db, "SELECT body FROM interaction WHERE customer_id = ? AND kind = 'note'",
                                     record["id"])]


def counts(db: Path) -> tuple[int, ...]:
    return tuple(value(db, f"SELECT COUNT(*) FROM {table}") for table in ("customer", "interaction", "orders",
                                                                           "order_line"))


def address(record: dict) -> tuple:
    return record["street"], record["postcode"], record["city"], record["region"], record["country"]


def reimport_adds_nothing(capsys, db: Path, kind: str, name: str, *options: str) -> None:
    before = counts(db)
    code, report = import_file(capsys, db, kind, name, *options)
    assert code == 1 and rejected_lines(report), report
    assert counts(db) == before, report


# --- contacts -------------------------------------------------------------------------------


def test_google_contacts(capsys, db):
    code, report = import_file(capsys, db, "customers", "google_contacts.csv")
    expect_only_bad_rows(code, report, "google contacts", {11, 16})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10

    anna = customer(db, "anna.schmidt@schmidt-feinkost.de")
    assert (anna["name"], anna["company"]) == ("Anna Maria Schmidt", "Schmidt Feinkost GmbH")
    assert anna["phone_norm"] == "+4915123456789"
    assert address(anna) == ("Friedrichstraße 68", "10117", "Berlin", "Berlin", "Germany")
    assert tags(anna) == {"clients", "vip-customers"}
    assert (anna["birthday"], anna["birthday_md"]) == (None, "07-23")
    assert keeps_phone(anna, "3090182077") and "anna.m.schmidt@gmail.com" in custom_text(anna)
    assert not custom_keys(anna) & {"Labels", "Notes", "Birthday", "Address 1 - City", "Organization Name"}
    assert [n for n in notes(db, anna) if "Prefers calls after 3 pm" in n] == notes(db, anna) != []

    james = customer(db, "james@harborandpine.com")
    assert (james["name"], james["phone_norm"], tags(james)) == ("James O'Connor", "+14155550132", {"clients"})
    assert (james["birthday"], james["birthday_md"]) == ("1984-11-02", "11-02")
    assert keeps_phone(james, "4155550177")
    assert address(james) == ("350 Mission St", "94105", "San Francisco", "CA", "United States")

    lea = customer(db, "lea.dubois@atelier-dubois.fr")
    assert lea["name"] == "Léa Dubois" and "lea@dubois-famille.fr" in custom_text(lea)
    assert (lea["birthday"], lea["birthday_md"], tags(lea)) == (None, "03-02", {"suppliers"})
    jonas = customer(db, "jonas@becker-events.de")
    assert len(notes(db, jonas)) == 1 and "Needs invoices in German." in notes(db, jonas)[0]
    assert not notes(db, customer(db, "sophie.vandijk@example.nl"))

    reimport_adds_nothing(capsys, db, "customers", "google_contacts.csv")


def test_google_contacts_legacy_google_csv(capsys, db):
    code, report = import_file(capsys, db, "customers", "google_contacts_legacy.csv")
    expect_only_bad_rows(code, report, "google contacts", {9, 12})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10

    katrin = customer(db, "katrin.vogel@vogel-verlag.de")
    assert (katrin["name"], katrin["company"]) == ("Katrin Elisabeth Vogel", "Vogel Verlag KG")
    assert katrin["phone_norm"] == "+491609876543" and keeps_phone(katrin, "8921098765")
    assert "k.vogel@web.de" in custom_text(katrin)
    assert address(katrin) == ("Leopoldstraße 20", "80802", "München", "Bayern", "Germany")
    assert tags(katrin) == {"clients"}
    assert (katrin["birthday"], katrin["birthday_md"]) == (None, "09-14")
    assert len(notes(db, katrin)) == 1 and "Sister company of Vogel Druck." in notes(db, katrin)[0]
    assert not custom_keys(katrin) & {"Group Membership", "Notes", "Organization 1 - Name"}

    hannah = customer(db, "hannah.weber@example.de")
    assert (hannah["birthday"], hannah["birthday_md"], hannah["tags"].split()) == (None, "02-29", [])
    assert tags(customer(db, "daniel.kim@northwind.example")) == {"vip-customers"}
    assert "chloe.m@orange.fr" in custom_text(customer(db, "chloe.martin@example.fr"))

    reimport_adds_nothing(capsys, db, "customers", "google_contacts_legacy.csv")


def test_outlook_contacts(capsys, db):
    code, report = import_file(capsys, db, "customers", "outlook_contacts.csv")
    expect_only_bad_rows(code, report, "outlook", {6, 9})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10

    robert = customer(db, "robert.fischer@fischer-bau.de")
    assert (robert["name"], robert["company"]) == ("Robert Karl Fischer", "Fischer Bau GmbH")
    assert (robert["birthday"], robert["birthday_md"]) == ("1980-03-14", "03-14")
    assert address(robert) == ("Große Elbstraße 145", "22767", "Hamburg", "Hamburg", "Germany")
    assert tags(robert) == {"clients", "vip-customers"}
    mobile, office = "+491712345678", "+494038612200"
    assert robert["phone_norm"] in (mobile, office)  # one is the phone, the other is kept
    assert keeps_phone(robert, (office if robert["phone_norm"] == mobile else mobile)[1:])
    assert "r.fischer@gmx.de" in custom_text(robert)
    assert len(notes(db, robert)) == 1 and "Call before delivering on site." in notes(db, robert)[0]

    jennifer = customer(db, "jwalsh@lakeshore-dental.com")
    assert (jennifer["birthday"], jennifer["phone_norm"]) == ("1975-11-23", "+13125550190")
    assert customer(db, "david.okafor@okafor-consulting.co.uk")["birthday"] == "1969-07-04"
    nils = customer(db, "nils.andersson@example.se")  # Outlook's "no date" is no birthday
    assert (nils["birthday"], nils["birthday_md"], nils["phone_norm"]) == (None, None, "+46739876543")

    reimport_adds_nothing(capsys, db, "customers", "outlook_contacts.csv")


def test_hubspot_contacts(capsys, db):
    code, report = import_file(capsys, db, "customers", "hubspot_contacts.csv")
    expect_only_bad_rows(code, report, "hubspot contacts", {7, 10})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10

    camille = customer(db, "camille.durand@durand-vins.fr")
    assert (camille["name"], camille["company"], camille["external_id"]) == ("Camille Durand", "Durand Vins",
                                                                             "51234567801")
    assert camille["phone_norm"] == "+33142685300"
    assert address(camille) == ("12 Rue de Rivoli", "75004", "Paris", "Île-de-France", "France")
    brian = customer(db, "brian@mitchellplumbing.com")
    assert (brian["external_id"], brian["phone_norm"]) == ("51234567802", "+15125550166")
    assert keeps_phone(brian, "5125550199")
    assert customer(db, "mia.hoffmann@example.de")["phone_norm"] == "+4915233445566"  # only a mobile
    assert not {"Record ID", "Country/Region", "State/Region"} & custom_keys(camille)

    reimport_adds_nothing(capsys, db, "customers", "hubspot_contacts.csv")


def test_shopify_customers(capsys, db):
    code, report = import_file(capsys, db, "customers", "shopify_customers.csv")
    expect_only_bad_rows(code, report, "shopify customers", {6, 12})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10

    anna = customer(db, "anna.schmidt@schmidt-feinkost.de")
    assert (anna["name"], anna["company"], anna["opt_out"]) == ("Anna Schmidt", "Schmidt Feinkost GmbH", 0)
    assert anna["phone_norm"] == "+4915123456789"
    assert address(anna) == ("Friedrichstraße 68", "10117", "Berlin", "BE", "DE")
    assert tags(anna) == {"vip-customers", "wholesale"}
    assert len(notes(db, anna)) == 1 and "Wholesale price list sent in March." in notes(db, anna)[0]
    assert customer(db, "hollis.pettibone@example.com")["opt_out"] == 1  # Accepts Email Marketing: no
    assert customer(db, "matteo.conti@example.it")["opt_out"] == 1
    assert customer(db, "sanne.jansen@example.nl")["opt_out"] == 0

    reimport_adds_nothing(capsys, db, "customers", "shopify_customers.csv")


def test_shopify_orders_group_line_items_and_leave_refunds_out(capsys, db):
    import_file(capsys, db, "customers", "shopify_customers.csv")
    code, report = import_file(capsys, db, "orders", "shopify_orders.csv", "--create-missing")
    expect_only_bad_rows(code, report, "shopify orders", {12, 13})

    stored = dict(rows(db, "SELECT external_id, amount_cents FROM orders"))
    assert stored == {"#1001": 9460, "#1002": 3990, "#1004": 10000, "#1006": 6480, "#1009": 5470, "#1010": 5980}
    assert value(db, "SELECT currency FROM orders WHERE external_id = '#1001'") == "EUR"
    lines = rows(db, "SELECT l.name, l.sku, l.quantity, l.unit_price_cents FROM order_line l "
                     "JOIN orders o ON o.id = l.order_id WHERE o.external_id = '#1001' ORDER BY l.position")
    assert lines == [("Espresso Blend 1 kg", "ESP-1000", 2, 2490), ("Ceramic Cup Set", "CUP-SET-4", 1, 2990),
                     ("Descaling Tablets", "DESC-10", 1, 1000)]
    assert value(db, "SELECT COUNT(*) FROM order_line") == 10

    assert customer(db, "lena.berg@example.se")["name"] == "Lena Berg"
    assert customer(db, "pierre.lambert@example.fr")["name"] == "Pierre Lambert"
    assert value(db, "SELECT COUNT(*) FROM customer WHERE name LIKE '#%' OR name GLOB '*[0-9][0-9][0-9][0-9]*'") == 0
    assert not rows(db, "SELECT id FROM customer WHERE email_norm IN ('greta.lind@example.se')")
    revenue = {email: customer(db, email)["revenue_cents"] for email in (
        "anna.schmidt@schmidt-feinkost.de", "lena.berg@example.se", "matteo.conti@example.it",
        "hollis.pettibone@example.com", "sanne.jansen@example.nl")}
    assert revenue == {"anna.schmidt@schmidt-feinkost.de": 15440, "lena.berg@example.se": 9460,
                       "matteo.conti@example.it": 10000, "hollis.pettibone@example.com": 0,
                       "sanne.jansen@example.nl": 0}

    reimport_adds_nothing(capsys, db, "orders", "shopify_orders.csv", "--create-missing")


def test_stripe_customers_then_payments(capsys, db):
    code, report = import_file(capsys, db, "customers", "stripe_customers.csv")
    expect_only_bad_rows(code, report, "stripe customers", {6, 11})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10
    felix = customer(db, "felix.wagner@wagner-studio.de")
    assert (felix["name"], felix["external_id"], felix["phone_norm"]) == ("Felix Wagner", "cus_PxA1b2C3d4E5f6",
                                                                         "+4917612345678")
    assert address(felix) == ("Torstraße 140", "10119", "Berlin", None, "DE")

    code, report = import_file(capsys, db, "orders", "stripe_payments.csv")
    expect_only_bad_rows(code, report, "stripe payments", {8, 10})
    assert value(db, "SELECT COUNT(*) FROM customer") == 10  # every payment found its customer by cus_ id
    stored = dict(rows(db, "SELECT external_id, amount_cents FROM orders"))
    assert stored == {"ch_3PxQr1A2b3C4d5E6": 4900, "py_3PxQr1A2b3C4d5E7": 123450, "ch_3PxQr1A2b3C4d5F0": 8900,
                      "ch_3PxQr1A2b3C4d5F1": 15000, "ch_3PxQr1A2b3C4d5F3": 24900, "ch_3PxQr1A2b3C4d5F5": 1900,
                      "ch_3PxQr1A2b3C4d5F6": 3900}  # failed and refunded payments are no revenue
    revenue = {email: customer(db, email)["revenue_cents"] for email in (
        "felix.wagner@wagner-studio.de", "nora@lindqvist.se", "ethan.cole@example.com", "liam.murphy@example.ie")}
    assert revenue == {"felix.wagner@wagner-studio.de": 6800, "nora@lindqvist.se": 138450,
                       "ethan.cole@example.com": 0, "liam.murphy@example.ie": 3900}

    reimport_adds_nothing(capsys, db, "orders", "stripe_payments.csv")


def test_generic_contacts_one_person_in_three_phone_spellings(capsys, db, region_de):
    code, report = import_file(capsys, db, "customers", "generic_contacts.csv")
    expect_only_bad_rows(code, report, "contacts (first/last name)", {8, 9})
    assert value(db, "SELECT COUNT(*) FROM customer") == 8

    jonas = rows(db, "SELECT name, email, company, city, birthday FROM customer WHERE phone_norm = '+491701234567'")
    assert jonas == [("Jonas Becker", "jonas.becker@example.de", "Becker Events", "Hamburg", "1980-03-14")]
    petra = customer(db, "petra.krause@krause-reisen.de")
    assert (petra["phone_norm"], petra["birthday"], petra["birthday_md"]) == ("+4915123456789", "1975-04-03",
                                                                              "04-03")

    reimport_adds_nothing(capsys, db, "customers", "generic_contacts.csv")


def test_a_solocrm_export_is_not_taken_for_a_preset(capsys, db, tmp_path):
    import_file(capsys, db, "customers", "hubspot_contacts.csv")
    exported = tmp_path / "customers.csv"
    code, _ = run(capsys, "--db", str(db), "export", "customers", "-o", str(exported))
    assert code == 0
    before = counts(db)

    code, report = run(capsys, "--db", str(db), "import", "customers", str(exported))
    assert code == 0 and rejected_lines(report) == set(), report
    assert not [name for name in PRESET_NAMES if name in report.lower()], report
    assert counts(db) == before
