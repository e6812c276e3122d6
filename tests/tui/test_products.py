"""Products screen (pilot): 5 opens it; the list says what to do when empty; n, e, a and d
write through the form, the toggle and the confirm, and ctrl+z takes each back; i imports
a CSV; the filter narrows the list as you type."""

from __future__ import annotations

from textual.widgets import Input, Static

from solocrm_tui.core.sales import products
from solocrm_tui.modals.confirm import Confirm
from solocrm_tui.modals.product_form import ProductForm
from solocrm_tui.modals.prompt import Prompt
from solocrm_tui.widgets.fitted_table import FittedTable

from .conftest import Notes, wait_until

SIZE = (120, 35)


def names() -> list[tuple[str, bool]]:
    return [(p.name, p.active) for p in products.list_products()]


def rows(app) -> list[str]:
    table = app.screen.query_one(FittedTable)
    return [str(row["name"]) for row in table.kept_rows.values()]


def status(app) -> str:
    return str(app.screen.query_one("#products-status", Static).render())


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def test_empty_catalogue_says_what_to_do_then_n_adds_and_ctrl_z_takes_back(make_app):
    app = make_app("today")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await wait_until(pilot, lambda: "no products yet" in status(app), "the empty hint")
        assert "n adds one, i imports a CSV" in status(app)
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, ProductForm), "the form")
        await type_text(pilot, "Grinder EK43")
        app.screen.query_one("#field-price", Input).focus()
        await type_text(pilot, "-5")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "negative" in str(app.screen.query_one("#error-price").render()),
                         "the price's error under its field")
        assert names() == []
        app.screen.query_one("#field-price", Input).value = ""
        await type_text(pilot, "1,350.00")
        app.screen.query_one("#field-cost", Input).focus()
        await type_text(pilot, "900")
        await pilot.press("enter")
        await wait_until(pilot, lambda: rows(app) == ["Grinder EK43"], "the new row")
        table = app.screen.query_one(FittedTable)
        assert [str(c) for c in table.kept_rows["1"].values()] == [
            "Grinder EK43", "", "1,350.00", "900.00", "450.00", "0", "sold"]
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: names() == [], "the undo")
        await wait_until(pilot, lambda: rows(app) == [], "the row gone")


async def test_a_toggles_d_deletes_after_confirm_and_ctrl_z_restores(make_app, now):
    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    products.add_product("Espresso beans 1kg", now, price="24.50", cost="9")
    app = make_app("products")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: rows(app) == ["Espresso beans 1kg", "Grinder EK43"], "the catalogue")
        await pilot.press("a")
        await wait_until(pilot, lambda: names() == [("Grinder EK43", True), ("Espresso beans 1kg", False)],
                         "beans no longer sold")
        await wait_until(pilot, lambda: rows(app) == ["Grinder EK43", "Espresso beans 1kg"], "sold ones first")
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: ("Espresso beans 1kg", True) in names(), "the toggle undone")
        await wait_until(pilot, lambda: rows(app) == ["Espresso beans 1kg", "Grinder EK43"], "the list again")
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm), "the confirm")
        assert "keep their lines with their own name and price" in app.screen.question
        await pilot.press("y")
        await wait_until(pilot, lambda: names() == [("Espresso beans 1kg", True)], "the delete")
        await pilot.press("ctrl+z")
        await wait_until(pilot, lambda: len(names()) == 2, "the delete undone")
        await pilot.press("f")
        await type_text(pilot, "ek4")
        await wait_until(pilot, lambda: rows(app) == ["Grinder EK43"], "the filtered list")
        assert status(app).strip().startswith("1 product")


async def test_enter_and_e_edit_and_a_taken_name_is_shown_under_the_name(make_app, now):
    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    products.add_product("Milk jug", now, price="12.50")
    app = make_app("products")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: len(rows(app)) == 2, "the catalogue")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ProductForm), "the form on Enter")
        assert app.screen.query_one("#field-name", Input).value == "Grinder EK43"
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ProductForm), "the form closed")
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ProductForm), "the form")
        app.screen.query_one("#field-name", Input).value = "milk JUG"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "already the product" in str(app.screen.query_one("#error-name").render()),
                         "the name's error")
        app.screen.query_one("#field-name", Input).value = "Grinder EK43 white"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Grinder EK43 white" in rows(app), "the edit")


async def test_i_imports_a_csv(make_app, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text("name,sku,price,cost\nGrinder EK43,EK43,1350,900\n", encoding="utf-8")
    app = make_app("products")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "no products yet" in status(app), "the empty hint")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, Prompt), "the prompt")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: rows(app) == ["Grinder EK43"], "the imported product")


async def test_an_import_that_reads_no_price_says_which_columns_it_did_not_read(make_app, tmp_path):
    path = tmp_path / "produkte.csv"
    path.write_text("Artikel;Prijs;Kostprijs\nGrinder EK43;1350;900\n", encoding="utf-8")
    app, notes = make_app("products"), Notes()
    async with app.run_test(size=SIZE, message_hook=notes) as pilot:
        await wait_until(pilot, lambda: "no products yet" in status(app), "the empty hint")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, Prompt), "the prompt")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("added 1" in text for text in notes.texts()), "the import's toast")
        assert 'columns not read: Prijs, Kostprijs — map them with --map "Prijs=price"' in notes.texts()[-1]


async def test_deleting_a_product_on_an_open_deal_says_so(make_app, now):
    from solocrm_tui.core.contacts.customers import create_customer
    from solocrm_tui.core.sales import deal_lines, deals

    products.add_product("Grinder EK43", now, sku="EK43", price="1350")
    ann = create_customer(now, name="Ann").id
    refit = deals.create_deal(ann, "Café refit", "0", now)
    deal_lines.add_lines(refit.id, products.resolve(products.parse_items("2x EK43")), now)
    app = make_app("products")
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: rows(app) == ["Grinder EK43"], "the catalogue")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, Confirm), "the confirm")
        assert "It is on 1 open deal, whose line keeps it too." in app.screen.question
