"""Keep in touch: a rhythm of contact per customer or per tag, and who has fallen behind it.

A relationship runs on rhythm whether or not the customer buys, so a cadence covers leads
and non-buyers too. A customer's own cadence wins; without one, the tightest cadence of
their tags applies. Any logged interaction counts as contact: the services keep
`customer.last_contact_at`, and a customer never contacted counts from being added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from solocrm_tui.core import validate
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.core.storage.models import Cadence, Customer, database

MAX_DAYS = 730  # two years: a longer "rhythm" is not keeping in touch


@dataclass(frozen=True, slots=True)
class CustomerCadence:
    days: int
    tag: str | None  # None: the customer's own; else the tag it comes from


@dataclass(frozen=True, slots=True)
class Overdue:
    customer_id: int
    customer_name: str
    tags: str
    days: int  # the cadence
    tag: str | None  # where the cadence comes from, None for the customer's own
    silent_days: int  # whole calendar days since the last contact (or since being added)
    never: bool  # never contacted: counted from when the customer was added
    last_contact_at: datetime | None


def set_cadence(days: int, now: datetime, *, customer_id: int | None = None, tag: str | None = None) -> int:
    """Keep in touch every `days` with one customer or with everyone tagged `tag`
    (a tag may have no one yet); replaces the cadence it had. Returns the days set."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"keep in touch every 1 to {MAX_DAYS} days, got {days}")
    where = _one_of(customer_id, tag)
    with database.atomic():
        updated = Cadence.update(days=days).where(where).execute()
        if not updated:
            Cadence.insert(customer=customer_id, tag=_tag(tag), days=days, created_at=now).execute()
    return days


def clear_cadence(*, customer_id: int | None = None, tag: str | None = None) -> bool:
    """Stop keeping in touch on a rhythm; False when there was no such cadence."""
    return bool(Cadence.delete().where(_one_of(customer_id, tag)).execute())


def tag_cadence(tag: str) -> int | None:
    found = Cadence.select(Cadence.days).where(Cadence.tag == _tag(tag)).tuples().first()
    return found[0] if found else None


def cadence_of(customer_id: int) -> CustomerCadence | None:
    """The cadence that applies: the customer's own, else the tightest of their tags'."""
    own = Cadence.select(Cadence.days).where(Cadence.customer == customer_id).tuples().first()
    if own:
        return CustomerCadence(own[0], None)
    found = database.execute_sql(
        "SELECT k.days, k.tag FROM cadence k JOIN customer c ON instr(c.tags, ' ' || k.tag || ' ') > 0 "
        "WHERE c.id = ? AND k.tag IS NOT NULL ORDER BY k.days, k.tag LIMIT 1", (customer_id,)).fetchone()
    return CustomerCadence(*found) if found else None


# Each customer's effective cadence: their own, or the tightest of their tags' (SQLite takes
# the bare `tag` from the row holding MIN(days)). Own cadences are a join on the unique
# index; tag cadences scan customer.tags once per tag cadence, which a book has a handful of.
# The tag cadences are the outer loop (CROSS JOIN fixes the order): with customers outside,
# SQLite re-read every cadence row, own ones included, per customer (9 s at 100k).
# Silence is counted in calendar days so a row reads the same all day; ordered by how many
# cadences late, and capped here so a large book never reaches Python whole.
_OVERDUE_SQL = """
WITH by_tag AS MATERIALIZED (
  SELECT tag, days FROM cadence WHERE tag IS NOT NULL
), tagged AS (
  SELECT c.id AS customer_id, MIN(k.days) AS days, k.tag AS tag
  FROM by_tag k CROSS JOIN customer c
  WHERE instr(c.tags, ' ' || k.tag || ' ') > 0 AND c.archived_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM cadence own WHERE own.customer_id = c.id)
  GROUP BY c.id
), effective AS (
  SELECT customer_id, days, NULL AS tag FROM cadence WHERE customer_id IS NOT NULL
  UNION ALL
  SELECT customer_id, days, tag FROM tagged
), silence AS (
  SELECT c.id, c.name, c.tags, e.days, e.tag, c.last_contact_at,
         CAST(julianday(date(?)) - julianday(date(COALESCE(c.last_contact_at, c.created_at))) AS INTEGER) AS silent
  FROM effective e JOIN customer c ON c.id = e.customer_id
  WHERE c.archived_at IS NULL
)
SELECT id, name, tags, days, tag, silent, last_contact_at FROM silence
WHERE silent >= days
ORDER BY CAST(silent AS REAL) / days DESC, silent DESC, id
LIMIT ?
"""


def overdue(now: datetime, limit: int) -> list[Overdue]:
    """Customers whose silence has reached their cadence, most cadences late first."""
    rows = database.execute_sql(_OVERDUE_SQL, (now.strftime("%Y-%m-%d"), limit)).fetchall()
    return [Overdue(cid, name, tags, days, tag, silent, last is None, _as_datetime(last))
            for cid, name, tags, days, tag, silent, last in rows]


def reason(row: Overdue) -> str:
    """"no contact for 45 days (keep in touch every 30)", with the tag the rhythm comes from."""
    rhythm = f"keep in touch every {row.days}" + (f", #{row.tag}" if row.tag else "")
    contact = "never contacted" if row.never else f"no contact for {row.silent_days:,} days"
    return f"{contact} ({rhythm})"


def _one_of(customer_id: int | None, tag: str | None):
    """A cadence is one customer's or one tag's, never both (the table's XOR)."""
    if (customer_id is None) == (tag is None):
        raise ValidationError("a cadence is for one customer or one tag")
    if customer_id is not None:
        if not Customer.select().where(Customer.id == customer_id).exists():
            raise ValidationError(f"no customer #{customer_id}")
        return Cadence.customer == customer_id
    return Cadence.tag == _tag(tag)


def _tag(tag: str | None) -> str | None:
    return None if tag is None else validate.tag(tag)


def _as_datetime(value: str | datetime | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
