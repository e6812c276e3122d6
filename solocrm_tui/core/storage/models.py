"""Peewee models: the storage shape of SPEC §2. Never handed outside core/.

Money is stored as integer cents so sums are exact (SQLite has no decimal type).
Customer carries denormalised figures (revenue, order count, last order/contact)
kept current by the services, so the 100k-row list can sort on indexed columns
instead of aggregating orders on every keystroke.
"""

from __future__ import annotations

import contextlib
import os

from peewee import (
    BooleanField,
    CharField,
    CompositeKey,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)
from playhouse.pool import PooledSqliteDatabase

from solocrm_tui.core.errors import CRMError


class DatabaseMissing(CRMError):
    """The file went away under a running app. (Not a DatabaseError: peewee turns an exception
    whose class, or first base, is called "DatabaseError" into its own DatabaseError.)"""


class DatabaseReplaced(CRMError):
    """Another file was put at the database's path while the app had it open."""


SQLITE_MAGIC = b"SQLite format 3\x00"


class _Pool(PooledSqliteDatabase):
    """One connection per thread while it works; closing hands it back for the next worker.

    Each thread worker is a new thread: without the pool every keystroke's query ran on a
    fresh connection with an empty page cache and re-read thousands of pages.

    The file at the path is checked before a connection is handed out and before each
    write transaction. A deleted file is an error rather than a new empty database. A
    file put in its place while our connections are open, or overwritten with something
    that is not a database, is never opened or written: its WAL is still the old
    file's, and SQLite would replay the old pages into it (a copy put back by hand ends
    up malformed, a stray file gets database pages written into it). SQLite leaves that
    WAL behind even when our connections close, so the WAL and shared-memory files our
    connections opened are removed when we notice: the next start opens the new file
    cleanly.
    """

    _file: tuple[int, int] | None = None
    _companions: frozenset[tuple[int, int]] = frozenset()
    # Open for the whole binding: closing any descriptor of the file would drop every POSIX
    # lock this process holds on it, SQLite's included, so the header is read through this one.
    _reader: int | None = None

    def adopt_file(self) -> None:
        """Remember which file the path names now; `open_database` calls this once it is bound."""
        self.release_file()
        self._reader = os.open(self.database, os.O_RDONLY)
        stat = os.fstat(self._reader)
        self._file = (stat.st_dev, stat.st_ino)
        self._companions = frozenset()

    def release_file(self) -> None:
        """Forget the file; only once every connection is closed (see `_reader`)."""
        if self._reader is not None:
            os.close(self._reader)
        self._reader, self._file = None, None

    def _connect(self):
        conn = super()._connect()  # the pragmas have read the file: its WAL and -shm are open now
        self._companions |= {identity for identity in map(_identity, self._companion_paths()) if identity}
        return conn

    def _companion_paths(self) -> tuple[str, str]:
        return self.database + "-wal", self.database + "-shm"

    def _check_file(self) -> None:
        try:
            stat = os.stat(self.database)
        except OSError:
            # sqlite would quietly create an empty database here: say what happened instead
            raise DatabaseMissing(f"{self.database} is gone (deleted or moved?): nothing can be read or "
                                  "saved until it is back") from None
        if self._file is not None and (stat.st_dev, stat.st_ino) != self._file:
            self._drop_stale_companions()
            raise DatabaseReplaced(f"{self.database} was replaced by another file while SoloCRM had it open: "
                                   "nothing was written to it; quit SoloCRM and start it again to open it")
        if self._reader is None:
            return
        head = os.pread(self._reader, 16, 0)
        if head and head != SQLITE_MAGIC:
            self._drop_stale_companions()
            raise DatabaseReplaced(f"{self.database} is no longer an SQLite database (overwritten?): "
                                   "nothing was written to it")

    def _drop_stale_companions(self) -> None:
        for path in self._companion_paths():
            if _identity(path) in self._companions:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def connect(self, reuse_if_open=False):
        if self.database and self.is_closed():  # a connection is about to be taken from the pool
            self._check_file()
        return super().connect(reuse_if_open)

    def begin(self, lock_type=None):
        self._check_file()
        return super().begin(lock_type)

    def rollback(self):
        """SQLite itself rolls back on a full disk or an I/O error; a second ROLLBACK would
        fail with "no transaction is active" and hide the real error from the owner."""
        if not self.is_closed() and not self.connection().in_transaction:
            return
        super().rollback()


def _identity(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


# Bound to a file by storage.db.open_database(); one connection per thread at a time, pooled.
database = _Pool(None, lock_type="IMMEDIATE", max_connections=None, check_same_thread=False)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Customer(BaseModel):
    name = CharField()
    company = CharField(null=True)
    email = CharField(null=True)
    email_norm = CharField(null=True, unique=True)
    external_id = CharField(null=True, unique=True)
    phone = CharField(null=True)
    phone_norm = CharField(null=True, index=True)
    opt_out = BooleanField(default=False)
    street = CharField(null=True)  # the postal address (migration 0009): street, postcode, city, region, country
    postcode = CharField(null=True)
    city = CharField(null=True)
    region = CharField(null=True)
    country = CharField(null=True)
    birthday = DateField(null=True)
    birthday_md = CharField(null=True, index=True)  # "MM-DD", so today's birthdays are an index hit
    source = CharField(null=True)
    tags = CharField(default="")  # " vip newsletter " - space-delimited so LIKE '% tag %' is exact
    custom = TextField(default="{}")  # JSON object of free-form fields
    created_at = DateTimeField()
    updated_at = DateTimeField()
    archived_at = DateTimeField(null=True)
    # denormalised activity, maintained by the services
    revenue_cents = IntegerField(default=0)
    order_count = IntegerField(default=0)
    last_order_at = DateTimeField(null=True)
    last_contact_at = DateTimeField(null=True)
    # derived by jobs (lifecycle and analytics)
    stage = CharField(default="lead", index=True)
    stage_changed_at = DateTimeField(null=True)
    segment = CharField(null=True, index=True)
    churn_risk = FloatField(null=True)
    p_alive = FloatField(null=True)
    expected_purchases = FloatField(null=True)
    clv = FloatField(null=True)
    expected_purchases_low = FloatField(null=True)  # P10-P90 of purchase days in the churn horizon
    expected_purchases_high = FloatField(null=True)
    clv_low = FloatField(null=True)
    clv_high = FloatField(null=True)
    churn_why = CharField(null=True)  # the biggest drivers of churn_risk, in words


class Interaction(BaseModel):
    customer = ForeignKeyField(Customer, backref="interactions", on_delete="CASCADE")
    kind = CharField()  # note, call, email, meeting, message, system
    direction = CharField(default="out")  # out, in
    body = TextField(default="")
    occurred_at = DateTimeField()
    deal_id = IntegerField(null=True)
    batch_id = CharField(null=True, index=True)
    message_id = CharField(null=True, unique=True)  # an email's Message-ID (migration 0012): logged once

    class Meta:
        indexes = ((("customer", "occurred_at", "id"), False),)


class Order(BaseModel):
    customer = ForeignKeyField(Customer, backref="orders", on_delete="CASCADE", null=True)
    amount_cents = IntegerField()
    currency = CharField()
    description = CharField(default="")
    ordered_at = DateTimeField(index=True)
    cost_cents = IntegerField(null=True)
    external_id = CharField(null=True, unique=True)
    batch_id = CharField(null=True, index=True)
    deal_id = IntegerField(null=True, index=True)  # the deal whose win created it (migration 0011)

    class Meta:
        table_name = "orders"
        indexes = ((("customer", "ordered_at"), False),)


class Product(BaseModel):
    """A catalogue entry (migration 0011); name and SKU are unique in any case."""

    name = CharField()
    sku = CharField(null=True)
    price_cents = IntegerField(null=True)
    cost_cents = IntegerField(null=True)  # what one unit costs the owner; NULL: unknown, never free
    active = BooleanField(default=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    batch_id = CharField(null=True, index=True)


class OrderLine(BaseModel):
    """One item of an order as the shop listed it; the order's amount stays what was paid."""

    order = ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    position = IntegerField()
    name = CharField()
    sku = CharField(null=True)
    quantity = IntegerField()
    unit_price_cents = IntegerField(null=True)
    product = ForeignKeyField(Product, null=True, on_delete="SET NULL", index=True)  # migration 0011
    unit_cost_cents = IntegerField(null=True)


class Deal(BaseModel):
    customer = ForeignKeyField(Customer, backref="deals", on_delete="CASCADE")
    title = CharField()
    value_cents = IntegerField(default=0)
    currency = CharField()
    stage = CharField(index=True)  # lead qualified proposal negotiation won lost
    probability = IntegerField(null=True)  # percent; NULL means the stage default
    expected_close = DateField(null=True)
    lost_reason = CharField(null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    closed_at = DateTimeField(null=True)
    last_activity_at = DateTimeField()
    external_id = CharField(null=True, unique=True)  # its id in the CRM it was imported from (migration 0009)
    batch_id = CharField(null=True, index=True)  # the import that brought it


class DealLine(BaseModel):
    """What a deal offers, line by line (migration 0011); winning the deal copies its lines
    into the order it creates."""

    deal = ForeignKeyField(Deal, backref="lines", on_delete="CASCADE")
    position = IntegerField()
    product = ForeignKeyField(Product, null=True, on_delete="SET NULL")
    name = CharField()
    sku = CharField(null=True)
    quantity = IntegerField()
    unit_price_cents = IntegerField()
    unit_cost_cents = IntegerField(null=True)


class Quote(BaseModel):
    """A quote as it was sent (migration 0011): its Markdown keeps that day's lines and details."""

    number = CharField(unique=True)
    customer = ForeignKeyField(Customer, backref="quotes", on_delete="CASCADE")
    deal = ForeignKeyField(Deal, backref="quotes", on_delete="SET NULL", null=True)
    created_at = DateTimeField()
    valid_until = DateField(null=True)
    currency = CharField()
    total_cents = IntegerField()
    markdown = TextField()
    pdf_path = CharField(null=True)


class ProductAffinity(BaseModel):
    """Two products bought by the same customers, as the last refit measured it (migration 0011)."""

    antecedent = ForeignKeyField(Product, on_delete="CASCADE")
    consequent = ForeignKeyField(Product, on_delete="CASCADE")
    customers = IntegerField()  # customers who bought both
    support = FloatField()
    confidence = FloatField()
    lift = FloatField()
    computed_at = DateTimeField()

    class Meta:
        primary_key = CompositeKey("antecedent", "consequent")


class DealStageChange(BaseModel):
    deal = ForeignKeyField(Deal, backref="stage_changes", on_delete="CASCADE")
    from_stage = CharField(null=True)
    to_stage = CharField()
    at = DateTimeField()
    reason = CharField(null=True)


class Digest(BaseModel):
    """One mail to the owner telling of follow-ups that came due (migration 0015). Written in
    the transaction that claims them, with its Message-ID, so a sender that dies before the
    "sent" mark leaves it for the next run to send again under the same id."""

    message_id = CharField(unique=True)
    subject = CharField()
    body = TextField()
    status = CharField(index=True)  # sending → sent
    attempts = IntegerField(default=0)
    resent = IntegerField(default=0)  # sent again after its sender died mid-send
    claimed_by = CharField(null=True)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    error = CharField(null=True)
    created_at = DateTimeField()


class FollowUp(BaseModel):
    customer = ForeignKeyField(Customer, backref="followups", on_delete="CASCADE", null=True)
    deal = ForeignKeyField(Deal, backref="followups", on_delete="SET NULL", null=True)
    title = CharField()
    due_at = DateTimeField()
    done_at = DateTimeField(null=True)
    snoozes = IntegerField(default=0)
    notified_at = DateTimeField(null=True)
    mailed_at = DateTimeField(null=True)  # the owner was mailed about it (migration 0014): its own channel
    digest = ForeignKeyField(Digest, backref="followups", on_delete="SET NULL", null=True)  # the mail that told of it
    created_at = DateTimeField()
    recurrence = CharField(null=True)  # an RRULE without DTSTART (migration 0010); NULL: once
    recur_from = CharField(null=True)  # "due" or "done": what the next occurrence counts from
    series_id = IntegerField(null=True, index=True)  # the first follow-up of its series
    anchor_at = DateTimeField(null=True)  # on a series' first row: the moment its rhythm counts from

    class Meta:
        table_name = "followup"
        indexes = ((("done_at", "due_at"), False), (("notified_at", "due_at"), False), (("mailed_at", "due_at"), False))


class Cadence(BaseModel):
    """Keep in touch every `days`: with one customer, or with everyone who has `tag`."""

    customer = ForeignKeyField(Customer, backref="cadences", on_delete="CASCADE", null=True, unique=True)
    tag = CharField(null=True, unique=True)
    days = IntegerField()
    created_at = DateTimeField()


class Campaign(BaseModel):
    name = CharField(unique=True)
    channel = CharField(default="email")
    cost_cents = IntegerField(default=0)
    currency = CharField()
    started_at = DateTimeField()
    target_filter = CharField(default="")
    attribution_days = IntegerField(default=30)
    created_at = DateTimeField()
    template = CharField(null=True)  # templates/NAME.md it is sent with, fixed by its first send


class CampaignTarget(BaseModel):
    campaign = ForeignKeyField(Campaign, backref="targets", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="campaign_targets", on_delete="CASCADE")
    responded_at = DateTimeField(null=True)
    converted_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("campaign", "customer"), True),)


class Outbox(BaseModel):
    """One campaign mail to one target: pending → sending (claimed) → sent, or skipped/failed."""

    campaign = ForeignKeyField(Campaign, backref="outbox", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="outbox", on_delete="CASCADE")
    address = CharField(null=True)
    status = CharField()
    reason = CharField(null=True)  # why a row is skipped
    message_id = CharField(unique=True)
    attempts = IntegerField(default=0)
    resent = IntegerField(default=0)  # claimed again after its sender died mid-send
    claimed_by = CharField(null=True)
    claimed_at = DateTimeField(null=True)
    sent_at = DateTimeField(null=True)
    error = CharField(null=True)

    class Meta:
        indexes = ((("campaign", "customer"), True), (("campaign", "status"), False))


class Ticket(BaseModel):
    customer = ForeignKeyField(Customer, backref="tickets", on_delete="CASCADE")
    subject = CharField()
    status = CharField(default="open", index=True)  # open, pending, closed
    satisfaction = IntegerField(null=True)
    opened_at = DateTimeField()
    first_response_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)


class StageChange(BaseModel):
    """Lifecycle stage history of a customer."""

    customer = ForeignKeyField(Customer, backref="stage_changes", on_delete="CASCADE")
    from_stage = CharField(null=True)
    to_stage = CharField()
    at = DateTimeField()
    reason = CharField(default="")


class ModelRun(BaseModel):
    kind = CharField(index=True)
    trained_at = DateTimeField()
    as_of = DateTimeField()
    sample_size = IntegerField()
    metrics = TextField(default="{}")
    parameters = TextField(default="{}")


class Batch(BaseModel):
    """An undoable multi-row change (an import or a merge)."""

    id = CharField(primary_key=True)
    kind = CharField()
    description = CharField(default="")
    created_at = DateTimeField()
    undone_at = DateTimeField(null=True)
    summary = TextField(default="{}")


class BatchChange(BaseModel):
    """One row a batch inserted or updated; `before` is the JSON row to restore on undo."""

    batch = ForeignKeyField(Batch, backref="changes", on_delete="CASCADE")
    table = CharField()
    row_id = IntegerField()
    action = CharField()  # insert, update, move, delete
    before = TextField(null=True)

    class Meta:
        indexes = ((("table", "row_id"), False),)  # migration 0004: batch_change_row


class Erasure(BaseModel):
    """Proof that a GDPR erasure happened, without the personal data."""

    at = DateTimeField()
    orders_anonymised = IntegerField(default=0)
    rows_deleted = IntegerField(default=0)


class JobState(BaseModel):
    """Last run of each background job, shared by every instance on this database."""

    name = CharField(primary_key=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    ok = BooleanField(default=True)
    error = TextField(null=True)
    owner = CharField(null=True)  # "host:pid" of the process holding the lease (migration 0005)


class QueueDismissal(BaseModel):
    """A Today-queue suggestion the owner dismissed or snoozed, hidden until `until`."""

    item_key = CharField(primary_key=True)
    until = DateTimeField(index=True)


class MailFolder(BaseModel):
    """An IMAP folder pulled from (migration 0015): the highest UID read under the server's
    UIDVALIDITY, so the next pull asks only for newer mail."""

    server = CharField()
    user = CharField()
    folder = CharField()
    uidvalidity = IntegerField()
    last_uid = IntegerField()
    pulled_at = DateTimeField()

    class Meta:
        table_name = "mail_folder"
        indexes = ((("server", "user", "folder"), True),)


class Setting(BaseModel):
    """What the database itself must remember across processes (e.g. the phone region its
    phone keys were made with)."""

    key = CharField(primary_key=True)
    value = TextField()


ALL_MODELS = (Customer, Interaction, Order, Product, OrderLine, Deal, DealLine, Quote, ProductAffinity,
              DealStageChange, FollowUp, Campaign, CampaignTarget, Ticket, StageChange, ModelRun, Batch,
              BatchChange, Erasure, JobState, QueueDismissal, Setting, Cadence, Outbox, Digest, MailFolder)
