"""Handing the terminal to the owner's editor ($VISUAL, $EDITOR, vi) to write an email.

The TUI is suspended while the editor runs (Textual's App.suspend) and redrawn when it
quits, however it quits; the draft is a private temporary file, removed once read back
(a draft that cannot be sent is kept in the drafts folder instead, see mail.draft).
Whether the owner saved (the editor wrote the file) decides whether anything is sent.
Where the terminal cannot be handed over (Textual's headless and web drivers), writing
is refused in one line instead of an editor drawing over the app.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

from solocrm_tui.core.errors import CRMError, ValidationError
from solocrm_tui.core.mail.draft import (
    EmailDraft,
    WrittenEmail,
    backdate,
    keep_draft,
    read_draft,
    run_editor,
    saved_stamp,
)


def in_terminal(app: App, path: Path) -> None:
    """The one step that needs the real terminal; tests without one replace it. Textual
    gives the terminal back only when the suspended block ends normally, so an editor that
    fails or cannot start is answered after the app is back, never from inside the block."""
    failed: CRMError | None = None
    try:
        with app.suspend():
            try:
                run_editor(path)
            except CRMError as exc:
                failed = exc
    except SuspendNotSupported:
        raise ValidationError("cannot open an editor here: this terminal cannot be handed over") from None
    if failed is not None:
        raise failed


def write_email(app: App, draft: EmailDraft) -> WrittenEmail:
    """The mail the owner wrote and saved from `draft`, or one line on why nothing is sent."""
    fd, name = tempfile.mkstemp(prefix="solocrm-email-", suffix=".eml")  # owner-only (0600)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(draft.text)
        backdate(path)
        opened = saved_stamp(path)
        in_terminal(app, path)
        try:
            saved = saved_stamp(path) != opened
            written = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot read the draft back ({exc}): nothing sent") from None
    finally:
        path.unlink(missing_ok=True)
    if not saved:
        raise ValidationError("editor closed without saving: nothing sent")
    if not written.strip() and draft.kept_at is not None:
        draft.kept_at.unlink(missing_ok=True)  # emptied: the owner's way to drop a kept draft
        raise ValidationError("draft emptied: nothing sent, nothing kept")
    try:
        return read_draft(written, draft)
    except ValidationError as exc:
        if draft.kept_at is None:
            raise
        keep_draft(draft.kept_at, written)
        raise ValidationError(f"{exc}; the draft is kept in {draft.kept_at}: /email reopens it") from None
