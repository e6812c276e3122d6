"""Tickets: open, close the oldest open one with a 1-5 score, status changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from solocrm_tui.core.contacts.customers import create_customer
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.service.tickets import (
    close_ticket,
    customer_tickets,
    delete_ticket,
    get_ticket,
    open_ticket,
    rename_ticket,
    reopen_ticket,
    set_status,
)
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.models import Ticket as TicketModel
from solocrm_tui.core.storage.records import Ticket

H = timedelta(hours=1)


@pytest.fixture
def alice(core_db, t0) -> int:
    return create_customer(t0, name="Alice").id


def system_lines(customer_id: int) -> list[str]:
    I = InteractionModel
    return [b for (b,) in I.select(I.body).where((I.customer == customer_id) & (I.kind == "system"))
            .order_by(I.id).tuples()]


def test_open_ticket(alice, t0):
    t = open_ticket(alice, "  Broken   zipper ", t0)
    assert t == Ticket(t.id, alice, "Broken zipper", "open", None, t0, None)
    assert get_ticket(t.id) == t
    assert system_lines(alice) == ["ticket opened: Broken zipper"]
    assert CustomerModel.get_by_id(alice).last_contact_at is None


@pytest.mark.parametrize("subject, error", [("", "ticket subject is required"), ("  ", "required"),
                                            ("x" * 256, "too long")])
def test_invalid_subject_changes_nothing(alice, t0, unchanged, subject, error):
    with unchanged(), pytest.raises(ValidationError, match=error):
        open_ticket(alice, subject, t0)


def test_ticket_for_unknown_customer(core_db, t0, unchanged):
    with unchanged(), pytest.raises(NotFound, match="#8"):
        open_ticket(8, "x", t0)


def test_get_missing_ticket(core_db):
    with pytest.raises(NotFound, match="#1"):
        get_ticket(1)


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_close_with_score(alice, t0, score):
    t = open_ticket(alice, "Late delivery", t0)
    closed = close_ticket(alice, t0 + H, score)
    assert closed == Ticket(t.id, alice, "Late delivery", "closed", score, t0, t0 + H)
    assert system_lines(alice)[-1] == f"ticket closed: Late delivery (satisfaction {score}/5)"


def test_close_without_score(alice, t0):
    open_ticket(alice, "Question", t0)
    closed = close_ticket(alice, t0 + H)
    assert (closed.status, closed.satisfaction) == ("closed", None)
    assert system_lines(alice)[-1] == "ticket closed: Question"


@pytest.mark.parametrize("score", [0, 6, -1, 10])
def test_score_out_of_range_changes_nothing(alice, t0, unchanged, score):
    open_ticket(alice, "Question", t0)
    with unchanged(), pytest.raises(ValidationError, match="1 to 5"):
        close_ticket(alice, t0 + H, score)


def test_oldest_open_ticket_is_closed_first(alice, t0):
    bob = create_customer(t0, name="Bob").id
    open_ticket(bob, "bob's older", t0 - 10 * H)
    newer = open_ticket(alice, "newer", t0)
    older = open_ticket(alice, "older", t0 - 5 * H)
    same_time_a = open_ticket(alice, "same a", t0 + H)
    same_time_b = open_ticket(alice, "same b", t0 + H)
    set_status(newer.id, "pending", t0)
    assert close_ticket(alice, t0 + 2 * H).id == older.id
    assert close_ticket(alice, t0 + 2 * H).id == newer.id  # pending counts as still owed
    assert close_ticket(alice, t0 + 2 * H, 4).id == same_time_a.id
    assert close_ticket(alice, t0 + 2 * H).id == same_time_b.id
    with pytest.raises(ValidationError, match="no open ticket"):
        close_ticket(alice, t0 + 3 * H)
    assert [t.status for t in customer_tickets(bob)] == ["open"]


def test_close_with_no_open_ticket_changes_nothing(alice, t0, unchanged):
    t = open_ticket(alice, "x", t0)
    close_ticket(alice, t0)
    with unchanged(), pytest.raises(ValidationError, match="no open ticket"):
        close_ticket(alice, t0 + H, 5)
    assert get_ticket(t.id).satisfaction is None
    with unchanged(), pytest.raises(ValidationError, match="no open ticket"):
        close_ticket(12345, t0)


def test_set_status(alice, t0, unchanged):
    t = open_ticket(alice, "x", t0)
    assert set_status(t.id, "pending", t0 + H).status == "pending"
    closed = set_status(t.id, "closed", t0 + 2 * H)
    assert (closed.status, closed.closed_at) == ("closed", t0 + 2 * H)
    reopened = set_status(t.id, "open", t0 + 3 * H)
    assert (reopened.status, reopened.closed_at) == ("open", None)
    with unchanged(), pytest.raises(ValidationError, match='unknown ticket status "done"'):
        set_status(t.id, "done", t0)
    with unchanged(), pytest.raises(NotFound):
        set_status(999, "open", t0)


def test_reopen_clears_close_and_score(alice, t0, unchanged):
    t = open_ticket(alice, "x", t0)
    close_ticket(alice, t0 + H, 2)
    again = reopen_ticket(t.id)
    assert (again.status, again.closed_at, again.satisfaction, again.opened_at) == ("open", None, None, t0)
    with unchanged(), pytest.raises(NotFound):
        reopen_ticket(999)


def test_delete_ticket(alice, t0, unchanged):
    t = open_ticket(alice, "x", t0)
    delete_ticket(t.id)
    assert TicketModel.select().count() == 0
    with unchanged(), pytest.raises(NotFound):
        delete_ticket(t.id)


def test_customer_tickets_newest_first(alice, t0):
    a = open_ticket(alice, "a", t0 - H)
    b = open_ticket(alice, "b", t0)
    c = open_ticket(alice, "c", t0)
    assert [t.id for t in customer_tickets(alice)] == [c.id, b.id, a.id]
    assert customer_tickets(12345) == []


def test_rename_ticket_needs_a_subject(core_db, t0, unchanged):
    ticket = open_ticket(create_customer(t0, name="Ann").id, "Grinder brokn", t0)
    assert rename_ticket(ticket.id, "Grinder broken").subject == "Grinder broken"
    with unchanged():
        with pytest.raises(ValidationError):
            rename_ticket(ticket.id, "   ")
    assert get_ticket(ticket.id).subject == "Grinder broken"
