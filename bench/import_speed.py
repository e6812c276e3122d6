"""CSV import speed (SPEC §8: ≥ 50,000 rows/s), side by side with raw sqlite3 executemany.

    .venv/bin/python bench/import_speed.py [ROWS]

Writes a ROWS-row (default 100,000) customer CSV to a temp dir, imports it into a
fresh database with `core.importing.import_file` (parse, validate, match, insert,
log the batch, index for search), then inserts the same rows, already parsed, into
another fresh database with one plain `executemany` (the schema's search trigger
fires per row there). Also re-imports the file (all rows matched and skipped), and
imports ROWS orders for those customers (by email, with an order id, a decimal-comma
amount and a day-first date, so the column scan and the order rows are measured),
beside the same orders pre-parsed in one executemany.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.storage.db import close_database, open_database

NOW = datetime(2026, 11, 22, 10, 30)
FIRST = ("Anna", "Lukas", "Sofia", "Jonas", "Mia", "Elias", "Emma", "Noah", "Léa", "Søren", "Zoë", "Mateo")
LAST = ("Müller", "Schmidt", "Rossi", "Dubois", "Novák", "García", "Jensen", "Smith", "Kowalski", "Nieminen")
CITIES = ("Berlin", "Paris", "Madrid", "Rome", "Vienna", "Prague", "Oslo", "Lisbon", "Dublin", "Warsaw")
HEADER = ["Customer ID", "Full Name", "E-mail", "Mobile", "Company", "City", "Country", "Tags", "Birthday"]


def make_rows(count: int) -> list[list[str]]:
    rng = random.Random(7)
    rows = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append([f"C{i:07d}", f"{first} {last}", f"{first.lower()}.{i}@example.com",
                     f"+49 151 {i:08d}", f"Company {i % 997}" if i % 3 else "", rng.choice(CITIES), "DE",
                     "newsletter vip" if i % 5 == 0 else "", f"19{60 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}"])
    return rows


def make_orders(people: list[list[str]]) -> list[list[str]]:
    """One order per customer row, each for a random customer of `people`."""
    rng, count = random.Random(11), len(people)
    return [[f"O{i:08d}", people[j][2],
             f"{1 + i % 28:02d}.{1 + i % 12:02d}.2025", f"{rng.randint(5, 900)},{rng.randint(0, 99):02d}",
             f"Item {i % 211}"]
            for i, j in ((i, rng.randrange(count)) for i in range(count))]


def raw_orders(path: Path, orders: list[list[str]], customer_of: dict[str, int]) -> float:
    """The same orders, pre-parsed, in one executemany into the imported book (search trigger per row)."""
    params = [(customer_of[email], int(amount.replace(",", "")), "EUR", text,
               f"2025-{when[3:5]}-{when[:2]} 00:00:00", None, f"R{oid}")
              for oid, email, when, amount, text in orders]
    conn = sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO orders (customer_id, amount_cents, currency, description, ordered_at, cost_cents, "
                     "external_id) VALUES (?,?,?,?,?,?,?)", params)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def raw_insert(path: Path, rows: list[list[str]], *, bulk_search: bool = False) -> float:
    """The same customers, pre-parsed, in one executemany (no validation, matching or log).

    With bulk_search the FTS trigger is dropped and the index filled by one INSERT…SELECT,
    and the non-unique indexes are built after the rows, in one transaction: what SQLite
    alone needs for these rows, the floor for any importer (ours writes in short steps
    instead, so other writers never wait long).
    """
    open_database(path)
    close_database()
    stamp = str(NOW)
    params = [(name, company or None, email, email.lower(), ext, phone, phone.replace(" ", ""), 0, city, country,
               birthday, birthday[5:], None, f" {tags} " if tags else "", "{}", stamp, stamp, 0, 0, "lead")
              for ext, name, email, phone, company, city, country, tags, birthday in rows]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=normal")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    indexes = []
    if bulk_search:
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'customer_fts_ai'").fetchone()[0]
        conn.execute("DROP TRIGGER customer_fts_ai")
        indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer' "
                               "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'").fetchall()
        for name, _sql in indexes:
            conn.execute(f'DROP INDEX "{name}"')
    conn.executemany(
        "INSERT INTO customer (name, company, email, email_norm, external_id, phone, phone_norm, opt_out, city, "
        "country, birthday, birthday_md, source, tags, custom, created_at, updated_at, revenue_cents, order_count, "
        "stage) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", params)
    for _name, sql in indexes:
        conn.execute(sql)
    if bulk_search:
        conn.execute("INSERT INTO customer_fts(rowid, name, company, email, phone, city, tags) "
                     "SELECT id, name, company, email, phone, city, tags FROM customer")
        conn.execute(trigger)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = make_rows(count)
        csv_path = folder / "customers.csv"
        with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(HEADER)
            writer.writerows(rows)
        open_database(folder / "import.db")
        start = time.perf_counter()
        report = import_file("customers", csv_path, NOW)
        imported = time.perf_counter() - start
        assert report.inserted == count and report.rejected == 0, report.lines()[-3:]
        start = time.perf_counter()
        again = import_file("customers", csv_path, NOW)
        reimported = time.perf_counter() - start
        assert again.inserted == 0 and again.updated == 0 and again.skipped == count
        orders = make_orders(rows)
        orders_path = folder / "orders.csv"
        with open(orders_path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(["Order ID", "Customer Email", "Date", "Total", "Product"])
            writer.writerows(orders)
        start = time.perf_counter()
        report = import_file("orders", orders_path, NOW)
        ordered = time.perf_counter() - start
        assert report.inserted == count and report.rejected == 0, report.lines()[-3:]
        close_database()
        conn = sqlite3.connect(folder / "import.db")
        customer_of = dict(conn.execute("SELECT email, id FROM customer"))
        conn.close()
        raw_ordered = raw_orders(folder / "import.db", orders, customer_of)
        raw = raw_insert(folder / "raw.db", rows)
        floor = raw_insert(folder / "floor.db", rows, bulk_search=True)
    print(f"{count:,} customer rows")
    print(f"  solocrm import          {imported:6.2f} s  {count / imported:>10,.0f} rows/s  (parse+validate+match+insert+log)")
    print(f"  re-import (all skipped) {reimported:6.2f} s  {count / reimported:>10,.0f} rows/s")
    print(f"  raw sqlite3 executemany {raw:6.2f} s  {count / raw:>10,.0f} rows/s  (pre-parsed, per-row FTS trigger)")
    print(f"  raw, search bulk-built  {floor:6.2f} s  {count / floor:>10,.0f} rows/s  (pre-parsed, indexes and search built after: SQLite's share alone)")
    print(f"  target (SPEC §8)                   {50_000:>10,} rows/s")
    print(f"{count:,} order rows")
    print(f"  orders import           {ordered:6.2f} s  {count / ordered:>10,.0f} rows/s  (parse+scan+validate+match+insert+re-stage)")
    print(f"  raw orders executemany  {raw_ordered:6.2f} s  {count / raw_ordered:>10,.0f} rows/s  (pre-parsed, per-row FTS trigger)")


if __name__ == "__main__":
    main()
