"""Tickets: service requests, complaints and feedback, with an optional 1-5 score.

`/close` in the composer closes the customer's oldest open ticket, which is the
one the owner has been owing longest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from peewee import fn

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.timeline import system_entry
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Ticket as TicketModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import TICKET_STATUSES, Ticket

T = TicketModel
_COLUMNS = (T.id, T.customer, T.subject, T.status, T.satisfaction, T.opened_at, T.closed_at)


def open_ticket(customer_id: int, subject: str, now: datetime) -> Ticket:
    subject = validate.text(subject, "ticket subject", required=True)
    with database.atomic():
        if not CustomerModel.select().where(CustomerModel.id == customer_id).exists():
            raise NotFound(f"no customer #{customer_id}")
        ticket_id = T.insert(customer=customer_id, subject=subject, opened_at=now).execute()
        system_entry(customer_id, f"ticket opened: {subject}", now)
    return get_ticket(ticket_id)


def rename_ticket(ticket_id: int, subject: str) -> Ticket:
    subject = validate.text(subject, "ticket subject", required=True)
    with database.atomic():
        if not T.update(subject=subject).where(T.id == ticket_id).execute():
            raise NotFound(f"no ticket #{ticket_id}")
    return get_ticket(ticket_id)


def get_ticket(ticket_id: int) -> Ticket:
    row = T.select(*_COLUMNS).where(T.id == ticket_id).tuples().first()
    if row is None:
        raise NotFound(f"no ticket #{ticket_id}")
    return Ticket(*row)


def close_ticket(customer_id: int, now: datetime, score: int | None = None) -> Ticket:
    """Close the customer's oldest open or pending ticket."""
    if score is not None and not 1 <= score <= 5:
        raise ValidationError(f"satisfaction score must be 1 to 5, got {score}")
    with database.atomic():
        row = (T.select(T.id, T.subject).where((T.customer == customer_id) & (T.status != "closed"))
               .order_by(T.opened_at, T.id).tuples().first())
        if row is None:
            raise ValidationError("this customer has no open ticket")
        T.update(status="closed", closed_at=now, satisfaction=score).where(T.id == row[0]).execute()
        system_entry(customer_id, f"ticket closed: {row[1]}" + (f" (satisfaction {score}/5)" if score else ""), now)
    return get_ticket(row[0])


def set_status(ticket_id: int, status: str, now: datetime) -> Ticket:
    if status not in TICKET_STATUSES:
        raise ValidationError(f'unknown ticket status "{status}": use {", ".join(TICKET_STATUSES)}')
    with database.atomic():
        changes = {"status": status, "closed_at": now if status == "closed" else None}
        if not T.update(**changes).where(T.id == ticket_id).execute():
            raise NotFound(f"no ticket #{ticket_id}")
    return get_ticket(ticket_id)


def reopen_ticket(ticket_id: int) -> Ticket:
    with database.atomic():
        if not T.update(status="open", closed_at=None, satisfaction=None).where(T.id == ticket_id).execute():
            raise NotFound(f"no ticket #{ticket_id}")
    return get_ticket(ticket_id)


def delete_ticket(ticket_id: int) -> None:
    with database.atomic():
        if not T.delete().where(T.id == ticket_id).execute():
            raise NotFound(f"no ticket #{ticket_id}")


def customer_tickets(customer_id: int) -> list[Ticket]:
    query = T.select(*_COLUMNS).where(T.customer == customer_id).order_by(T.opened_at.desc(), T.id.desc())
    return [Ticket(*row) for row in query.tuples()]


def csat(as_of: datetime, days: int = 365) -> dict:
    """Share of satisfaction scores of 4 or 5 among tickets closed in the last `days`."""
    since = as_of - timedelta(days=days)
    scores = [s for (s,) in T.select(T.satisfaction).where(
        T.satisfaction.is_null(False) & (T.closed_at > since) & (T.closed_at <= as_of)).tuples()]
    happy = sum(1 for s in scores if s >= 4)
    return {"label": f"{happy} of {len(scores)} scores were 4-5 (last {days} days)",
            "value": happy / len(scores) if scores else None}


def _median_hours(pairs) -> float | None:
    hours = sorted((end - start).total_seconds() / 3600 for start, end in pairs if start and end and end >= start)
    if not hours:
        return None
    mid = len(hours) // 2
    return hours[mid] if len(hours) % 2 else (hours[mid - 1] + hours[mid]) / 2


def ticket_stats(as_of: datetime, days: int = 365) -> dict:
    """Open/pending counts now, and response/resolution times and CSAT over the last `days`."""
    since = as_of - timedelta(days=days)
    status_counts = dict(T.select(T.status, fn.COUNT(T.id)).where(T.opened_at <= as_of).group_by(T.status).tuples())
    recent = list(T.select(T.opened_at, T.first_response_at, T.closed_at).where(
        (T.opened_at > since) & (T.opened_at <= as_of)).tuples())
    return {
        "open": status_counts.get("open", 0), "pending": status_counts.get("pending", 0),
        "closed": status_counts.get("closed", 0), "opened_in_period": len(recent),
        "median_first_response_hours": _median_hours((o, r) for o, r, _ in recent),
        "median_resolution_hours": _median_hours((o, c) for o, _, c in recent),
        "csat": csat(as_of, days),
    }


def list_tickets(statuses: tuple[str, ...] = ("open", "pending"), limit: int = 500) -> list[tuple[Ticket, str]]:
    """Tickets with their customer's name, oldest first (the longest-waiting on top)."""
    query = (T.select(*_COLUMNS, CustomerModel.name).join(CustomerModel, on=(T.customer == CustomerModel.id))
             .where(T.status.in_(statuses)).order_by(T.opened_at, T.id).limit(limit))
    return [(Ticket(*row[:-1]), row[-1]) for row in query.tuples()]


def first_responses(ticket_ids: list[int]) -> dict[int, datetime]:
    if not ticket_ids:
        return {}
    return dict(T.select(T.id, T.first_response_at).where(T.id.in_(ticket_ids) & T.first_response_at.is_null(False))
                .tuples())


def close_by_id(ticket_id: int, now: datetime, score: int | None = None) -> Ticket:
    """Close one ticket (from the Tickets view), with an optional 1-5 satisfaction score."""
    if score is not None and not 1 <= score <= 5:
        raise ValidationError(f"satisfaction score must be 1 to 5, got {score}")
    with database.atomic():
        row = T.select(T.customer, T.subject, T.status).where(T.id == ticket_id).tuples().first()
        if row is None:
            raise NotFound(f"no ticket #{ticket_id}")
        if row[2] == "closed":
            raise ValidationError(f"ticket “{row[1]}” is already closed")
        T.update(status="closed", closed_at=now, satisfaction=score).where(T.id == ticket_id).execute()
        system_entry(row[0], f"ticket closed: {row[1]}" + (f" (satisfaction {score}/5)" if score else ""), now)
    return get_ticket(ticket_id)
