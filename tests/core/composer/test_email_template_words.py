"""`/email @ann WORD`: a template's name writes from it; a near miss of one is a typo, not a
one-word email to log as sent."""

from __future__ import annotations

import pytest

from solocrm_tui.core.composer import execute, grammar
from solocrm_tui.core.contacts import customers
from solocrm_tui.core.contacts.timeline import page_timeline
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage import changes


@pytest.fixture
def templates(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "welcome.md").write_text("Subject: Willkommen\n\nHallo {first_name}\n", encoding="utf-8")
    return folder


def _run(line: str, t0, templates):
    command = grammar.parse(line, t0)
    return changes.record(lambda: execute.execute(command, execute.Context(t0, templates_dir=templates)), line)


def test_a_near_miss_of_a_template_name_is_refused_and_logs_nothing(core_db, t0, templates, unchanged):
    ann = customers.create_customer(t0, name="Ann Lee", email="ann@example.com")
    with unchanged(), pytest.raises(ValidationError, match="no template “welcom” \\(did you mean welcome\\?\\)"):
        _run("/email @Ann_Lee welcom", t0, templates)
    outcome, _ = _run("/email @Ann_Lee called", t0, templates)  # nothing like a template: logged as written
    assert outcome.message == "✓ outbound email logged for Ann Lee"
    assert [row.body for row in page_timeline(ann.id).rows] == ["called"]
