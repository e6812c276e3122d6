"""Find anything the owner wrote: notes, calls, follow-ups, deals, tickets, orders, custom fields.

For a solo owner the timeline is the memory, so one full-text index (`entry_fts`,
migration 0008) covers every text besides the customer fields, kept in step by
triggers on each source table. Its rowid names the source row (id * 8 + source code),
so a query walks the index newest id first, stops at the limit, and only then looks
up who and when for the few rows it shows: at a million interactions a keystroke
costs one index walk plus `limit` primary-key lookups.

Query words are prefix-matched and accent-insensitive (the index folds diacritics,
and the spans fold the same way); `"barista course"` is a phrase (an unclosed quote
is a phrase still being typed, so its last word is a prefix); `kind:call` narrows to
interaction kinds or followup/deal/ticket/order/custom; `after:2026-01-01` keeps that
day and later, `before:2026-06-01` what came before that day; `@ann`, `@"Ann Lee"` or
`@#42` keeps one customer. A filter it cannot use becomes a one-line hint, never an error.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from solocrm_tui.core.contacts.search import fts_expression, resolve_mention
from solocrm_tui.core.errors import CRMError, NotFound
from solocrm_tui.core.storage.models import database

SOURCES = {  # code in the rowid -> (source, table, when, text, customer, kind)
    1: ("interaction", "interaction", "occurred_at", "body", "customer_id", "kind"),
    2: ("followup", "followup", "due_at", "title", "customer_id", "'followup'"),
    3: ("deal", "deal", "created_at",
        "title || CASE WHEN lost_reason IS NOT NULL AND lost_reason <> '' THEN ' — lost: ' || lost_reason ELSE '' END",
        "customer_id", "'deal'"),
    4: ("ticket", "ticket", "opened_at", "subject", "customer_id", "'ticket'"),
    5: ("order", "orders", "ordered_at", "description", "customer_id", "'order'"),
    6: ("custom", "customer", "updated_at", "custom", "id", "'custom'"),
}
CODE = {spec[0]: code for code, spec in SOURCES.items()}
INTERACTION_KINDS = ("note", "call", "email", "meeting", "message")  # system entries are not indexed
KINDS = INTERACTION_KINDS + ("followup", "deal", "ticket", "order", "custom")
_TOKEN = re.compile(r"(@|[a-z]+:)?(\"[^\"]*\"?|\S+)", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


@dataclass(frozen=True)
class Hit:
    source: str            # "interaction", "followup", "deal", "ticket", "order", "custom"
    source_id: int         # the row's id in its table (customer id for "custom")
    customer_id: int | None   # None for a personal to-do or an anonymised order
    customer_name: str | None
    kind: str              # interaction kind (note/call/email/meeting/message) or the source name
    at: datetime
    text: str              # the whole text on one line
    spans: tuple[tuple[int, int], ...]   # [start, end) ranges in `text` that matched


@dataclass(frozen=True)
class CustomerHits:
    customer_id: int | None
    customer_name: str | None
    hits: tuple[Hit, ...]  # newest first


@dataclass(frozen=True)
class Found:
    groups: tuple[CustomerHits, ...]  # customers in the order of their newest hit
    shown: int
    more: bool
    hint: str = ""


@dataclass(frozen=True)
class _Query:
    match: str | None
    words: tuple[str, ...] = ()              # folded prefix words, for the spans
    phrases: tuple[tuple[str, ...], ...] = ()  # folded phrase words; the last is a prefix when open
    open_phrases: frozenset[int] = frozenset()
    kinds: tuple[str, ...] = ()
    after: date | None = None
    before: date | None = None
    customer: str | None = None
    hint: str = ""
    unknown_kind: bool = False  # nothing can match: the hint says which kinds there are


def fold(text: str) -> str:
    """Casefolded, diacritics stripped: the form the index's tokenizer compares."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _day(key: str, value: str) -> tuple[date | None, str]:
    try:
        return date.fromisoformat(value.strip('"')), ""
    except ValueError:
        return None, f"{key}: needs a date like 2026-06-01"


def parse_query(raw: str) -> _Query:
    words, phrases, open_phrases, parts, kinds = [], [], set(), [], ()
    after = before = customer = None
    hints, unknown_kind = [], False
    for found in _TOKEN.finditer(raw):
        key, value = (found.group(1) or "").lower(), found.group(2)
        if key == "kind:":
            kinds = tuple(k for k in KINDS if k.startswith(value.strip('"').lower()))
            unknown_kind = not kinds
            if unknown_kind:
                hints.append(f'unknown kind "{value}": use {", ".join(KINDS)}')
        elif key in ("after:", "before:"):
            day, hint = _day(key[:-1], value)
            hints += [hint] if hint else []
            after, before = (day, before) if key == "after:" else (after, day)
        elif key == "@":
            customer = value.strip('"') or None
        elif value.startswith('"'):
            inner = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
            tokens = _WORD.findall(inner)
            if not tokens:
                continue
            closed = len(value) > 1 and value.endswith('"')
            if not closed:
                open_phrases.add(len(phrases))
            phrases.append(tuple(fold(t) for t in tokens))
            parts.append('"' + " ".join(tokens) + '"' + ("" if closed else " *"))
        elif (expression := fts_expression(key + value)):
            words += [fold(t) for t in _WORD.findall(key + value)]
            parts.append(expression)
    match = "body : (" + " ".join(parts) + ")" if parts else None
    if kinds:
        kind_filter = "kind : (" + " OR ".join(f'"{k}"' for k in kinds) + ")"
        match = f"{kind_filter} AND {match}" if match else kind_filter
    return _Query(match, tuple(words), tuple(phrases), frozenset(open_phrases), kinds, after, before, customer,
                  "; ".join(hints), unknown_kind)


def _per_source(column: int) -> str:
    """One value of the hit's source row, looked up by the code in its rowid."""
    cases = " ".join(f"WHEN {code} THEN (SELECT {spec[column]} FROM {spec[1]} WHERE id = f.rowid >> 3)"
                     for code, spec in SOURCES.items())
    return f"CASE f.rowid & 7 {cases} END"


def _customer_rowids() -> str:
    """Every rowid the index can hold for one customer (the `?` repeated per source)."""
    return " UNION ALL ".join(f"SELECT id * 8 + {code} FROM {spec[1]} WHERE {spec[4]} = ?"
                              for code, spec in SOURCES.items())


def _resolve_customer(text: str) -> tuple[int | None, str]:
    """The composer's @mention rule; what it refuses becomes the hint (a name nobody has
    is quoted, as the search screen's other hints quote what was typed)."""
    try:
        return resolve_mention(text)[0], ""
    except NotFound as missing:
        return None, str(missing) if text.startswith("#") else f'no customer matches "@{text}"'
    except CRMError as refused:
        return None, str(refused)


def find_everything(query: str, now: datetime, limit: int = 200) -> Found:
    """The newest entries matching `query`, grouped by customer (see the module docstring)."""
    parsed = parse_query(query)
    if not parsed.match or parsed.unknown_kind:
        return Found((), 0, False, parsed.hint)
    where, params = ["entry_fts MATCH ?"], [parsed.match]
    hint = parsed.hint
    if parsed.customer:
        cid, problem = _resolve_customer(parsed.customer)
        if cid is None:
            return Found((), 0, False, "; ".join(filter(None, (hint, problem))))
        where.append(f"f.rowid IN ({_customer_rowids()})")
        params += [cid] * len(SOURCES)
    if parsed.after:
        where.append(f"{_per_source(2)} >= ?")
        params.append(str(datetime.combine(parsed.after, datetime.min.time())))
    if parsed.before:
        where.append(f"{_per_source(2)} < ?")
        params.append(str(datetime.combine(parsed.before, datetime.min.time())))
    rowids = [r[0] for r in database.execute_sql(
        f"SELECT f.rowid FROM entry_fts f WHERE {' AND '.join(where)} ORDER BY f.rowid DESC LIMIT ?",
        (*params, limit + 1))]
    more = len(rowids) > limit
    hits = _hits(rowids[:limit], parsed)
    return Found(_grouped(hits), len(hits), more, hint)


def _hits(rowids: list[int], parsed: _Query) -> list[Hit]:
    by_code: dict[int, list[int]] = {}
    for rowid in rowids:
        by_code.setdefault(rowid & 7, []).append(rowid >> 3)
    found: dict[int, Hit] = {}
    for code, ids in by_code.items():
        source, table, when, text, customer, kind = SOURCES[code]
        marks = ", ".join("?" * len(ids))
        rows = database.execute_sql(
            f"SELECT s.id, s.{customer}, c.name, {kind}, s.{when}, {_qualified(text)} FROM {table} s "
            f"LEFT JOIN customer c ON c.id = s.{customer} WHERE s.id IN ({marks})", ids)
        for sid, cid, name, kind_, at, body in rows:
            line = _one_line(_custom_line(body) if source == "custom" else body or "")
            found[sid * 8 + code] = Hit(source, sid, cid, name, kind_, _as_datetime(at), line, spans(line, parsed))
    return [found[r] for r in rowids if r in found]


def _qualified(text: str) -> str:
    """The text expression with its columns read from the source row `s`."""
    return re.sub(r"\b(body|title|lost_reason|subject|description|custom)\b", r"s.\1", text)


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _custom_line(raw: str) -> str:
    try:
        fields = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(fields, dict):
        return ""
    return "; ".join(f"{key}: {value}" for key, value in fields.items())


def _one_line(text: str) -> str:
    """Line breaks and tabs become spaces, one for one, so the spans index the shown text;
    other control characters are left for the UI's sanitiser, which also maps one for one."""
    return text.translate(_LINE_BREAKS)


def spans(text: str, parsed: _Query) -> tuple[tuple[int, int], ...]:
    """Where the query matched in `text`: each word token starting with a query word, and
    each run of tokens spelling a phrase, compared in folded form as the index does."""
    tokens = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
    out = [(start, end) for start, end, token in tokens if any(token.startswith(w) for w in parsed.words)]
    for number, phrase in enumerate(parsed.phrases):
        size = len(phrase)
        for i in range(len(tokens) - size + 1):
            window = tokens[i:i + size]
            if all(t[2] == p for t, p in zip(window[:-1], phrase[:-1])) and (
                    window[-1][2].startswith(phrase[-1]) if number in parsed.open_phrases
                    else window[-1][2] == phrase[-1]):
                out.append((window[0][0], window[-1][1]))
    return tuple(_merged(sorted(out)))


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in ranges:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _grouped(hits: list[Hit]) -> tuple[CustomerHits, ...]:
    """Customers in the order of their newest hit, each customer's hits newest first."""
    groups: dict[int | None, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: h.at, reverse=True):
        groups.setdefault(hit.customer_id, []).append(hit)
    return tuple(CustomerHits(cid, found[0].customer_name, tuple(found)) for cid, found in groups.items())
