"""The customer list: filter syntax, FTS search and keyset paging in SQL.

The list never loads the table: each page is one indexed query that continues
after the previous page's last (sort value, id), so page 500 costs what page 1 does.
Filter text like `stage:at_risk segment:"At risk" #vip alice` is parsed here so the
TUI, the CLI and campaign targeting share one syntax.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from peewee import SQL, NodeList, fn

from solocrm_tui.core import validate
from solocrm_tui.core.contacts.customers import get_customer, split_tags
from solocrm_tui.core.errors import NotFound, ValidationError
from solocrm_tui.core.stages import CUSTOMER_STAGES
from solocrm_tui.core.storage.models import Customer as CustomerModel
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.records import CustomerRow, Page, cents_to_decimal

SORTS = {  # key -> (column, default descending?)
    "name": ("name", False), "company": ("company", False), "stage": ("stage", False),
    "segment": ("segment", False), "last_contact": ("last_contact_at", True),
    "revenue": ("revenue_cents", True), "clv": ("clv", True), "churn": ("churn_risk", True),
}
_LIST_COLUMNS = ("id", "name", "company", "stage", "segment", "last_contact_at",
                 "revenue_cents", "clv", "churn_risk", "tags")
# How a search is joined to the list depends on how many customers it matches:
# - narrow (fewer than 1 in BROAD_SHARE): fetch every match and sort them;
# - broad ("b" when everyone lives in Berlin): walk the sort index and check each id
#   against the matches, gathered once (~page x BROAD_SHARE index entries when the
#   matches are spread out; a narrower search sorted on its own word, "zoe" by name,
#   would walk most of the index, so those keep the fetch-and-sort plan; on the 100k
#   bench book 1 in 20 gave the lowest p95: at 1 in 10 a company word matching 9.9 %
#   fetched and sorted 10,000 rows, at 1 in 40 first names clustered at the end of the
#   name index were walked to);
# - nearly everyone (at least 1 in ALL_SHARE, "c" matching every "example.com"): walk
#   the sort index and ask the search index about each row, because gathering 100,000
#   matches first costs more than the ~100 rows a page needs.
BROAD_SHARE = 20
ALL_SHARE = 2
FILTER_FIELDS = 'stage:, segment:, note:"…", is:archived or #tag'
_FIELD = re.compile(r"([a-z_]+):(.*)", re.IGNORECASE)
_MATCHES = "SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?"


@dataclass(frozen=True)
class CustomerQuery:
    text: str = ""
    stage: str | None = None
    segment: str | None = None
    tags: tuple[str, ...] = ()
    archived: bool = False
    sort: str = "name"
    descending: bool | None = None  # None = the column's natural direction
    hint: str = ""  # a `word:` the filter can't use, searched as text, and what it can use instead
    note: str = ""  # words or a phrase some timeline entry of the customer holds (`note:"barista course"`)
    phone: str | None = None  # the key of a text that is a phone number: its customers are found too

    @property
    def is_descending(self) -> bool:
        return SORTS[self.sort][1] if self.descending is None else self.descending


def parse_filter(raw: str, *, sort: str = "name", descending: bool | None = None) -> CustomerQuery:
    """`stage:at_risk segment:"At risk" #vip is:archived alice` -> CustomerQuery."""
    try:
        words = shlex.split(raw)
    except ValueError:
        words = raw.replace('"', " ").split()
    text, tags, stage, segment, archived, hint, note = [], [], None, None, False, "", ""
    for word in words:
        key, _, value = word.partition(":")
        if word.startswith("#") and len(word) > 1:
            tags.append(word[1:].lower())
        elif key.lower() == "stage" and value:
            stage = value.lower().replace("-", "_").replace(" ", "_")
            if stage not in CUSTOMER_STAGES:
                raise ValidationError(f'unknown stage "{value}": use {", ".join(CUSTOMER_STAGES)}')
        elif key.lower() == "segment" and value:
            segment = value
        elif key.lower() == "note" and value:
            note = value
        elif word.lower() == "is:archived":
            archived = True
        else:
            if (field := _FIELD.fullmatch(word)) and (field.group(2) or field.group(1).lower() in ("stage", "segment", "note")):
                hint = hint or _field_hint(field.group(1).lower())
            text.append(word)
    if sort not in SORTS:
        raise ValidationError(f'cannot sort by "{sort}": use {", ".join(SORTS)}')
    return CustomerQuery(" ".join(text), stage, segment, tuple(tags), archived, sort, descending, hint, note,
                         phone_key(" ".join(text)))


def phone_key(text: str) -> str | None:
    """The key of a query that is a phone number, so `0170 1234567` finds the customer stored
    as `+49 (0)170 1234567`: the words alone would not, the key is one indexed lookup."""
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        return validate.phone(text)[1]
    except ValidationError:
        return None


def _field_hint(key: str) -> str:
    """A `word:value` the filter doesn't know, or a field still without its value, is searched
    as typed (it may be text: "re:", "bob:") but would usually match nobody: the list says
    what the filter understands beside its count. Only a stage outside the known ones is
    refused outright, since stage is a closed list."""
    if key == "stage":
        return f"stage: needs a value: use {', '.join(CUSTOMER_STAGES)}"
    if key == "segment":
        return 'segment: needs a segment name, e.g. segment:Champions or segment:"At risk"'
    if key == "note":
        return 'note: needs words from a timeline entry, e.g. note:"barista course"'
    if key == "is":
        return "is: knows only is:archived"
    return f'unknown filter "{key}:": use {FILTER_FIELDS}'


def fts_expression(text: str) -> str | None:
    """User words -> an FTS5 prefix query; quotes keep hostile input from being syntax."""
    tokens = [t for t in re.split(r"\W+", text) if t]
    return " ".join('"' + t.replace('"', '""') + '"*' for t in tokens) or None


def note_expression(text: str) -> str | None:
    """`note:` words -> an FTS5 phrase over timeline entries (entry_fts, interactions only);
    its last word is a prefix, so the list narrows while the owner types."""
    tokens = [t for t in re.split(r"[\W_]+", text) if t]
    return 'body : "' + " ".join(tokens) + '" *' if tokens else None


def _filtered(query: CustomerQuery, *, breadth: str = "narrow"):
    M = CustomerModel
    select = M.select(*[getattr(M, c) for c in _LIST_COLUMNS])
    select = select.where(M.archived_at.is_null(not query.archived))
    if query.stage:
        select = select.where(M.stage == query.stage)
    if query.segment:
        select = select.where(fn.lower(M.segment) == query.segment.lower())
    for tag in query.tags:
        select = select.where(M.tags.contains(f" {tag} "))
    if phrase := note_expression(query.note):
        select = select.where(M.id.in_(SQL(
            "(SELECT i.customer_id FROM entry_fts f JOIN interaction i ON i.id = f.rowid >> 3 "
            "WHERE entry_fts MATCH ? AND f.rowid & 7 = 1)", (phrase,))))
    match = fts_expression(query.text)
    if match and breadth == "all":
        found = NodeList((SQL("EXISTS (SELECT 1 FROM customer_fts WHERE customer_fts MATCH ? AND "
                              "customer_fts.rowid =", (match,)), M.id, SQL(")")))
    elif match:
        member = (M.id + 0) if breadth == "broad" else M.id  # `id + 0` cannot drive the query: the sort index does
        found = member.in_(SQL(f"({_MATCHES})", (match,)))
    else:
        return select
    return select.where(found | (M.phone_norm == query.phone) if query.phone else found)


def _breadth(query: CustomerQuery) -> str:
    """"narrow", "broad" or "all": see BROAD_SHARE above."""
    match = fts_expression(query.text)
    if not match:
        return "narrow"
    total = database.execute_sql("SELECT MAX(id) FROM customer").fetchone()[0] or 0
    most = total // ALL_SHARE + 1
    matches = database.execute_sql(f"SELECT COUNT(*) FROM ({_MATCHES} LIMIT ?)", (match, most)).fetchone()[0]
    if matches >= most:
        return "all"
    return "broad" if matches >= total // BROAD_SHARE + 1 else "narrow"


def _after(column, cursor: tuple, descending: bool):
    """Keyset condition: rows strictly after (value, id) in (column, id) order, NULLs first asc."""
    M = CustomerModel
    value, last_id = cursor
    if not descending:
        if value is None:
            return (column.is_null() & (M.id > last_id)) | column.is_null(False)
        return (column > value) | ((column == value) & (M.id > last_id))
    if value is None:
        return column.is_null() & (M.id < last_id)
    return (column < value) | ((column == value) & (M.id < last_id)) | column.is_null()


def page_customers(query: CustomerQuery, cursor: tuple | None = None, limit: int = 100) -> Page[CustomerRow]:
    M = CustomerModel
    column_name = SORTS[query.sort][0]
    column = getattr(M, column_name)
    sort_key = column.collate("NOCASE") if column_name in ("name", "company") else column
    descending = query.is_descending
    select = _filtered(query, breadth=_breadth(query))
    if cursor is not None:
        select = select.where(_after(sort_key, cursor, descending))
    order = (sort_key.desc(), M.id.desc()) if descending else (sort_key.asc(), M.id.asc())
    rows = list(select.order_by(*order).limit(limit).tuples())
    records = tuple(_row(r) for r in rows)
    next_cursor = None
    if len(rows) == limit:
        last = rows[-1]
        next_cursor = (last[_LIST_COLUMNS.index(column_name)], last[0])
    return Page(records, next_cursor)


def count_customers(query: CustomerQuery) -> int:
    match = fts_expression(query.text)
    if match and not (query.stage or query.segment or query.tags or query.archived or query.note or query.phone):
        # Counted in the search index, minus the (few, indexed) archived customers:
        # no lookup of each matching customer row.
        return database.execute_sql(
            "SELECT COUNT(*) FROM customer_fts WHERE customer_fts MATCH ? AND +rowid NOT IN "
            "(SELECT id FROM customer WHERE archived_at IS NOT NULL)", (match,)).fetchone()[0]
    return _filtered(query).count()


def _row(r: tuple) -> CustomerRow:
    cid, name, company, stage, segment, last_contact, revenue, clv, churn, tags = r
    return CustomerRow(cid, name, company, stage, segment, last_contact,
                       cents_to_decimal(revenue), clv, churn, split_tags(tags))


def with_phone(key: str, limit: int = 10) -> list[CustomerRow]:
    """The customers whose phone is the number `key` (`CustomerQuery.phone`), however stored:
    find anything lists them before the customers the query's words find."""
    M = CustomerModel
    return [_row(r) for r in _filtered(CustomerQuery()).where(M.phone_norm == key).order_by(M.id).limit(limit).tuples()]


def find_by_name(text: str, limit: int = 10) -> list[CustomerRow]:
    """Best matches for an @mention or a jump-to-customer: exact name first, then prefix matches."""
    text = text.strip()
    if not text:
        return []
    M = CustomerModel
    exact = list(_filtered(CustomerQuery()).where(fn.lower(M.name) == text.lower()).order_by(M.id).limit(limit).tuples())
    rest = page_customers(CustomerQuery(text=text), limit=limit).rows
    seen = {r[0] for r in exact}
    rows = [_row(r) for r in exact] + [r for r in rest if r.id not in seen]
    return rows[:limit]


def resolve_mention(target: str) -> tuple[int, str]:
    """(id, name) of the one customer an @mention names: `#42` by id, else the exact name,
    else the only match; several matches are an error listing their ids, never a guess.
    The composer's @name and find anything's @name follow this one rule."""
    if target.startswith("#") and target[1:].isdigit():
        customer_id = validate.record_id(target, "customer")
        return customer_id, get_customer(customer_id).name
    matches = find_by_name(target, limit=6)
    exact = [m for m in matches if m.name.lower() == target.lower()]
    if len(exact) == 1 or len(matches) == 1:
        hit = exact[0] if len(exact) == 1 else matches[0]
        return hit.id, hit.name
    if not matches:
        raise NotFound(f"no customer matches @{target}")
    names = ", ".join(f"{m.name} @#{m.id}" for m in matches[:5])
    raise ValidationError(f"@{target} matches several customers ({names}): be more specific")
