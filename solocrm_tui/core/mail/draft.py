"""The draft the owner writes in their editor: a small mail file, To and Subject
headers (and an Attach: line per file to send with it), a blank line, the text.

Writing it, reading it back and running the editor are here, headless; only handing
the terminal to the editor (suspending the TUI) belongs to the UI. Whether the owner
saved is what decides, not whether the text changed: an editor closed without writing
the file (vi's :q, an editor that fails) sends nothing, which is how the owner changes
their mind, while a template or a kept draft saved as it stands (:wq) is sent. A saved
draft with no subject or no text, or addressed to anyone but its customer, sends
nothing. Anything that stops a saved mail (a missing attachment, a server that is
down) keeps the draft in the drafts folder, one per customer, and the next mail to
that customer reopens it: what the owner wrote is theirs, not lost to a typo or a
network.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path

from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError

SIGNATURE_MARK = "-- "  # the conventional signature separator, with its trailing space
ATTACHMENT_LIMIT = 20 * 1024 * 1024  # most providers refuse a larger mail (and base64 adds a third)


@dataclass(frozen=True, slots=True)
class EmailDraft:
    """What the editor opens on: whom it is for, and the text it starts with."""

    customer_id: int
    customer_name: str
    text: str
    addresses: tuple[str, ...]  # the customer's addresses (normalised): the only ones To: may name
    kept_at: Path | None = None  # where the draft is kept when it cannot be sent
    reopened: bool = False  # a kept draft: closing the editor without saving leaves it kept


@dataclass(frozen=True, slots=True)
class WrittenEmail:
    to: Address
    subject: str
    body: str
    attachments: tuple[Path, ...] = ()
    draft: str = ""  # the saved draft as written: kept if the send fails
    kept_at: Path | None = None  # where it is kept then (None: nowhere)


def draft_text(to: Address, subject: str = "", body: str = "", signature: str = "",
               attachments: tuple[Path, ...] = ()) -> str:
    attach = "".join(f"Attach: {path}\n" for path in attachments)
    text = f"To: {to}\nSubject: {subject}\n{attach}\n{body.strip(chr(10))}\n"
    if signature.strip():
        text += f"\n{SIGNATURE_MARK}\n{signature.strip(chr(10))}\n"
    return text


def attached(text: str) -> set[Path]:
    """The files a draft's Attach: lines name, as written (not checked)."""
    head = text.replace("\r\n", "\n").partition("\n\n")[0]
    return {Path(line.partition(":")[2].strip()).expanduser() for line in head.splitlines()
            if line.partition(":")[0].strip().lower() == "attach"}


def read_draft(written: str, draft: EmailDraft) -> WrittenEmail:
    """The mail in a saved draft of `draft`, or one line on why nothing is sent."""
    head, _, body = written.replace("\r\n", "\n").partition("\n\n")
    headers: dict[str, str] = {}
    attachments: list[Path] = []
    for line in head.splitlines():
        key, colon, value = line.partition(":")
        if not colon or key.strip().lower() not in ("to", "subject", "attach"):
            raise ValidationError("the draft's header lines are To:, Subject: and Attach:, "
                                  f"got “{line.strip()}”: nothing sent")
        if key.strip().lower() == "attach":
            attachments.append(attachment(value.strip()))
        else:
            headers[key.strip().lower()] = value.strip()
    if not headers.get("subject"):
        raise ValidationError("no subject on the Subject: line: nothing sent")
    if not _text_of(body):
        raise ValidationError("the email has no text: nothing sent")
    return WrittenEmail(_recipient(headers.get("to", ""), draft), headers["subject"], body.strip("\n") + "\n",
                        tuple(attachments), written, draft.kept_at)


def _recipient(to: str, draft: EmailDraft) -> Address:
    """The one address on the To: line, if it is the customer's: another would bypass their
    opt-out and log the mail on the wrong customer."""
    named = [(name, address) for name, address in getaddresses([to]) if address]
    if not named:
        raise ValidationError("no address on the To: line: nothing sent")
    own = " or ".join(draft.addresses)
    elsewhere = (f"To: must be {draft.customer_name}'s address ({own}): to write to someone else, "
                 "/email them")
    if len(named) > 1:
        raise ValidationError(elsewhere)
    [(name, address)] = named
    try:
        address, normalised = validate.email(address)
    except ValidationError as exc:
        raise ValidationError(f"To: {exc}: nothing sent") from None
    if normalised not in draft.addresses:
        raise ValidationError(elsewhere)
    return Address(name, addr_spec=address)


def attachment(named: str) -> Path:
    """The file an Attach: line names, if it can be sent: a readable file of at most 20 MB."""
    if not named:
        raise ValidationError("Attach: names no file: nothing sent")
    path = Path(named).expanduser()
    if path.is_dir():
        raise ValidationError(f"Attach: {path} is a folder, not a file: nothing sent")
    if not path.is_file():
        raise ValidationError(f"Attach: no file {path}: nothing sent")
    if not os.access(path, os.R_OK):
        raise ValidationError(f"Attach: cannot read {path}: nothing sent")
    if path.stat().st_size > ATTACHMENT_LIMIT:
        raise ValidationError(f"Attach: {path} is {path.stat().st_size / 1024 / 1024:.1f} MB, over the "
                              f"{ATTACHMENT_LIMIT // 1024 // 1024} MB mail servers take: nothing sent")
    return path


def kept_draft(folder: Path, customer_id: int) -> Path:
    """One kept draft per customer: the next mail to them reopens it."""
    return folder / f"customer-{customer_id}.eml"


def keep_draft(path: Path, text: str) -> Path:
    """Write the draft where the next mail to its customer finds it, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


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


def saved_stamp(path: Path) -> tuple[int, int, int]:
    """What writing a file changes, even with the same text: its time, size or (an editor
    that saves by renaming a new file over it) its inode. Compared before and after the
    editor runs, it tells a save (:wq) from a quit (:q)."""
    found = path.stat()
    return found.st_mtime_ns, found.st_size, found.st_ino


def backdate(path: Path) -> None:
    """A second into the past: a save in the same clock tick as the draft was written (file
    times are coarser than a nanosecond) still shows as a new time."""
    found = path.stat()
    os.utime(path, ns=(found.st_atime_ns, found.st_mtime_ns - 1_000_000_000))


def run_editor(path: Path) -> None:
    """Edit `path` in the owner's editor; returns when they quit it."""
    command = editor_command()
    try:
        done = subprocess.run([*command, str(path)])
    except OSError as exc:
        raise ValidationError(f"cannot start the editor “{command[0]}” ({exc.strerror}): set $VISUAL or $EDITOR") from None
    if done.returncode != 0:
        raise ValidationError(f"the editor “{command[0]}” exited with {done.returncode}: nothing sent")
