"""How campaigns did: responses, conversions within the attribution window, revenue, costs.

A target converts when they order within `attribution_days` after the campaign
started; that also counts as a response (buying is the strongest reply). The
conversion is written to the target row by `attribute_conversions`, which runs
after orders are recorded or imported, so figures never depend on when you look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from peewee import fn

from solocrm_tui.core.storage.models import Campaign, CampaignTarget, Customer, database
from solocrm_tui.core.storage.records import cents_to_decimal


@dataclass(frozen=True)
class CampaignResult:
    id: int
    name: str
    channel: str
    started_at: datetime
    attribution_days: int
    targets: int
    opted_out: int
    responses: int
    conversions: int
    revenue: Decimal
    cost: Decimal

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.targets if self.targets else None

    @property
    def conversion_rate(self) -> float | None:
        return self.conversions / self.targets if self.targets else None

    @property
    def cost_per_target(self) -> Decimal | None:
        return (self.cost / self.targets).quantize(Decimal("0.01")) if self.targets else None

    @property
    def cost_per_conversion(self) -> Decimal | None:
        return (self.cost / self.conversions).quantize(Decimal("0.01")) if self.conversions else None


_WINDOW = ("o.ordered_at > c.started_at AND o.ordered_at <= datetime(c.started_at, '+' || c.attribution_days || ' days')"
           " AND o.ordered_at <= ?")


def attribute_conversions(now: datetime, customer_ids: list[int] | None = None) -> int:
    """Mark targets who ordered within their campaign's window as converted (and responded)."""
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        return sum(_attribute(now, ids[start:start + 500]) for start in range(0, len(ids), 500))
    return _attribute(now, None)


def _attribute(now: datetime, ids: list[int] | None) -> int:
    scope = f" AND customer_id IN ({','.join('?' * len(ids))})" if ids else ""
    first_order = ("(SELECT MIN(o.ordered_at) FROM orders o JOIN campaign c ON c.id = campaign_target.campaign_id "
                   f"WHERE o.customer_id = campaign_target.customer_id AND {_WINDOW})")
    sql = (f"UPDATE campaign_target SET converted_at = {first_order} "
           f"WHERE converted_at IS NULL AND {first_order} IS NOT NULL{scope}")
    with database.atomic():
        changed = database.execute_sql(sql, [now, now, *(ids or [])]).rowcount
        database.execute_sql("UPDATE campaign_target SET responded_at = converted_at "
                             "WHERE responded_at IS NULL AND converted_at IS NOT NULL")
    return max(changed, 0)


def campaign_results(now: datetime) -> list[CampaignResult]:
    """Each campaign as it stood at `now`: a reply or conversion recorded for a later moment
    (looking back with `insights --as-of`) is not counted yet."""
    K, T = Campaign, CampaignTarget
    counts = {cid: (n, responded, converted, opted) for cid, n, responded, converted, opted in (
        T.select(T.campaign, fn.COUNT(T.id), fn.COUNT(fn.IIF(T.responded_at <= now, 1, None)),
                 fn.COUNT(fn.IIF(T.converted_at <= now, 1, None)), fn.SUM(Customer.opt_out))
        .join(Customer, on=(T.customer == Customer.id)).group_by(T.campaign).tuples())}
    revenue = dict(database.execute_sql(
        "SELECT c.id, COALESCE(SUM(o.amount_cents), 0) FROM campaign c JOIN campaign_target t ON t.campaign_id = c.id "
        f"JOIN orders o ON o.customer_id = t.customer_id AND {_WINDOW} GROUP BY c.id", (now,)).fetchall())
    out = []
    for cid, name, channel, started, days, cost in (
            K.select(K.id, K.name, K.channel, K.started_at, K.attribution_days, K.cost_cents)
            .order_by(K.started_at.desc()).tuples()):
        n, responded, converted, opted = counts.get(cid, (0, 0, 0, 0))
        out.append(CampaignResult(cid, name, channel, started, days, n, int(opted or 0), responded, converted,
                                  cents_to_decimal(revenue.get(cid, 0)), cents_to_decimal(cost)))
    return out


def mail_merge_rows(campaign_id: int) -> list[dict]:
    """Targets a mail tool may contact: opted-out customers and those without an email are left out."""
    C, T = Customer, CampaignTarget
    query = (C.select(C.id, C.name, C.company, C.email, C.city, C.country, C.segment)
             .join(T, on=(T.customer == C.id))
             .where((T.campaign == campaign_id) & (C.opt_out == False) & C.email.is_null(False)  # noqa: E712
                    & C.archived_at.is_null())
             .order_by(C.name))
    rows = []
    for cid, name, company, email, city, country, segment in query.tuples():
        first, _, last = name.partition(" ")
        rows.append({"customer_id": cid, "email": email, "name": name, "first_name": first, "last_name": last,
                     "company": company or "", "city": city or "", "country": country or "", "segment": segment or ""})
    return rows

