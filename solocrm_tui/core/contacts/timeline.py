"""A customer's interaction timeline: logging entries and paging newest-first.

Logging a real contact (anything but a system entry) moves the customer's
`last_contact_at`, which the list sorts on and the Today queue reasons with.

The history the customer screen shows is the timeline with their orders among the
entries (`page_history`): one UNION ALL that SQLite orders and limits, each side read
newest-first through its (customer, time) index, so a page never loads every order.
"""

from __future__ import annotations

from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.models import Ticket as TicketModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import (
    INTERACTION_KINDS,
    Interaction,
    Page,
    cents_to_decimal,
)

_COLUMNS = (InteractionModel.id, InteractionModel.customer, InteractionModel.kind,
            InteractionModel.direction, InteractionModel.body, InteractionModel.occurred_at)


def add_interaction(customer_id: int, kind: str, body: str, now: datetime, *,
                    direction: str = "out", occurred_at: datetime | None = None,
                    deal_id: int | None = None, message_id: str | None = None) -> Interaction:
    """`message_id`: an email's Message-ID, kept so the same mail is never logged twice."""
    if kind not in INTERACTION_KINDS:
        raise ValidationError(f'unknown interaction kind "{kind}": use {", ".join(INTERACTION_KINDS)}')
    if direction not in ("in", "out"):
        raise ValidationError(f'direction must be "in" or "out", got "{direction}"')
    body = validate.text(body, "text", limit=validate.MAX_TEXT) or ""
    when = occurred_at or now
    with database.atomic():
        if not CustomerModel.select().where(CustomerModel.id == customer_id).exists():
            raise NotFound(f"no customer #{customer_id}")
        new_id = InteractionModel.insert(customer=customer_id, kind=kind, direction=direction,
                                         body=body, occurred_at=when, deal_id=deal_id,
                                         message_id=message_id).execute()
        if kind != "system":
            touch_contact(customer_id, when)
        if kind != "system" and direction == "out":
            _first_response(customer_id, when)
    return Interaction(new_id, customer_id, kind, direction, body, when)


def touch_contact(customer_id: int, when: datetime) -> None:
    """Move last_contact_at forward only (a back-dated entry never makes it older)."""
    C = CustomerModel
    C.update(last_contact_at=when).where(
        (C.id == customer_id) & (C.last_contact_at.is_null() | (C.last_contact_at < when))).execute()


def _first_response(customer_id: int, when: datetime) -> None:
    """The owner's first outbound contact after a ticket was opened answers it (response time)."""
    T = TicketModel
    T.update(first_response_at=when).where(
        (T.customer == customer_id) & (T.status != "closed") & T.first_response_at.is_null()
        & (T.opened_at <= when)).execute()


def system_entry(customer_id: int, body: str, now: datetime) -> None:
    """A quiet line recording what the app did (stage changed, reminder fired…)."""
    InteractionModel.insert(customer=customer_id, kind="system", direction="out",
                            body=body, occurred_at=now).execute()


def edit_interaction(interaction_id: int, body: str) -> Interaction:
    """Rewrite what an entry says; the app's own system lines are records, not the owner's words."""
    body = validate.text(body, "text", required=True, limit=validate.MAX_TEXT)
    with database.atomic():
        I = InteractionModel
        updated = I.update(body=body).where((I.id == interaction_id) & (I.kind != "system")).execute()
        if not updated:
            raise NotFound(f"no timeline entry #{interaction_id} the owner wrote")
        row = I.select(*_COLUMNS).where(I.id == interaction_id).tuples().first()
    return Interaction(*row)


def delete_interaction(interaction_id: int) -> None:
    """Remove an entry and recompute last contact from what remains."""
    with database.atomic():
        row = InteractionModel.select(InteractionModel.customer).where(
            InteractionModel.id == interaction_id).tuples().first()
        if row is None:
            raise NotFound(f"no interaction #{interaction_id}")
        InteractionModel.delete().where(InteractionModel.id == interaction_id).execute()
        recompute_last_contact(row[0])


# The entries that are a contact with the customer: not the app's system lines, and not the
# notes an address book brought with an import of customers (background, however recent).
CONTACTS = ("kind != 'system' AND NOT (kind = 'note' AND batch_id IS NOT NULL AND batch_id IN "
            "(SELECT id FROM batch WHERE json_extract(summary, '$.kind') = 'customers'))")
LAST_CONTACT_SQL = f"(SELECT MAX(occurred_at) FROM interaction WHERE customer_id = customer.id AND {CONTACTS})"


def recompute_last_contact(customer_id: int) -> None:
    database.execute_sql(f"UPDATE customer SET last_contact_at = {LAST_CONTACT_SQL} WHERE id = ?", (customer_id,))


def page_timeline(customer_id: int, before: tuple | None = None, limit: int = 50) -> Page[Interaction]:
    """Newest first; pass the returned cursor to get the next older page."""
    I = InteractionModel
    query = I.select(*_COLUMNS).where(I.customer == customer_id)
    if before is not None:
        at, last_id = before
        query = query.where((I.occurred_at < at) | ((I.occurred_at == at) & (I.id < last_id)))
    rows = list(query.order_by(I.occurred_at.desc(), I.id.desc()).limit(limit).tuples())
    records = tuple(Interaction(*r) for r in rows)
    cursor = (records[-1].occurred_at, records[-1].id) if len(records) == limit else None
    return Page(records, cursor)


# Both sides give (id, kind, direction, body or description, time, amount, currency, source);
# `source` (1 entry, 0 order) breaks ties at the same moment: the order first, then what it
# caused (the stage change it brought) or what was said about it.
_HISTORY_SIDES = (
    "SELECT id, kind, direction, body, occurred_at AS at, NULL AS cents, NULL AS currency, 1 AS source "
    "FROM interaction WHERE customer_id = ?{older} ORDER BY occurred_at DESC, id DESC LIMIT ?",
    "SELECT id, 'order', 'out', description, ordered_at, amount_cents, currency, 0 "
    "FROM orders WHERE customer_id = ?{older} ORDER BY ordered_at DESC, id DESC LIMIT ?",
)


def page_history(customer_id: int, before: tuple | None = None, limit: int = 50) -> Page[Interaction]:
    """The timeline with the customer's orders among the entries, newest first, as quiet
    lines of kind "order" ("order 1,234.00 EUR — 2× EK43"); pass the returned cursor to
    get the next older page. The cursor holds the stored time text, so the next page
    compares exactly what SQLite compares."""
    older, args = "", []
    if before is not None:
        older = " AND ({time}, {source}, id) < (?, ?, ?)"
    sides = []
    for side, (time, source) in zip(_HISTORY_SIDES, (("occurred_at", 1), ("ordered_at", 0))):
        sides.append(f"SELECT * FROM ({side.format(older=older.format(time=time, source=source))})")
        args += [customer_id, *(before or ()), limit]
    sql = " UNION ALL ".join(sides) + " ORDER BY at DESC, source DESC, id DESC LIMIT ?"
    rows = database.execute_sql(sql, (*args, limit)).fetchall()
    parse = InteractionModel.occurred_at.python_value
    records = tuple(Interaction(rid, customer_id, kind, direction,
                                body if source else _order_line(cents, currency, body), parse(at))
                    for rid, kind, direction, body, at, cents, currency, source in rows)
    cursor = (rows[-1][4], rows[-1][7], rows[-1][0]) if len(rows) == limit else None
    return Page(records, cursor)


# Where an entry sits in the history's order: its stored time text (compared as SQLite
# compares it), its side's `source` number and its id; the id must be the customer's.
_HISTORY_KEYS = {
    "interaction": "SELECT occurred_at, 1, id FROM interaction WHERE id = ? AND customer_id = ?",
    "order": "SELECT ordered_at, 0, id FROM orders WHERE id = ? AND customer_id = ?",
}
_NEWER_THAN = (
    "SELECT (SELECT COUNT(*) FROM interaction WHERE customer_id = ? AND (occurred_at, 1, id) > (?, ?, ?))"
    " + (SELECT COUNT(*) FROM orders WHERE customer_id = ? AND (ordered_at, 0, id) > (?, ?, ?))")


def page_history_around(customer_id: int, source: str, source_id: int, limit: int = 50) -> Page[Interaction]:
    """The history from the newest entry down to one entry (an "interaction" or an "order"),
    plus `limit` older ones for context: what the customer screen shows when a search hit
    opens it. Everything newer is loaded, so scrolling down reaches today as usual, and the
    cursor goes on older exactly where page_history would. A customer's history is a few
    hundred entries even at the bench's scale, and the timeline lays out thousands in one
    widget, so the window is not capped."""
    key = database.execute_sql(_HISTORY_KEYS[source], (source_id, customer_id)).fetchone()
    if key is None:
        raise NotFound(f"that {source} is no longer in the timeline of customer #{customer_id}")
    newer = database.execute_sql(_NEWER_THAN, (customer_id, *key, customer_id, *key)).fetchone()[0]
    return page_history(customer_id, None, newer + 1 + limit)


def _order_line(cents: int, currency: str, description: str) -> str:
    line = f"order {cents_to_decimal(cents):,.2f} {currency}"
    return f"{line} — {description}" if description else line
