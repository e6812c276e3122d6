"""The profile card beside the timeline: contact data and the figures that matter."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from solocrm_tui.core.contacts.customers import address_text
from solocrm_tui.core.contacts.detail import CustomerDetail
from solocrm_tui.core.sales.cross_sell import profile_line
from solocrm_tui.core.sales.margin import CustomerMargin, Margin
from solocrm_tui.text.figures import ago, count, day, money, month_day, percent
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import label

LABEL_WIDTH = 12  # "last contact", "buy days 90d"; custom field names are cut to it


class ProfileCard(Static):
    """Labelled lines are a two-column grid: a long value ("Potential loyalists", an
    address) wraps under its own value column, never back into the label column."""

    shown: tuple[CustomerDetail, datetime, int] | None = None
    text = ""  # what the card says, one line per field: the card is a grid, not one Text

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
        def line(name: str, value: object, *, lines: bool = False) -> Field | None:
            if value in (None, ""):
                return None
            return name, Text(visible(str(value), lines=lines))

        self.shown = (detail, now, horizon_days)
        c = detail.record
        lines = [
            label((c.name, "bold"), (" (archived)", "dim") if c.archived_at else ""),
            label(c.company or ""),
            None,
            line("email", c.email), line("phone", c.phone),
            _address_line(line, c),
            line("birthday", day(c.birthday, now, weekday=False) if c.birthday else
                 month_day(c.birthday_md) if c.birthday_md else None),
            line("source", c.source),
            line("tags", " ".join(f"#{t}" for t in c.tags)),
            line("opted out", "yes" if c.opt_out else None),
            None,
            line("stage", c.stage.replace("_", " ")), line("segment", c.segment),
            line("revenue", f"{money(c.revenue)} ({count(c.order_count, 'order')})"),
            *_margin_lines(line, detail.margin, book),
            line("last order", ago(c.last_order_at, now) if c.last_order_at else "never"),
            line("last contact", ago(c.last_contact_at, now)),
            *_cadence_lines(line, detail),
            *_risk_lines(line, detail, horizon_days),
            line(f"buy days {horizon_days}d", _purchases(c.expected_purchases, c.expected_purchases_low,
                                                         c.expected_purchases_high)),
            line("CLV (12m)", _with_range(money(c.clv), c.clv_low, c.clv_high, money) if c.clv is not None else None),
            None,
            line("open deals", len(detail.open_deals) or None),
            line("open tickets", len(detail.open_tickets) or None),
            line("follow-ups", len(detail.due_followups) or None),
        ]
        for key, value in sorted(c.custom.items()):
            lines.append(line(str(key)[:LABEL_WIDTH], value, lines=True))  # a custom value may span lines
        lines += [None, *(label(profile_line(pair)) for pair in detail.also_bought)]  # product names are the owner's
        shown: list[Text | Field] = []
        for item in lines:  # no two blank lines in a row, none at either end
            if _says(item) or shown and _says(shown[-1]):
                shown.append(item or Text())
        while shown and not _says(shown[-1]):
            shown.pop()
        self.text = "\n".join(f"{item[0]:<{LABEL_WIDTH + 1}}{item[1]}" if isinstance(item, tuple) else item.plain
                              for item in shown)
        self.update(Group(*_grids(shown)))


Field = tuple[str, Text]  # a labelled line of the card: its label and its value


def _says(item: Text | Field | None) -> bool:
    return isinstance(item, tuple) or item is not None and bool(item.plain)


def _grids(lines: list[Text | Field]) -> list:
    """Runs of labelled lines become one grid each; the name, the company and the blank
    separators stay plain lines."""
    out: list = []
    for item in lines:
        if not isinstance(item, tuple):
            out.append(item)
            continue
        if not out or not isinstance(out[-1], Table):
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=LABEL_WIDTH, no_wrap=True)
            grid.add_column(ratio=1, overflow="fold")  # a long email folds, never cut
            out.append(grid)
        out[-1].add_row(Text(visible(item[0]), style="dim"), item[1])
    return out


def _risk_lines(line, detail: CustomerDetail, horizon_days: int) -> list[Field]:
    """The churn risk and its why, or, when the customer bought after the last refit, a note
    that the score waits for the next one: the stored figure still counts the silence the
    order ended, and "95 %" beside "last order today" would be wrong."""
    c = detail.record
    if c.churn_risk is None:
        return []
    if not detail.risk_is_current:
        return [line("churn risk", "refit pending: bought since the last fit")]
    lines = [line("churn risk", f"{percent(c.churn_risk)} no buy in {horizon_days}d"), line("why", c.churn_why)]
    return [item for item in lines if item is not None]


def _margin_lines(line, m: CustomerMargin, book: Margin | None) -> list[Field]:
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


def _cadence_lines(line, detail: CustomerDetail) -> list[Field]:
    """"every 30 days (#vip)": the rhythm Today holds the customer to, and where it comes from;
    no line at all without one (a None would be read as a blank separator)."""
    found = detail.cadence
    if found is None:
        return []
    return [line("in touch", f"every {count(found.days, 'day')}" + (f" (#{found.tag})" if found.tag else ""))]


def _with_range(shown: str, low: float | None, high: float | None, fmt) -> str:
    return shown if low is None or high is None else f"{shown} ({fmt(low)}–{fmt(high)})"


def _purchases(expected: float | None, low: float | None, high: float | None) -> str | None:
    if expected is None:
        return None
    return _with_range(f"{expected:.1f}", low, high, lambda k: f"{k:.0f}")


def _address_line(line, c) -> Field | None:
    """"Torstraße 140, 10119 Berlin, BE, DE" under "address"; just "Berlin, DE" under "city"
    when the city and country are all that is known."""
    whole = address_text(c.street, c.postcode, c.city, c.region, c.country)
    return line("address" if c.street or c.postcode or c.region else "city", whole)
