"""The Today queue as plain text, for `solocrm today` in a login shell or a cron mail."""

from __future__ import annotations

from solocrm_tui.core.today.items import QueueItem
from solocrm_tui.text.figures import shorten

KIND_LABELS = {"followup": "follow-up", "birthday": "birthday", "repurchase": "repurchase",
               "stale_deal": "stale deal", "cross_sell": "cross-sell"}


def format_table(items: list[QueueItem], width: int = 32) -> str:
    """A plain aligned table for `solocrm today` (a login shell or a cron mail)."""
    if not items:
        return "Nothing in today's queue."
    rows = [(f"{i.urgency:.1f}", KIND_LABELS.get(i.kind, i.kind.replace("_", " ")),
             shorten(i.customer_name or "—", width), shorten(i.title, width), "; ".join(i.reasons)) for i in items]
    header = ("URG", "KIND", "WHO", "WHAT", "WHY")
    widths = [max(len(r[n]) for r in rows + [header]) for n in range(4)]
    lines = []
    for row in [header] + rows:
        cells = [row[0].rjust(widths[0])] + [row[n].ljust(widths[n]) for n in (1, 2, 3)] + [row[4]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
