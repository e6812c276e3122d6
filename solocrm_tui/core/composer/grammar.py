"""The composer's little language: one line of text -> one typed command.

Parsing is pure (text and `now` in, a frozen dataclass out), so the whole grammar is
table-tested without a UI or a database; the widget only hands the command to core in
a worker. Anything wrong raises ValidationError with one line naming the problem and
the usage, so the log can say it and nothing changes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from solocrm_tui.core import validate
from solocrm_tui.core.amounts import split_amount
from solocrm_tui.core.composer.commands import (  # noqa: F401 - re-exported as composer.Note, …
    AddCustomer,
    Buy,
    CloseTicket,
    Command,
    DealItems,
    Find,
    Go,
    Help,
    KeepInTouch,
    LogInteraction,
    Lost,
    MoveStage,
    NewDeal,
    NewFollowUp,
    Note,
    OpenTicket,
    QuoteDeal,
    Reopen,
    Responded,
    SendEmail,
    ShowLog,
    ShowTemplate,
    Tag,
    Unarchive,
    Undo,
    Untag,
    Won,
    WriteEmail,
)
from solocrm_tui.core.contacts.recurrence import split_every, starts_series
from solocrm_tui.core.dates import split_when
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales.products import parse_items, starts_items
from solocrm_tui.core.stages import DEAL_STAGES

STAGES = DEAL_STAGES
SCREENS = ("today", "customers", "pipeline", "insights", "products")

COMMANDS: dict[str, str] = {
    "/note": "/note [@who] TEXT — add a note (plain text without / does the same)",
    "/call": "/call[<] [@who] [TEXT] — log a call (< when they called you)",
    "/email": "/email[<] [@who] [TEXT | TEMPLATE] — alone (or with a template's name) write and send an email in "
              "$EDITOR, logged on the timeline; with text, log an email (< when they wrote to you)",
    "/template": "/template [@who] [NAME] — preview a template (templates/NAME.md beside config.toml) filled for "
                 "the customer; alone, the list",
    "/meet": "/meet[<] [@who] [TEXT] — log a meeting (< when they asked for it)",
    "/follow": "/follow [@who] WHEN TEXT — set a follow-up (WHEN: today, 3d, 2w, 1m, fri, 2026-12-01, + 14:30); "
               "with no customer in focus or named, a personal to-do; repeating: every 2w, every month, "
               "every fri 9:00, weekdays 8:30, every month on the 1st, then the text, optionally "
               "until 2027-06-30 and from done (the next counts from when you mark it done)",
    "/todo": "/todo WHEN TEXT — a personal to-do, never on a customer (renew the domain); "
             "WHEN may repeat as for /follow (every fri 9:00 …)",
    "/buy": "/buy [@who] AMOUNT [TEXT] | /buy [@who] 2x PRODUCT[, 1x PRODUCT at PRICE …] — record an order "
            "(products from the catalogue: Tab completes their names; at PRICE for another price)",
    "/deal": "/deal [@who] AMOUNT TITLE — open a deal",
    "/item": "/item [@who] 2x PRODUCT[, 1x PRODUCT at PRICE …] | /item [@who] remove PRODUCT — add lines to the "
             "open deal, or take one off (its value is their sum)",
    "/quote": "/quote [@who] [mail] — the open deal (as for /stage, which deal) as a numbered quote (Markdown and "
              "PDF, in quotes/ beside the database); mail: write to the customer with the PDF attached (the "
              "newest quote if the deal has not changed since)",
    "/stage": "/stage [@who] STAGE — move the deal (the one selected on the Pipeline or the Deals tab, else the one "
              "last worked on): lead, qualified, proposal, negotiation, won, lost",
    "/won": "/won [@who] [AMOUNT] — mark the open deal won (as for /stage, which deal): its order is its lines, "
            "or its value, or AMOUNT",
    "/lost": "/lost [@who] REASON — mark the open deal lost",
    "/reopen": "/reopen [@who] — the selected (or the last) won or lost deal back to the stage it closed from "
               "(a win's order is removed)",
    "/ticket": "/ticket [@who] SUBJECT — open a support ticket",
    "/close": "/close [@who] [SCORE] — close the open ticket (satisfaction score 1-5)",
    "/responded": "/responded [@who] CAMPAIGN — record a response to a campaign",
    "/tag": "/tag [@who] TAG — add a tag",
    "/untag": "/untag [@who] TAG — remove a tag",
    "/unarchive": "/unarchive [@who] — bring an archived customer back to the list",
    "/cadence": "/cadence [@who | #TAG] [30d | 4w | 2m | off] — keep in touch on a rhythm; alone, says the current one",
    "/add": "/add NAME [EMAIL] [PHONE] — add a customer",
    "/find": "/find [TEXT] — find anything: customers by name, and every note, call, follow-up, deal, ticket and order (also ctrl+f)",
    "/go": "/go today|customers|pipeline|insights|products — switch screen",
    "/undo": "/undo — undo the last change (also ctrl+z); /undo list — what can be undone",
    "/log": "/log — the whole conversation, to scroll back through (also ctrl+l)",
    "/help": "/help [COMMAND] — the keys and commands of this screen, or one command explained",
}
ALIASES = {"/meeting": "/meet", "/fu": "/follow", "/order": "/buy"}
_KINDS = {"/call": "call", "/email": "email", "/meet": "meeting"}


def parse(text: str, now: datetime) -> Command:
    """Parse one composer line; `now` anchors relative dates such as `fri` or `3d`.

    Plain text is a note, except a line that is only a command's name: `/` focuses the
    composer without typing itself, so `/help` typed fast arrives as "help", and logging
    that on the customer in focus would be a surprise."""
    text = text.strip()
    if not text:
        raise ValidationError("nothing to send: type a note, or /help for the commands")
    if not text.startswith("/"):
        target, body = take_target(text)
        if f"/{body.lower()}" in COMMANDS or f"/{body.lower()}" in ALIASES:
            raise ValidationError(f"“{body}” is a command: type /{body.lower()} (for a one-word note: /note {body})")
        return _on_customer["/note"]("/note", body, target, now)
    word, *more = text.split(maxsplit=1)
    inbound, rest = word.endswith("<"), (more[0] if more else "")
    cmd = word.lower().removesuffix("<")
    cmd = ALIASES.get(cmd, cmd)
    if cmd not in _global and cmd not in _on_customer:
        raise _unknown(word)
    if inbound and cmd not in _KINDS:
        raise ValidationError(f"only /call, /email and /meet take < (inbound), got {word}")
    if cmd in _global:
        return _global[cmd](cmd, rest)
    target, rest = take_target(rest)
    return _on_customer[cmd](cmd + "<" if inbound else cmd, rest, target, now)


def take_target(text: str) -> tuple[str | None, str]:
    """Split a leading `@alice`, `@alice_smith` or `@"Alice Smith"` from the text."""
    if not text.startswith("@"):
        return None, text.strip()
    if text.startswith('@"'):
        end = text.find('"', 2)
        if end < 0:
            raise ValidationError('unclosed quote in @"…": use @"Alice Smith"')
        name, rest = text[2:end], text[end + 1 :]
    else:
        first, *more = text.split(maxsplit=1)
        name, rest = first[1:].rstrip(",:;").replace("_", " "), " ".join(more)
    name = " ".join(name.split())
    if not name:
        raise ValidationError('@ needs a customer name, e.g. @alice or @"Alice Smith"')
    return name, rest.lstrip(",:;").strip()


def complete_command(prefix: str) -> list[str]:
    """Command words starting with `prefix`, for Tab; aliases only when nothing else fits."""
    key = prefix.lower()
    if not key.startswith("/"):
        return []
    found = sorted(word for word in COMMANDS if word.startswith(key))
    return found or sorted(word for word in ALIASES if word.startswith(key))


# The commands whose text is catalogue items (`2x EK43, beans`): Tab completes product names in them.
ITEM_COMMANDS = ("/buy", "/item")
_ITEM_HEAD = re.compile(r"^(?P<head>\S+(?:\s+@\S+)?(?:.*(?:,|\s\+))?\s*(?:\d+\s*[x×*](?=\s))?)\s*(?P<typed>[^,+]*)$",
                        re.IGNORECASE)


def item_being_typed(value: str) -> tuple[str, str] | None:
    """For Tab in an item command: (what comes before the product being typed, what of it is
    typed so far): `/buy beans, 1x gr` → ("/buy beans, 1x", "gr"); None anywhere else."""
    if value.split(" ", 1)[0].lower() not in ITEM_COMMANDS or " " not in value:
        return None
    found = _ITEM_HEAD.match(value)
    if found is None or not found["typed"].strip() or found["typed"].startswith("@"):
        return None
    return found["head"].rstrip(), found["typed"].strip()


_TEMPLATE_HEAD = re.compile(r'^(?P<head>/(?:email|template)(?:\s+@(?:"[^"]*"|\S+))?)\s+(?P<typed>[^\s@"]*)$',
                            re.IGNORECASE)


def template_being_typed(value: str) -> tuple[str, str] | None:
    """For Tab on a template's name: (what comes before it, what of it is typed so far):
    `/email @ann fo` → ("/email @ann", "fo"); None anywhere else (`/email<` logs by hand)."""
    found = _TEMPLATE_HEAD.match(value)
    return (found["head"], found["typed"]) if found else None


def _usage(cmd: str, problem: str) -> ValidationError:
    return ValidationError(f"{problem}: usage {COMMANDS[cmd].split(' — ')[0]}")


def _required(cmd: str, text: str, problem: str) -> str:
    if not text:
        raise _usage(cmd, problem)
    return text


def _bare(cmd: str, text: str, command: Command) -> Command:
    """`command` for a command word that takes no text (`/won`, `/undo`)."""
    if text:
        raise ValidationError(f'{cmd} takes nothing after it, got "{text}"')
    return command


def _quote(cmd: str, text: str, target: str | None) -> QuoteDeal:
    """`/quote`, or `/quote mail` (`email`) to send it to the customer with the PDF attached."""
    if text.lower() in ("mail", "email"):
        return QuoteDeal(target, mail=True)
    if text:
        raise ValidationError(f'{cmd} takes nothing after it, or "mail" to send it, got "{text}"')
    return QuoteDeal(target)


def _unknown(word: str) -> ValidationError:
    close = difflib.get_close_matches(word.lower(), [*COMMANDS, *ALIASES], n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return ValidationError(f"unknown command {word}{hint} — type /help for the list")


def _choose(cmd: str, text: str, options: tuple[str, ...], what: str) -> str:
    """One of `options` by full name or unique prefix, case-insensitive."""
    key = _required(cmd, text, f"{cmd} needs a {what}").lower()
    matches = [option for option in options if option.startswith(key)]
    if key in options or len(matches) == 1:
        return key if key in options else matches[0]
    if matches:
        raise ValidationError(f'{what} "{text}" is ambiguous: {" or ".join(matches)}')
    raise ValidationError(f'unknown {what} "{text}": use {", ".join(options)}')


def _amount(cmd: str, text: str) -> tuple[Decimal, str]:
    words = _required(cmd, text, f"{cmd} needs an amount").split()
    try:
        amount, words = split_amount(words)
    except ValidationError as error:
        raise ValidationError(f"{cmd}: {error}") from None
    return amount, " ".join(words)


def _tag_name(cmd: str, text: str) -> str:
    words = _required(cmd, text, f"{cmd} needs a tag").lower().split()
    if len(words) > 1:
        raise ValidationError(f'a tag is one word: try {cmd} {"-".join(w.lstrip("#") for w in words)}')
    return validate.tag(words[0])  # the same rule the customer service applies


def _close(cmd: str, text: str, target: str | None, now: datetime) -> CloseTicket:
    if text and text not in ("1", "2", "3", "4", "5"):
        raise ValidationError(f'/close takes a satisfaction score from 1 to 5, got "{text}"')
    return CloseTicket(int(text) if text else None, target)


def _interaction(cmd: str, text: str, target: str | None, now: datetime) -> LogInteraction | WriteEmail:
    kind = _KINDS[cmd.removesuffix("<")]
    if kind == "email" and not text:
        if cmd.endswith("<"):
            raise _usage("/email", "/email< needs a summary of what they wrote")
        return WriteEmail(None, target)
    return LogInteraction(kind, "in" if cmd.endswith("<") else "out", text, target)


def _follow(cmd: str, text: str, target: str | None, now: datetime) -> NewFollowUp:
    words = _required(cmd, text, f"{cmd} needs a date and a title").split()
    if starts_series(words):
        due, rule, words = split_every(words, now)
        return NewFollowUp(due, _required(cmd, " ".join(words), f"{cmd} needs a title after the rhythm"), target,
                           recurrence=rule)
    due, words = split_when(words, now)
    return NewFollowUp(due, _required(cmd, " ".join(words), f"{cmd} needs a title after the date"), target)


def _todo(cmd: str, text: str, target: str | None, now: datetime) -> NewFollowUp:
    if target is not None:
        raise ValidationError("/todo is your own to-do, on no customer: use /follow @who WHEN TEXT for one")
    return replace(_follow(cmd, text, None, now), personal=True)


_PERIOD = re.compile(r"(\d+)([dwm])")
_PERIOD_DAYS = {"d": 1, "w": 7, "m": 30}  # a month of cadence is 30 days: a rhythm, not a calendar date


def _cadence(cmd: str, text: str, target: str | None, now: datetime) -> KeepInTouch:
    words = text.split()
    tag = _tag_name(cmd, words.pop(0)) if words and words[0].startswith("#") else None
    if tag is not None and target is not None:
        raise ValidationError("a cadence is for one customer or one tag, not both: /cadence @who 30d or /cadence #tag 30d")
    if len(words) > 1:
        raise _usage(cmd, f'one period, got "{" ".join(words)}"')
    if not words:
        return KeepInTouch(None, tag, target)
    if words[0].lower() == "off":
        return KeepInTouch(None, tag, target, stop=True)
    period = _PERIOD.fullmatch(words[0].lower())
    if period is None:
        raise ValidationError(f'a cadence is a period such as 30d, 4w or 2m, got "{words[0]}"')
    return KeepInTouch(int(period[1]) * _PERIOD_DAYS[period[2]], tag, target)


def _add(cmd: str, text: str) -> AddCustomer:
    quoted = ""
    if text.startswith('"'):
        end = text.find('"', 1)
        if end < 0:
            raise ValidationError('unclosed quote in /add "…": use /add "Ann Lee" ann@example.com')
        quoted, text = text[1:end].strip(), text[end + 1 :]
    words = text.split()
    email = _find_email(words)
    phone = _find_phone(words, skip={email})
    name = " ".join([quoted, *(w for w in words if w != email and w not in phone)]).strip()
    return AddCustomer(_required(cmd, name, "/add needs a name"), email, " ".join(phone) or None)


def _find_email(words: list[str]) -> str | None:
    emails = [word for word in words if "@" in word]
    for word in emails:
        validate.email(word)  # the one rule and wording, as the form and the importer give it
    if len(emails) > 1:
        raise ValidationError(f"/add takes one email, got {' and '.join(emails)}")
    return emails[0] if emails else None


def _find_phone(words: list[str], skip: set[str | None]) -> list[str]:
    """The run of consecutive phone-ish words (`+44 20 7946 0958`) holding 6+ digits."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word not in skip and re.fullmatch(r"[\d+\-()]+", word):
            runs[-1].append(word)
        elif runs[-1]:
            runs.append([])
    phones = [run for run in runs if sum(c.isdigit() for word in run for c in word) >= 6]
    if len(phones) > 1:
        both = " and ".join(" ".join(phone) for phone in phones)
        raise ValidationError(f"/add takes one phone number, got {both}")
    return phones[0] if phones else []


def _buy(cmd: str, text: str, target: str | None) -> Buy:
    """An amount first (`/buy 1200 two chairs`) is a free-text order; anything else is
    catalogue items (`/buy 2x EK43, beans`)."""
    words = _required(cmd, text, f"{cmd} needs an amount or items").split()
    if starts_items(words) or not _AMOUNT_START.match(words[0]):
        return Buy(None, "", target, tuple(parse_items(text)))
    return Buy(*_amount(cmd, text), target)


_AMOUNT_START = re.compile(r"[\d€$£.,+-]")


def _deal(cmd: str, text: str, target: str | None, now: datetime) -> NewDeal:
    amount, title = _amount(cmd, text)
    return NewDeal(amount, _required(cmd, title, "/deal needs a title after the amount"), target)


def _items(cmd: str, text: str, target: str | None) -> DealItems:
    words = _required(cmd, text, f"{cmd} needs items").split()
    if words[0].lower() == "remove":
        return DealItems(remove=_required(cmd, " ".join(words[1:]), f"{cmd} remove needs a product"), target=target)
    return DealItems(tuple(parse_items(text)), target=target)


def _won(cmd: str, text: str, target: str | None) -> Won:
    if not text:
        return Won(target)
    amount, rest = _amount(cmd, text)
    if rest:
        raise _usage(cmd, f'/won takes an amount only, got "{text}"')
    return Won(target, amount)


def _help_topic(text: str) -> str | None:
    if not text:
        return None
    topic = "/" + text.lower().lstrip("/").removesuffix("<")
    topic = ALIASES.get(topic, topic)
    if topic not in COMMANDS:
        raise ValidationError(f'no help for "{text}" — type /help for the list')
    return topic


Handler = Callable[[str, str, "str | None", datetime], Command]
_on_customer: dict[str, Handler] = {
    "/note": lambda c, t, who, now: Note(_required(c, t, "a note needs some text"), who),
    "/call": _interaction,
    "/email": _interaction,
    "/meet": _interaction,
    "/follow": _follow,
    "/todo": _todo,
    "/buy": lambda c, t, who, now: _buy(c, t, who),
    "/deal": _deal,
    "/stage": lambda c, t, who, now: MoveStage(_choose(c, t, STAGES, "stage"), who),
    "/item": lambda c, t, who, now: _items(c, t, who),
    "/quote": lambda c, t, who, now: _quote(c, t, who),
    "/won": lambda c, t, who, now: _won(c, t, who),
    "/reopen": lambda c, t, who, now: _bare(c, t, Reopen(who)),
    "/lost": lambda c, t, who, now: Lost(_required(c, t, "/lost needs a reason"), who),
    "/ticket": lambda c, t, who, now: OpenTicket(_required(c, t, "/ticket needs a subject"), who),
    "/close": _close,
    "/responded": lambda c, t, who, now: Responded(_required(c, t, "/responded needs a campaign"), who),
    "/tag": lambda c, t, who, now: Tag(_tag_name(c, t), who),
    "/untag": lambda c, t, who, now: Untag(_tag_name(c, t), who),
    "/unarchive": lambda c, t, who, now: _bare(c, t, Unarchive(who)),
    "/cadence": _cadence,
    "/template": lambda c, t, who, now: ShowTemplate(t.strip() or None, who),
}
_global: dict[str, Callable[[str, str], Command]] = {
    "/add": _add,
    "/find": lambda c, t: Find(t.strip()),
    "/go": lambda c, t: Go(_choose(c, t, SCREENS, "screen")),
    "/undo": lambda c, t: Undo(list_only=True) if t.strip().lower() == "list" else _bare(c, t, Undo()),
    "/help": lambda c, t: Help(_help_topic(t)),
    "/log": lambda c, t: _bare(c, t, ShowLog()),
}
