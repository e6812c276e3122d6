"""`import products`: the catalogue from SoloCRM's own columns or a shop's export; a re-import
updates by SKU, else by name in any case; bad rows are named by line and the others land;
the batch is undone whole."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.sales import products
from solocrm_tui.core.storage.undo import undo_batch


def write(tmp_path: Path, text: str, name: str = "products.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def catalogue() -> dict[str, tuple]:
    return {p.name: (p.sku, p.price, p.cost, p.active) for p in products.list_products(limit=1000)}


def rejected(report) -> dict[int, str]:
    return {i.line: i.message for i in report.issues if i.rejected}


def test_own_columns_with_bad_rows_named_and_the_others_imported(core_db, tmp_path, t0):
    path = write(tmp_path, "name,sku,price,cost,active\n"
                           "Grinder EK43,EK43,1350.00,900,yes\n"
                           ",NOPE,10,,\n"
                           "Espresso beans 1kg,BEANS1,-4,8,\n"
                           "Tamper,EK43,30,,\n"
                           "Milk jug,JUG,12.50,,no\n")
    report = import_file("products", path, t0)
    assert rejected(report) == {3: "no product name", 4: 'price: amount can\'t be negative, got "-4"',
                                5: 'SKU "EK43" is already on line 2'}
    assert catalogue() == {"Grinder EK43": ("EK43", Decimal("1350.00"), Decimal("900.00"), True),
                           "Milk jug": ("JUG", Decimal("12.50"), None, False)}
    assert (report.inserted, report.updated) == (2, 0)


def test_shopify_export_with_decimal_comma_and_variant_rows(core_db, tmp_path, t0):
    path = write(tmp_path, "Handle;Title;Variant SKU;Variant Price;Cost per item;Status;Published\n"
                           "ek43;Grinder EK43;EK43;1350,00;900,00;active;TRUE\n"
                           "ek43;;;;;;\n"
                           "beans;Espresso beans 1kg;BEANS1;24,50;;draft;FALSE\n", "shopify.csv")
    report = import_file("products", path, t0)
    assert report.preset == "Shopify products" and report.rejected == 0
    assert catalogue() == {"Grinder EK43": ("EK43", Decimal("1350.00"), Decimal("900.00"), True),
                           "Espresso beans 1kg": ("BEANS1", Decimal("24.50"), None, False)}


def test_woocommerce_columns(core_db, tmp_path, t0):
    path = write(tmp_path, "ID,Type,SKU,Name,Published,Sale price,Regular price\n"
                           "7,simple,EK43,Grinder EK43,1,,1350\n")
    import_file("products", path, t0)
    assert catalogue() == {"Grinder EK43": ("EK43", Decimal("1350.00"), None, True)}


def test_reimport_matches_by_sku_then_name_in_any_case_and_undo_restores(core_db, tmp_path, t0):
    products.add_product("Grinder EK43", t0, sku="EK43", price="1300", cost="900")
    products.add_product("Espresso beans 1kg", t0, price="22")
    path = write(tmp_path, "name,sku,price\n"
                           "Grinder EK43 (white),ek43,1350\n"
                           "espresso BEANS 1kg,BEANS1,24.50\n"
                           "Milk jug,JUG,12.50\n")
    dry = import_file("products", path, t0, dry_run=True)
    assert (dry.inserted, dry.updated) == (1, 2) and len(catalogue()) == 2
    report = import_file("products", path, t0)
    # matched by SKU in any case, and the SKU kept as the catalogue writes it, as a name is
    assert catalogue() == {"Grinder EK43 (white)": ("EK43", Decimal("1350.00"), Decimal("900.00"), True),
                           "Espresso beans 1kg": ("BEANS1", Decimal("24.50"), None, True),
                           "Milk jug": ("JUG", Decimal("12.50"), None, True)}
    assert report.renamed == 1
    again = import_file("products", path, t0)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 3)
    undo_batch(report.batch_id, t0, kind="import")
    assert catalogue() == {"Grinder EK43": ("EK43", Decimal("1300.00"), Decimal("900.00"), True),
                           "Espresso beans 1kg": (None, Decimal("22.00"), None, True)}


FIXTURES = Path(__file__).parents[2] / "data" / "imports"


def test_shopify_products_export_names_variants_and_counts_image_rows(core_db, t0):
    """The grinder has one variant ("Default Title") and two extra images; the beans three
    variants on two options and one extra image. Variant rows repeat only the Handle."""
    report = import_file("products", FIXTURES / "shopify_products.csv", t0)
    assert report.preset == "Shopify products" and report.issues == ()
    assert catalogue() == {
        "Grinder EK43": ("EK43", Decimal("2450.00"), Decimal("1710.00"), True),
        "Espresso beans — 250g / Whole bean": ("BEAN-ESP-250", Decimal("8.50"), Decimal("3.40"), True),
        "Espresso beans — 1kg / Whole bean": ("BEAN-ESP-1KG", Decimal("26.00"), Decimal("11.80"), True),
        "Espresso beans — 1kg / Filter": ("BEAN-ESP-1KG-F", Decimal("26.00"), Decimal("11.80"), True)}
    assert (report.inserted, report.rejected, report.left_out) == (4, 0, (("image row", 3, "Shopify writes a row per extra image"),))
    assert "left out: 3 image rows (Shopify writes a row per extra image)" in report.lines()


def test_a_shopify_variant_row_takes_its_products_status(core_db, tmp_path, t0):
    """Shopify writes Status on a product's first row only: a draft product's later variants
    are drafts too, not products on sale."""
    path = write(tmp_path, "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Cost per item,Status\n"
                           "cap,Cap,Size,S,CAP-S,12.99,5,draft\n"
                           "cap,,,M,CAP-M,12.99,5,\n")
    import_file("products", path, t0)
    assert catalogue() == {"Cap — S": ("CAP-S", Decimal("12.99"), Decimal("5.00"), False),
                           "Cap — M": ("CAP-M", Decimal("12.99"), Decimal("5.00"), False)}


def test_unread_columns_are_named_with_the_map_hint(core_db, tmp_path, t0):
    path = write(tmp_path, "name;Prijs;Kostprijs\nGrinder EK43;1350;900\n")
    report = import_file("products", path, t0)
    assert report.unread_columns == ("Prijs", "Kostprijs")
    assert ('columns not read: Prijs, Kostprijs — map them with --map "Prijs=price" '
            "(fields not in the file: price, cost, sku, active)") in report.lines()


def test_german_french_and_spanish_headers(core_db, tmp_path, t0):
    for name, header in (("de.csv", "Artikelnummer;Bezeichnung;Preis;Einkaufspreis"),
                         ("fr.csv", "Référence;Désignation;Prix;Coût"),
                         ("es.csv", "Referencia;Nombre;Precio;Coste")):
        report = import_file("products", write(tmp_path, f"{header}\nEK43;Grinder EK43;1350;900\n", name), t0)
        assert report.unread_columns == (), header
        assert catalogue() == {"Grinder EK43": ("EK43", Decimal("1350.00"), Decimal("900.00"), True)}, header


def test_a_reimport_by_sku_keeps_the_name_when_only_its_case_differs(core_db, tmp_path, t0):
    products.add_product("Grinder EK43", t0, sku="EK43", price="1300")
    products.add_product("Milk jug", t0, sku="JUG", price="12")
    path = write(tmp_path, "name,sku,price\ngrinder ek43,EK43,1350\nMilk jug 0.6l,JUG,12\n")
    report = import_file("products", path, t0)
    assert catalogue() == {"Grinder EK43": ("EK43", Decimal("1350.00"), None, True),
                           "Milk jug 0.6l": ("JUG", Decimal("12.00"), None, True)}
    assert (report.updated, report.renamed) == (2, 1)
    assert "inserted 0, updated 2 (renamed 1), skipped 0 (unchanged or repeated), rejected 0" in report.lines()
