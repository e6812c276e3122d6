"""Snapshot determinism for every snapshot test: the header clock, the one thing on
screen that reads the wall clock itself, reads the tests' fixed time instead; and the
small seeded book most snapshots draw."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import textual.widgets._header as textual_header

from solocrm_tui.core.contacts import customers, followups, timeline
from solocrm_tui.core.sales import deals, orders
from solocrm_tui.core.service import tickets
from solocrm_tui.core.storage.models import Customer as CustomerModel


@pytest.fixture(autouse=True)
def frozen(now, monkeypatch):
    class FrozenDateTime(datetime):
        @classmethod
        def now(cls, tz=None):
            return now

    monkeypatch.setattr(textual_header, "datetime", FrozenDateTime)
    return now


@pytest.fixture
def seeded(db_path, frozen):
    now = frozen
    people = [
        ("Alice Anderson", "Anderson Ltd", "alice@example.com", "loyal", "Champions", 0.05, 2400.0),
        ("Bob Brown", "Brown & Sons", "bob@example.com", "active", "Loyal", 0.20, 900.0),
        ("Carol Clark", None, "carol@example.com", "at_risk", "At risk", 0.71, 350.0),
        ("Dan Dorsey", "Dorsey GmbH", None, "new", None, None, None),
        ("Eve Evans", "Evans Bakery", "eve@example.com", "churned", "Hibernating", 0.93, 40.0),
        ("Frank Fisher", None, None, "lead", None, None, None),
    ]
    ids = {}
    for name, company, email, stage, segment, churn, clv in people:
        c = customers.create_customer(now - timedelta(days=200), name=name, company=company, email=email,
                                      city="Leeds", country="UK", tags=["vip"] if name.startswith("A") else [])
        CustomerModel.update(stage=stage, segment=segment, churn_risk=churn, clv=clv,
                             p_alive=None if churn is None else 1 - churn).where(CustomerModel.id == c.id).execute()
        ids[name] = c.id
    alice = ids["Alice Anderson"]
    orders.add_order(alice, "1200", now - timedelta(days=90), description="annual plan")
    orders.add_order(alice, "234.50", now - timedelta(days=3), description="extra seats")
    orders.add_order(ids["Bob Brown"], "900", now - timedelta(days=20))
    orders.add_order(ids["Carol Clark"], "350", now - timedelta(days=150))
    deal = deals.create_deal(alice, "Website redesign", "5000", now - timedelta(days=6))
    deals.move_deal(deal.id, "proposal", now - timedelta(days=4))
    followups.create_followup("send the quote", now + timedelta(days=5), now, customer_id=alice)
    tickets.open_ticket(alice, "Invoice address wrong", now - timedelta(days=2))
    chat = [
        ("email", "in", "Hi, could you send me a quote for the redesign?", 4, 9),
        ("call", "out", "Talked through scope and budget", 4, 14),
        ("note", "out", "Prefers email, decides by Friday", 3, 11),
        ("email", "out", "Sent the proposal", 2, 16),
        ("meeting", "in", "They asked for a demo", 1, 10),
        ("call", "in", "Questions about the timeline", 0, 9),
    ]
    for kind, direction, body, days_ago, hour in chat:
        at = (now - timedelta(days=days_ago)).replace(hour=hour, minute=15)
        timeline.add_interaction(alice, kind, body, now, direction=direction, occurred_at=at)
    return ids
