"""Generate a large realistic database fast: `python -m bench.generate PATH [--customers N] [--orders M] [--interactions K]`.

Customers follow a buy-till-you-die process (purchase rate from a Gamma, a dropout
chance after each purchase) so analytics see real structure; orders are drawn until
the requested total is reached. Rows go in with executemany in one transaction.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

FIRST = ["Anna", "Ben", "Chiara", "David", "Eva", "Felix", "Giulia", "Hugo", "Ines", "Jonas", "Katrin", "Lars",
         "Maria", "Nina", "Oscar", "Paula", "Quentin", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wim", "Yara", "Zoe"]
LAST = ["Schmidt", "Rossi", "Martin", "Novak", "Jensen", "Garcia", "Smith", "Dubois", "Kowalski", "Silva",
        "Berg", "Meyer", "Costa", "Lopez", "Weber", "Fischer", "Moreau", "Nielsen", "Visser", "Horvat"]
COMPANIES = [f"{a} {b}" for a in ("Alpen", "Nord", "Blue", "Green", "Urban", "Sun", "Iron", "Silver", "Red", "Oak")
             for b in ("Labs", "Café", "Studio", "Logistics", "Bakery", "Legal", "Dental", "Works", "Hotel", "Shop")]
KINDS = ("note", "call", "email", "meeting", "message")


def generate(path: Path, customers: int, orders: int, interactions: int, now: datetime, seed: int = 1) -> dict:
    from solocrm_tui.core.sales.orders import refresh_customer_totals
    from solocrm_tui.core.storage.db import open_database
    from solocrm_tui.core.storage.models import database

    rng = random.Random(seed)
    open_database(path)
    start = now - timedelta(days=3 * 365)
    span = (now - start).total_seconds()
    timings = {}
    t0 = time.perf_counter()
    with database.atomic():
        cur = database.cursor()
        rows = []
        for i in range(1, customers + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            created = start + timedelta(seconds=rng.random() * span * 0.9)
            rows.append((i, f"{first} {last}", rng.choice(COMPANIES), f"{first}.{last}.{i}@example.com".lower(),
                         f"{first}.{last}.{i}@example.com".lower(), f"+49 30 {1000000 + i}", f"+49301{1000000 + i}",
                         0, "Berlin", "DE", "", "{}", created, created, "lead"))
        cur.executemany("INSERT INTO customer (id, name, company, email, email_norm, phone, phone_norm, opt_out, city, "
                        "country, tags, custom, created_at, updated_at, stage, revenue_cents, order_count) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,0)", rows)
        timings["customers"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        order_rows = _orders(rng, customers, orders, start, now)
        cur.executemany("INSERT INTO orders (customer_id, amount_cents, currency, description, ordered_at) "
                        "VALUES (?,?,'EUR','',?)", order_rows)
        timings["orders"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        inter = [(rng.randint(1, customers), rng.choice(KINDS), rng.choice(("in", "out")), "generated entry",
                  start + timedelta(seconds=rng.random() * span)) for _ in range(interactions)]
        cur.executemany("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at) VALUES (?,?,?,?,?)", inter)
        timings["interactions"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        refresh_customer_totals()
        database.execute_sql("UPDATE customer SET last_contact_at = (SELECT MAX(occurred_at) FROM interaction "
                             "WHERE customer_id = customer.id)")
        timings["totals"] = time.perf_counter() - t3
    database.execute_sql("ANALYZE")
    database.close()
    return {"customers": customers, "orders": len(order_rows), "interactions": interactions,
            **{f"{k}_s": round(v, 1) for k, v in timings.items()}}


def _orders(rng: random.Random, customers: int, total: int, start: datetime, now: datetime) -> list[tuple]:
    """BG/NBD-like: each customer buys at their own rate from their first day until they drop out."""
    days = (now - start).days
    mean_per_customer = total / customers
    out: list[tuple] = []
    for cid in range(1, customers + 1):
        rate = rng.gammavariate(0.8, mean_per_customer / days / 0.8 * 4.5)  # purchases per day (calibrated)
        drop = rng.uniform(0.0, 0.12)
        spend = rng.lognormvariate(3.5, 0.8)
        day = rng.uniform(0, days * 0.85)
        while day < days:
            out.append((cid, max(100, int(rng.gauss(spend, spend * 0.3) * 100)),
                        start + timedelta(days=day, seconds=rng.randint(28800, 72000))))
            if rng.random() < drop or rate <= 0:
                break
            day += rng.expovariate(rate) if rate > 0 else days
    if len(out) > total:  # drop a random share rather than the last customers' orders
        keep = sorted(rng.sample(range(len(out)), total))
        out = [out[i] for i in keep]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--interactions", type=int, default=500_000)
    args = parser.parse_args()
    if args.path.exists():
        raise SystemExit(f"{args.path} exists; give a new file")
    now = datetime.now().replace(microsecond=0)
    t = time.perf_counter()
    stats = generate(args.path, args.customers, args.orders, args.interactions, now)
    print(f"generated {args.path} in {time.perf_counter() - t:.1f}s: {stats}")


if __name__ == "__main__":
    main()
