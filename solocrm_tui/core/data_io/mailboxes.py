"""`solocrm import mail PATH`: the conversations in an mbox file or a Maildir folder, on the timelines.

`log_messages` is the one logging path; an IMAP folder (core/mail/imap.py) feeds it too.

A folder holding cur/, new/ and tmp/ is a Maildir, a file is an mbox; anything else is
refused in one line. Each message's From, To and Cc addresses are matched to customers as
the CSV imports match them (`activity.Resolver`: the customer's email, then the other
emails an earlier import kept). A message a customer sent is logged "in" on the sender's
timeline only (their colleague on Cc did not write it); any other message was sent by the
owner and is logged "out" on the timeline of every customer it went to (To, then Cc).

An entry is an interaction of kind "email": the subject, a blank line, then the text
(the text/plain part, else the HTML part's text without tags; signatures and quoted
replies kept as written), at the Date header in local time, with the Message-ID header
as its message_id. That column is unique, so a message logged on several timelines keeps
the header's id on the first entry and gets "<id>#2", "<id>#3"… on the others; a message
is already logged for a customer when one of their entries holds its id or one of those,
so the same mailbox twice, or the Sent copy of mail `/email` sent, logs nothing again.
A message without a Message-ID gets a stable one made from its Date, From, subject and
text. A message that cannot be read (a broken header, an unknown charset, no date) is
counted unreadable with its number and why; the others are logged.

The import is one undoable batch written in short steps like the CSV imports; the
touched customers get one system line each and their last contact brought up to date.
Counts of logged and already logged are timeline entries; the others are messages.
"""

from __future__ import annotations

import hashlib
import mailbox
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

from solocrm_tui.core import validate
from solocrm_tui.core.counts import count
from solocrm_tui.core.data_io.activity import SEARCH_TRIGGER, Resolver, refresh_after
from solocrm_tui.core.data_io.cells import not_future
from solocrm_tui.core.data_io.customers import Existing
from solocrm_tui.core.data_io.importing import outcome
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.batches import (
    STEP_SECONDS,
    checkpoint_after,
    in_steps,
    insert_recorded,
    new_batch_id,
    start_batch,
    update_summary,
)
from solocrm_tui.core.storage.models import database
from solocrm_tui.core.storage.undo import discard_unfinished, roll_back_unfinished

COLUMNS = ("customer_id", "kind", "direction", "body", "occurred_at", "message_id")
NAMED = 5  # addresses nobody known is at, named in the report so the owner can add them
CUT = "\n[… the rest of this email is not kept: it was {} characters long]"
# Reading one message can fail inside the email package on hostile input in these ways.
UNREADABLE = (MessageError, ValueError, LookupError, UnicodeError, IndexError, TypeError, AttributeError)


@dataclass(frozen=True)
class Unreadable:
    number: int
    where: str  # the Maildir file's key; empty in an mbox, where the number says it
    why: str


@dataclass(frozen=True)
class Mail:
    """One message as it will be logged, before its customers are known."""

    number: int
    senders: tuple[str, ...]
    recipients: tuple[str, ...]
    body: str
    occurred_at: datetime
    message_id: str


@dataclass(frozen=True)
class MailReport:
    file: str
    messages: int
    logged_in: int
    logged_out: int
    already: int
    unknown: int
    unknown_addresses: tuple[str, ...]
    unreadable: tuple[Unreadable, ...]
    batch_id: str | None
    dry_run: bool
    recovered: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unreadable

    def lines(self) -> list[str]:
        out = [*self.recovered, f"mail from {self.file}: {count(self.messages, 'message')}"
               + (" (dry run)" if self.dry_run else "")]
        for bad in self.unreadable:
            out.append(f"  message {bad.number}{f' ({bad.where})' if bad.where else ''}: unreadable: {bad.why}")
        would = "would be " if self.dry_run else ""
        named = ", ".join(self.unknown_addresses) + (", …" if self.unknown > 0 and len(self.unknown_addresses) == NAMED
                                                     else "")
        out.append(f"{would}logged {self.logged_in + self.logged_out:,} (in {self.logged_in:,}, out {self.logged_out:,}), "
                   f"already logged {self.already:,}, from/to nobody known {self.unknown:,}"
                   + (f" ({named})" if named else "") + f", unreadable {len(self.unreadable):,}")
        out.append(outcome(self.dry_run, self.batch_id))
        return out


def import_mail(path: Path | str, now: datetime, *, dry_run: bool = False,
                step_seconds: float = STEP_SECONDS) -> MailReport:
    """Log the mailbox's messages from and to known customers; see the module docstring."""
    path = Path(path).expanduser()
    return log_messages(path.name, _messages(path), now, dry_run=dry_run, step_seconds=step_seconds)


def log_messages(source: str, messages: Iterable[tuple[str, bytes]], now: datetime, *, dry_run: bool = False,
                 step_seconds: float = STEP_SECONDS, remember: Callable[[], None] | None = None) -> MailReport:
    """Log (where, raw bytes) messages from any source (a mailbox file, an IMAP folder) as one batch.

    Every message is read before anything is written, so a source that fails halfway (a
    server gone) changes nothing. The source hands over raw bytes: parsing happens here,
    where a message that cannot be read is counted unreadable instead of ending the import.
    `remember` runs in the transaction that completes the batch (its own when nothing is
    new), so a source that keeps how far it has read never gets ahead of what was logged."""
    unreadable: list[Unreadable] = []
    mails: list[Mail] = []
    total = 0
    for total, (where, raw) in enumerate(messages, 1):
        try:
            mails.append(_read(total, raw, now))
        except ValidationError as exc:
            unreadable.append(Unreadable(total, where, str(exc)))
        except UNREADABLE as exc:
            unreadable.append(Unreadable(total, where, f"{type(exc).__name__}: {exc}"))
    recovered = () if dry_run else tuple(roll_back_unfinished(now))
    with database.atomic("DEFERRED"):
        rows, already, unknown, addresses = _plan(mails, Resolver(Existing.load(), create_missing=False))
    directions = Counter(row[2] for row in rows)
    batch_id = None if dry_run or not rows else new_batch_id("imp", now)
    if batch_id:
        start_batch(batch_id, "import", f"import mail from {source}", now, {"kind": "mail"})
        try:
            with checkpoint_after():
                _write(rows, now, batch_id, step_seconds)
                with database.atomic():
                    update_summary(batch_id, {"kind": "mail", "file": source, "inserted": len(rows),
                                              "already": already, "unknown": unknown, "rejected": len(unreadable)})
                    if remember:
                        remember()
        except BaseException:
            discard_unfinished(batch_id, now)
            raise
    elif remember and not dry_run:
        with database.atomic():
            remember()
    return MailReport(source, total, directions["in"], directions["out"], already, unknown, addresses,
                      tuple(unreadable), batch_id, dry_run, recovered)


def _messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) of each message, in the mailbox's order."""
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            raise ValidationError(f"{path} is a folder but not a Maildir (it needs cur/, new/ and tmp/ in it)")
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield key, box.get_bytes(key)
        return
    if not path.exists():
        raise ValidationError(f"no mailbox at {path}")
    if not path.is_file():
        raise ValidationError(f"{path} is neither an mbox file nor a Maildir folder")
    with path.open("rb") as head:
        start = head.read(5)
    if start and start != b"From ":
        raise ValidationError(f'{path} is not an mbox file (an mbox starts with a "From " line)')
    box = mailbox.mbox(path, factory=None, create=False)
    try:
        for key in box.keys():
            yield "", box.get_bytes(key)
    finally:
        box.close()


def _read(number: int, raw: bytes, now: datetime) -> Mail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    senders = _addresses(message, "from")
    recipients = _addresses(message, "to", "cc")
    if not senders and not recipients:
        raise ValidationError("no From, To or Cc address")
    date = message.get("date")
    try:
        when = parsedate_to_datetime(str(date))
    except (TypeError, ValueError):
        raise ValidationError(f'no readable date (Date: "{" ".join(str(date or "").split())}")') from None
    if when.tzinfo is not None:
        when = when.astimezone().replace(tzinfo=None)
    when = not_future(when.replace(microsecond=0), now, "date")
    subject = " ".join(str(message.get("subject") or "").split()) or "(no subject)"
    text = _text(message)
    body = _printable(f"{subject}\n\n{text}".rstrip())
    if len(body) > validate.MAX_TEXT:
        body = body[:validate.MAX_TEXT - len(CUT.format(f"{len(body):,}"))] + CUT.format(f"{len(body):,}")
    given = " ".join(str(message.get("message-id") or "").split())
    digest = hashlib.sha256("\n".join((str(when), ",".join(senders), body)).encode()).hexdigest()[:32]
    return Mail(number, senders, recipients, body, when, given or f"<{digest}@solocrm.invalid>")


def _addresses(message: EmailMessage, *names: str) -> tuple[str, ...]:
    written = [str(header) for name in names for header in message.get_all(name, [])]
    return tuple(address for _, address in getaddresses(written) if "@" in address)


def _text(message: EmailMessage) -> str:
    """The message's text/plain part, else its HTML part's text; "" when it has neither."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except LookupError:
        raise ValidationError(f'its text is in a charset Python does not know ("{part.get_content_charset()}")') \
            from None
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    return (_HtmlText.of(text) if part.get_content_subtype() == "html" else text).strip("\n")


def _printable(text: str) -> str:
    """Control characters out (stored text never holds terminal commands); newlines and tabs kept."""
    while found := validate.control_character(text, lines=True):
        text = text.replace(found, "")
    return text


class _HtmlText(HTMLParser):
    """The words of an HTML mail, a line per block, without tags, scripts or styles."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    @classmethod
    def of(cls, html: str) -> str:
        reader = cls()
        reader.feed(html)
        reader.close()
        lines = (" ".join(line.split()) for line in "".join(reader.parts).split("\n"))
        return "\n".join(line for line in lines if line)

    def handle_starttag(self, tag: str, _attrs) -> None:  # HTMLParser passes the attributes; none matter
        self.hidden += tag in self.HIDDEN
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in self.HIDDEN and self.hidden > 0
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _plan(mails: list[Mail], resolver: Resolver) -> tuple[list[tuple], int, int, tuple[str, ...]]:
    """(rows to insert, entries already logged, messages from/to nobody known, the addresses
    of those messages most often seen, the owner's own left out)."""
    rows, already, unknown = [], 0, 0
    strangers: Counter = Counter()
    owner: set[str] = set()
    ids: dict[str, tuple[set[int], set[str]]] = {}  # header id -> (customers having it, the ids taken)
    for mail in mails:
        sender = next((cid for cid in map(resolver.with_email, mail.senders[:1]) if cid), None)
        if sender:
            targets, way = [sender], "in"
        else:
            targets = list(dict.fromkeys(cid for cid in map(resolver.with_email, mail.recipients) if cid))
            way = "out"
            if targets:  # the owner wrote it: their address is not one to add as a customer
                owner.update(address.casefold() for address in mail.senders)
        if not targets:
            unknown += 1
            strangers.update(address.casefold() for address in (*mail.senders, *mail.recipients))
            continue
        having, taken = ids.setdefault(mail.message_id, _logged(mail.message_id))
        for cid in targets:
            if cid in having:
                already += 1
                continue
            number = 1
            while (entry_id := mail.message_id if number == 1 else f"{mail.message_id}#{number}") in taken:
                number += 1
            having.add(cid)
            taken.add(entry_id)
            rows.append((cid, "email", way, mail.body, str(mail.occurred_at), entry_id))
    named = tuple(address for address, _ in strangers.most_common() if address not in owner)[:NAMED]
    return rows, already, unknown, named


def _logged(message_id: str) -> tuple[set[int], set[str]]:
    """The customers whose timeline holds the message already, and the ids its entries took:
    the header's id and "<id>#N" sort between "<id>#" and "<id>$", so one index range finds them."""
    found = database.connection().execute(
        "SELECT customer_id, message_id FROM interaction WHERE message_id = ? "
        "OR (message_id > ? AND message_id < ?)", (message_id, f"{message_id}#", f"{message_id}$")).fetchall()
    return {cid for cid, _ in found}, {entry_id for _, entry_id in found}


def _write(rows: list[tuple], now: datetime, batch_id: str, step_seconds: float) -> None:
    conn = database.connection()

    def insert_step(part: list[tuple]) -> None:
        insert_recorded("interaction", COLUMNS, part, batch_id, (SEARCH_TRIGGER["interaction"],))

    touched = Counter(row[0] for row in rows)

    def finish_step(customers: list[int]) -> None:
        conn.executemany("INSERT INTO interaction (customer_id, kind, direction, body, occurred_at, batch_id) "
                         "VALUES (?, 'system', 'out', ?, ?, ?)",
                         [(cid, f"imported {count(touched[cid], 'email')} (batch {batch_id})", str(now), batch_id)
                          for cid in customers])
        refresh_after("interactions", customers, now, None)

    in_steps(rows, insert_step, step_seconds)
    in_steps(sorted(touched), finish_step, step_seconds)
