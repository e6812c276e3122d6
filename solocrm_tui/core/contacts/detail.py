"""Everything the customer screen shows, read in one go.

One call on one worker thread: the profile, the newest page of the timeline and the
rows of every tab. Reading it before the screen is pushed lets the first frame show
the whole customer instead of an empty screen that fills in a frame or two later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from solocrm_tui.core.contacts import customers, followups, lifecycle, timeline
from solocrm_tui.core.contacts.cadence import CustomerCadence, cadence_of
from solocrm_tui.core.sales import cross_sell, deal_lines, deals, margin, orders
from solocrm_tui.core.sales.margin import CustomerMargin
from solocrm_tui.core.sales.products import Line
from solocrm_tui.core.service import tickets
from solocrm_tui.core.stages import CLOSED_DEAL_STAGES
from solocrm_tui.core.storage.records import (
    Customer,
    Deal,
    FollowUp,
    Interaction,
    Order,
    Page,
    ProductPair,
    Ticket,
)

TIMELINE_PAGE = 50  # the newest entries first; older pages load as the owner scrolls up


@dataclass(frozen=True)
class CustomerDetail:
    record: Customer
    timeline: Page[Interaction]
    orders: tuple[Order, ...]
    deals: tuple[Deal, ...]
    followups: tuple[FollowUp, ...]
    tickets: tuple[Ticket, ...]
    margin: CustomerMargin
    scored_as_of: datetime | None = None  # the moment the stored churn risks were computed as of
    cadence: CustomerCadence | None = None  # keep in touch: the customer's own rhythm or their tag's
    deal_lines: Mapping[int, tuple[Line, ...]] = field(default_factory=dict)  # by deal id; deals without are absent
    also_bought: tuple[ProductPair, ...] = ()  # cross-sell: what buyers of their products also bought
    order_lines: Mapping[int, list[Line]] = field(default_factory=dict)  # order id -> its lines, if it has any

    @property
    def risk_is_current(self) -> bool:
        """False when the customer bought after the last refit: the stored risk predates it.
        A risk stored without a recorded fit has nothing to be compared with and stands."""
        return self.scored_as_of is None or lifecycle.score_is_current(self.record.last_order_at,
                                                                       self.scored_as_of)

    @property
    def open_deals(self) -> tuple[Deal, ...]:
        return tuple(d for d in self.deals if d.stage not in CLOSED_DEAL_STAGES)

    @property
    def open_tickets(self) -> tuple[Ticket, ...]:
        return tuple(t for t in self.tickets if t.status != "closed")

    @property
    def due_followups(self) -> tuple[FollowUp, ...]:
        return tuple(f for f in self.followups if f.done_at is None)


def read_detail(customer_id: int, focus: tuple[str, int] | None = None) -> CustomerDetail:
    """`focus` (source, id), from a search hit: a timeline entry or order far back is
    loaded with everything newer than it, so the screen can show it in place."""
    if focus is not None and focus[0] in ("interaction", "order"):
        history = timeline.page_history_around(customer_id, *focus, limit=TIMELINE_PAGE)
    else:
        history = timeline.page_history(customer_id, None, TIMELINE_PAGE)
    bought = tuple(orders.list_orders(customer_id))
    their_deals = tuple(deals.customer_deals(customer_id))
    return CustomerDetail(
        customers.get_customer(customer_id),
        history,
        bought,
        their_deals,
        tuple(followups.customer_followups(customer_id, include_done=True)),
        tuple(tickets.customer_tickets(customer_id)),
        margin.customer_margin(customer_id),
        lifecycle.scored_as_of(),
        cadence_of(customer_id),
        deal_lines.lines_of_deals([d.id for d in their_deals]),
        tuple(cross_sell.also_bought(customer_id)),
        orders.lines_by_order([o.id for o in bought]))
