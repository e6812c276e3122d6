"""The draft the owner writes in their editor: a small mail file, To and Subject
headers, a blank line, the text.

Writing it, reading it back and running the editor are here, headless; only handing
the terminal to the editor (suspending the TUI) belongs to the UI. A draft saved
unchanged, or with no subject or no text, sends nothing: quitting the editor is how
the owner changes their mind.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError

SIGNATURE_MARK = "-- "  # the conventional signature separator, with its trailing space


@dataclass(frozen=True, slots=True)
class EmailDraft:
    """What the editor opens on: whom it is for, and the text it starts with."""

    customer_id: int
    customer_name: str
    text: str


@dataclass(frozen=True, slots=True)
class WrittenEmail:
    to: Address
    subject: str
    body: str


def draft_text(to: Address, subject: str = "", body: str = "", signature: str = "") -> str:
    text = f"To: {to}\nSubject: {subject}\n\n{body.strip(chr(10))}\n"
    if signature.strip():
        text += f"\n{SIGNATURE_MARK}\n{signature.strip(chr(10))}\n"
    return text


def read_draft(written: str, original: str) -> WrittenEmail:
    """The mail in a saved draft, or one line on why nothing is sent."""
    if written.strip() == original.strip():
        raise ValidationError("draft unchanged: nothing sent")
    head, _, body = written.replace("\r\n", "\n").partition("\n\n")
    headers: dict[str, str] = {}
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if not colon or key.strip().lower() not in ("to", "subject"):
            raise ValidationError(f"the draft's header lines are To: and Subject:, got “{line.strip()}”: nothing sent")
        headers[key.strip().lower()] = value.strip()
    if not headers.get("subject"):
        raise ValidationError("no subject on the Subject: line: nothing sent")
    if not _text_of(body):
        raise ValidationError("the email has no text: nothing sent")
    name, address = parseaddr(headers.get("to", ""))
    if not address:
        raise ValidationError("no address on the To: line: nothing sent")
    try:
        address, _ = validate.email(address)
    except ValidationError as exc:
        raise ValidationError(f"To: {exc}: nothing sent") from None
    return WrittenEmail(Address(name, addr_spec=address), headers["subject"], body.strip("\n") + "\n")


def _text_of(body: str) -> str:
    """The body without its signature block: a draft holding only the signature is empty."""
    lines = body.strip("\n").splitlines()
    if SIGNATURE_MARK in lines:
        lines = lines[:lines.index(SIGNATURE_MARK)]
    return "\n".join(lines).strip()


def editor_command() -> list[str]:
    """$VISUAL, then $EDITOR, then vi: the order mail and version-control tools follow."""
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        return shlex.split(chosen)
    except ValueError as exc:
        raise ValidationError(f"cannot read the editor command “{chosen}” ({exc})") from None


def run_editor(path: Path) -> None:
    """Edit `path` in the owner's editor; returns when they quit it."""
    command = editor_command()
    try:
        done = subprocess.run([*command, str(path)])
    except OSError as exc:
        raise ValidationError(f"cannot start the editor “{command[0]}” ({exc.strerror}): set $VISUAL or $EDITOR") from None
    if done.returncode != 0:
        raise ValidationError(f"the editor “{command[0]}” exited with {done.returncode}: nothing sent")
