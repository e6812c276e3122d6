"""Frames in from the database, figures back out.

Reads go straight through the thread's SQLite connection into pandas (a million
orders load in about a second); writes are one transaction of executemany
updates plus a model-run record, so a refit is applied whole or not at all.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Callable

import pandas as pd

from solocrm_tui.core.storage.models import ModelRun, database

from .affinity import PAIR_COLUMNS

FIGURE_COLUMNS = ("segment", "churn_risk", "p_alive", "expected_purchases", "clv", "expected_purchases_low",
                  "expected_purchases_high", "clv_low", "clv_high", "churn_why")
# Rows are read and converted a chunk at a time: a million orders never exist at once as
# Python tuples and date strings (several times the frame's size) in the analytics child.
CHUNK = 50_000


def _frame(sql: str, params: tuple = (), dates: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows as a frame, built (and `dates` parsed) chunk by chunk, so a million date
    strings never exist at once."""
    cursor = database.execute_sql(sql, params)
    columns = [c[0] for c in cursor.description]
    parts = []
    while rows := cursor.fetchmany(CHUNK):
        part = pd.DataFrame.from_records(rows, columns=columns)
        for column in dates:
            part[column] = pd.to_datetime(part[column], format="ISO8601")
        parts.append(part)
    if len(parts) < 2:
        return parts[0] if parts else pd.DataFrame.from_records([], columns=columns)
    return pd.concat(parts, ignore_index=True)


def _dates(column: pd.Series) -> pd.Series:
    if len(column) <= CHUNK:
        return pd.to_datetime(column, format="ISO8601")
    return pd.concat([pd.to_datetime(column.iloc[i:i + CHUNK], format="ISO8601")
                      for i in range(0, len(column), CHUNK)])


def load_orders(as_of: datetime | None = None) -> pd.DataFrame:
    """customer_id, ordered_at (datetime64), amount and cost (float, in currency units; cost
    NaN where the order has none, so no one mistakes an unknown cost for a free order)."""
    sql = "SELECT customer_id, ordered_at, amount_cents, cost_cents FROM orders WHERE customer_id IS NOT NULL"
    params: tuple = ()
    if as_of is not None:
        sql += " AND ordered_at <= ?"
        params = (as_of.isoformat(sep=" "),)
    frame = _frame(sql, params, dates=("ordered_at",))
    if frame.empty:
        return pd.DataFrame({"customer_id": pd.Series(dtype="int64"),
                             "ordered_at": pd.Series(dtype="datetime64[ns]"),
                             "amount": pd.Series(dtype=float), "cost": pd.Series(dtype=float)})
    return pd.DataFrame({"customer_id": frame["customer_id"].astype("int64"),
                         "ordered_at": frame["ordered_at"],
                         "amount": frame["amount_cents"].astype(float) / 100,
                         "cost": frame["cost_cents"].astype(float) / 100})


def load_tickets(as_of: datetime | None = None) -> pd.DataFrame | None:
    """customer_id, status, opened_at, closed_at — or None when there are no tickets at all."""
    frame = _frame("SELECT customer_id, status, opened_at, closed_at FROM ticket")
    if frame.empty:
        return None
    frame["opened_at"] = _dates(frame["opened_at"])
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], format="ISO8601")
    if as_of is not None:
        frame = frame.loc[frame["opened_at"] <= as_of]
    return frame


def load_customers(as_of: datetime | None = None) -> pd.DataFrame:
    """customer_id, created_at of the book as it stood at `as_of`: created by then, or
    with an order by then (a history imported later still had its buyers at the time)."""
    sql = "SELECT id AS customer_id, created_at FROM customer WHERE archived_at IS NULL"
    params: tuple = ()
    if as_of is not None:
        sql += (" AND (created_at <= ? OR EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customer.id"
                " AND o.ordered_at <= ?))")
        params = (as_of.isoformat(sep=" "),) * 2
    frame = _frame(sql, params)
    if not frame.empty:
        frame["created_at"] = _dates(frame["created_at"])
    return frame


def load_purchases(as_of: datetime | None = None) -> pd.DataFrame:
    """customer_id, product_id: each catalogue product a customer (not archived) bought up to
    `as_of`, once per customer however often they bought it (cross-sell counts buyers)."""
    sql = ("SELECT DISTINCT o.customer_id, l.product_id FROM order_line l JOIN orders o ON o.id = l.order_id"
           " JOIN customer c ON c.id = o.customer_id WHERE l.product_id IS NOT NULL AND c.archived_at IS NULL")
    params: tuple = ()
    if as_of is not None:
        sql += " AND o.ordered_at <= ?"
        params = (as_of.isoformat(sep=" "),)
    frame = _frame(sql, params)
    if frame.empty:
        return pd.DataFrame({"customer_id": pd.Series(dtype="int64"), "product_id": pd.Series(dtype="int64")})
    return frame.astype("int64")


def load_segments() -> pd.Series:
    """The segment the last refit stored per customer (customer_id index), customers without one left out."""
    frame = _frame("SELECT id AS customer_id, segment FROM customer WHERE segment IS NOT NULL")
    return frame.set_index("customer_id")["segment"] if not frame.empty else pd.Series(dtype=object)


def _clean(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_figures(figures: pd.DataFrame, runs: list[dict], now: datetime,
                  before_commit: Callable[[], None] | None = None, pairs: pd.DataFrame | None = None) -> None:
    """Store per-customer figures (indexed by customer_id), the model runs and the product
    pairs (affinity.PAIR_COLUMNS; they replace the last refit's), atomically.

    Customers without a row get NULL figures, so nobody keeps a stale score; with `pairs`,
    a pair that no longer qualifies is gone, so nobody is offered a stale suggestion.
    `before_commit` is called last inside the transaction; if it raises or exits, nothing is stored.
    """
    rows = [(*(_clean(getattr(r, c)) for c in FIGURE_COLUMNS), int(r.Index))
            for r in figures.reindex(columns=list(FIGURE_COLUMNS)).astype(object).itertuples()]
    with database.atomic():
        database.execute_sql("UPDATE customer SET " + ", ".join(f"{c} = NULL" for c in FIGURE_COLUMNS))
        database.cursor().executemany(
            "UPDATE customer SET " + ", ".join(f"{c} = ?" for c in FIGURE_COLUMNS) + " WHERE id = ?", rows)
        if pairs is not None:
            database.execute_sql("DELETE FROM product_affinity")
            database.cursor().executemany(
                "INSERT INTO product_affinity (antecedent_id, consequent_id, customers, support, confidence, lift,"
                " computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(int(a), int(c), int(n), float(s), float(conf), float(lift), now.isoformat(sep=" "))
                 for a, c, n, s, conf, lift in pairs[PAIR_COLUMNS].itertuples(index=False)])
        for run in runs:
            ModelRun.insert(kind=run["kind"], trained_at=now, as_of=run["as_of"], sample_size=run["sample_size"],
                            metrics=json.dumps(run.get("metrics", {}), default=str),
                            parameters=json.dumps(run.get("parameters", {}), default=str)).execute()
        if before_commit is not None:
            before_commit()
