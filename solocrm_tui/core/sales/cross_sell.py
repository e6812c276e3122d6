"""Cross-sell for the app: what a customer's fellow buyers also bought, read from the
product pairs the last refit stored (analytics/affinity.py explains the measures).

Plain SQL on indexes, so the profile and Today never load pandas: a customer's own
products come through the orders' customer index, a product's buyers through the order
lines' product index, and Today walks the strongest pairs only until it has enough rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import ProductPair

# A suggestion needs at least three in ten of X's buyers to have bought Y: a high lift on a
# rare Y (5 % of X's buyers against 1 % of everyone) is a curiosity, not something most
# customers like this one go on to buy.
MIN_CONFIDENCE = 0.3
# Today suggests Y to buyers of X who bought anything within this many days: someone silent
# for longer is a win-back, not a cross-sell.
ACTIVE_DAYS = 365
# The strongest pairs Today walks at most before it stops looking for more customers.
MAX_PAIRS_WALKED = 50


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A customer who bought the pair's antecedent and not yet its consequent."""

    customer_id: int
    name: str
    tags: str | None
    revenue_cents: int | None
    last_order_at: datetime | None
    pair: ProductPair


def profile_line(pair: ProductPair) -> str:
    return (f"Customers who bought {pair.antecedent} also bought {pair.consequent}: "
            f"{pair.confidence:.0%} of them, {pair.lift:.1f}× as often as others")


def reason(pair: ProductPair) -> str:
    """What to offer first: a narrow Today row cuts the end of the line, and the product to
    offer is what the owner acts on; the product it follows and the evidence come after."""
    return f"offer {pair.consequent}: {pair.confidence:.0%} of {pair.antecedent} buyers bought it too (lift {pair.lift:.1f})"


_PAIRS = """
SELECT a.antecedent_id, x.name, a.consequent_id, y.name, a.customers, a.support, a.confidence, a.lift
FROM product_affinity a JOIN product x ON x.id = a.antecedent_id JOIN product y ON y.id = a.consequent_id
"""
_STRONGEST = " ORDER BY a.lift DESC, a.confidence DESC, a.antecedent_id, a.consequent_id"
_BOUGHT = """SELECT l.product_id FROM orders o JOIN order_line l ON l.order_id = o.id
             WHERE o.customer_id = ? AND l.product_id IS NOT NULL"""


def top_pairs(limit: int = 5) -> list[ProductPair]:
    """The strongest pairs of the book, one direction each way."""
    return [ProductPair(*row) for row in database.execute_sql(_PAIRS + _STRONGEST + " LIMIT ?", (limit,))]


def also_bought(customer_id: int, limit: int = 3) -> list[ProductPair]:
    """For the products the customer bought, the strongest pairs to a product they have not
    bought (and the catalogue still sells), one per suggested product. Only pairs bought
    together more often than by chance (lift above 1): "as often as others" is no reason."""
    sql = (_PAIRS + f" WHERE y.active AND a.lift > 1 AND a.antecedent_id IN ({_BOUGHT}) AND a.consequent_id NOT IN ({_BOUGHT})"
           + _STRONGEST)
    found: dict[int, ProductPair] = {}
    for row in database.execute_sql(sql, (customer_id, customer_id)):
        pair = ProductPair(*row)
        found.setdefault(pair.consequent_id, pair)
        if len(found) == limit:
            break
    return list(found.values())


_LACKING = """
SELECT c.id, c.name, c.tags, c.revenue_cents, c.last_order_at
FROM customer c
WHERE c.id IN (SELECT o.customer_id FROM order_line l JOIN orders o ON o.id = l.order_id WHERE l.product_id = ?)
  AND c.archived_at IS NULL AND c.last_order_at >= ?
  AND NOT EXISTS (SELECT 1 FROM orders o2 JOIN order_line l2 ON l2.order_id = o2.id
                  WHERE o2.customer_id = c.id AND l2.product_id = ?)
ORDER BY c.last_order_at DESC, c.id
LIMIT ?
"""


def suggestions(now: datetime, min_lift: float, limit: int) -> list[Suggestion]:
    """Up to `limit` customers, each with their strongest pair (lift ≥ `min_lift`, confidence
    ≥ MIN_CONFIDENCE) whose consequent they have not bought, the most recent buyers first.

    The pairs are walked strongest first, so a customer's first pair is their strongest;
    the walk stops once `limit` customers are found."""
    pairs = database.execute_sql(
        _PAIRS + " WHERE a.lift >= ? AND a.confidence >= ? AND y.active" + _STRONGEST + " LIMIT ?",
        (min_lift, MIN_CONFIDENCE, MAX_PAIRS_WALKED)).fetchall()
    since = (now - timedelta(days=ACTIVE_DAYS)).strftime("%Y-%m-%d %H:%M:%S")
    found: dict[int, Suggestion] = {}
    for row in pairs:
        pair = ProductPair(*row)
        wanted = limit - len(found)
        for cid, name, tags, revenue, last in database.execute_sql(
                _LACKING, (pair.antecedent_id, since, pair.consequent_id, wanted + len(found))):
            if cid not in found and len(found) < limit:
                found[cid] = Suggestion(cid, name, tags, revenue, datetime.fromisoformat(last) if last else None, pair)
        if len(found) >= limit:
            break
    return list(found.values())
