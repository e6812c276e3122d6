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


def one_line_error(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert "Error" not in done.stderr and "unexpected" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("solocrm: error: "), done.stderr
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
