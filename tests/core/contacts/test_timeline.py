"""The interaction timeline: logging, last-contact bookkeeping and newest-first paging."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import create_customer, get_customer
from solocrm_tui.core.contacts.timeline import (
    add_interaction,
    delete_interaction,
    page_timeline,
    recompute_last_contact,
    system_entry,
    touch_contact,
)
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.storage.models import Interaction as InteractionModel
from solocrm_tui.core.storage.records import INTERACTION_KINDS, Interaction


@pytest.fixture
def cid(core_db, t0) -> int:
    return create_customer(t0, name="Alice").id


def last_contact(customer_id):
    return get_customer(customer_id).last_contact_at


@pytest.mark.parametrize("kind", [k for k in INTERACTION_KINDS if k != "system"])
@pytest.mark.parametrize("direction", ["in", "out"])
def test_add_every_kind_and_direction(cid, t0, kind, direction):
    entry = add_interaction(cid, kind, "  hello  ", t0, direction=direction)
    assert entry == Interaction(entry.id, cid, kind, direction, "hello", t0)
    assert page_timeline(cid).rows == (entry,)
    assert last_contact(cid) == t0


def test_body_keeps_its_lines_and_may_be_empty(cid, t0):
    entry = add_interaction(cid, "note", "first line\n\n- second\n", t0)
    assert entry.body == "first line\n\n- second"
    assert add_interaction(cid, "call", "", t0).body == ""
    assert add_interaction(cid, "call", None, t0).body == ""
    assert [r.body for r in page_timeline(cid).rows] == ["", "", "first line\n\n- second"]


def test_occurred_at_may_be_back_dated(cid, t0):
    earlier = t0 - timedelta(days=3)
    entry = add_interaction(cid, "meeting", "lunch", t0, occurred_at=earlier)
    assert entry.occurred_at == earlier
    assert last_contact(cid) == earlier


def test_deal_id_is_stored(cid, t0):
    entry = add_interaction(cid, "email", "quote", t0, deal_id=77)
    assert InteractionModel.get_by_id(entry.id).deal_id == 77


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="fax", body="x"), 'unknown interaction kind "fax"'),
    (dict(kind="Note", body="x"), "unknown interaction kind"),
    (dict(kind="note", body="x", direction="sideways"), 'direction must be "in" or "out"'),
    (dict(kind="note", body="x" * (validate.MAX_TEXT + 1)), "too long"),
])
def test_invalid_entries_change_nothing(cid, t0, unchanged, kwargs, message):
    add_interaction(cid, "note", "existing", t0 - timedelta(days=1))
    with unchanged(), pytest.raises(ValidationError, match=message):
        add_interaction(cid, now=t0, **kwargs)


def test_unknown_customer(core_db, t0, unchanged):
    with unchanged(), pytest.raises(NotFound, match="#42"):
        add_interaction(42, "note", "hi", t0)


# --- last contact ---------------------------------------------------------------------


def test_last_contact_moves_forward_only(cid, t0):
    assert last_contact(cid) is None
    add_interaction(cid, "call", "a", t0)
    assert last_contact(cid) == t0
    add_interaction(cid, "email", "old news", t0, occurred_at=t0 - timedelta(days=10))
    assert last_contact(cid) == t0
    add_interaction(cid, "note", "same time", t0)
    assert last_contact(cid) == t0
    later = t0 + timedelta(hours=2)
    add_interaction(cid, "message", "b", later)
    assert last_contact(cid) == later


def test_system_entries_are_not_contact(cid, t0):
    system_entry(cid, "stage changed: lead → active", t0)
    add_interaction(cid, "system", "imported", t0 + timedelta(days=1))
    assert last_contact(cid) is None
    rows = page_timeline(cid).rows
    assert [(r.kind, r.direction, r.body) for r in rows] == [
        ("system", "out", "imported"), ("system", "out", "stage changed: lead → active")]


def test_touch_contact_directly(cid, t0):
    touch_contact(cid, t0)
    touch_contact(cid, t0 - timedelta(days=1))
    assert last_contact(cid) == t0
    touch_contact(cid, t0 + timedelta(minutes=1))
    assert last_contact(cid) == t0 + timedelta(minutes=1)


def test_delete_recomputes_last_contact(cid, t0):
    first = add_interaction(cid, "call", "first", t0 - timedelta(days=5))
    second = add_interaction(cid, "call", "second", t0)
    system_entry(cid, "reminder: later", t0 + timedelta(days=1))
    delete_interaction(second.id)
    assert last_contact(cid) == t0 - timedelta(days=5)
    delete_interaction(first.id)
    assert last_contact(cid) is None  # the remaining system entry is not a contact
    assert [r.kind for r in page_timeline(cid).rows] == ["system"]


def test_delete_system_entry_keeps_last_contact(cid, t0):
    add_interaction(cid, "call", "a", t0)
    system_entry(cid, "x", t0 + timedelta(days=1))
    sys_id = page_timeline(cid).rows[0].id
    delete_interaction(sys_id)
    assert last_contact(cid) == t0


def test_delete_missing_entry(cid, t0, unchanged):
    add_interaction(cid, "call", "a", t0)
    with unchanged(), pytest.raises(NotFound, match="#999"):
        delete_interaction(999)


def test_recompute_repairs_a_wrong_value(cid, t0):
    add_interaction(cid, "call", "a", t0)
    touch_contact(cid, t0 + timedelta(days=30))  # out of step with the entries
    recompute_last_contact(cid)
    assert last_contact(cid) == t0


def test_deleting_the_customer_deletes_the_timeline(cid, t0):
    from solocrm_tui.core.storage.models import Customer as CustomerModel

    add_interaction(cid, "call", "a", t0)
    CustomerModel.delete().where(CustomerModel.id == cid).execute()
    assert InteractionModel.select().count() == 0


# --- paging ---------------------------------------------------------------------------


def test_pages_newest_first_across_equal_timestamps(core_db, t0):
    alice = create_customer(t0, name="Alice").id
    other = create_customer(t0, name="Other").id
    rnd = random.Random(7)
    # 7 distinct moments, many entries sharing each, inserted out of order
    moments = [t0 - timedelta(hours=h) for h in range(7)]
    made = []
    for i in range(130):
        when = rnd.choice(moments)
        made.append(add_interaction(alice, rnd.choice(["note", "call", "email"]), f"#{i}", t0, occurred_at=when,
                                    direction=rnd.choice(["in", "out"])))
        if i % 10 == 0:
            add_interaction(other, "note", "not alice", t0, occurred_at=when)
    expected = sorted(made, key=lambda e: (e.occurred_at, e.id), reverse=True)

    for limit in (50, 13, 1, 130, 131):
        got, cursor, pages = [], None, 0
        while True:
            page = page_timeline(alice, before=cursor, limit=limit)
            got.extend(page.rows)
            pages += 1
            assert pages <= 131
            if page.cursor is None:
                break
            assert page.cursor == (page.rows[-1].occurred_at, page.rows[-1].id)
            cursor = page.cursor
        assert got == expected, limit


def test_default_page_is_the_newest_fifty(cid, t0):
    made = [add_interaction(cid, "note", str(i), t0, occurred_at=t0 + timedelta(minutes=i)) for i in range(60)]
    page = page_timeline(cid)
    assert [r.body for r in page.rows] == [str(i) for i in range(59, 9, -1)]
    older = page_timeline(cid, before=page.cursor)
    assert [r.id for r in older.rows] == [m.id for m in reversed(made[:10])]
    assert older.cursor is None


def test_empty_timeline(cid):
    page = page_timeline(cid)
    assert page.rows == () and page.cursor is None
    assert page_timeline(12345).rows == ()


def test_history_pages_orders_among_the_entries_newest_first(cid, t0):
    """Orders and entries share one order by time; pages of 3 neither skip nor repeat
    anything, even where an order and an entry carry the same moment."""
    from solocrm_tui.core.contacts.timeline import page_history
    from solocrm_tui.core.sales.orders import add_order

    H = timedelta(hours=1)
    add_interaction(cid, "note", "first note", t0, occurred_at=t0 - 5 * H)
    add_order(cid, "1234", t0, description="2× EK43", ordered_at=t0 - 4 * H)
    add_interaction(cid, "call", "asked for a quote", t0, occurred_at=t0 - 3 * H)
    add_order(cid, "19.5", t0, ordered_at=t0 - 3 * H)  # the same moment as the call: the order first
    add_interaction(cid, "note", "newest", t0, occurred_at=t0 - H)
    add_order(create_customer(t0, name="Bob").id, "99", t0, ordered_at=t0 - 2 * H)  # someone else's

    seen, cursor = [], None
    while True:
        page = page_history(cid, cursor, 3)
        seen += [(e.kind, e.body) for e in page.rows]
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == [("note", "newest"), ("call", "asked for a quote"), ("order", "order 19.50 EUR"),
                    ("order", "order 1,234.00 EUR — 2× EK43"), ("note", "first note")]
    assert [e.occurred_at for e in page_history(cid, None, 2).rows] == [t0 - H, t0 - 3 * H]


def test_history_around_an_old_entry_holds_it_everything_newer_and_pages_on_older(cid, t0):
    """Opening a search hit: the page is the history from the newest down to the entry, with
    some older context, and its cursor goes on older exactly where paging would."""
    from solocrm_tui.core.contacts.timeline import page_history, page_history_around
    from solocrm_tui.core.sales.orders import add_order

    H = timedelta(hours=1)
    made = [add_interaction(cid, "note", f"note {i:03d}", t0, occurred_at=t0 - i * H) for i in range(200)]
    order = add_order(cid, "50", t0, ordered_at=t0 - 120 * H)  # the same moment as note 120: the order first
    everything, cursor = [], None
    while True:
        page = page_history(cid, cursor, 50)
        everything += [(e.kind, e.id) for e in page.rows]
        if (cursor := page.cursor) is None:
            break

    around = page_history_around(cid, "interaction", made[150].id, limit=20)
    assert [(e.kind, e.id) for e in around.rows] == everything[:151 + 1 + 20]  # 150 notes and the order above it
    rest = page_history(cid, around.cursor, 50)
    assert [(e.kind, e.id) for e in rest.rows] == everything[172:222]

    at_order = page_history_around(cid, "order", order.id, limit=20)
    assert [(e.kind, e.id) for e in at_order.rows] == everything[:122 + 20]
    assert page_history_around(cid, "interaction", made[195].id, limit=20).cursor is None  # the start is in it


def test_history_around_someone_elses_or_a_gone_entry_is_not_found(cid, t0):
    from solocrm_tui.core.contacts.timeline import page_history_around

    bob = create_customer(t0, name="Bob").id
    theirs = add_interaction(bob, "note", "bob's", t0)
    with pytest.raises(NotFound, match="no longer in the timeline"):
        page_history_around(cid, "interaction", theirs.id)
    with pytest.raises(NotFound):
        page_history_around(cid, "order", 999)
