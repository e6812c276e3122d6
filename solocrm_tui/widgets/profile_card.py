"""The profile card beside the timeline: contact data and the figures that matter."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import Static

from solocrm_tui.core.contacts.detail import CustomerDetail
from solocrm_tui.text.figures import ago, money, percent
from solocrm_tui.text.visible import visible
from solocrm_tui.widgets.cells import label


class ProfileCard(Static):
    def show(self, detail: CustomerDetail, now: datetime) -> None:
        """Built as Text through the cells helper: names and custom fields are the owner's
        (or an import's) text, shown as typed, never read as markup or sent as escapes."""
        def line(name: str, value: object, *, lines: bool = False) -> Text | None:
            if value in (None, ""):
                return None
            return label((f"{name:<13}", "dim"), Text(visible(str(value), lines=lines)))

        c = detail.record
        lines = [
            label((c.name, "bold"), (" (archived)", "dim") if c.archived_at else ""),
            label(c.company or ""),
            None,
            line("email", c.email), line("phone", c.phone),
            line("city", ", ".join(x for x in (c.city, c.country) if x)),
            line("birthday", c.birthday.strftime("%d %b %Y") if c.birthday else None),
            line("source", c.source),
            line("tags", " ".join(f"#{t}" for t in c.tags)),
            line("opted out", "yes" if c.opt_out else None),
            None,
            line("stage", c.stage.replace("_", " ")), line("segment", c.segment),
            line("revenue", f"{money(c.revenue)} ({c.order_count} order{'' if c.order_count == 1 else 's'})"),
            line("last order", ago(c.last_order_at, now) if c.last_order_at else "never"),
            line("last contact", ago(c.last_contact_at, now)),
            line("churn risk", percent(c.churn_risk)), line("P(alive)", percent(c.p_alive)),
            line("exp. orders", f"{c.expected_purchases:.1f}" if c.expected_purchases is not None else None),
            line("CLV (12m)", money(c.clv)),
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
