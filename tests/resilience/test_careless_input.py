"""Careless input: a CSV with a quote that never closes, ids too big for any database,
dates at the ends of the calendar. Each is one clear line (or an honest empty
answer), exit 1 where refused, the database untouched, never a Python exception name.
"""

from __future__ import annotations

import subprocess

import pytest

from .conftest import cli, raw, seed


def dump(db) -> dict[str, list[tuple]]:
    """Every row of every table, read raw: equal before and after means nothing changed."""
    conn = raw(db)
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def one_line_error(done: subprocess.CompletedProcess, *words: str, code: int = 1) -> str:
    """Refused in one line naming `words`, no exception name; a refused argument exits 2."""
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert "Error" not in done.stderr and "unexpected" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("solocrm"), done.stderr
    assert "error: " in lines[0], done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def crm(db_file):
    seed(db_file)
    return db_file


# a CSV quote that never closes ----------------------------------------------------------

UNBALANCED = ('name,email,city\n'
              'Ann Quote,ann@example.com,Berlin\n'
              'Bob Quote,"bob@example.com,Hamburg\n'
              'Cid Quote,cid@example.com,Munich\n'
              'Dee Quote,dee@example.com,Bonn\n')


@pytest.mark.parametrize("text, line", [
    (UNBALANCED, 3),
    (UNBALANCED.rstrip("\n"), 3),                                    # no newline at the end
    ('name,email\nAnn,ann@example.com\nBob,"b@example.com ""x""\n', 3),  # escaped quotes, still open
    ('name,note\nAnn,"one\nline two"\nBob,"never\nends\n', 4),          # a closed multi-line field first
    ('name,"email\nAnn,ann@example.com\n', 1),                        # in the header itself
])
def test_unbalanced_quote_is_refused_with_its_line_and_changes_nothing(crm, tmp_path, text, line):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    before = dump(crm)
    done = cli("--db", crm, "import", "customers", path)
    one_line_error(done, f"people.csv: line {line}: a quoted field never ends (unbalanced \")")
    assert dump(crm) == before


def test_quoted_fields_that_close_still_import(crm, tmp_path):
    """Multi-line notes, escaped quotes and a quote as the very last character are legitimate."""
    path = tmp_path / "people.csv"
    path.write_text('name,email,city\n'
                    '"Ann ""The"" Quote",ann@example.com,"Ber\nlin"\n'
                    'Bob Quote,bob@example.com,"Hamburg"', encoding="utf-8")
    done = cli("--db", crm, "import", "customers", path)
    assert done.returncode == 0, done.stderr
    assert "inserted 2" in done.stdout


# ids too big for any database ---------------------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("argv, what", [
    (("forget", HUGE), "customer"),
    (("forget", f"#{HUGE}"), "customer"),
    (("merge", "1", HUGE), "customer"),
    (("merge", HUGE, "1"), "customer"),
    (("export", "--customer", HUGE), "customer"),
    (("export", "campaign", HUGE), "campaign"),
])
def test_huge_id_on_the_command_line_is_one_line(crm, argv, what):
    before = dump(crm)
    one_line_error(cli("--db", crm, *argv), f"no {what} #{HUGE}", code=2)
    assert dump(crm) == before


def test_the_largest_possible_id_is_just_not_found(crm):
    done = cli("--db", crm, "forget", str(2**63 - 1))
    one_line_error(done, f"#{2**63 - 1}")


async def test_huge_id_typed_into_the_composer_is_one_line_in_its_log(crm, make_app):
    from textual.notifications import Notify

    from solocrm_tui.widgets.composer import ComposerLog

    before = dump(crm)  # the app's db_path is this same seeded file
    toasts = []
    app = make_app("customers")
    async with app.run_test(size=(120, 35),
                            message_hook=lambda m: toasts.append(m) if isinstance(m, Notify) else None) as pilot:
        await pilot.press("slash", *f"@#{HUGE} met at the fair", "enter")
        log = app.screen.query_one(ComposerLog)
        for _ in range(200):
            await pilot.pause(0.02)
            if any(HUGE in text for text, _ in log.items[1:]):
                break
        said = [text for text, _ in log.items]
    assert any(f"no customer #{HUGE}" in text for text in said), said
    assert not any("Error" in text for text in said)
    assert not [t for t in toasts if "Error" in t.notification.message]
    assert dump(crm) == before


# dates at the ends of the calendar -----------------------------------------------------

@pytest.mark.parametrize("as_of, words", [
    ("0001-01-01", ['--as-of "0001-01-01" is outside the years 1900-2200']),
    ("1899-12-31", ['--as-of "1899-12-31" is outside the years 1900-2200']),
    ("9999-12-31", ['--as-of "9999-12-31" is outside the years 1900-2200']),
])
def test_as_of_at_the_ends_of_the_calendar_is_one_line(crm, as_of, words):
    one_line_error(cli("--db", crm, "insights", "--as-of", as_of), *words)


def test_as_of_before_the_first_order_is_an_honest_empty_summary(crm):
    done = cli("--db", crm, "insights", "--as-of", "1900-01-01")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    assert done.stdout.startswith("Insights as of 1900-01-01")
