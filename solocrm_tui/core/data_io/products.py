"""The catalogue from a CSV: SoloCRM's own export, Shopify's or WooCommerce's products file.

A row is a product (name, SKU, price, cost, active). It updates the product it already
is, matched by SKU, else by name in any case, and adds the others, so re-importing a
shop's export after a price change updates the prices and adds what is new. A bad row (no
name, a negative price, a SKU an earlier row of the file already had) is rejected with
its line and the others are imported. A re-import matched by SKU keeps the stored name
when the file's differs only in case (a shop's export lowercasing "Grinder EK43" is not a
rename); a real rename is applied and counted.

Shopify writes one row per variant and per extra image, all under the product's Handle,
with the Title and Status on the first row only: a variant row takes its handle's, and when
the handle has several variants each is named "Title — 1kg / Filter" from its option
values ("Default Title" means no variants). A row with neither name, SKU, price nor
option is an image row: skipped, and counted in the report.
Every write goes to the import's batch, so `solocrm import --undo` takes it back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from solocrm_tui.core.data_io.cells import cents, short
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.batches import (
    STEP_SECONDS,
    dumps,
    in_steps,
    marks,
    record,
)
from solocrm_tui.core.storage.models import database

DEFAULT_TITLE = "Default Title"
COLUMNS = ("name", "sku", "price_cents", "cost_cents", "active")
# Status words of shop exports: Shopify's active/draft/archived, WooCommerce's publish/draft/private.
ACTIVE_WORDS = {"active": True, "publish": True, "published": True, "1": True, "yes": True, "y": True,
                "true": True, "sold": True, "archived": False, "draft": False, "inactive": False, "private": False,
                "0": False, "no": False, "n": False, "false": False, "nolongersold": False}


def active(value: str) -> bool | None:
    """None when the file says nothing: a new product is active, an existing one keeps what it was."""
    key = "".join(ch for ch in value.casefold() if ch.isalnum())
    if not key:
        return None
    if key not in ACTIVE_WORDS:
        raise ValidationError(f'active "{value.strip()}" is not yes/no (nor active, draft or archived)')
    return ACTIVE_WORDS[key]


def _amount(value: str, field: str, decimal: str | None) -> int | None:
    """Cents, or None for an empty cell (unknown, never free); a negative amount is refused."""
    return cents(value, field, decimal) if value.strip() else None


def prepare(records: Iterable[tuple[int, list[str]]], cmap: ColumnMap, issues) -> list[tuple[int, tuple]]:
    """(line, (name, sku, price cents, cost cents, active)) for every good row, in file order."""
    cell, out, skus = cmap.cell, [], {}
    records = list(records)
    titles, statuses, variants = _handles(records, cmap)
    for line, cells in records:
        name, sku = short(cell(cells, "name"), "product name"), short(cell(cells, "sku"), "SKU") or None
        price, handle, options = cell(cells, "price"), cell(cells, "handle"), _options(cells, cmap)
        if not (name or sku or price.strip() or options):
            if handle:
                issues.leave_out("image row", "Shopify writes a row per extra image")
            continue
        try:
            name = name or titles.get(handle, "")
            if not name:
                raise ValidationError("no product name")
            if variants[handle] > 1 and options:
                name = short(f"{name} — {' / '.join(options)}", "product name")
            values = (name, sku, _amount(price, "price", cmap.decimal.get("price")),
                      _amount(cell(cells, "cost"), "cost", cmap.decimal.get("cost")),
                      active(cell(cells, "active") or statuses.get(handle, "")))
            if sku and sku.casefold() in skus:
                raise ValidationError(f'SKU "{sku}" is already on line {skus[sku.casefold()]}')
        except ValidationError as exc:
            issues.reject(line, str(exc))
            continue
        if sku:
            skus[sku.casefold()] = line
        out.append((line, values))
    return out


def _options(cells: list[str], cmap: ColumnMap) -> list[str]:
    """A Shopify variant's option values; "Default Title" is how Shopify says a product has no variants."""
    values = [value for value in (cmap.cell(cells, f"option{n}") for n in (1, 2, 3)) if value]
    return [] if values == [DEFAULT_TITLE] else values


def _handles(records: list[tuple[int, list[str]]],
             cmap: ColumnMap) -> tuple[dict[str, str], dict[str, str], Counter[str]]:
    """Per Shopify handle, its first row's title and status (the later variant rows leave
    them blank) and how many variants it has (rows with a SKU, price or option: the others
    are its images)."""
    titles: dict[str, str] = {}
    statuses: dict[str, str] = {}
    variants: Counter[str] = Counter()
    for _line, cells in records:
        handle = cmap.cell(cells, "handle")
        if not handle:
            continue
        titles.setdefault(handle, cmap.cell(cells, "name"))
        statuses.setdefault(handle, cmap.cell(cells, "active"))
        if cmap.cell(cells, "sku") or cmap.cell(cells, "price") or _options(cells, cmap):
            variants[handle] += 1
    return titles, statuses, variants


def plan(prepared: list[tuple[int, tuple]], issues) -> tuple[list[tuple], list[tuple[int, tuple, dict]], int, int]:
    """(rows to add, [(product id, new row, the row before)], skipped, renamed) from one look at the catalogue."""
    conn = database.connection()
    stored = {row[0]: row for row in conn.execute(f"SELECT id, {', '.join(COLUMNS)} FROM product")}
    by_sku = {row[2].casefold(): pid for pid, row in stored.items() if row[2]}
    by_name = {row[1].casefold(): pid for pid, row in stored.items()}
    inserts, updates, skipped, renamed, names = [], [], 0, 0, {}
    for line, (name, sku, price, cost, active_) in prepared:
        pid = by_sku.get(sku.casefold()) if sku else None
        pid = pid if pid is not None else by_name.get(name.casefold())
        if name.casefold() in names:
            issues.reject(line, f'the product "{name}" is already on line {names[name.casefold()]}')
            continue
        names[name.casefold()] = line
        old = dict(zip(COLUMNS, stored[pid][1:])) if pid is not None else None
        other = by_name.get(name.casefold())
        if other is not None and other != pid:
            issues.reject(line, f'the name "{name}" is already the product with SKU {stored[other][2] or "(none)"}')
            continue
        if old is not None and old["name"].casefold() == name.casefold():
            name = old["name"]
        elif old is not None:
            renamed += 1
        if old is not None and sku and old["sku"] and old["sku"].casefold() == sku.casefold():
            sku = old["sku"]  # as for names: another export's case is not a change
        row = (name, sku if sku or old is None else old["sku"], price if price is not None or old is None
               else old["price_cents"], cost if cost is not None or old is None else old["cost_cents"],
               int(active_ if active_ is not None else (True if old is None else old["active"])))
        if old is None:
            inserts.append(row)
        elif tuple(old.values()) == row:
            skipped += 1
        else:
            updates.append((pid, row, old))
    return inserts, updates, skipped, renamed


def run(prepared: list[tuple[int, tuple]], now: datetime, batch_id: str | None, issues,
        step_seconds: float = STEP_SECONDS) -> dict[str, int]:
    """Plan from one snapshot, then (unless a dry run, batch_id None) write in steps."""
    with database.atomic("DEFERRED"):
        inserts, updates, skipped, renamed = plan(prepared, issues)
    if batch_id is not None:
        conn = database.connection()

        def insert_step(part) -> None:
            for row in part:
                added = conn.execute(f"INSERT INTO product ({', '.join(COLUMNS)}, created_at, updated_at, batch_id) "
                                     f"VALUES ({marks(len(COLUMNS) + 3)})", (*row, str(now), str(now), batch_id))
                record(batch_id, [("product", added.lastrowid, "insert", None)])

        def update_step(part) -> None:
            for pid, row, old in part:
                was = conn.execute("SELECT updated_at FROM product WHERE id = ?", (pid,)).fetchone()[0]
                conn.execute(f"UPDATE product SET {', '.join(f'{n} = ?' for n in COLUMNS)}, updated_at = ? "
                             "WHERE id = ?", (*row, str(now), pid))
                record(batch_id, [("product", pid, "update", dumps({**old, "updated_at": was}))])

        in_steps(inserts, insert_step, step_seconds)
        in_steps(updates, update_step, step_seconds)
    return {"inserted": len(inserts), "updated": len(updates), "skipped": skipped, "renamed": renamed}
