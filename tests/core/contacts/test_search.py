"""The customer list: filter syntax, FTS search and keyset paging in SQL (SPEC §4 Customers)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solocrm_tui.core.contacts import search as customer_search
from solocrm_tui.core.contacts.customers import (
    archive_customers,
    create_customer,
    update_customer,
)
from solocrm_tui.core.contacts.search import (
    SORTS,
    CustomerQuery,
    count_customers,
    find_by_name,
    fts_expression,
    page_customers,
    parse_filter,
)
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.stages import CUSTOMER_STAGES
from solocrm_tui.core.storage.db import close_database, open_database
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import CustomerRow, Page

# --- a seeded database of 2,500 customers, shared read-only by the paging tests -------

N = 2500
FIRST = ["Anna", "anna", "Ben", "BEN", "Carla", "Dirk", "Émile", "Zoë", "Łukasz", "Åsa", "ölaf", "Mia",
         "Noah", "olga", "Paul", "Quinn", "Rita", "Sam", "Tom", "Uwe", "Vera", "Walt", "Xenia", "Yusuf",
         "Zed", "al", "Al", "_under", "0scar", "Mc"]
LAST = ["Smith", "smith", "Müller", "Meyer", "O'Brien", "de Vries", "Zhang", "Nguyen", "Jones", "Brown",
        "Kowalski", "Schmidt", "Ng", "Li", "Öz", "Abe"]
COMPANIES = [None, None, None, "Acme", "acme", "ACME Corp", "Beta GmbH", "beta gmbh", "Zeta", "Ølstad AS",
             "42 Labs", "Gamma"]
SEGMENTS = [None, None, "Champions", "At risk", "Loyal", "New", "champions"]
TAG_SETS = ["", " vip ", " newsletter ", " newsletter vip ", " b2b ", " b2b vip "]
BASE = datetime(2026, 1, 1, 9, 0)
CONTACTS = [None, None, None] + [BASE + timedelta(days=d) for d in range(0, 300, 7)]
REVENUES = [0, 0, 100, 999, 1000, 50000, 123456, 7, 100000]
CLVS = [None, None, None, 0.0, 12.5, 99.99, 250.0, 1000.0, 3.25]
CHURNS = [None, None, None, None, 0.0, 0.1, 0.5, 0.9, 1.0, 0.33]


def _nocase(value: str) -> str:
    """SQLite's NOCASE collation: folds ASCII letters only, then compares code points."""
    return value.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))


def _make_rows() -> list[dict]:
    rnd = random.Random(20261122)
    rows = []
    for i in range(1, N + 1):
        rows.append(dict(
            id=i, name=f"{rnd.choice(FIRST)} {rnd.choice(LAST)}", company=rnd.choice(COMPANIES),
            email=f"user{i}@example.com" if rnd.random() < 0.7 else None,
            stage=rnd.choice(CUSTOMER_STAGES), segment=rnd.choice(SEGMENTS), tags=rnd.choice(TAG_SETS),
            last_contact_at=rnd.choice(CONTACTS), revenue_cents=rnd.choice(REVENUES), clv=rnd.choice(CLVS),
            churn_risk=rnd.choice(CHURNS), created_at=BASE, updated_at=BASE,
            archived_at=BASE if rnd.random() < 0.05 else None,
        ))
    for row in rows:
        row["email_norm"] = row["email"]
    return rows


ROWS = _make_rows()


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory) -> Path:
    path = open_database(tmp_path_factory.mktemp("list") / "seeded.db")
    try:
        with database.atomic():
            for start in range(0, N, 250):
                CustomerModel.insert_many(ROWS[start:start + 250]).execute()
    finally:
        close_database()
    return path


@pytest.fixture
def seeded(seeded_file):
    open_database(seeded_file)
    yield ROWS
    close_database()


def _sort_value(row: dict, sort: str):
    column = SORTS[sort][0]
    value = row[column]
    if value is not None and column in ("name", "company"):
        return _nocase(value)
    return value


def expected_ids(rows: list[dict], sort: str, descending: bool) -> list[int]:
    """The order SQLite must produce: (value, id), NULLs first ascending, exact reverse descending."""
    def key(row):
        value = _sort_value(row, sort)
        return (False, 0, row["id"]) if value is None else (True, value, row["id"])

    ids = [r["id"] for r in sorted(rows, key=key)]
    return ids[::-1] if descending else ids


def all_pages(query: CustomerQuery, limit: int) -> list[CustomerRow]:
    out, cursor, pages = [], None, 0
    while True:
        page = page_customers(query, cursor, limit)
        assert isinstance(page, Page)
        assert len(page.rows) <= limit
        out.extend(page.rows)
        pages += 1
        assert pages <= N // limit + 2, "paging does not terminate"
        if page.cursor is None:
            return out
        assert len(page.rows) == limit
        cursor = page.cursor


def visible(rows, archived=False):
    return [r for r in rows if (r["archived_at"] is not None) == archived]


def test_seed_has_nulls_ties_and_archived_rows(seeded):
    assert CustomerModel.select().count() == N
    for column in ("company", "segment", "last_contact_at", "clv", "churn_risk"):
        values = [r[column] for r in ROWS]
        assert 0 < values.count(None) < N, column
    assert 50 < len(visible(ROWS, archived=True)) < 250
    assert len({r["name"] for r in ROWS}) < N  # duplicate names exercise the id tie-break


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("limit", [97, 100])
def test_keyset_paging_returns_every_row_once_in_order(seeded, sort, descending, limit):
    query = parse_filter("", sort=sort, descending=descending)
    got = [r.id for r in all_pages(query, limit)]
    assert len(got) == len(set(got))
    assert got == expected_ids(visible(ROWS), sort, descending)
    assert count_customers(query) == len(got)


@pytest.mark.parametrize("sort", list(SORTS))
def test_natural_direction_is_the_default(seeded, sort):
    natural = SORTS[sort][1]
    query = parse_filter("", sort=sort)
    assert query.is_descending is natural
    got = [r.id for r in all_pages(query, 250)]
    assert got == expected_ids(visible(ROWS), sort, natural)


@pytest.mark.parametrize("raw, keep", [
    ("#vip", lambda r: " vip " in r["tags"]),
    ("#vip #b2b", lambda r: " vip " in r["tags"] and " b2b " in r["tags"]),
    ("stage:at_risk", lambda r: r["stage"] == "at_risk"),
    ("segment:champions", lambda r: (r["segment"] or "").lower() == "champions"),
    ('segment:"At risk" #newsletter', lambda r: r["segment"] == "At risk" and " newsletter " in r["tags"]),
    ("stage:active #vip", lambda r: r["stage"] == "active" and " vip " in r["tags"]),
])
@pytest.mark.parametrize("sort", ["name", "company", "last_contact", "clv", "churn"])
@pytest.mark.parametrize("descending", [False, True])
def test_filters_combined_with_paging(seeded, raw, keep, sort, descending):
    query = parse_filter(raw, sort=sort, descending=descending)
    got = [r.id for r in all_pages(query, 37)]
    expected = expected_ids([r for r in visible(ROWS) if keep(r)], sort, descending)
    assert expected
    assert got == expected
    assert count_customers(query) == len(expected)


@pytest.mark.parametrize("sort", ["name", "revenue", "churn"])
def test_archived_rows_page_only_with_is_archived(seeded, sort):
    query = parse_filter("is:archived", sort=sort)
    assert query.archived
    got = [r.id for r in all_pages(query, 23)]
    assert got == expected_ids(visible(ROWS, archived=True), sort, query.is_descending)


def test_text_search_with_paging(seeded):
    query = parse_filter("smi", sort="revenue")
    got = [r.id for r in all_pages(query, 41)]
    keep = [r for r in visible(ROWS) if r["name"].lower().split()[1].startswith("smi")]
    assert got == expected_ids(keep, "revenue", True)


@pytest.mark.parametrize("text, breadth", [("example", "all"), ("smi", "broad"), ("acme", "broad"),
                                           ("zhang", "broad"), ("user12", "narrow"), ("user123", "narrow")])
@pytest.mark.parametrize("sort", ["name", "company", "revenue", "churn"])
@pytest.mark.parametrize("descending", [False, True])
def test_every_search_plan_pages_like_fetch_and_sort(seeded, monkeypatch, text, breadth, sort, descending):
    """The plan is picked by how many customers match (see BROAD_SHARE); each must give the
    rows the plain fetch-and-sort plan gives, page by page."""
    query = parse_filter(text, sort=sort, descending=descending)
    assert customer_search._breadth(query) == breadth
    got = [r.id for r in all_pages(query, 43)]
    monkeypatch.setattr(customer_search, "_breadth", lambda q: "narrow")
    assert got == [r.id for r in all_pages(query, 43)]
    assert got and count_customers(query) == len(got)


def test_rows_carry_the_list_columns(seeded):
    rows = {r.id: r for r in all_pages(parse_filter(""), 500)}
    for source in ROWS:
        if source["archived_at"] is not None:
            assert source["id"] not in rows
            continue
        row = rows[source["id"]]
        assert row == CustomerRow(
            source["id"], source["name"], source["company"], source["stage"], source["segment"],
            source["last_contact_at"], Decimal(source["revenue_cents"]) / 100, source["clv"],
            source["churn_risk"], tuple(source["tags"].split()),
        )
        assert str(row.revenue) == f"{source['revenue_cents'] / 100:.2f}"


def test_last_page_cursor_and_limit(seeded):
    total = len(visible(ROWS))
    page = page_customers(parse_filter(""), limit=total + 1)
    assert len(page.rows) == total and page.cursor is None
    first = page_customers(parse_filter(""), limit=1)
    assert len(first.rows) == 1
    assert first.cursor == (first.rows[0].name, first.rows[0].id)


# --- search and filters on a small database ------------------------------------------


@pytest.fixture
def people(core_db, t0):
    make = lambda **kw: create_customer(t0, **kw).id  # noqa: E731
    ids = {
        "alice": make(name="Alice Smith", company="Acme Corp", email="alice.smith@example.com",
                      phone="+49 30 1234567", city="Berlin", tags=["vip", "newsletter"]),
        "bob": make(name="Bob Jones", company="Beta GmbH", email="bob@beta.example", tags=["newsletter"]),
        "jose": make(name="José Müller", company="Café Ñandú", city="Málaga", tags=["b2b"]),
        "carol": make(name="Carol Acker", company="Gamma", email="carol@acme.example"),
        "gone": make(name="Alice Archived", company="Acme Corp", tags=["vip"]),
    }
    archive_customers([ids["gone"]], t0)
    CustomerModel.update(stage="at_risk", segment="At risk").where(CustomerModel.id == ids["bob"]).execute()
    CustomerModel.update(stage="active", segment="Champions").where(CustomerModel.id == ids["alice"]).execute()
    return ids


def search(raw: str, **kw) -> set[int]:
    return {r.id for r in page_customers(parse_filter(raw, **kw), limit=1000).rows}


@pytest.mark.parametrize("raw, who", [
    ("ali", {"alice"}), ("Alice", {"alice"}), ("ALICE SMI", {"alice"}), ("smith alice", {"alice"}),
    ("acme", {"alice", "carol"}),   # company, and the domain of an email address
    ("Acme Corp", {"alice"}),
    ("alice.smith@ex", {"alice"}),  # email: every part is a word, so the whole address matches
    ("smith", {"alice"}),
    ("bob@beta.example", {"bob"}),
    ("carol@acme", {"carol"}),
    ("1234567", {"alice"}),         # phone
    ("berlin", {"alice"}),          # city
    ("jose", {"jose"}), ("müller", {"jose"}), ("muller", {"jose"}), ("nandu", {"jose"}), ("MALAGA", {"jose"}),
    ("newsletter", {"alice", "bob"}),  # tags are indexed too
    ("zzz", set()), ("alice bob", set()),
    ("", {"alice", "bob", "jose", "carol"}),
])
def test_search(people, raw, who):
    assert search(raw) == {people[w] for w in who}


@pytest.mark.parametrize("raw, who", [
    ("#vip", {"alice"}), ("#VIP", {"alice"}), ("#newsletter", {"alice", "bob"}), ("#vip #newsletter", {"alice"}),
    ("#b2b jose", {"jose"}), ("#nope", set()),
    ("stage:at_risk", {"bob"}), ("stage:at-risk", {"bob"}), ("Stage:ACTIVE", {"alice"}), ("stage:lead", {"jose", "carol"}),
    ("segment:champions", {"alice"}), ('segment:"At risk"', {"bob"}), ("segment:'at risk'", {"bob"}),
    ("stage:active #newsletter ali", {"alice"}), ("stage:active bob", set()),
    ("is:archived", {"gone"}), ("is:archived alice", {"gone"}), ("is:archived #vip", {"gone"}),
])
def test_filters(people, raw, who):
    assert search(raw) == {people[w] for w in who}
    assert count_customers(parse_filter(raw)) == len(who)


def test_parse_filter():
    q = parse_filter('stage:at-risk segment:"At risk" #VIP #b2b is:archived  alice   smith', sort="clv", descending=False)
    assert q == CustomerQuery("alice smith", "at_risk", "At risk", ("vip", "b2b"), True, "clv", False)
    assert parse_filter("") == CustomerQuery()
    assert parse_filter("# stage:").text == "# stage:"
    assert parse_filter('unbalanced "quote').text == "unbalanced quote"


@pytest.mark.parametrize("raw", ["stage:bogus", "stage:won", "STAGE:nope alice"])
def test_bad_stage(raw):
    with pytest.raises(ValidationError, match="unknown stage"):
        parse_filter(raw)


@pytest.mark.parametrize("sort", ["email", "", "NAME", "id; DROP TABLE customer"])
def test_bad_sort(sort):
    with pytest.raises(ValidationError, match="cannot sort by"):
        parse_filter("", sort=sort)


HOSTILE = ['"', '""', "*", "AND", "OR", "NOT", "NEAR(", "NEAR(a b, 2)", "-", "--", "-alice", "a-b", "^ali",
           "name:alice", "{name}: x", "(", ")", "'", "\\", "%", "_", "@", ".", "a OR b", "alice AND",
           "alice*", '"alice', 'ali"ce', "x" * 5000, "\x00", "\t\n", "ü", "Ä€", "👍", "中文", "שלום", "e\u0301",
           "\u200d", "\ufeff", "²", "ǅ", "ﬁ", "İ", "ß", "🇩🇪 flag", "null", "NULL", "; DROP TABLE customer; --"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_search_never_raises(people, text):
    for raw in (text, f"alice {text}", f"{text}{text}", f"#{text}", f"segment:{text}"):
        query = parse_filter(raw)
        page_customers(query)
        count_customers(query)
        find_by_name(raw)
    assert CustomerModel.select().count() == 5  # and never changes anything


@pytest.mark.parametrize("text, who", [('"alice', "alice"), ("alice*", "alice"), ("(alice)", "alice"),
                                       ("alice AND", None), ("^jose", "jose"), ("bob:", "bob")])
def test_hostile_punctuation_is_not_syntax(people, text, who):
    assert search(text) == ({people[who]} if who else set())


@settings(derandomize=True, max_examples=150, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=30))
def test_fuzzed_search_text_never_raises(people, text):
    query = CustomerQuery(text=text)
    rows = page_customers(query, limit=10).rows
    assert all(r.id in people.values() for r in rows)
    assert count_customers(query) >= len(rows)
    find_by_name(text)


def test_fts_expression_quotes_every_token():
    assert fts_expression("") is None
    assert fts_expression('  " * ( ') is None
    assert fts_expression("alice smith") == '"alice"* "smith"*'
    assert fts_expression('al"ice') == '"al"* "ice"*'
    assert fts_expression("NEAR(a") == '"NEAR"* "a"*'
    assert fts_expression("a@b.com x-y") == '"a"* "b"* "com"* "x"* "y"*'


# --- FTS stays in sync -----------------------------------------------------------------


def fts_consistent() -> None:
    """Raises if the FTS index disagrees with the customer table."""
    database.execute_sql("INSERT INTO customer_fts(customer_fts, rank) VALUES('integrity-check', 1)")


def test_fts_follows_updates(people, t0):
    alice = people["alice"]
    update_customer(alice, t0, name="Beatrice Renamed", company="Newco", email="bea@newco.example",
                    phone="+1 555 0000 999", city="Lisbon", tags=["fresh"])
    fts_consistent()
    for old in ("Alice", "Smith", "acme", "alice.smith", "1234567", "berlin", "vip"):
        assert alice not in search(old), old
    for new in ("Beatrice", "renamed", "newco", "bea@newco", "0000", "lisbon", "fresh", "#fresh"):
        assert search(new) == {alice}, new


def test_fts_follows_raw_updates_and_deletes(people, t0):
    CustomerModel.update(name="Zelda Raw").where(CustomerModel.id == people["bob"]).execute()
    assert search("zelda") == {people["bob"]}
    assert search("jones") == set()
    assert search("bob@beta") == {people["bob"]}  # the email is unchanged
    CustomerModel.delete().where(CustomerModel.id == people["alice"]).execute()
    fts_consistent()
    assert search("alice") == set()
    assert search("acme") == {people["carol"]}  # only Carol's email domain is left
    assert search("is:archived acme") == {people["gone"]}
    # rows updated outside the indexed columns keep their index entries
    CustomerModel.update(revenue_cents=5).where(CustomerModel.id == people["carol"]).execute()
    fts_consistent()
    assert search("carol") == {people["carol"]}


def test_new_customers_are_searchable_at_once(core_db, t0):
    cid = create_customer(t0, name="Fresh Face", company="Newborn Ltd").id
    assert search("fre") == {cid}
    assert search("newborn") == {cid}
    fts_consistent()


# --- find_by_name ---------------------------------------------------------------------


def test_find_by_name_puts_exact_matches_first(core_db, t0):
    ids = [create_customer(t0, name=n).id for n in ("Annabel", "Anna Karenina", "Ann", "Anne", "ann", "Bob Ann")]
    rows = find_by_name("ann")
    assert [r.id for r in rows[:2]] == [ids[2], ids[4]]
    assert {r.id for r in rows} == set(ids)
    assert len(rows) == len({r.id for r in rows})
    assert [r.id for r in find_by_name("  ANN  ", limit=1)] == [ids[2]]
    assert [r.id for r in find_by_name("Anna Karenina")] == [ids[1]]
    assert len(find_by_name("ann", limit=3)) == 3


def test_find_by_name_skips_archived_and_blank(core_db, t0):
    a = create_customer(t0, name="Dora").id
    b = create_customer(t0, name="Dora").id
    archive_customers([a], t0)
    assert [r.id for r in find_by_name("dora")] == [b]
    assert find_by_name("   ") == []
    assert find_by_name("") == []
