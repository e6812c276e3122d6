"""The service desk with known answers: opening and closing tickets with a 1-5 score,
status changes, first-response times set by the owner's outbound contact, ticket
statistics (median first response / resolution, CSAT) and old tickets in the Today queue.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from solocrm_tui.config import Config
from solocrm_tui.core.contacts.customers import archive_customers, create_customer
from solocrm_tui.core.contacts.timeline import add_interaction, system_entry
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.service.tickets import (
    close_by_id,
    close_ticket,
    csat,
    first_responses,
    get_ticket,
    list_tickets,
    open_ticket,
    set_status,
    ticket_stats,
)
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.models import Ticket as TicketModel
from solocrm_tui.core.today.queue import todays_queue

H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def alice(core_db, t0) -> int:
    return create_customer(t0 - 30 * D, name="Alice Archer").id


def first_response_at(ticket_id: int):
    return TicketModel.get_by_id(ticket_id).first_response_at


def system_lines(customer_id: int) -> list[str]:
    I = InteractionModel
    return [b for (b,) in I.select(I.body).where((I.customer == customer_id) & (I.kind == "system"))
            .order_by(I.id).tuples()]


# open / close ------------------------------------------------------------------------------

def test_open_and_close_with_a_score(alice, t0):
    t = open_ticket(alice, "Broken grinder", t0 - 2 * H)
    assert (t.status, t.satisfaction, t.opened_at, t.closed_at) == ("open", None, t0 - 2 * H, None)
    closed = close_ticket(alice, t0, 4)
    assert closed.id == t.id
    assert (closed.status, closed.satisfaction, closed.closed_at) == ("closed", 4, t0)
    assert get_ticket(t.id) == closed
    assert system_lines(alice) == ["ticket opened: Broken grinder", "ticket closed: Broken grinder (satisfaction 4/5)"]


@pytest.mark.parametrize("score", [6, 0, -1])
def test_scores_outside_1_to_5_are_refused(alice, t0, unchanged, score):
    t = open_ticket(alice, "Broken grinder", t0 - H)
    with unchanged(), pytest.raises(ValidationError, match="1 to 5"):
        close_ticket(alice, t0, score)
    with unchanged(), pytest.raises(ValidationError, match="1 to 5"):
        close_by_id(t.id, t0, score)
    assert get_ticket(t.id).status == "open"


def test_close_ticket_closes_the_oldest_open_one(alice, t0, unchanged):
    middle = open_ticket(alice, "Middle", t0 - 2 * D)
    newest = open_ticket(alice, "Newest", t0 - 1 * D)
    oldest = open_ticket(alice, "Oldest", t0 - 3 * D)
    set_status(middle.id, "pending", t0 - D)  # pending still counts as not closed
    assert close_ticket(alice, t0, 5).id == oldest.id
    assert close_ticket(alice, t0 + H).id == middle.id
    assert get_ticket(middle.id).satisfaction is None
    assert get_ticket(newest.id).status == "open"
    assert close_ticket(alice, t0 + 2 * H, 1).id == newest.id
    with unchanged(), pytest.raises(ValidationError, match="no open ticket"):
        close_ticket(alice, t0 + 3 * H, 3)


def test_close_by_id_and_already_closed(alice, t0, unchanged):
    first = open_ticket(alice, "First", t0 - 2 * D)
    second = open_ticket(alice, "Second", t0 - D)
    closed = close_by_id(second.id, t0, 2)  # not the oldest: this exact ticket
    assert (closed.id, closed.status, closed.satisfaction, closed.closed_at) == (second.id, "closed", 2, t0)
    assert get_ticket(first.id).status == "open"
    with unchanged(), pytest.raises(ValidationError, match="already closed"):
        close_by_id(second.id, t0 + H, 5)
    with unchanged(), pytest.raises(NotFound, match="#999"):
        close_by_id(999, t0)


def test_set_status_pending_then_open(alice, t0, unchanged):
    t = open_ticket(alice, "Refund", t0 - D)
    pending = set_status(t.id, "pending", t0)
    assert (pending.status, pending.closed_at) == ("pending", None)
    assert [x.status for x, _ in list_tickets()] == ["pending"]
    assert list_tickets(("open",)) == []
    reopened = set_status(t.id, "open", t0 + H)
    assert (reopened.status, reopened.closed_at) == ("open", None)
    assert list_tickets(("pending",)) == []
    with unchanged(), pytest.raises(ValidationError, match="unknown ticket status"):
        set_status(t.id, "solved", t0)
    with unchanged(), pytest.raises(NotFound):
        set_status(999, "open", t0)
    done = set_status(t.id, "closed", t0 + 2 * H)
    assert (done.status, done.closed_at) == ("closed", t0 + 2 * H)
    assert list_tickets() == []


def test_list_tickets_oldest_first_with_customer_names(alice, t0):
    bob = create_customer(t0, name="Bob Brown").id
    b = open_ticket(bob, "Late parcel", t0 - 3 * D)
    a = open_ticket(alice, "Broken grinder", t0 - D)
    assert [(t.id, name) for t, name in list_tickets()] == [(b.id, "Bob Brown"), (a.id, "Alice Archer")]


# first response -----------------------------------------------------------------------------

def test_first_response_is_the_first_outbound_contact_after_opening(alice, t0):
    t = open_ticket(alice, "Broken grinder", t0)
    add_interaction(alice, "email", "it broke again", t0, direction="in", occurred_at=t0 + H)
    assert first_response_at(t.id) is None  # inbound: the customer writing again is no answer
    system_entry(alice, "stage changed", t0 + 2 * H)
    add_interaction(alice, "system", "reminder fired", t0, occurred_at=t0 + 2 * H)
    assert first_response_at(t.id) is None  # system lines are not contact
    add_interaction(alice, "call", "called back", t0, direction="out", occurred_at=t0 + 3 * H)
    assert first_response_at(t.id) == t0 + 3 * H
    add_interaction(alice, "email", "sent a label", t0, direction="out", occurred_at=t0 + 5 * H)
    assert first_response_at(t.id) == t0 + 3 * H  # the first one stays
    assert first_responses([t.id]) == {t.id: t0 + 3 * H}


def test_outbound_email_answers_a_pending_ticket(alice, t0):
    t = open_ticket(alice, "Refund", t0)
    set_status(t.id, "pending", t0 + H)
    add_interaction(alice, "email", "refund sent", t0, occurred_at=t0 + 4 * H)
    assert first_response_at(t.id) == t0 + 4 * H


def test_no_first_response_for_closed_tickets_earlier_contact_or_other_customers(alice, t0):
    bob = create_customer(t0, name="Bob Brown").id
    closed = open_ticket(alice, "Old issue", t0 - 2 * D)
    close_ticket(alice, t0 - D)
    later = open_ticket(alice, "New issue", t0)
    add_interaction(alice, "call", "back-dated call", t0, occurred_at=t0 - H)  # before the ticket existed
    assert first_response_at(later.id) is None
    add_interaction(bob, "call", "called Bob", t0, occurred_at=t0 + H)  # someone else
    assert first_response_at(later.id) is None
    add_interaction(alice, "call", "called Alice", t0, occurred_at=t0 + 2 * H)
    assert first_response_at(later.id) == t0 + 2 * H
    assert first_response_at(closed.id) is None
    assert first_responses([closed.id, later.id]) == {later.id: t0 + 2 * H}
    assert first_responses([]) == {}


# statistics ---------------------------------------------------------------------------------

@pytest.fixture
def desk(core_db, t0) -> dict[str, int]:
    """Tickets with known times (each on its own customer so responses do not cross).

    opened        first response  closed            score
    t0-10d        +2h             +24h (t0-9d)      5
    t0-8d         +4h             +48h (t0-6d)      4
    t0-6d         +9h             +12h (t0-5.5d)    2
    t0-4d         +20h            +30h              none
    t0-2d         none            still open        -
    t0-1d         +1h             pending           -
    t0-400d       +1h             +2h               5   (outside the 365-day window)
    """
    plan = [("a", 10 * D, 2, 24, 5), ("b", 8 * D, 4, 48, 4), ("c", 6 * D, 9, 12, 2), ("d", 4 * D, 20, 30, None),
            ("e", 2 * D, None, None, None), ("f", 1 * D, 1, None, None), ("old", 400 * D, 1, 2, 5)]
    ids = {}
    for key, ago, respond, close, score in plan:
        cid = create_customer(t0 - 500 * D, name=f"Customer {key}").id
        opened = t0 - ago
        t = open_ticket(cid, f"Ticket {key}", opened)
        if respond is not None:
            add_interaction(cid, "call", "answer", t0, occurred_at=opened + respond * H)
        if close is not None:
            close_by_id(t.id, opened + close * H, score)
        ids[key] = t.id
    set_status(ids["f"], "pending", t0 - 1 * D + 2 * H)
    return ids


def test_ticket_stats_with_known_medians(desk, t0):
    stats = ticket_stats(t0)
    assert (stats["open"], stats["pending"], stats["closed"], stats["opened_in_period"]) == (1, 1, 5, 6)
    # first responses of the six recent tickets: 1, 2, 4, 9, 20 h (e has none) -> median 4 h
    assert stats["median_first_response_hours"] == pytest.approx(4.0)
    # resolutions: 12, 24, 30, 48 h -> (24 + 30) / 2
    assert stats["median_resolution_hours"] == pytest.approx(27.0)
    # CSAT: scores 5, 4, 2 in the last year (d has none, the old 5 is outside) -> 2 of 3
    assert stats["csat"] == {"label": "2 of 3 scores were 4-5 (last 365 days)", "value": pytest.approx(2 / 3)}


def test_ticket_stats_over_a_shorter_window(desk, t0):
    stats = ticket_stats(t0, days=7)
    # opened in the last 7 days: c (t0-6d), d, e, f
    assert stats["opened_in_period"] == 4
    assert stats["median_first_response_hours"] == pytest.approx(9.0)  # 1, 9, 20
    assert stats["median_resolution_hours"] == pytest.approx(21.0)  # 12, 30
    assert stats["csat"]["value"] == pytest.approx(0.5)  # closed in the last 7 days with a score: b (4), c (2)


def test_csat_windows(desk, t0):
    assert csat(t0) == {"label": "2 of 3 scores were 4-5 (last 365 days)", "value": pytest.approx(2 / 3)}
    assert csat(t0, days=7)["label"] == "1 of 2 scores were 4-5 (last 7 days)"
    assert csat(t0 - 9 * D - H)["value"] is None  # before a closed: only the 400-day-old score, outside the window
    assert csat(t0 - 9 * D)["value"] == pytest.approx(1.0)  # a's 5 closed exactly at that moment counts
    assert csat(t0, days=1) == {"label": "0 of 0 scores were 4-5 (last 1 days)", "value": None}


def test_ticket_stats_on_an_empty_desk(core_db, t0):
    assert ticket_stats(t0) == {"open": 0, "pending": 0, "closed": 0, "opened_in_period": 0,
                                "median_first_response_hours": None, "median_resolution_hours": None,
                                "csat": {"label": "0 of 0 scores were 4-5 (last 365 days)", "value": None}}


def test_csat_kpi_in_insights(desk, t0):
    from solocrm_tui.core.analytics import summary
    from solocrm_tui.core.analytics.runs import Settings

    kpi = summary.summary(t0, Settings()).kpis.csat
    assert kpi.value == pytest.approx(2 / 3)


# the Today queue ----------------------------------------------------------------------------

def ticket_items(now: datetime, today=None):
    return [i for i in todays_queue(now, today or Config().today) if i.kind == "ticket"]


def test_old_tickets_appear_in_the_today_queue(alice, t0):
    assert Config().today.old_ticket_days == 7
    bob = create_customer(t0 - 30 * D, name="Bob Brown").id
    cat = create_customer(t0 - 30 * D, name="Cat Cole").id
    dot = create_customer(t0 - 30 * D, name="Dot Dunn").id
    gone = create_customer(t0 - 30 * D, name="Gone Gray").id
    open_ticket(alice, "Broken grinder", t0 - 9 * D)  # 9 days: in
    pending = open_ticket(bob, "Refund", t0 - 8 * D)  # pending counts too
    set_status(pending.id, "pending", t0 - 7 * D)
    open_ticket(cat, "Exactly a week", t0 - 7 * D)  # not older than 7 days
    open_ticket(dot, "Fresh", t0 - 2 * D)
    open_ticket(dot, "Closed long ago", t0 - 30 * D)
    close_ticket(dot, t0 - 29 * D, 5)
    open_ticket(gone, "Archived customer", t0 - 20 * D)
    archive_customers([gone], t0 - D)

    items = ticket_items(t0)
    assert [(i.customer_id, i.customer_name, i.title) for i in items] == [
        (alice, "Alice Archer", "Broken grinder"), (bob, "Bob Brown", "Refund")]
    assert items[0].reasons == ("ticket open for 9 days: Broken grinder",)
    assert items[0].due_at == t0 - 9 * D
    assert items[0].urgency > items[1].urgency  # waiting longer is more urgent

    # a minute later the week-old ticket has become old too
    later = [i.title for i in ticket_items(t0 + timedelta(minutes=1))]
    assert later == ["Broken grinder", "Refund", "Exactly a week"]

    # the threshold comes from the config
    assert [i.title for i in ticket_items(t0, replace(Config().today, old_ticket_days=8))] == ["Broken grinder"]
    assert ticket_items(t0, replace(Config().today, old_ticket_days=30)) == []

    # closing it takes it off the queue
    close_ticket(alice, t0, 4)
    assert [i.title for i in ticket_items(t0)] == ["Refund"]
