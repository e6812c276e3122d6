"""The profile card beside the timeline: contact data and the figures that matter."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from solocrm_tui.core.contacts.detail import CustomerDetail
from solocrm_tui.core.sales.margin import CustomerMargin, Margin
from solocrm_tui.text.figures import ago, count, day, money, percent
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import label


class ProfileCard(Static):
    shown: tuple[CustomerDetail, datetime, int] | None = None

    def show_book_margin(self, book: Margin) -> None:
        """Adds the contribution share once the book's margin is read (a scan of every order,
        so the screen reads it after the card's first frame)."""
        if self.shown is not None:
            self.show(*self.shown, book=book)

    def show(self, detail: CustomerDetail, now: datetime, horizon_days: int, *, book: Margin | None = None) -> None:
        """Built as Text through the cells helper: names and custom fields are the owner's
        (or an import's) text, shown as typed, never read as markup or sent as escapes.

        The model lines tell one story: churn risk is P(no purchase in the horizon), the
        purchases expected in that horizon are counted in days with a purchase, as the model
        counts them (orders on one day are one purchase), and they and CLV carry their
        P10-P90 range. P(alive) is
        not shown: it is 100 % for every one-time buyer, whatever their churn risk."""
        def line(name: str, value: object, *, lines: bool = False) -> Text | None:
            if value in (None, ""):
                return None
            return label((f"{name:<13}", "dim"), Text(visible(str(value), lines=lines)))

        self.shown = (detail, now, horizon_days)
        c = detail.record
        lines = [
            label((c.name, "bold"), (" (archived)", "dim") if c.archived_at else ""),
            label(c.company or ""),
            None,
            line("email", c.email), line("phone", c.phone),
            line("city", ", ".join(x for x in (c.city, c.country) if x)),
            line("birthday", day(c.birthday, now, weekday=False) if c.birthday else None),
            line("source", c.source),
            line("tags", " ".join(f"#{t}" for t in c.tags)),
            line("opted out", "yes" if c.opt_out else None),
            None,
            line("stage", c.stage.replace("_", " ")), line("segment", c.segment),
            line("revenue", f"{money(c.revenue)} ({count(c.order_count, 'order')})"),
            *_margin_lines(line, detail.margin, book),
            line("last order", ago(c.last_order_at, now) if c.last_order_at else "never"),
            line("last contact", ago(c.last_contact_at, now)),
            line("churn risk", f"{percent(c.churn_risk)} no buy in {horizon_days}d"
                 if c.churn_risk is not None else None),
            line("why", c.churn_why),
            line(f"buy days {horizon_days}d", _purchases(c.expected_purchases, c.expected_purchases_low,
                                                         c.expected_purchases_high)),
            line("CLV (12m)", _with_range(money(c.clv), c.clv_low, c.clv_high, money) if c.clv is not None else None),
            None,
            line("open deals", len(detail.open_deals) or None),
            line("open tickets", len(detail.open_tickets) or None),
            line("follow-ups", len(detail.due_followups) or None),
        ]
        for key, value in sorted(c.custom.items()):
            lines.append(line(str(key)[:12], value, lines=True))  # a custom value may span lines
        shown: list[Text] = []
        for item in lines:  # no two blank lines in a row, none at either end
            if item is not None and item.plain or shown and shown[-1].plain:
                shown.append(item or Text())
        while shown and not shown[-1].plain:
            shown.pop()
        self.update(Text("\n").join(shown))


def _margin_lines(line, m: CustomerMargin, book: Margin | None) -> list[Text]:
    """Margin over the orders with a cost only, and how many were left out: an order without
    a cost is not free, so it is counted, never folded in as cost 0. Absent lines are dropped
    here, not left as None, which the card reads as a blank separator."""
    missing = m.orders_without_cost
    lines = [
        line("margin", f"{money(m.margin)} ({percent(m.rate)} rate)" if m.margin is not None and m.rate is not None
             else None),
        line("contribution", f"{share:.1%} of book" if book and (share := m.share_of(book)) is not None else None),
        line("no cost", f"{missing} order{'' if missing == 1 else 's'} left out of the margin"
             if missing and m.orders_with_cost else None),
    ]
    return [item for item in lines if item is not None]


def _with_range(shown: str, low: float | None, high: float | None, fmt) -> str:
    return shown if low is None or high is None else f"{shown} ({fmt(low)}–{fmt(high)})"


def _purchases(expected: float | None, low: float | None, high: float | None) -> str | None:
    if expected is None:
        return None
    return _with_range(f"{expected:.1f}", low, high, lambda k: f"{k:.0f}")
