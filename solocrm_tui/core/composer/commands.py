"""The composer's commands as typed values: what `grammar.parse` returns and
`composer.execute.execute` carries out. Every command that acts on a customer has a
`target`, the `@mention` (None means the customer in focus)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from solocrm_tui.core.contacts.recurrence import Recurrence
from solocrm_tui.core.mail.draft import WrittenEmail
from solocrm_tui.core.sales.products import Item


@dataclass(frozen=True, slots=True)
class Note:
    body: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class LogInteraction:
    kind: str  # "call" | "email" | "meeting"
    direction: str  # "out" | "in"
    body: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class WriteEmail:
    """`/email` with no text, or with a template's name: write a mail in $EDITOR."""

    template: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class SendEmail:
    """A mail the owner wrote and saved in their editor: sent, then logged. Made by the
    composer from the saved draft, never typed."""

    customer_id: int
    written: WrittenEmail


@dataclass(frozen=True, slots=True)
class ShowTemplate:
    """`/template NAME`: the template filled for the customer in focus; alone, the list."""

    name: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class NewFollowUp:
    due_at: datetime
    title: str
    target: str | None = None
    personal: bool = False  # /todo: the owner's own to-do, whoever is in focus
    recurrence: Recurrence | None = None  # `every …`: the first occurrence of a series


@dataclass(frozen=True, slots=True)
class Buy:
    amount: Decimal | None  # None: the sum of the items
    description: str
    target: str | None = None
    items: tuple[Item, ...] = ()  # `/buy 2x EK43, 1x beans`: catalogue products, resolved when run


@dataclass(frozen=True, slots=True)
class NewDeal:
    amount: Decimal
    title: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteDeal:
    """`/quote`: the open deal as a numbered quote, Markdown and PDF; `/quote mail` also
    opens the editor on a mail to the customer with the PDF attached."""

    target: str | None = None
    mail: bool = False


@dataclass(frozen=True, slots=True)
class MoveStage:
    stage: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Won:
    target: str | None = None
    amount: Decimal | None = None  # `/won 1200`: what a deal without lines was won for


@dataclass(frozen=True, slots=True)
class Reopen:
    """`/reopen`: the customer's most recently closed deal back to the stage it closed from."""

    target: str | None = None


@dataclass(frozen=True, slots=True)
class DealItems:
    """`/item 2x EK43, 1x beans` adds lines to the open deal; `/item remove EK43` takes one off."""

    items: tuple[Item, ...] = ()
    remove: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Lost:
    reason: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class OpenTicket:
    subject: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class CloseTicket:
    score: int | None
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Responded:
    campaign: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Tag:
    tag: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Untag:
    tag: str
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Unarchive:
    target: str | None = None


@dataclass(frozen=True, slots=True)
class KeepInTouch:
    """`/cadence`: set (`days`), stop (`stop`) or, with neither, ask the keep-in-touch
    cadence of the customer in focus, @who, or everyone with `tag`."""

    days: int | None
    tag: str | None = None
    target: str | None = None
    stop: bool = False


@dataclass(frozen=True, slots=True)
class AddCustomer:
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Find:
    text: str


@dataclass(frozen=True, slots=True)
class Go:
    screen: str


@dataclass(frozen=True, slots=True)
class Undo:
    list_only: bool = False  # `/undo list`: name what could be undone, undo nothing


@dataclass(frozen=True, slots=True)
class Help:
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class ShowLog:
    """`/log`: the whole conversation, beyond the few lines under the screen."""


Command = (
    Note | LogInteraction | WriteEmail | SendEmail | ShowTemplate | NewFollowUp | Buy | NewDeal | DealItems | QuoteDeal | MoveStage | Won | Lost | OpenTicket
    | Reopen | CloseTicket | Responded | Tag | Untag | Unarchive | KeepInTouch | AddCustomer | Find | Go | Undo | Help | ShowLog
)
