"""Products: the catalogue, paged from SQL and filtered as you type.

Each row says what one unit sells for, what it costs, the margin between them and how
many were sold (summed from the order lines that name it, for the page shown only).
Every write is one change set on the session's undo stack, so ctrl+z takes it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from solocrm_tui import work
from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.sales import products
from solocrm_tui.core.sales.products import Product
from solocrm_tui.screens.base import CRMScreen
from solocrm_tui.screens.csv_import import ImportsCSV
from solocrm_tui.screens.customers import FilterBox
from solocrm_tui.text.figures import count
from solocrm_tui.widgets.cells import cell
from solocrm_tui.widgets.fitted_table import Col, FittedTable

PAGE = 100
PREFETCH = 25
EMPTY = "no products yet: n adds one, i imports a CSV"
NO_ROW = "no product here: n adds one"
# At 80 columns the SKU goes first: units sold and "no longer sold" say more about a product.
# At 80 columns units sold and the SKU give way first: price, cost and margin are what a
# catalogue is read for.
COLUMNS = (Col("name", "Product", 24, narrow=18, flexible=True), Col("sku", "SKU", 10, narrow=8, drop=2, grow=24),
           Col("price", "Price", 10, narrow=9), Col("cost", "Cost", 10, narrow=9, drop=3),
           Col("margin", "Margin", 10, narrow=9), Col("sold", "Sold", 7, drop=1),
           Col("state", "Sold now?", 14, drop=4))


@dataclass(frozen=True)
class Page:
    rows: list[Product]
    sold: dict[int, int]
    total: int


def read_page(text: str, offset: int, limit: int) -> Page:
    rows = products.list_products(text, offset=offset, limit=limit)
    return Page(rows, products.units_sold([p.id for p in rows]), products.count_products(text))


def _money(value) -> str:
    return "—" if value is None else format_money(value, cents=True)


class ProductsScreen(ImportsCSV, CRMScreen):
    HELP = ("Products: the catalogue, filtered as you type (f) by name or SKU. n adds a product, e or "
            "Enter edits it, a marks it no longer sold (or sold again), d deletes it (order lines keep "
            "their own name and price), i imports a CSV (name, sku, price, cost, active; Shopify and "
            "WooCommerce exports too). ctrl+z takes back the last change.")
    BINDINGS = [
        Binding("f", "focus_filter", "Filter", id="products.filter"),
        Binding("n", "new", "New", id="products.new"),
        Binding("e", "edit", "Edit", id="products.edit"),
        Binding("a", "toggle_active", "Sold/not", id="products.active"),
        Binding("d", "delete", "Delete", id="products.delete"),
        Binding("i", "import_products", "Import CSV", id="products.import"),
    ]
    READ_ON_RETURN = True

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.generation = 0
        self.total: int | None = None
        self.shown: dict[str, Product] = {}
        self.loading_more = False

    def compose_body(self) -> ComposeResult:
        yield FilterBox(placeholder="filter: name or SKU", id="product-filter")
        yield FittedTable(COLUMNS, id="products", cursor_type="row", zebra_stripes=True)
        yield Static("", id="products-status")

    def on_mount(self) -> None:
        self.focus_main()
        self.load()

    def focus_main(self) -> None:
        self.query_one(FittedTable).focus()

    def reload(self) -> None:
        self.load(max(PAGE, len(self.shown)))

    # loading -------------------------------------------------------------------------

    def load(self, limit: int = PAGE) -> None:
        self.generation += 1
        generation, text = self.generation, self.text
        work.load(self, lambda: read_page(text, 0, limit), lambda page: self.show(generation, page, fresh=True),
                  group="products-load")

    def show(self, generation: int, page: Page, *, fresh: bool) -> None:
        self.loading_more = False
        if generation != self.generation:
            return
        table = self.query_one(FittedTable)
        keep = table.cursor_row
        if fresh:
            table.clear()
            self.shown.clear()
        for product in page.rows:
            self.shown[str(product.id)] = product
            table.add_row(cell(product.name), cell(product.sku or ""), _money(product.price), _money(product.cost),
                          _money(product.margin), f"{page.sold.get(product.id, 0):,}",
                          "sold" if product.active else "no longer sold", key=str(product.id))
        if fresh and table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)
        self.total = page.total
        self.update_status()

    def update_status(self) -> None:
        if not self.total:
            text = f" no product matches “{self.text}”" if self.text.strip() else f" {EMPTY}"
        else:
            text = f" {count(self.total, 'product')} · showing {len(self.shown):,}"
        self.query_one("#products-status", Static).update(cell(text))  # quotes the typed filter

    @on(Input.Changed, "#product-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value
        self.load()

    @on(Input.Submitted, "#product-filter")
    def filter_done(self) -> None:
        self.focus_main()

    @on(DataTable.RowHighlighted, "#products")
    def maybe_fetch_more(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one(FittedTable)
        more = self.total is not None and len(self.shown) < self.total
        if more and not self.loading_more and event.cursor_row >= table.row_count - PREFETCH:
            self.loading_more = True
            generation, text, offset = self.generation, self.text, len(self.shown)
            work.load(self, lambda: read_page(text, offset, PAGE),
                      lambda page: self.show(generation, page, fresh=False), group="products-more",
                      exclusive=False)

    # actions -------------------------------------------------------------------------

    def current(self) -> Product | None:
        table = self.query_one(FittedTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.shown.get(str(key))

    def action_focus_filter(self) -> None:
        self.query_one("#product-filter", Input).focus()

    def action_new(self) -> None:
        from solocrm_tui.modals.product_form import edit_product

        edit_product(self.app, None)

    def action_edit(self) -> None:
        from solocrm_tui.modals.product_form import edit_product

        product = self.current()
        if product is None:
            self.cannot(NO_ROW)
        else:
            edit_product(self.app, product)

    def action_open(self) -> None:
        """Enter on a row (the table's "Open"): a product opens in its form."""
        self.action_edit()

    def action_toggle_active(self) -> None:
        product = self.current()
        if product is None:
            self.cannot(NO_ROW)
            return
        now, active = self.app.now(), not product.active
        state = "sold again" if active else "no longer sold"
        work.apply_change(self, lambda: products.update_product(product.id, now, active=active), what="products",
                          done=f"{product.name}: {state}", undo_as=f"marking {product.name} {state}")

    def action_delete(self) -> None:
        from solocrm_tui.modals.confirm import Confirm

        product = self.current()
        if product is None:
            self.cannot(NO_ROW)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                work.apply_change(self, lambda: products.delete_product(product.id), what="products",
                                  done=f"deleted product {product.name}", undo_as=f"deleting product {product.name}")

        def ask(deals: int) -> None:
            offered = (f" It is on {count(deals, 'open deal')}, whose {'line keeps' if deals == 1 else 'lines keep'} "
                       "it too." if deals else "")
            self.app.push_screen(Confirm(f"Delete {product.name} from the catalogue? Orders that sold it keep their "
                                         f"lines with their own name and price.{offered}"), answered)

        work.load(self, lambda: products.open_deals_offering(product.id), ask, group="product-delete")

    def action_import_products(self) -> None:
        self.ask_for_csv("products", "Import products from which CSV file?", "~/products.csv (name, sku, price, cost)",
                         what=("products",))
