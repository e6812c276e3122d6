"""Today-queue suggestions that come from the analytics and the service desk.

Kept out of today.py (the ranking mechanism) because they depend on figures the
refit job writes: valuable customers at churn risk who were not contacted lately,
and tickets left open too long. Until a refit has run, churn risk is empty and the
repurchase rule in today.py carries the recency signal alone.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any, Iterable

from solocrm_tui.core import attention
from solocrm_tui.core.models import Customer, Ticket
from solocrm_tui.core.today import SOURCES, URGENCY, QueueItem


def churn_risk_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    days = int(getattr(settings, "no_contact_days", 30))
    for row in attention.at_risk(now, 10, not_contacted_days=days, min_risk=0.5):
        contact = f"no contact for {(now - row.last_contact_at).days} days" if row.last_contact_at else "never contacted"
        urgency = URGENCY["churn_risk"] + URGENCY["value_log10"] * math.log10(1 + row.value_at_risk)
        yield QueueItem("churn_risk", row.customer_id, row.name, "valuable customer slipping away",
                        (f"churn risk {row.churn_risk:.0%}, {row.clv:,.0f} predicted 12-month value", contact,
                         row.reason.split("; churn")[0]), round(urgency, 2), due_at=row.last_order_at)


def old_ticket_items(now: datetime, settings: Any) -> Iterable[QueueItem]:
    days = int(getattr(settings, "old_ticket_days", 7))
    query = (Ticket.select(Ticket.id, Ticket.customer, Customer.name, Customer.tags, Ticket.subject, Ticket.opened_at)
             .join(Customer, on=(Ticket.customer == Customer.id))
             .where((Ticket.status != "closed") & (Ticket.opened_at < now - timedelta(days=days))
                    & Customer.archived_at.is_null()))
    for _tid, cid, name, tags, subject, opened in query.tuples():
        age = (now - opened).days
        urgency = (URGENCY["old_ticket"] + URGENCY["ticket_day"] * min(age - days, URGENCY["ticket_cap"])
                   + (URGENCY["vip"] if tags and " vip " in tags else 0.0))
        yield QueueItem("ticket", cid, name, subject, (f"ticket open for {age} days: {subject}",),
                        round(urgency, 2), due_at=opened)


ALL_SOURCES = (*SOURCES, churn_risk_items, old_ticket_items)
