"""Demo customers: who they are, how each buys (its behaviour sets the rhythm), their
order history and their timelines. `core.demo` adds the owner's open work on top
(deals, follow-ups, tickets, a campaign) and writes everything in one transaction.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from solocrm_tui.core.demo import baskets
from solocrm_tui.core.demo.words import (
    ASCII,
    BEHAVIOURS,
    BIG_PRODUCTS,
    BODIES,
    CITIES,
    COMPANIES,
    FIRST,
    FREEMAIL,
    LAST,
    PRODUCTS,
    RHYTHMS,
    SOURCE_WEIGHTS,
    SOURCES,
)
from solocrm_tui.core.sales import products
from solocrm_tui.core.storage.models import (
    CampaignTarget,
    Customer,
    Deal,
    DealLine,
    DealStageChange,
    FollowUp,
    Interaction,
    Order,
    OrderLine,
    Ticket,
)

HISTORY_DAYS = 730  # first purchases spread over the last two years
RATE_SHAPE = 2.0    # Gamma shape of purchase rates within a behaviour (lower: more spread)
LEAVE_SHAPE = 1.5   # Beta shape of the chance of leaving after a purchase
GAP_SHAPE = 2.0     # Gamma shape of the gaps between one customer's purchases (1 would be Poisson)
SPEND_SHAPE = 4.0   # Gamma shape of one customer's order values around their usual basket


@dataclass
class Person:
    id: int
    name: str
    company: str | None
    city: str
    behaviour: str
    created: datetime
    left: bool = False  # stopped buying for good (their timeline goes quiet too)
    orders: list[tuple[datetime, int, str]] = field(default_factory=list)  # (when, cents, a product it may stray to)


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class Book:
    """Collects rows in memory (deterministically), then writes them in one transaction."""

    def __init__(self, now: datetime, seed: int, currency: str) -> None:
        self.now, self.rng, self.currency = now.replace(microsecond=0), random.Random(seed), currency
        # products and lines draw from their own stream: the book's stays as it was before
        # orders had lines, and with it every customer, date and amount of a seed
        self.lines_rng = random.Random(f"{seed}-lines")
        # lines after what they belong to: foreign keys are checked row by row
        self.rows: dict[type, list[tuple]] = {m: [] for m in (Customer, Order, Interaction, Deal, DealStageChange,
                                                               FollowUp, Ticket, CampaignTarget, OrderLine,
                                                               DealLine)}
        self.people: list[Person] = []
        self.offers: dict[int, str] = {}  # open deal id -> the product its title offers

    def ago(self, low: float, high: float) -> datetime:
        """A moment `low`..`high` days before now, during working hours."""
        day = self.now - timedelta(days=self.rng.uniform(low, high))
        return day.replace(hour=self.rng.randint(8, 18), minute=self.rng.randrange(0, 60, 5), second=0)

    def say(self, kind: str, direction: str, person: Person) -> str:
        template = self.rng.choice(BODIES[(kind, direction)])
        return template.format(p=self.rng.choice(PRODUCTS), n=self.rng.randint(1000, 9999), c=person.city)

    def interaction(self, person: Person, kind: str, direction: str, body: str, when: datetime,
                    deal_id: int | None = None) -> None:
        self.rows[Interaction].append((person.id, kind, direction, body, min(when, self.now), deal_id))


def _ascii(text: str) -> str:
    """"Søren Dvořák" -> "sorendvorak": for e-mail addresses and domains."""
    decomposed = unicodedata.normalize("NFKD", text.translate(ASCII))
    return "".join(ch for ch in decomposed if ch.isascii()).lower()


def _email(first: str, last: str, domain: str, used: set[str]) -> str:
    local = f"{_ascii(first)}.{_ascii(last)}"
    candidate, n = f"{local}@{domain}", 2
    while candidate in used:
        candidate, n = f"{local}{n}@{domain}", n + 1
    used.add(candidate)
    return candidate


def _order_dates(book: Book, behaviour: str) -> tuple[list[datetime], bool]:
    """A buy-till-you-die history, as BG/NBD assumes real ones are: the customer buys at a
    rate of their own and after each purchase may leave for good. (dates, left)

    Rates and leaving chances vary within a behaviour too (Gamma and Beta draws), so
    recency alone cannot tell who has left: a customer silent for two months may be a
    quarterly buyer or a weekly one who is gone. Gaps are Gamma with shape 2, looser than
    a clock, steadier than pure chance."""
    rng, now = book.rng, book.now
    if behaviour == "lead":
        return [], False
    typical_gap, leave_mean = RHYTHMS[behaviour]
    rate = rng.gammavariate(RATE_SHAPE, 1 / (RATE_SHAPE * typical_gap))
    leave = rng.betavariate(LEAVE_SHAPE, LEAVE_SHAPE * (1 - leave_mean) / leave_mean)
    first_days = rng.uniform(1, HISTORY_DAYS)
    dates, t = [], now - timedelta(days=first_days)
    while t <= now:
        dates.append(t.replace(hour=rng.randint(8, 19), minute=rng.randrange(0, 60, 5), second=0, microsecond=0))
        if rng.random() < leave:
            return [d for d in dates if d <= now], True
        t += timedelta(days=max(1.0, rng.gammavariate(GAP_SHAPE, 1 / (GAP_SHAPE * rate))))
    return [d for d in dates if d <= now], False


# Countries whose numbers are shorter than the ten digits a demo number has elsewhere: a
# phone the form would refuse (too long for +33) must not be in the demo.
NATIONAL_DIGITS = {"+41": 9, "+33": 9, "+32": 9, "+45": 8, "+47": 8, "+34": 9, "+351": 9}


def add_people(book: Book, count: int, first_id: int, used_emails: set[str]) -> None:
    rng, now = book.rng, book.now
    kinds = [b for b, _ in BEHAVIOURS]
    birthday_today = set(rng.sample(range(count), k=min(3, count)))
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, country, cc = rng.choice(CITIES)
        behaviour = rng.choices(kinds, weights=[w for _, w in BEHAVIOURS])[0]
        company = rng.choice(COMPANIES) if rng.random() < (0.9 if behaviour == "big" else 0.35) else None
        domain = _ascii(company) + ".com" if company else rng.choice(FREEMAIL)
        email = _email(first, last, domain, used_emails) if rng.random() < 0.92 else None
        digits = f"{rng.randint(150, 179)} {rng.randint(1000000, 9999999)}"[:NATIONAL_DIGITS.get(cc, 10) + 1]
        phone = f"{cc} {digits}" if rng.random() < 0.7 else None
        birthday = _birthday(rng, now) if i in birthday_today else (
            date(rng.randint(1950, 2002), 1, 1) + timedelta(days=rng.randrange(365)) if rng.random() < 0.65 else None)
        dates, left = _order_dates(book, behaviour)
        created = min(dates) - timedelta(days=rng.uniform(0, 60)) if dates else book.ago(1, 400)
        person = Person(first_id + i, f"{first} {last}", company, city, behaviour, created.replace(microsecond=0),
                        left)
        big = behaviour == "big"
        basket = rng.uniform(800, 6000) if big else rng.uniform(15, 120 if behaviour == "frequent" else 350)
        for when in sorted(dates):
            cents = max(5, int(basket * rng.gammavariate(SPEND_SHAPE, 1 / SPEND_SHAPE))) * 100 + rng.choice((0, 0, 50, 90))
            person.orders.append((when, cents, rng.choice(BIG_PRODUCTS if big else PRODUCTS)))
        book.people.append(person)
        tags = [t for t, p in (("newsletter", 0.4), ("retail", 0.3 if not company else 0.0),
                               ("wholesale", 0.6 if behaviour == "big" else 0.03),
                               ("b2b", 0.7 if company else 0.0), ("event", 0.08)) if rng.random() < p]
        custom = {"preferred_roast": rng.choice(("light", "medium", "dark"))} if rng.random() < 0.3 else {}
        book.rows[Customer].append([
            person.id, person.name, company, email, email.lower() if email else None, phone,
            "+" + (cc + digits).replace("+", "").replace(" ", "") if phone else None, rng.random() < 0.05,
            city, country, birthday, birthday.strftime("%m-%d") if birthday else None,
            rng.choices(SOURCES, weights=SOURCE_WEIGHTS)[0], tags, json.dumps(custom), person.created,
            person.created])


def _birthday(rng: random.Random, now: datetime) -> date:
    year = rng.randint(1960, 2000)
    while True:
        try:
            return date(year, now.month, now.day)
        except ValueError:  # 29 February: find a leap year
            year += 1


def _stage(person: Person, now: datetime) -> tuple[str, datetime]:
    """Lifecycle defaults (config.Lifecycle): lead / new / active / loyal / at_risk / churned."""
    if not person.orders:
        return "lead", person.created
    first, last = person.orders[0][0], person.orders[-1][0]
    idle = (now - last).days
    if idle > 365:
        return "churned", last + timedelta(days=365)
    if idle > 90:
        return "at_risk", last + timedelta(days=90)
    if (now - first).days <= 30:
        return "new", first
    return ("loyal" if len(person.orders) >= 3 else "active"), last


def finish_customers(book: Book, catalogue: dict[str, baskets.Stock], first_order_id: int) -> None:
    """Order rows with their lines (within the customer's taste), VIP tags for the top
    spenders, and a plausible lifecycle stage."""
    revenue = sorted((sum(c for _, c, _ in p.orders) for p in book.people), reverse=True)
    vip_floor = revenue[max(0, len(revenue) // 20 - 1)] if revenue and revenue[0] else None
    rng, order_id = book.lines_rng, first_order_id
    for person, row in zip(book.people, book.rows[Customer]):
        person.orders.sort()
        taste = baskets.taste_of(rng, person.behaviour, person.company)
        for when, cents, stray in person.orders:
            priced = baskets.order_lines(rng, catalogue, taste, cents, when, book.now, stray)
            lines = baskets.as_lines(priced)
            cost = products.lines_cost(lines)
            book.rows[Order].append((order_id, person.id, cents, book.currency, products.describe(lines), when,
                                     None if cost is None else int(cost * 100)))
            book.rows[OrderLine].extend(baskets.line_row(order_id, n, line) for n, line in enumerate(priced, 1))
            order_id += 1
        tags = row[13] + (["vip"] if vip_floor and sum(c for _, c, _ in person.orders) >= vip_floor else [])
        row[13] = f" {' '.join(sorted(set(tags)))} " if tags else ""
        stage, since = _stage(person, book.now)
        row.extend((stage, min(since, book.now)))


def add_timelines(book: Book) -> None:
    rng, now = book.rng, book.now
    heavy = set(rng.sample(range(len(book.people)), k=max(1, len(book.people) // 50)))
    kinds, weights = ("email", "call", "note", "meeting", "message"), (35, 20, 20, 10, 15)
    for i, person in enumerate(book.people):
        count = rng.randint(100, 160) if i in heavy else (
            rng.randint(1, 6) if not person.orders else int(len(person.orders) * rng.uniform(0.3, 1.0)) + rng.randint(1, 5))
        span_end = min(now, person.orders[-1][0] + timedelta(days=120)) if person.left else now
        span = max((span_end - person.created).total_seconds(), 3600)
        for _ in range(count):
            kind = rng.choices(kinds, weights)[0]
            direction = "out" if kind == "note" or rng.random() < 0.55 else "in"
            when = person.created + timedelta(seconds=rng.uniform(0, span))
            when = when.replace(hour=rng.randint(8, 19), minute=rng.randrange(0, 60), second=0, microsecond=0)
            book.interaction(person, kind, direction, book.say(kind, direction, person), when)
