"""Realistic, deterministic demo data: a small specialty-coffee business and its customers.

The point is that every screen and model has real structure to find: customers
buy with distinct rhythms (frequent small buyers, monthly regulars, rare big
buyers, mostly one-time buyers, customers who tend to leave after a few orders,
leads who never bought), each at a rate of their own and liable to leave after any
purchase, so segmentation and churn have something to learn and the default book
(`DEFAULT_CUSTOMERS`) is big enough for the models to engage; the timeline has
every kind of entry; the pipeline has every stage; Today has overdue and
due-today follow-ups and birthdays. Everything derives from `random.Random(seed)`
and the `now` passed in, never the wall clock, so a seed always gives the same book.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from peewee import chunked, fn

from solocrm_tui.core.amounts import format_money
from solocrm_tui.core.demo import DEFAULT_CUSTOMERS, MAX_CUSTOMERS, baskets
from solocrm_tui.core.demo.baskets import deal_lines, line_row
from solocrm_tui.core.demo.people import (
    Book,
    add_people,
    add_timelines,
    clamp,
    finish_customers,
)
from solocrm_tui.core.demo.words import (
    BIG_PRODUCTS,
    DEAL_PATH,
    FOLLOWUPS,
    LOST_REASONS,
    PRODUCTS,
    TICKETS,
)
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.sales.orders import refresh_customer_totals
from solocrm_tui.core.stages import DEAL_STAGES
from solocrm_tui.core.storage.models import (
    Campaign,
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
    database,
)

LISTED_DEALS = 0.7  # the share of open deals that list their lines


@dataclass(frozen=True)
class DemoSummary:
    customers: int
    orders: int
    interactions: int
    deals: int
    followups: int
    tickets: int
    campaign_targets: int

    def line(self) -> str:
        return (f"{self.customers:,} customers, {self.orders:,} orders, {self.interactions:,} interactions, "
                f"{self.deals:,} deals, {self.followups:,} follow-ups, {self.tickets:,} tickets, "
                f"1 campaign with {self.campaign_targets:,} targets")


def _add_deals(book: Book, first_deal_id: int) -> None:
    """Deals in every stage with their stage history; two in five open deals are stale."""
    rng, now = book.rng, book.now
    count = clamp(len(book.people) // 8, 12, 3000)
    plan = list(DEAL_STAGES) * 2
    for i in range(count):
        deal_id, person = first_deal_id + i, rng.choice(book.people)
        final = plan[i] if i < len(plan) else rng.choices(
            DEAL_STAGES, (12, 12, 14, 10, 30, 22))[0]
        offered = rng.choice(BIG_PRODUCTS)
        title = f"{offered} for {person.company or person.name.split()[0]}"
        value = rng.randint(5, 150) * 10000
        closed = final in ("won", "lost")
        if closed:
            end = book.ago(1, 90) if rng.random() < 0.7 else book.ago(91, 600)
            path = list(DEAL_PATH[: rng.randint(3, 4) if final == "won" else rng.randint(1, 4)]) + [final]
        else:
            end = book.ago(15, 70) if i % 5 in (0, 1) else book.ago(0, 10)
            path = list(DEAL_PATH[: DEAL_PATH.index(final) + 1])
        created = end - timedelta(days=rng.uniform(5, 90))
        middle = sorted(created + (end - created) * rng.random() for _ in path[2:])
        times = [created] + [t.replace(microsecond=0) for t in middle] + ([end] if len(path) > 1 else [])
        reason = rng.choice(LOST_REASONS) if final == "lost" else None
        if not closed:
            book.offers[deal_id] = offered
        book.rows[Deal].append((deal_id, person.id, title, value, book.currency, final, None,
                                None if closed else (now + timedelta(days=rng.randint(7, 120))).date(),
                                reason, created, end, end if closed else None, end))
        for from_stage, to_stage, at in zip([None] + path[:-1], path, times):
            lost = to_stage == "lost"
            book.rows[DealStageChange].append((deal_id, from_stage, to_stage, at, reason if lost else None))
            note = (f"deal opened: {title} ({format_money(Decimal(value) / 100, cents=True, currency=book.currency)})" if from_stage is None
                    else f"deal {title}: {from_stage} → {to_stage}" + (f" ({reason})" if lost else ""))
            book.interaction(person, "system", "out", note, at, deal_id)


def _add_deal_lines(book: Book, catalogue: dict[str, baskets.Stock]) -> None:
    """Most open deals list what they offer, worth the deal's value, so a quote and a win
    have lines; the rest keep a value only, as deals typed in a hurry do."""
    rng = book.lines_rng
    for deal_id, offered in book.offers.items():
        value = next(row[3] for row in book.rows[Deal] if row[0] == deal_id)
        lines = deal_lines(rng, catalogue, offered, value) if rng.random() < LISTED_DEALS else None
        book.rows[DealLine].extend(line_row(deal_id, n, line) for n, line in enumerate(lines or (), 1))


def _add_followups(book: Book) -> None:
    """Overdue, due today (some earlier today, some later), upcoming, and done follow-ups."""
    rng, now = book.rng, book.now
    n = len(book.people)
    by_id = {p.id: p for p in book.people}
    open_deals = [(r[0], r[1]) for r in book.rows[Deal] if r[5] in DEAL_PATH]
    plan = (["overdue"] * clamp(n // 60, 3, 30) + ["today"] * clamp(n // 75, 3, 20)
            + ["upcoming"] * clamp(n // 20, 5, 150) + ["done"] * clamp(n // 5, 5, 4000))
    for when_kind in plan:
        deal_id, person = None, rng.choice(book.people)
        if open_deals and rng.random() < 0.25:
            deal_id, customer_id = rng.choice(open_deals)
            person = by_id[customer_id]
        title = rng.choice(FOLLOWUPS).format(p=rng.choice(PRODUCTS))
        at = time(rng.randint(9, 17), rng.choice((0, 0, 15, 30, 45)))
        if when_kind == "overdue":
            due = datetime.combine(now.date() - timedelta(days=rng.randint(1, 10)), at)
        elif when_kind == "today":
            due = datetime.combine(now.date(), at)
        elif when_kind == "upcoming":
            due = datetime.combine(now.date() + timedelta(days=rng.randint(1, 21)), at)
        else:
            due = book.ago(1, 300)
        created = (min(due, now) - timedelta(days=rng.uniform(1, 14))).replace(microsecond=0)
        done = (min(due + timedelta(hours=rng.uniform(0, 48)), now).replace(microsecond=0)
                if when_kind == "done" else None)
        reminded = due if done or due <= now else None  # the book's past reminded the owner when it fell due
        book.rows[FollowUp].append((person.id, deal_id, title, due, done, 0, reminded, created))


def _add_tickets(book: Book) -> None:
    rng = book.rng
    for _ in range(clamp(len(book.people) // 25, 4, 800)):
        person = rng.choice(book.people)
        subject = rng.choice(TICKETS)
        closed = rng.random() < 0.7
        opened = book.ago(15, 400) if closed else book.ago(0, 20)
        response = opened + timedelta(hours=rng.uniform(1, 48))
        closed_at = min(opened + timedelta(days=rng.uniform(1, 14)), book.now) if closed else None
        status = "closed" if closed else rng.choice(("open", "open", "pending"))
        score = rng.choices((1, 2, 3, 4, 5), (5, 10, 20, 35, 30))[0] if closed and rng.random() < 0.8 else None
        book.rows[Ticket].append((person.id, subject, status, score, opened, min(response, book.now), closed_at))
        book.interaction(person, "system", "out", f"ticket opened: {subject}", opened)
        if closed_at:
            book.interaction(person, "system", "out", f"ticket closed: {subject}"
                             + (f" (satisfaction {score}/5)" if score else ""), closed_at)


def _add_campaign(book: Book, campaign_id: int, name: str, started: datetime) -> None:
    """Targets are customers tagged newsletter; some respond, some of those buy the box."""
    rng = book.rng
    for person, row in zip(book.people, book.rows[Customer]):
        if "newsletter" not in row[13] or row[7]:  # tags (still a list here), opt-out
            continue
        responded = converted = None
        if rng.random() < 0.18:
            responded = (started + timedelta(days=rng.uniform(0, 14))).replace(microsecond=0)
            book.interaction(person, "system", "out", f"responded to campaign {name}", responded)
            if rng.random() < 0.4:
                converted = min(responded + timedelta(days=rng.uniform(0, 10)), book.now).replace(microsecond=0)
                person.orders.append((converted, 3900, "Tasting box"))
        book.rows[CampaignTarget].append((campaign_id, person.id, responded, converted))


COLUMNS = {
    Customer: ("id", "name", "company", "email", "email_norm", "phone", "phone_norm", "opt_out", "city",
               "country", "birthday", "birthday_md", "source", "tags", "custom", "created_at", "updated_at",
               "stage", "stage_changed_at"),
    Order: ("id", "customer", "amount_cents", "currency", "description", "ordered_at", "cost_cents"),
    Interaction: ("customer", "kind", "direction", "body", "occurred_at", "deal_id"),
    Deal: ("id", "customer", "title", "value_cents", "currency", "stage", "probability", "expected_close",
           "lost_reason", "created_at", "updated_at", "closed_at", "last_activity_at"),
    DealStageChange: ("deal", "from_stage", "to_stage", "at", "reason"),
    FollowUp: ("customer", "deal", "title", "due_at", "done_at", "snoozes", "notified_at", "created_at"),
    Ticket: ("customer", "subject", "status", "satisfaction", "opened_at", "first_response_at", "closed_at"),
    CampaignTarget: ("campaign", "customer", "responded_at", "converted_at"),
    OrderLine: ("order", "position", "product", "name", "sku", "quantity", "unit_price_cents", "unit_cost_cents"),
    DealLine: ("deal", "position", "product", "name", "sku", "quantity", "unit_price_cents", "unit_cost_cents"),
}


def _plain(value: object) -> object:
    """What Peewee stores for a value, made explicit so executemany needs no adapters."""
    if isinstance(value, (datetime, date)):
        return str(value)
    return int(value) if isinstance(value, bool) else value


def _bulk_insert(model: type, rows: list) -> None:
    """Peewee writes the INSERT for the model; executemany runs it for every row.

    `insert_many(...).execute()` renders each value into SQL in Python, which made
    20,000 demo customers take half a minute; one prepared statement takes seconds.
    """
    if not rows:
        return
    names = COLUMNS[model]
    defaults = [f for f in model._meta.sorted_fields
                if f.default is not None and f.name not in names and not f.primary_key]
    tail = tuple(_plain(f.default() if callable(f.default) else f.default) for f in defaults)
    fields = [getattr(model, name) for name in names] + defaults
    sql, params = model.insert_many([tuple(rows[0]) + tail], fields=fields).sql()
    assert len(params) == len(fields), "every column must be a parameter"
    cursor = database.cursor()
    for chunk in chunked(rows, 5000):
        cursor.executemany(sql, [tuple(_plain(v) for v in row) + tail for row in chunk])


def generate_demo(now: datetime, customers: int = DEFAULT_CUSTOMERS, seed: int = 0, *, force: bool = False,
                  currency: str = "EUR") -> DemoSummary:
    """Fill the open database with a demo book; refuses a non-empty one unless `force` (then adds)."""
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise ValidationError(f"demo customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers}")
    existing = Customer.select().count()
    if existing and not force:
        raise ValidationError(f"the database already has {existing:,} customers; "
                              "use --force to add demo data to it anyway")
    book = Book(now, seed, currency)
    first_id = (Customer.select(fn.MAX(Customer.id)).scalar() or 0) + 1
    first_deal_id = (Deal.select(fn.MAX(Deal.id)).scalar() or 0) + 1
    used = {e for (e,) in Customer.select(Customer.email_norm).where(Customer.email_norm.is_null(False)).tuples()}
    add_people(book, customers, first_id, used)
    add_timelines(book)
    _add_deals(book, first_deal_id)
    _add_followups(book)
    _add_tickets(book)
    name, started = _campaign_name(book.now), book.ago(40, 50)
    with database.atomic():
        campaign_id = Campaign.insert(name=name, channel="email", cost_cents=book.rng.randint(200, 600) * 100,
                                      currency=currency, started_at=started, target_filter="#newsletter",
                                      created_at=started - timedelta(days=2)).execute()
        _add_campaign(book, campaign_id, name, started)
        catalogue = baskets.write_catalogue(book.now)
        finish_customers(book, catalogue, (Order.select(fn.MAX(Order.id)).scalar() or 0) + 1)
        _add_deal_lines(book, catalogue)
        for model, rows in book.rows.items():
            _bulk_insert(model, rows)
        refresh_customer_totals()
        latest = (Interaction.select(fn.MAX(Interaction.occurred_at))
                  .where((Interaction.customer == Customer.id) & (Interaction.kind != "system")))
        Customer.update(last_contact_at=latest).where(Customer.id >= first_id).execute()
    return DemoSummary(customers, len(book.rows[Order]), len(book.rows[Interaction]), len(book.rows[Deal]),
                       len(book.rows[FollowUp]), len(book.rows[Ticket]), len(book.rows[CampaignTarget]))


def _campaign_name(now: datetime) -> str:
    base, n = f"Autumn tasting box {now.year}", 1
    name = base
    while Campaign.select().where(Campaign.name == name).exists():
        n += 1
        name = f"{base} ({n})"
    return name
