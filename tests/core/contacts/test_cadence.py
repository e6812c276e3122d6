"""Keep in touch: a cadence per customer or per tag, and who is overdue for contact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from solocrm_tui.core.contacts import cadence
from solocrm_tui.core.contacts.customers import (
    archive_customers,
    change_tags,
    create_customer,
)
from solocrm_tui.core.contacts.timeline import add_interaction
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.today import dismissals
from solocrm_tui.core.today.items import QueueItem
from solocrm_tui.core.today.queue import build_queue, todays_queue
from solocrm_tui.core.today.sources import cadence_items

DAY = timedelta(days=1)


def customer(now, name, *, contacted_days_ago=None, created_days_ago=400, tags=()):
    """A customer created long ago, last contacted `contacted_days_ago` (None: never)."""
    cid = create_customer(now - created_days_ago * DAY, name=name).id
    if tags:
        change_tags([cid], now - created_days_ago * DAY, add=tags)
    if contacted_days_ago is not None:
        add_interaction(cid, "call", "hello", now - contacted_days_ago * DAY)
    return cid


def overdue(now):
    return [(o.customer_name, o.silent_days, o.days, o.tag, o.never) for o in cadence.overdue(now, limit=50)]


def cadence_rows(now):
    return [(i.customer_name, i.reasons[0]) for i in todays_queue(now) if i.kind == "cadence"]


def test_an_own_cadence_makes_a_silent_customer_overdue(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=45)
    customer(t0, "Bob", contacted_days_ago=45)  # no cadence: nobody asked to keep in touch
    cadence.set_cadence(30, t0, customer_id=ann)
    assert overdue(t0) == [("Ann", 45, 30, None, False)]
    assert cadence_rows(t0) == [("Ann", "no contact for 45 days (keep in touch every 30)")]


def test_contact_within_the_cadence_is_not_overdue(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=29)
    cadence.set_cadence(30, t0, customer_id=ann)
    assert overdue(t0) == []
    assert overdue(t0 + DAY) == [("Ann", 30, 30, None, False)]  # due on the 30th day


def test_a_tag_cadence_covers_everyone_with_the_tag_and_the_shortest_tag_wins(core_db, t0):
    customer(t0, "Ann", contacted_days_ago=20, tags=["vip", "newsletter"])
    customer(t0, "Cleo", contacted_days_ago=20, tags=["newsletter"])
    customer(t0, "Dan", contacted_days_ago=20, tags=["vipx"])  # a longer tag is another tag
    cadence.set_cadence(14, t0, tag="vip")
    cadence.set_cadence(60, t0, tag="newsletter")
    assert overdue(t0) == [("Ann", 20, 14, "vip", False)]
    assert cadence_rows(t0) == [("Ann", "no contact for 20 days (keep in touch every 14, #vip)")]


def test_an_own_cadence_wins_over_the_tags(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=20, tags=["vip"])
    cadence.set_cadence(14, t0, tag="vip")
    cadence.set_cadence(60, t0, customer_id=ann)
    assert overdue(t0) == []
    assert cadence.cadence_of(ann) == cadence.CustomerCadence(60, None)


def test_never_contacted_counts_from_when_the_customer_was_added(core_db, t0):
    lead = customer(t0, "Lead", created_days_ago=40)
    fresh = customer(t0, "Fresh", created_days_ago=10)
    cadence.set_cadence(30, t0, customer_id=lead)
    cadence.set_cadence(30, t0, customer_id=fresh)
    assert overdue(t0) == [("Lead", 40, 30, None, True)]
    assert cadence_rows(t0) == [("Lead", "never contacted (keep in touch every 30)")]


def test_archived_customers_are_left_out(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=45, tags=["vip"])
    cadence.set_cadence(30, t0, tag="vip")
    archive_customers([ann], t0)
    assert overdue(t0) == []


def test_most_overdue_relative_to_the_cadence_comes_first(core_db, t0):
    weekly = customer(t0, "Weekly", contacted_days_ago=21)   # 3 cadences late
    monthly = customer(t0, "Monthly", contacted_days_ago=45)  # 1.5 cadences late
    cadence.set_cadence(7, t0, customer_id=weekly)
    cadence.set_cadence(30, t0, customer_id=monthly)
    assert [name for name, *_ in overdue(t0)] == ["Weekly", "Monthly"]
    assert [name for name, _ in cadence_rows(t0)] == ["Weekly", "Monthly"]


def test_a_logged_call_clears_the_row(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=45)
    cadence.set_cadence(30, t0, customer_id=ann)
    add_interaction(ann, "call", "caught up", t0 - timedelta(hours=1))
    assert cadence_rows(t0) == []


def test_a_dismissal_hides_the_row_until_tomorrow(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=45)
    cadence.set_cadence(30, t0, customer_id=ann)
    row = next(i for i in todays_queue(t0) if i.kind == "cadence")
    dismissals.done_or_dismiss([row], t0)
    assert cadence_rows(t0) == []
    assert cadence_rows(t0 + DAY) == [("Ann", "no contact for 46 days (keep in touch every 30)")]


def test_setting_again_replaces_and_off_clears(core_db, t0):
    ann = customer(t0, "Ann")
    cadence.set_cadence(30, t0, customer_id=ann)
    cadence.set_cadence(14, t0, customer_id=ann)
    assert cadence.cadence_of(ann) == cadence.CustomerCadence(14, None)
    assert cadence.clear_cadence(customer_id=ann) is True
    assert cadence.cadence_of(ann) is None
    assert cadence.clear_cadence(customer_id=ann) is False


def test_a_customer_without_their_own_reads_the_tightest_tag(core_db, t0):
    ann = customer(t0, "Ann", tags=["vip", "partner"])
    cadence.set_cadence(30, t0, tag="vip")
    cadence.set_cadence(21, t0, tag="partner")
    assert cadence.cadence_of(ann) == cadence.CustomerCadence(21, "partner")
    assert cadence.tag_cadence("vip") == 30
    assert cadence.tag_cadence("nobody-yet") is None


@pytest.mark.parametrize("days", [0, -3, cadence.MAX_DAYS + 1])
def test_nonsense_periods_are_refused_and_change_nothing(core_db, t0, unchanged, days):
    ann = customer(t0, "Ann")
    with unchanged(), pytest.raises(ValidationError, match="keep in touch"):
        cadence.set_cadence(days, t0, customer_id=ann)


def test_a_tag_with_no_one_yet_may_have_a_cadence(core_db, t0):
    cadence.set_cadence(30, t0, tag="#Future")
    assert cadence.tag_cadence("future") == 30



def test_a_churn_row_for_the_same_customer_carries_the_cadence_instead_of_a_second_row(core_db, t0):
    ann = customer(t0, "Ann", contacted_days_ago=45)
    bob = customer(t0, "Bob", contacted_days_ago=45)
    cadence.set_cadence(30, t0, customer_id=ann)
    cadence.set_cadence(30, t0, customer_id=bob)

    def churn(now, settings):
        yield QueueItem("churn_risk", ann, "Ann", "valuable customer slipping away",
                        ("churn risk 80%, €1,200 predicted 12-month value", "no contact for 45 days", "bought twice"), 5.0)

    rows = [(i.kind, i.customer_name, i.reasons) for i in build_queue(t0, sources=(churn, cadence_items))]
    assert rows == [
        ("churn_risk", "Ann", ("churn risk 80%, €1,200 predicted 12-month value",
                               "no contact for 45 days (keep in touch every 30)", "bought twice")),
        ("cadence", "Bob", ("no contact for 45 days (keep in touch every 30)",)),
    ]


def test_dismissed_rows_leave_their_places_to_the_next_ones(core_db, t0):
    for n in range(13):
        cadence.set_cadence(30, t0, customer_id=customer(t0, f"C{n:02d}", contacted_days_ago=100 - n))
    shown = [i for i in todays_queue(t0) if i.kind == "cadence"]
    assert len(shown) == 10
    dismissals.done_or_dismiss(shown[:3], t0)
    assert [name for name, _ in cadence_rows(t0)] == [f"C{n:02d}" for n in range(3, 13)]
