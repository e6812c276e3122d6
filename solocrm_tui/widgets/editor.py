"""Handing the terminal to the owner's editor ($VISUAL, $EDITOR, vi) to write an email.

The TUI is suspended while the editor runs (Textual's App.suspend) and redrawn when it
quits; the draft is a private temporary file, removed once read back. Where the terminal
cannot be handed over (Textual's headless and web drivers), writing is refused in one
line instead of an editor drawing over the app.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.mail.draft import EmailDraft, WrittenEmail, read_draft, run_editor


def in_terminal(app: App, path: Path) -> None:
    """The one step that needs the real terminal; tests without one replace it."""
    try:
        with app.suspend():
            run_editor(path)
    except SuspendNotSupported:
        raise ValidationError("cannot open an editor here: this terminal cannot be handed over") from None


def write_email(app: App, draft: EmailDraft) -> WrittenEmail:
    """The mail the owner wrote from `draft`, or one line on why nothing is sent."""
    fd, name = tempfile.mkstemp(prefix="solocrm-email-", suffix=".eml")  # owner-only (0600)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(draft.text)
        in_terminal(app, path)
        try:
            written = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot read the draft back ({exc}): nothing sent") from None
    finally:
        path.unlink(missing_ok=True)
    return read_draft(written, draft.text)
