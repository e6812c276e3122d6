"""Find anything: the entry index follows every write path, and the query language."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts.customers import create_customer, update_customer
from solocrm_tui.core.contacts.everything import find_everything
from solocrm_tui.core.contacts.merging import merge_customers
from solocrm_tui.core.contacts.privacy import forget_customer
from solocrm_tui.core.contacts.search import (
    count_customers,
    page_customers,
    parse_filter,
)
from solocrm_tui.core.contacts.timeline import (
    add_interaction,
    delete_interaction,
    edit_interaction,
)
from solocrm_tui.core.data_io.importing import import_file
from solocrm_tui.core.sales.deals import create_deal, move_deal
from solocrm_tui.core.storage import changes
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import undo_batch

D = timedelta(days=1)


def texts(query: str, now: datetime) -> list[str]:
    found = find_everything(query, now)
    return [hit.text for group in found.groups for hit in group.hits]


def run(line: str, now: datetime, focus: int | None = None):
    command = grammar.parse(line, now)
    return changes.record(lambda: execute.execute(command, execute.Context(now, focus)), line)


@pytest.fixture
def ann(core_db, t0):
    return create_customer(t0, name="Ann Lee", email="ann@x.com")


def test_composer_writes_are_found_and_undo_takes_them_out(ann, t0):
    written = [run(line, t0, ann.id)[1] for line in (
        "/note signed up for the barista course", "/call asked about the Müller grinder",
        "/buy 12 descaler tablets", "/follow fri send the espresso quote", "/deal 4000 Café fit-out")]
    assert texts('"barista course"', t0) == ["signed up for the barista course"]
    assert texts("muller", t0) == ["asked about the Müller grinder"]
    assert texts("descal", t0)
    assert texts("espresso", t0) == ["send the espresso quote"]
    assert texts("cafe", t0) == ["Café fit-out"]  # the system entry "deal opened: …" is not indexed
    for change in reversed(written):
        changes.undo(change, t0)
    for query in ('"barista course"', "muller", "descal", "espresso", "cafe"):
        assert texts(query, t0) == [], query


def test_a_lost_reason_is_found_with_its_deal(ann, t0):
    deal = create_deal(ann.id, "Roaster lease", "900", t0)
    move_deal(deal.id, "lost", t0, reason="chose a cheaper supplier")
    (hit,) = find_everything("cheaper", t0).groups[0].hits
    assert (hit.source, hit.source_id, hit.kind) == ("deal", deal.id, "deal")
    assert hit.text == "Roaster lease — lost: chose a cheaper supplier"
    assert hit.text[slice(*hit.spans[0])] == "cheaper"


def test_editing_and_deleting_an_entry_follow_in_the_index(ann, t0):
    entry = add_interaction(ann.id, "note", "likes oat milk", t0)
    edit_interaction(entry.id, "likes almond milk")
    assert texts("oat", t0) == []
    assert texts("almond", t0) == ["likes almond milk"]
    delete_interaction(entry.id)
    assert texts("almond", t0) == []


def test_custom_field_values_are_found_and_follow_edits(core_db, t0):
    bo = create_customer(t0, name="Bo", custom={"machine": "La Marzocco"})
    (hit,) = find_everything("marzocco", t0).groups[0].hits
    assert (hit.source, hit.source_id, hit.customer_name) == ("custom", bo.id, "Bo")
    update_customer(bo.id, t0, custom={"machine": "Rocket"})
    assert texts("marzocco", t0) == []
    assert texts("rocket", t0) == ["machine: Rocket"]


def test_imported_interactions_and_orders_are_found_and_undo_removes_them(ann, tmp_path, t0):
    talks = tmp_path / "talks.csv"
    talks.write_text("email,type,text,date\nann@x.com,call,wants the barista course,2026-02-02 10:00\n")
    bought = tmp_path / "orders.csv"
    bought.write_text("email,amount,date,product\nann@x.com,10,2026-01-01,Grinder burrs\n")
    talked, ordered = import_file("interactions", talks, t0), import_file("orders", bought, t0)
    assert texts('"barista course"', t0) == ["wants the barista course"]
    assert texts("burrs", t0) == ["Grinder burrs"]
    undo_batch(talked.batch_id, t0, kind="import")
    undo_batch(ordered.batch_id, t0, kind="import")
    assert texts("barista", t0) == texts("burrs", t0) == []


def test_a_big_import_is_indexed_in_bulk_exactly_as_the_triggers_index_one_row(ann, tmp_path, t0):
    """Past 1,000 rows an import fills the index with one INSERT…SELECT instead of a
    trigger call per row; the rows must be found the same, and undo must take them out."""
    rows = 2_100  # steps of 100, 400 and 1,600 rows (a long step budget): the last one in bulk
    talks = tmp_path / "talks.csv"
    talks.write_text("email,type,text,date\n" + "".join(
        f"ann@x.com,note,routine visit {n} tamper{n},2026-02-02 10:00\n" for n in range(rows)))
    bought = tmp_path / "orders.csv"
    bought.write_text("email,amount,date,product\n" + "".join(
        f"ann@x.com,10,2026-01-01,burr set {n} portafilter{n}\n" for n in range(rows)))
    talked = import_file("interactions", talks, t0, step_seconds=1e9)
    ordered = import_file("orders", bought, t0, step_seconds=1e9)
    assert texts("tamper777", t0) == ["routine visit 777 tamper777"]
    assert texts("portafilter2099", t0) == ["burr set 2099 portafilter2099"]
    triggers = {name for (name,) in database.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"entry_fts_interaction_ai", "entry_fts_order_ai", "customer_fts_ai"} <= triggers
    assert database.execute_sql("SELECT COUNT(*) FROM entry_fts WHERE entry_fts MATCH 'routine'").fetchone() == (rows,)
    undo_batch(talked.batch_id, t0, kind="import")
    undo_batch(ordered.batch_id, t0, kind="import")
    assert texts("tamper777", t0) == texts("portafilter2099", t0) == []


def test_merge_moves_the_hits_to_the_kept_customer(ann, t0):
    other = create_customer(t0, name="Ann Lee (old)", email="ann.old@x.com")
    add_interaction(other.id, "note", "barista course booked", t0)
    merge_customers(ann.id, other.id, t0)
    (group,) = find_everything("barista", t0).groups
    assert (group.customer_id, group.customer_name) == (ann.id, "Ann Lee")


def test_forget_leaves_nothing_of_the_person_in_the_index(ann, t0):
    add_interaction(ann.id, "note", "Quasselstrippe barista course", t0)
    forget_customer(ann.id, t0)
    assert texts("quasselstrippe", t0) == []
    assert database.execute_sql("SELECT COUNT(*) FROM entry_fts WHERE entry_fts MATCH 'quasselstrippe'").fetchone() == (0,)


def test_query_language_kind_dates_customer_and_grouping(ann, t0):
    bob = create_customer(t0, name="Bob Stone")
    add_interaction(ann.id, "call", "barista course fees", t0 - 30 * D)
    add_interaction(ann.id, "note", "barista course done", t0 - 2 * D)
    add_interaction(bob.id, "note", "barista course later", t0 - 10 * D)
    assert texts("barista kind:call", t0) == ["barista course fees"]
    assert texts("kind:call", t0) == ["barista course fees"]
    assert texts(f"barista before:{(t0 - 5 * D).date()}", t0) == ["barista course later", "barista course fees"]
    assert texts(f"barista after:{(t0 - 5 * D).date()}", t0) == ["barista course done"]
    assert texts('barista @"Bob Stone"', t0) == ["barista course later"]
    assert texts(f"barista @#{ann.id}", t0) == ["barista course done", "barista course fees"]
    found = find_everything("barista", t0)
    assert [g.customer_name for g in found.groups] == ["Ann Lee", "Bob Stone"]
    assert (found.shown, found.more) == (3, False)
    assert find_everything("barista", t0, limit=2).more


def test_prefix_phrase_and_open_phrase_spans(ann, t0):
    add_interaction(ann.id, "note", "Signed up: Barista-Course\nnext week", t0)
    (hit,) = find_everything('"barista cou', t0).groups[0].hits
    assert hit.text == "Signed up: Barista-Course next week"
    assert [hit.text[a:b] for a, b in hit.spans] == ["Barista-Course"]
    (hit,) = find_everything("sign week", t0).groups[0].hits
    assert [hit.text[a:b] for a, b in hit.spans] == ["Signed", "week"]


@pytest.mark.parametrize("query, hint", [
    ("kind:banana barista", 'unknown kind "banana"'),
    ("barista before:2026-13-01", "before: needs a date like 2026-06-01"),
    ("barista @nobody", 'no customer matches "@nobody"'),
])
def test_bad_filters_give_a_one_line_hint(ann, t0, query, hint):
    add_interaction(ann.id, "note", "barista", t0)
    assert hint in find_everything(query, t0).hint


@pytest.mark.parametrize("query", ['"', '""', "AND", "OR (", "NEAR(a b", "kind:", "@", "body:x*", "^x", "a:b:c",
                                   "'; DROP TABLE x", "\x1b[31m", "*", '"a" "'])
def test_hostile_queries_never_raise(ann, t0, query):
    add_interaction(ann.id, "note", "anything at all", t0)
    try:
        find_everything(query, t0)
    except sqlite3.Error as exc:  # pragma: no cover - the failure message
        pytest.fail(f"{query!r}: {exc}")


def test_customers_filter_understands_note(ann, t0):
    bob = create_customer(t0, name="Bob Stone")
    add_interaction(ann.id, "note", "booked the barista course", t0)
    add_interaction(bob.id, "note", "barista machine broke, no course", t0)
    query = parse_filter('note:"barista course"')
    assert [r.name for r in page_customers(query).rows] == ["Ann Lee"]
    assert count_customers(query) == 1
    assert [r.name for r in page_customers(parse_filter("note:barist")).rows] == ["Ann Lee", "Bob Stone"]
    assert parse_filter("note:").hint.startswith("note: needs words")


def test_a_name_shared_by_several_customers_is_not_guessed(ann, t0):
    """`@leila` matched the first of two Leilas and found nothing, without a word."""
    garcia = create_customer(t0, name="Leila García")
    hartmann = create_customer(t0, name="Leila Hartmann")
    add_interaction(hartmann.id, "email", "Asked for a bulk price", t0)
    found = find_everything('"bulk price" @leila', t0)
    assert found.shown == 0
    assert found.hint == (f"@leila matches several customers (Leila García @#{garcia.id}, "
                          f"Leila Hartmann @#{hartmann.id}): be more specific")
    for unique in ("@leila_h", '@"Leila Hartmann"', f"@#{hartmann.id}"):
        assert [h.text for g in find_everything(f'"bulk price" {unique}', t0).groups for h in g.hits] == [
            "Asked for a bulk price"]
