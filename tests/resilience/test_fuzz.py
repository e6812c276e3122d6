"""Nothing a user types or imports can crash SoloCRM or leave a half-written change.

Property tests (hypothesis, derandomized so CI is repeatable):
- the composer grammar turns any text into a command or a ValidationError, nothing else;
- carrying out whatever parses either works or raises a CRMError and changes nothing;
- the CSV importer turns any bytes into a report or a CRMError, and an error changes nothing.
"""

from __future__ import annotations

import string
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.errors import CRMError, ValidationError

NOW = datetime(2026, 11, 22, 10, 30)
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

COMMANDS = [*grammar.COMMANDS, *grammar.ALIASES, "/call<", "/email<", "/meet<", "/buy<", "/x", "/", "//"]
WORDS = st.sampled_from(["@Ann", '@"Ann Lee"', "@", '@"', "@nobody", "3d", "fri", "tomorrow 14:30", "2026-02-30",
                         "2026-12-01", "+ 14:30", "-5", "0", "12.50", "1e309", "99999999999999999999999", "NaN",
                         "€12", "12,5", "lost", "won", "qualified", "#vip", "'", '"', "\\", "%", "_", "*", "\x00",
                         "\u202e", "🙂", "DROP TABLE customer;--", "x" * 300, "a@b.c", "+49 30 123"])
# Well-formed commands with one hostile part, so execution gets past the grammar.
PLAUSIBLE = {
    "/note": "{t}", "/call": "{t}", "/email<": "{t}", "/meet": "{t}", "/follow": "{w} {t}", "/buy": "{n} {t}",
    "/deal": "{n} {t}", "/stage": "{s}", "/won": "", "/lost": "{t}", "/ticket": "{t}", "/close": "{n}",
    "/responded": "{t}", "/tag": "{t}", "/untag": "{t}", "/add": "{t} {t}", "/find": "{t}", "/go": "{t}",
    "/help": "{t}",
}
AMOUNTS = st.sampled_from(["12.50", "0", "-5", "1e309", "99999999999999999999999", "NaN", "€12", "12,5", "1.005",
                           "3", "9" * 40])
WHENS = st.sampled_from(["3d", "fri", "tomorrow 14:30", "2026-02-30", "2026-12-01", "+ 14:30", "today", "1m", "0d",
                         "9999-12-31", "2w 25:00"])
STAGES = st.sampled_from([*grammar.STAGES, "LOST", "nope", ""])
TEXTS = st.one_of(WORDS, st.text(min_size=1, max_size=20))


def _plausible(cmd: str, target: str | None, t1: str, t2: str, amount: str, when: str, stage: str) -> str:
    texts = iter([t1, t2])
    body = PLAUSIBLE[cmd].replace("{n}", amount).replace("{w}", when).replace("{s}", stage)
    while "{t}" in body:
        body = body.replace("{t}", next(texts, "x"), 1)
    return " ".join(p for p in (cmd, target, body) if p)


WELL_FORMED = st.builds(_plausible, st.sampled_from(sorted(PLAUSIBLE)),
                        st.sampled_from([None, "@Ann_Lee", '@"Ann Other"', "@Ann", "@Zed", '@"x']),
                        TEXTS, TEXTS, AMOUNTS, WHENS, STAGES)
HOSTILE = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=string.printable, max_size=80),
    st.builds(lambda cmd, words: " ".join([cmd, *words]), st.sampled_from(COMMANDS), st.lists(WORDS, max_size=5)),
    st.builds(lambda cmd, text: f"{cmd} {text}", st.sampled_from(COMMANDS), st.text(max_size=40)),
    WELL_FORMED,
)


@FUZZ
@given(HOSTILE)
@example("/buy 100000000000000000000000000 chairs")  # once raised decimal.InvalidOperation
def test_composer_parse_gives_a_command_or_a_validation_error(text):
    try:
        command = grammar.parse(text, NOW)
    except ValidationError as exc:
        assert str(exc) and "\n" not in str(exc)
        event("refused")
        return
    assert isinstance(command, grammar.Command.__args__)  # one of the composer's command types
    event(f"parsed as {type(command).__name__}")


# carrying out commands ---------------------------------------------------------------

@pytest.fixture
def crm(tmp_path):
    from solocrm_tui.core.contacts import customers
    from solocrm_tui.core.sales import campaigns, deals
    from solocrm_tui.core.service import tickets
    from solocrm_tui.core.storage.db import close_database, open_database

    open_database(tmp_path / "fuzz.db")
    ann = customers.create_customer(NOW, name="Ann Lee", email="ann@example.com")
    customers.create_customer(NOW, name="Ann Other")
    deals.create_deal(ann.id, "Website", "5000", NOW)
    tickets.open_ticket(ann.id, "Printer", NOW)
    try:
        campaigns.create_campaign("Spring", "email", "100", NOW, "") if hasattr(campaigns, "create_campaign") else None
    except (CRMError, TypeError):
        pass
    yield ann.id
    close_database()


def _snapshot() -> dict[str, list[tuple]]:
    from solocrm_tui.core.storage.models import ALL_MODELS, database

    return {m._meta.table_name: [tuple(r) for r in database.execute_sql(
        f'SELECT * FROM "{m._meta.table_name}" ORDER BY rowid')] for m in ALL_MODELS}


@FUZZ
@given(text=st.one_of(WELL_FORMED, WELL_FORMED, HOSTILE), focused=st.booleans())
def test_executing_anything_that_parses_is_whole_or_nothing(crm, text, focused):
    try:
        command = grammar.parse(text, NOW)
    except ValidationError:
        return
    if isinstance(command, grammar.Undo):
        return
    before = _snapshot()
    try:
        execute.execute(command, execute.Context(NOW, crm if focused else None))
    except CRMError:
        assert _snapshot() == before  # a refused command leaves no trace
        event("refused by core")
        return
    event(f"carried out {type(command).__name__}")


# importing CSV files -----------------------------------------------------------------

HEADERS = ["name", "email", "phone", "company", "tags", "birthday", "external_id", "Customer ID", "E-Mail",
           "amount", "ordered_at", "customer_email", "kind", "body", "occurred_at", "", "name"]
CELLS = st.one_of(st.text(max_size=30), st.sampled_from(
    ["Ann", "ann@example.com", "not-an-email", "-12.50", "12,50", "1e400", "2026-02-30", "31/12/2025", "=cmd()",
     "'=1+1", '"', '""', "\r", "\n", ";", ",", "\t", "x" * 10_001, "\x00", "\ufeff", "🙂", "NULL", "0"]))


def _csv_text(headers: list[str], rows: list[list[str]], delimiter: str) -> str:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in f'"\r\n{delimiter}') else value

    return "\n".join(delimiter.join(cell(c) for c in row) for row in [headers, *rows]) + "\n"


NEEDED = {"customers": ["name"], "orders": ["amount", "date", "customer_email"],
          "interactions": ["body", "date", "customer_email"]}
VALUES = {"name": st.sampled_from(["Ann Lee", "Bob", " ", "x" * 300, "=HYPERLINK()", "Zoë"]),
          "amount": AMOUNTS, "date": WHENS | st.sampled_from(["2026-11-01", "2026-11-01 10:00", "01.11.2026"]),
          "customer_email": st.sampled_from(["ann@example.com", "nobody@example.com", "broken", ""])}


def _csv_bytes(kind: str):
    """Random bytes, random text, or a file with the right columns and hostile cells."""
    def structured(extra, rows, delimiter, bom, data):
        headers = NEEDED[kind] + extra
        table = [[data.draw(VALUES.get(h, CELLS)) for h in headers] for _ in range(rows)]
        return (b"\xef\xbb\xbf" if bom else b"") + _csv_text(headers, table, delimiter).encode("utf-8", "surrogatepass")

    return st.one_of(
        st.binary(max_size=400),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.builds(lambda headers, rows, delimiter: _csv_text(headers, rows, delimiter).encode("utf-8", "surrogatepass"),
                  st.lists(st.sampled_from(HEADERS), min_size=1, max_size=5),
                  st.lists(st.lists(CELLS, max_size=6), max_size=6), st.sampled_from([",", ";", "\t"])),
        st.builds(structured, st.lists(st.sampled_from(HEADERS), max_size=2), st.integers(0, 5),
                  st.sampled_from([",", ";", "\t"]), st.booleans(), st.data()),
        st.builds(structured, st.lists(st.sampled_from(HEADERS), max_size=2), st.integers(1, 5),
                  st.sampled_from([",", ";", "\t"]), st.booleans(), st.data()),
    )


@FUZZ
@given(kind=st.sampled_from(["customers", "orders", "interactions"]), create_missing=st.booleans(), data=st.data())
def test_importing_any_bytes_gives_a_report_or_a_clean_error(crm, tmp_path, kind, create_missing, data):
    from solocrm_tui.core.data_io.importing import import_file

    data = data.draw(_csv_bytes(kind))
    path = Path(tmp_path) / "fuzz.csv"
    path.write_bytes(data)
    before = _snapshot()
    try:
        report = import_file(kind, path, NOW, create_missing=create_missing)
    except CRMError as exc:
        assert str(exc) and "\n" not in str(exc)
        assert _snapshot() == before  # a failed import changes nothing
        event("refused file")
        return
    event("imported" if report.inserted or report.updated else "report, nothing imported")
    assert report.rows >= report.inserted + report.updated
    if not (report.inserted or report.updated or report.customers_created):
        assert _snapshot() == before
