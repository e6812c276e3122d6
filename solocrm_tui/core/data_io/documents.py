"""Customers as plain JSON-ready dicts, and everything stored about one person.

Shared by the exports (every customer, streamed) and the GDPR access export (one
customer with every linked row). Money is an exact decimal string ("1200.50"),
times are ISO strings as stored, tags a list and custom fields an object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from solocrm_tui.core.errors import NotFound
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import cents_to_decimal

CUSTOMER_COLUMNS = ("id", "name", "company", "email", "external_id", "phone", "opt_out", "street", "postcode",
                    "city", "region", "country",
                    "birthday", "birthday_md", "source", "tags", "custom", "created_at", "updated_at", "archived_at",
                    "revenue_cents", "order_count", "last_order_at", "last_contact_at", "stage", "stage_changed_at",
                    "segment", "churn_risk", "p_alive", "expected_purchases", "clv")
_LINKED = {
    "orders": "SELECT id, external_id, amount_cents, currency, description, ordered_at, cost_cents "
              "FROM orders WHERE customer_id = ? ORDER BY ordered_at, id",
    "interactions": "SELECT id, kind, direction, body, occurred_at FROM interaction WHERE customer_id = ? "
                    "ORDER BY occurred_at, id",
    "deals": "SELECT id, title, value_cents, currency, stage, probability, expected_close, lost_reason, created_at, "
             "updated_at, closed_at, last_activity_at FROM deal WHERE customer_id = ? ORDER BY id",
    "followups": "SELECT id, deal_id, title, due_at, done_at, snoozes, notified_at, created_at FROM followup "
                 "WHERE customer_id = ? OR deal_id IN (SELECT id FROM deal WHERE customer_id = ?) ORDER BY id",
    "tickets": "SELECT id, subject, status, satisfaction, opened_at, first_response_at, closed_at FROM ticket "
               "WHERE customer_id = ? ORDER BY id",
    "campaigns": "SELECT c.name AS campaign, c.channel, c.started_at, t.responded_at, t.converted_at "
                 "FROM campaign_target t JOIN campaign c ON c.id = t.campaign_id WHERE t.customer_id = ? ORDER BY t.id",
    "stage_history": "SELECT from_stage, to_stage, at, reason FROM stage_change WHERE customer_id = ? ORDER BY at, id",
    "quotes": "SELECT number, deal_id, created_at, valid_until, currency, total_cents, markdown FROM quote "
              "WHERE customer_id = ? ORDER BY created_at, id",
}


def money(cents: int | None) -> str | None:
    value = cents_to_decimal(cents)
    return None if value is None else str(value)


def customer_dict(row: dict) -> dict:
    """A stored customer row -> the exported shape (every derived field included)."""
    item = dict(row)
    item["opt_out"] = bool(item["opt_out"])
    item["tags"] = item["tags"].split()
    item["custom"] = json.loads(item["custom"] or "{}")
    item["revenue"] = money(item.pop("revenue_cents"))
    year_less = item.pop("birthday_md", None)
    if not item["birthday"] and year_less:  # written as vCard and Google write it, and as imports read it
        item["birthday"] = f"--{year_less}"
    order = ("id", "name", "company", "email", "external_id", "phone", "opt_out", "street", "postcode", "city",
             "region", "country", "birthday",
             "source", "tags", "custom", "created_at", "updated_at", "archived_at", "revenue", "order_count",
             "last_order_at", "last_contact_at", "stage", "stage_changed_at", "segment", "churn_risk", "p_alive",
             "expected_purchases", "clv")
    return {("solocrm_id" if k == "id" else k): item[k] for k in order}


def customers(where: str = "", params: tuple = ()) -> Iterator[dict]:
    cursor = database.connection().execute(
        f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customer {where} ORDER BY id", params)
    for row in cursor:
        yield customer_dict(dict(zip(CUSTOMER_COLUMNS, row)))


def _rows(sql: str, params: tuple) -> list[dict]:
    cursor = database.connection().execute(sql, params)
    names = [d[0] for d in cursor.description]
    out = []
    for row in cursor:
        item = dict(zip(names, row))
        for key in [k for k in item if k.endswith("_cents")]:
            item[key[:-6]] = money(item.pop(key))
        out.append(item)
    return out


def everything(customer_id: int, now: datetime) -> dict:
    """What SoloCRM stores about one customer, for a GDPR access request."""
    found = list(customers("WHERE id = ?", (customer_id,)))
    if not found:
        raise NotFound(f"no customer #{customer_id}")
    document = {"exported_at": str(now), "customer": found[0]}
    for key, sql in _LINKED.items():
        document[key] = _rows(sql, (customer_id,) * sql.count("?"))
    deal_ids = [d["id"] for d in document["deals"]]
    changes = _rows(f"SELECT deal_id, from_stage, to_stage, at, reason FROM deal_stage_change WHERE deal_id IN "
                    f"({','.join('?' * len(deal_ids))}) ORDER BY at, id", tuple(deal_ids)) if deal_ids else []
    offered = _rows(f"SELECT deal_id, name, sku, quantity, unit_price_cents FROM deal_line WHERE deal_id IN "
                    f"({','.join('?' * len(deal_ids))}) ORDER BY deal_id, position", tuple(deal_ids)) if deal_ids else []
    for deal in document["deals"]:
        deal["stage_history"] = [c for c in changes if c["deal_id"] == deal["id"]]
        deal["lines"] = [{key: line[key] for key in ("name", "sku", "quantity", "unit_price")}
                         for line in offered if line["deal_id"] == deal["id"]]
    lines = _rows("SELECT l.order_id, l.name, l.sku, l.quantity, l.unit_price_cents FROM order_line l JOIN orders o "
                  "ON o.id = l.order_id WHERE o.customer_id = ? ORDER BY l.order_id, l.position", (customer_id,))
    for order in document["orders"]:
        order["lines"] = [{"name": line["name"], "sku": line["sku"], "quantity": line["quantity"],
                           "unit_price": line["unit_price"]}
                          for line in lines if line["order_id"] == order["id"]]
    return document
