"""`solocrm import products / products / export products`: the catalogue in, listed, out and
back in unchanged; the import is one batch `import --undo` takes back."""

from __future__ import annotations

import json

from tests.test_cli_data import batch_of, count, db, one_line_error, run  # noqa: F401 - db is a fixture

CATALOGUE = "name,sku,price,cost,active\nGrinder EK43,EK43,1350.00,900,yes\n,X,1,,\nMilk jug,JUG,12.50,,no\n"


def test_import_list_export_reimport_and_undo(capsys, db, tmp_path):  # noqa: F811 - the fixture
    path = tmp_path / "products.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    code, out, _ = run(capsys, "--db", str(db), "import", "products", str(path))
    assert code == 1 and "line 3: rejected: no product name" in out and "inserted 2" in out
    batch = batch_of(out)
    code, out, _ = run(capsys, "--db", str(db), "products")
    assert code == 0 and out.splitlines() == [
        "Grinder EK43 [EK43] · price 1,350.00 · cost 900.00 · margin 450.00 · 0 sold",
        "Milk jug [JUG] · price 12.50 · cost — · margin — · 0 sold · no longer sold", "2 products"]
    code, out, _ = run(capsys, "--db", str(db), "products", "--json")
    assert [(p["name"], p["margin"], p["active"]) for p in json.loads(out)] == [
        ("Grinder EK43", "450.00", True), ("Milk jug", None, False)]
    exported = tmp_path / "out.csv"
    code, out, _ = run(capsys, "--db", str(db), "export", "products", "-o", str(exported))
    assert code == 0 and "exported 2 products" in out
    code, out, _ = run(capsys, "--db", str(db), "import", "products", str(exported))
    assert code == 0 and "inserted 0, updated 0, skipped 2" in out
    code, out, _ = run(capsys, "--db", str(db), "import", "--undo", batch)
    assert code == 0 and count(db, "SELECT COUNT(*) FROM product") == 0
    code, out, _ = run(capsys, "--db", str(db), "products")
    assert out.startswith("no products yet")


def test_a_missing_name_column_is_one_line(capsys, db, tmp_path):  # noqa: F811 - the fixture
    path = tmp_path / "p.csv"
    path.write_text("sku,price\nEK43,10\n", encoding="utf-8")
    code, _, err = run(capsys, "--db", str(db), "import", "products", str(path))
    assert "name" in one_line_error(code, err)
