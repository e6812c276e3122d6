"""Campaigns and their frozen target lists.

The target list is fixed when the campaign is created (from the same filter syntax
as the customer list), so response rates stay honest when customers change later.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from peewee import Value, fn

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.search import _filtered, parse_filter
from solocrm_tui.core.contacts.timeline import system_entry
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Campaign as CampaignModel
from solocrm_tui.core.storage.models import CampaignTarget, database
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.records import Campaign, cents_to_decimal

K, CT = CampaignModel, CampaignTarget
_COLUMNS = (K.id, K.name, K.channel, K.cost_cents, K.currency, K.started_at, K.target_filter, K.attribution_days)


def _record(row: tuple) -> Campaign:
    cid, name, channel, cost, currency, started, target_filter, days = row
    return Campaign(cid, name, channel, cents_to_decimal(cost), currency, started, target_filter, days)


def create_campaign(name: str, now: datetime, *, channel: str = "email", cost: Decimal | str = "0",
                    currency: str = "EUR", target_filter: str = "", started_at: datetime | None = None,
                    attribution_days: int = 30) -> Campaign:
    name = validate.text(name, "campaign name", required=True, key="name")
    channel = validate.text(channel, "channel", key="channel") or "email"
    query = parse_filter(target_filter)
    with database.atomic():
        if K.select().where(fn.lower(K.name) == name.lower()).exists():
            raise ValidationError(f'a campaign called "{name}" already exists', field="name")
        campaign_id = K.insert(name=name, channel=channel, cost_cents=validate.cents(cost, "cost", key="cost"),
                               currency=validate.currency(currency), started_at=started_at or now,
                               target_filter=target_filter, attribution_days=attribution_days,
                               created_at=now).execute()
        targets = _filtered(query).select(Value(campaign_id), CustomerModel.id)
        CT.insert_from(targets, fields=[CT.campaign, CT.customer]).execute()
    return get_campaign(campaign_id)


def get_campaign(campaign_id: int) -> Campaign:
    row = K.select(*_COLUMNS).where(K.id == campaign_id).tuples().first()
    if row is None:
        raise NotFound(f"no campaign #{campaign_id}")
    return _record(row)


def find_campaign(name: str) -> Campaign:
    row = K.select(*_COLUMNS).where(fn.lower(K.name) == name.strip().lower()).tuples().first()
    if row is None:
        raise NotFound(f'no campaign called "{name}"')
    return _record(row)


def list_campaigns() -> list[Campaign]:
    return [_record(r) for r in K.select(*_COLUMNS).order_by(K.started_at.desc()).tuples()]


def mark_responded(campaign_name: str, customer_id: int, now: datetime) -> Campaign:
    """Record that the customer responded; a customer outside the target list is added to it."""
    campaign = find_campaign(campaign_name)
    with database.atomic():
        if not CustomerModel.select().where(CustomerModel.id == customer_id).exists():
            raise NotFound(f"no customer #{customer_id}")
        updated = (CT.update(responded_at=now)
                   .where((CT.campaign == campaign.id) & (CT.customer == customer_id)).execute())
        if not updated:
            CT.insert(campaign=campaign.id, customer=customer_id, responded_at=now).execute()
        system_entry(customer_id, f"responded to campaign {campaign.name}", now)
    return campaign


def response_rate(as_of: datetime) -> dict:
    """Responses / targets over campaigns started by `as_of`, as they stood then: a reply
    given later is not yet a response, a customer who joined later not yet a target."""
    rows = (CT.select(fn.COUNT(CT.id), fn.COUNT(fn.IIF(CT.responded_at <= as_of, 1, None)))
            .join(K).switch(CT).join(CustomerModel, on=(CT.customer == CustomerModel.id))
            .where((K.started_at <= as_of) & (CustomerModel.created_at <= as_of)).tuples().first())
    targets, responded = rows or (0, 0)
    return {"label": f"{responded} responses / {targets} targets", "value": responded / targets if targets else None}
