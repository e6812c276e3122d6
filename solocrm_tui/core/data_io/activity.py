"""Orders and interactions from a CSV, each attached to its customer.

A row names its customer by external id, email or phone; an unknown customer is
rejected unless `create_missing` (then created, named after the name column, the
email or the phone; never after an id, which would put "#1002" or "cus_9x…" in
the owner's customer list). Order rows are read by `order_rows`: line items grouped
into their order, refunded and cancelled orders left out of revenue. Re-importing is idempotent: an order with an order id is matched
on it (and updated if it changed). Without an order id, identical rows (customer,
date, amount, currency and text) are separate orders, because real customers do buy
the same thing twice on a day: the k-th such row of a file is matched to the k-th
such order already in the book and only the ones beyond those are inserted, so the
same file again adds nothing and a later export with one more occurrence adds one.
An interaction identical in customer, kind, time and text is the same interaction.
Afterwards the touched customers' totals, last contact and stage are brought up to
date and each gets one system line in its timeline.

The plan is made from one snapshot; the writes go in short steps (`batches.in_steps`):
new customers, then the rows, then changed orders, then the touched customers' totals
and timeline lines. Until the last step a reader may see rows whose customer's totals
are not yet brought up to date.
"""

from __future__ import annotations

from collections import ChainMap, Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.lifecycle import Rules, restage
from solocrm_tui.core.contacts.timeline import LAST_CONTACT_SQL
from solocrm_tui.core.counts import count
from solocrm_tui.core.data_io.cells import (
    direction,
    kind,
    moment,
    not_future,
    short,
    unquoted_id,
)
from solocrm_tui.core.data_io.columns import ColumnMap
from solocrm_tui.core.data_io.customers import Existing, insert_customers
from solocrm_tui.core.data_io.order_rows import Excluded, grouped, order_cleaner
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales.campaign_results import attribute_conversions
from solocrm_tui.core.sales.orders import refresh_customer_totals
from solocrm_tui.core.storage.batches import (
    STEP_SECONDS,
    chunks,
    dumps,
    fetch_rows,
    in_steps,
    insert_recorded,
    marks,
    record,
)
from solocrm_tui.core.storage.models import database

ORDER_COLUMNS = ("customer_id", "amount_cents", "currency", "description", "ordered_at", "cost_cents", "external_id")
EXTERNAL = 5  # the order id's place in an order's values (`order_rows.order_cleaner`); its lines follow it
LINE_COLUMNS = ("name", "sku", "quantity", "unit_price_cents", "product_id", "unit_cost_cents")
COST = 4  # the order's cost in its values (`order_rows.order_cleaner`)
INTERACTION_COLUMNS = ("customer_id", "kind", "direction", "body", "occurred_at")
SEARCH_TRIGGER = {"interaction": "entry_fts_interaction_ai", "orders": "entry_fts_order_ai"}  # find-anything


class Resolver:
    """Finds (or, with create_missing, plans) the customer a row is about."""

    def __init__(self, existing: Existing, create_missing: bool) -> None:
        self.existing, self.create_missing = existing, create_missing
        self.emails = ChainMap(existing.email, existing.other_email)  # a customer's own key wins over a kept one
        self.phones = ChainMap(existing.phone, existing.other_phone)
        self.pending: list[dict] = []
        self.pending_keys: dict[tuple[str, str], int] = {}

    def resolve(self, cells: list[str], cmap: ColumnMap, line: int) -> int:
        def cell(name: str) -> str:
            return cmap.cell(cells, name)

        ext = short(unquoted_id(cell("customer_external_id")), "customer external id") or None
        email, email_norm = validate.email(cell("customer_email") or None)
        phone, phone_norm = validate.phone(cell("customer_phone") or None)
        keys = [("external id", ext, self.existing.ext, "ext"), ("email", email_norm, self.emails, "email"),
                ("phone", phone_norm, self.phones, "phone")]
        found: dict[int, str] = {}
        for label, key, table, short_name in keys[:2]:
            if not key:
                continue
            cid = table.get(key, self.pending_keys.get((short_name, key)))
            if cid is not None:
                found.setdefault(cid, f"{label} {key}")
        if len(found) > 1:
            (a, why_a), (b, why_b) = list(found.items())[:2]
            raise ValidationError(f"the customer columns disagree: {why_a} is {_who(a)}, {why_b} is {_who(b)}")
        if found:  # a billing phone is often shared (a switchboard, a family): the id or email decides
            return next(iter(found))
        by_phone = self.phones.get(phone_norm, self.pending_keys.get(("phone", phone_norm))) \
            if phone_norm else None
        if by_phone is not None and not self._someone_else(by_phone, ext, email_norm):
            return by_phone
        given = ", ".join(f"{label} {key}" for label, key, _, _ in keys if key)
        if not given:
            raise ValidationError("no customer: the external id, email and phone cells are all empty")
        if not self.create_missing:
            raise ValidationError(f"unknown customer ({given}): import them first or use --create-missing")
        name = short(cell("customer_name"), "customer name") or email or phone
        if not name:
            raise ValidationError(f"unknown customer ({given}) and no name, email or phone to create them from: "
                                  "import the customers first")
        rec = {"name": name, "external_id": ext, "email": email, "email_norm": email_norm, "phone": phone,
               "phone_norm": phone_norm, "_line": line}
        self.pending.append({k: v for k, v in rec.items() if v is not None})
        temp = -len(self.pending)
        for _, key, _, short_name in keys:
            if key:
                self.pending_keys[(short_name, key)] = temp
        return temp

    def with_email(self, address: str) -> int | None:
        """The existing customer an address belongs to (their own email first, then one an
        earlier import kept as another email), or None for an address nobody has."""
        try:
            key = validate.email(address or None)[1]
        except ValidationError:
            return None
        return self.emails.get(key) if key else None

    def _someone_else(self, cid: int, ext: str | None, email_norm: str | None) -> bool:
        """True when the customer a phone found has another external id or email than the
        row: someone sharing the phone, as `customers.match` decides for customer rows."""
        if cid > 0:
            their_ext, their_email = self.existing.keys[cid]
        else:
            their_ext, their_email = (self.pending[-cid - 1].get(k) for k in ("external_id", "email_norm"))
        return bool(ext and their_ext and ext != their_ext) or bool(email_norm and their_email
                                                                    and email_norm != their_email)

    def used(self, customer_ids: set[int]) -> list[tuple[int, dict]]:
        """The planned new customers that a row to be written names, as (temporary id, record):
        a customer planned only for rows that were then skipped is not created."""
        return [(-(i + 1), rec) for i, rec in enumerate(self.pending) if -(i + 1) in customer_ids]


def create_customers(people: list[tuple[int, dict]], now: datetime, batch_id: str,
                     step_seconds: float) -> dict[int, int]:
    """Create the planned customers in steps; returns temporary id -> real id."""
    real: dict[int, int] = {}

    def create_step(part: list[tuple[int, dict]]) -> None:
        ids = insert_customers([rec for _, rec in part], now, batch_id)
        real.update((temp, cid) for (temp, _), cid in zip(part, ids))

    in_steps(people, create_step, step_seconds)
    return real


def _who(cid: int) -> str:
    return f"customer #{cid}" if cid > 0 else "a customer created by this import"


def interaction_cleaner(cmap: ColumnMap, now: datetime) -> Callable[[list[str]], tuple]:
    cell, order = cmap.cell, cmap.date_order.get("occurred_at")

    def clean(cells: list[str]) -> tuple:
        body, when = cell(cells, "body"), cell(cells, "occurred_at")
        if not body:
            raise ValidationError("text is empty")
        if not when:
            raise ValidationError("date is empty")
        how = cell(cells, "kind")
        way = cell(cells, "direction")
        return (kind(how) if how else "note", direction(way) if way else "out",
                validate.printable(body, "text", lines=True), str(not_future(moment(when, "date", order), now, "date")))
    return clean


def _existing_keys(kind_: str, customer_ids: set[int]) -> Counter:
    """How many of each natural key the customers already have, to skip rows imported before."""
    conn, out = database.connection(), Counter()
    sql = ("SELECT customer_id, ordered_at, amount_cents, currency, description FROM orders WHERE customer_id IN ({})"
           if kind_ == "orders" else
           "SELECT customer_id, kind, occurred_at, body FROM interaction WHERE kind != 'system' AND customer_id IN ({})")
    for part in chunks(sorted(customer_ids)):
        out.update(conn.execute(sql.format(marks(len(part))), tuple(part)))
    return out


def _existing_orders(external_ids: list[str]) -> dict[str, tuple]:
    """order id -> (row id, the stored ORDER_COLUMNS but the id, its lines as `order_rows` reads them)."""
    conn, out = database.connection(), {}
    for part in chunks(external_ids):
        rows = conn.execute(f"SELECT external_id, id, {', '.join(ORDER_COLUMNS[:-1])} FROM orders INDEXED BY orders_external_id "
                            f"WHERE external_id IN ({marks(len(part))})", tuple(part))
        out.update({row[0]: (*row[1:], []) for row in rows})
    by_id = {found[0]: found[-1] for found in out.values()}
    for part in chunks(sorted(by_id)):
        for order_id, *line in conn.execute(f"SELECT order_id, {', '.join(LINE_COLUMNS)} FROM order_line "
                                            f"WHERE order_id IN ({marks(len(part))}) ORDER BY order_id, position",
                                            tuple(part)):
            by_id[order_id].append(tuple(line))
    return {external: (*found[:-1], tuple(found[-1])) for external, found in out.items()}


def link_lines(parsed: list[tuple[int, int, tuple]]) -> list[tuple[int, int, tuple]]:
    """Each order line with the catalogue product it names (by SKU, else by name in any case)
    and that product's unit cost; an order whose file gives no cost costs what its lines cost,
    when every line's cost is known, so its margin is seen."""
    by_sku, by_name = {}, {}
    for pid, name, sku, cost in database.connection().execute("SELECT id, name, sku, cost_cents FROM product"):
        by_name[name.casefold()] = (pid, cost)
        if sku:
            by_sku[sku.casefold()] = (pid, cost)
    out = []
    for line, cid, values in parsed:
        lines = tuple((*item, *(by_sku.get((item[1] or "").casefold()) or by_name.get(item[0].casefold())
                                or (None, None))) for item in values[-1])
        cost = values[COST]
        if cost is None and lines and all(item[-1] is not None for item in lines):
            cost = sum(item[2] * item[-1] for item in lines)
        out.append((line, cid, (*values[:COST], cost, *values[COST + 1:-1], lines)))
    return out


def plan(kind_: str, parsed: list[tuple[int, int, tuple]], issues) -> tuple[list, list, int]:
    """(rows to insert as (customer, values), [(order id, new row, before)], skipped).

    An order row without an order id that repeats an earlier row of the file is its own
    occurrence (`issues.repeat`); occurrence k is skipped when the book already holds k
    orders with that key."""
    known = _existing_keys(kind_, {cid for _, cid, _ in parsed if cid > 0})
    by_external = _existing_orders([v[EXTERNAL] for _, _, v in parsed if v[EXTERNAL]]) if kind_ == "orders" else {}
    inserts, updates, skipped = [], [], 0
    first_seen: dict[tuple, tuple[int, tuple]] = {}
    occurrences: Counter = Counter()
    for line, cid, values in parsed:
        external = values[EXTERNAL] if kind_ == "orders" else None
        key = ("id", external) if external else ((cid, values[3], values[0], values[1], values[2])
                                                 if kind_ == "orders" else (cid, values[0], values[3], values[2]))
        full = (cid, *values)
        occurrences[key] += 1
        if key in first_seen and (external or kind_ != "orders"):
            first_line, first_full = first_seen[key]
            if external and first_full != full:
                issues.reject(line, f"order id {external} is already on line {first_line} with other values")
            else:
                what = f"same order id {external}" if external else "the same customer, kind, time and text"
                issues.note(line, f"repeats line {first_line} ({what}); skipped")
                skipped += 1
            continue
        if key in first_seen:
            issues.repeat(line)
        first_seen.setdefault(key, (line, full))
        if external and external in by_external:
            order_id, *stored, lines = by_external[external]
            if tuple(stored) == full[:EXTERNAL + 1] and (lines == full[-1] or not full[-1]):
                skipped += 1
            else:
                updates.append((order_id, full, dict(zip(ORDER_COLUMNS, stored))))
        elif not external and occurrences[key] <= known[key]:
            skipped += 1
        else:
            inserts.append(full)
    return inserts, updates, skipped


def prepare(kind_: str, records: Iterable[tuple[int, list[str]]], cmap: ColumnMap, now: datetime, currency: str,
            issues) -> list[tuple[int, list[str], tuple]]:
    """Validate the values of every row before the write transaction starts: (line, cells, values).
    Orders that are not revenue go to `issues.excluded`."""
    out = []
    if kind_ == "orders":
        clean_order = order_cleaner(cmap, now, currency)
        for group in grouped(records, cmap, issues):
            try:
                values = clean_order(group)
            except ValidationError as exc:
                issues.reject(group.line, str(exc))
                continue
            if isinstance(values, Excluded):
                issues.excluded.append(values)
            else:
                out.append((group.line, group.cells, values))
        return out
    clean = interaction_cleaner(cmap, now)
    for line, cells in records:
        try:
            out.append((line, cells, clean(cells)))
        except ValidationError as exc:
            issues.reject(line, str(exc))
    return out


def run(kind_: str, prepared: list, cmap: ColumnMap, now: datetime, batch_id: str | None, issues, *,
        create_missing: bool, rules: Rules, step_seconds: float = STEP_SECONDS) -> dict[str, int]:
    """Find the customers and plan from one snapshot, then (unless a dry run, batch_id None) write in steps."""
    with database.atomic("DEFERRED"):
        resolver = Resolver(Existing.load(), create_missing)
        parsed = []
        for line, cells, values in prepared:
            try:
                parsed.append((line, resolver.resolve(cells, cmap, line), values))
            except ValidationError as exc:
                issues.reject(line, str(exc))
        if kind_ == "orders":
            parsed = link_lines(parsed)
        inserts, updates, skipped = plan(kind_, parsed, issues)
        gone = _existing_orders(sorted({e.order_id for e in issues.excluded if e.order_id})) if kind_ == "orders" else {}
    new_people = resolver.used({cid for cid, *_ in inserts} | {full[0] for _, full, _ in updates})
    if batch_id is not None:
        real = create_customers(new_people, now, batch_id, step_seconds)
        _apply(kind_, inserts, updates, [found[0] for found in gone.values()], real, now, batch_id, rules,
               step_seconds)
    return {"inserted": len(inserts), "updated": len(updates), "skipped": skipped, "created": len(new_people),
            "removed": len(gone)}


def _apply(kind_: str, inserts: list, updates: list, gone: list[int], real: dict[int, int], now: datetime,
           batch_id: str, rules: Rules, step_seconds: float) -> None:
    conn = database.connection()
    table, names = ("orders", ORDER_COLUMNS) if kind_ == "orders" else ("interaction", INTERACTION_COLUMNS)
    width = len(names)  # an order's values are followed by its lines
    rows = [((real.get(full[0], full[0]), *full[1:width]), full[width:]) for full in inserts]

    def insert_step(part: list[tuple]) -> None:
        ids = insert_recorded(table, names, [row for row, _ in part], batch_id, (SEARCH_TRIGGER[table],))
        if kind_ == "orders":
            add_lines(zip(ids, (lines for _, (lines,) in part)))

    def update_step(part: list[tuple]) -> None:
        for order_id, full, _before in part:
            conn.execute(f"UPDATE orders SET {', '.join(f'{n} = ?' for n in ORDER_COLUMNS)} WHERE id = ?",
                         (real.get(full[0], full[0]), *full[1:width], order_id))
        record(batch_id, (("orders", order_id, "update", dumps(before)) for order_id, _, before in part))
        replace_lines([(order_id, full[width]) for order_id, full, _before in part if full[width]], batch_id)

    def remove_step(part: list[int]) -> None:
        for order_id, removed in fetch_rows("orders", part).items():
            lines = list(fetch_lines([order_id]).values())
            record(batch_id, [("orders", order_id, "delete",
                               dumps({"row": {"id": order_id, **removed}, "children": {"order_line": lines}}))])
            taken_out[removed["customer_id"]] += 1
        conn.execute(f"DELETE FROM orders WHERE id IN ({marks(len(part))})", tuple(part))

    touched = Counter(row[0] for row, _ in rows)
    changed: Counter = Counter()
    taken_out: Counter = Counter()
    for _order_id, full, before in updates:
        changed[real.get(full[0], full[0])] += 1
        if before["customer_id"] is not None:
            changed[before["customer_id"]] += 0
    noun = "order" if kind_ == "orders" else "interaction"

    def finish_step(customers: list[int]) -> None:
        entries = []
        for cid in customers:
            parts = [f"imported {touched[cid]} {noun}{'s' * (touched[cid] != 1)}"] if touched[cid] else []
            parts += [f"updated {changed[cid]} {noun}{'s' * (changed[cid] != 1)}"] if changed[cid] else []
            parts += [f"took out {count(taken_out[cid], 'order')} refunded or cancelled since"] if taken_out[cid] else []
            if parts:
                entries.append((cid, f"{' and '.join(parts)} (batch {batch_id})", str(now), batch_id))
        conn.executemany("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at, batch_id) "
                         "VALUES (?, 'system', 'out', ?, ?, ?)", entries)
        refresh_after(kind_, customers, now, rules)

    in_steps(rows, insert_step, step_seconds)
    in_steps(updates, update_step, step_seconds)
    in_steps(gone, remove_step, step_seconds)
    in_steps(sorted((set(touched) | set(changed) | set(taken_out)) - {None}), finish_step, step_seconds)


def fetch_lines(order_ids: list[int]) -> dict[int, dict]:
    """The stored lines of the orders, by line id, as the change log keeps deleted rows."""
    conn, out = database.connection(), {}
    for part in chunks(order_ids):
        cursor = conn.execute(f"SELECT * FROM order_line WHERE order_id IN ({marks(len(part))})", tuple(part))
        header = [d[0] for d in cursor.description]
        out.update({row[0]: dict(zip(header, row)) for row in cursor})
    return out


def add_lines(orders: Iterable[tuple[int, tuple]]) -> list[int]:
    """Store each order's lines in order; returns the new line ids."""
    conn = database.connection()
    start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM order_line").fetchone()[0]
    conn.executemany(f"INSERT INTO order_line (order_id, position, {', '.join(LINE_COLUMNS)}) "
                     f"VALUES ({marks(len(LINE_COLUMNS) + 2)})",
                     ((order_id, position, *line) for order_id, lines in orders
                      for position, line in enumerate(lines, 1)))
    return [r[0] for r in conn.execute("SELECT id FROM order_line WHERE id > ? ORDER BY id", (start,))]


def replace_lines(orders: list[tuple[int, tuple]], batch_id: str) -> None:
    """A re-imported order whose lines changed gets the file's lines; the old ones are kept
    in the change log, so undoing the import brings them back."""
    old = fetch_lines([order_id for order_id, _ in orders])
    record(batch_id, (("order_line", line_id, "insert", None) for line_id in add_lines(orders)))
    record(batch_id, (("order_line", line_id, "delete", dumps({"row": row})) for line_id, row in old.items()))
    if old:  # after the new lines took their ids, so undo can put the old ones back under theirs
        database.connection().execute(f"DELETE FROM order_line WHERE id IN ({marks(len(old))})", tuple(old))


def refresh_after(kind_: str, customer_ids: list[int], now: datetime, rules: Rules | None) -> None:
    """Bring the touched customers' derived figures up to date: totals and stage after orders
    (no re-staging when `rules` is None), last contact after interactions."""
    if not customer_ids:
        return
    conn = database.connection()
    for part in chunks(customer_ids):
        if kind_ == "orders":
            refresh_customer_totals(list(part))
        else:
            conn.execute(f"UPDATE customer SET last_contact_at = {LAST_CONTACT_SQL} "
                         f"WHERE id IN ({marks(len(part))})", tuple(part))
    if kind_ == "orders":
        attribute_conversions(now, customer_ids)
        if rules is not None:
            restage(now, rules, customer_ids)
