"""Frozen records that core hands to the UI and CLI.

Built from `.dicts()`/`.tuples()` queries, never Peewee models: they are safe to pass
between threads and never fire a lazy query on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")

INTERACTION_KINDS = ("note", "call", "email", "meeting", "message", "system")
TICKET_STATUSES = ("open", "pending", "closed")


def cents_to_decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One row of the customer list: only what the list shows."""

    id: int
    name: str
    company: str | None
    stage: str
    segment: str | None
    last_contact_at: datetime | None
    revenue: Decimal
    clv: float | None
    churn_risk: float | None
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    company: str | None
    email: str | None
    external_id: str | None
    phone: str | None
    opt_out: bool
    city: str | None
    country: str | None
    birthday: date | None
    source: str | None
    tags: tuple[str, ...]
    custom: dict
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    revenue: Decimal
    order_count: int
    last_order_at: datetime | None
    last_contact_at: datetime | None
    stage: str
    segment: str | None
    churn_risk: float | None
    p_alive: float | None
    expected_purchases: float | None
    clv: float | None
    expected_purchases_low: float | None = None
    expected_purchases_high: float | None = None
    clv_low: float | None = None
    street: str | None = None  # the postal address beside city and country (schema 9)
    postcode: str | None = None
    region: str | None = None
    clv_high: float | None = None
    churn_why: str | None = None
    birthday_md: str | None = None  # "MM-DD"; the only birthday there is when the year is unknown


@dataclass(frozen=True, slots=True)
class Interaction:
    id: int
    customer_id: int
    kind: str
    direction: str
    body: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    customer_id: int | None
    amount: Decimal
    currency: str
    description: str
    ordered_at: datetime
    cost: Decimal | None


@dataclass(frozen=True, slots=True)
class Deal:
    id: int
    customer_id: int
    customer_name: str
    title: str
    value: Decimal
    currency: str
    stage: str
    probability: int
    expected_close: date | None
    lost_reason: str | None
    created_at: datetime
    closed_at: datetime | None
    last_activity_at: datetime


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: int
    customer_id: int | None
    customer_name: str | None
    deal_id: int | None
    title: str
    due_at: datetime
    done_at: datetime | None
    snoozes: int
    notified_at: datetime | None
    recurrence: str | None = None  # the series' RRULE; None for a one-shot
    recur_from: str | None = None  # "due" | "done": what the next occurrence counts from
    series_id: int | None = None  # the series' first follow-up


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    customer_id: int
    subject: str
    status: str
    satisfaction: int | None
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    name: str
    channel: str
    cost: Decimal
    currency: str
    started_at: datetime
    target_filter: str
    attribution_days: int


@dataclass(frozen=True)
class ProductPair:
    """Customers who bought `antecedent` also bought `consequent`, as the last refit measured
    it (core/analytics/affinity.py); the Insights summary carries them across the process
    boundary, so plain fields only."""

    antecedent_id: int
    antecedent: str
    consequent_id: int
    consequent: str
    customers: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A slice of a long list; `cursor` continues after the last row (None at the end)."""

    rows: tuple[T, ...]
    cursor: tuple | None
