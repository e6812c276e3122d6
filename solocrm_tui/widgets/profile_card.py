"""The profile card beside the timeline: contact data and the figures that matter."""

from __future__ import annotations

from datetime import datetime

from rich.markup import escape
from textual.widgets import Static

from solocrm_tui.core.contacts.detail import CustomerDetail
from solocrm_tui.text.figures import ago, money, percent


class ProfileCard(Static):
    def show(self, detail: CustomerDetail, now: datetime) -> None:
        def line(label: str, value: object) -> str:
            return f"[dim]{label:<13}[/]{escape(str(value))}" if value not in (None, "") else ""

        c = detail.record
        lines = [
            f"[b]{escape(c.name)}[/]" + (" [dim](archived)[/]" if c.archived_at else ""),
            escape(c.company or ""),
            "",
            line("email", c.email), line("phone", c.phone),
            line("city", ", ".join(x for x in (c.city, c.country) if x)),
            line("birthday", c.birthday.strftime("%d %b %Y") if c.birthday else None),
            line("source", c.source),
            line("tags", " ".join(f"#{t}" for t in c.tags)),
            line("opted out", "yes" if c.opt_out else None),
            "",
            line("stage", c.stage.replace("_", " ")), line("segment", c.segment),
            line("revenue", f"{money(c.revenue)} ({c.order_count} order{'' if c.order_count == 1 else 's'})"),
            line("last order", ago(c.last_order_at, now) if c.last_order_at else "never"),
            line("last contact", ago(c.last_contact_at, now)),
            line("churn risk", percent(c.churn_risk)), line("P(alive)", percent(c.p_alive)),
            line("exp. orders", f"{c.expected_purchases:.1f}" if c.expected_purchases is not None else None),
            line("CLV (12m)", money(c.clv)),
            "",
            line("open deals", len(detail.open_deals) or None),
            line("open tickets", len(detail.open_tickets) or None),
            line("follow-ups", len(detail.due_followups) or None),
        ]
        for key, value in sorted(c.custom.items()):
            lines.append(line(str(key)[:12], value))
        text, blank = [], False
        for item in lines:
            if item or not blank:
                text.append(item)
            blank = not item
        self.update("\n".join(text).strip())
