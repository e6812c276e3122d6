"""Short human text for figures: money, counts, days, percentages, how long ago.

The CLI's text output, the TUI, toasts and composer answers all format through here
(JSON and CSV stay machine-readable). Money, counts and days are also needed by
core's own sentences, and core may not import this package, so those rules live in
core and are offered here under short names: one way to do each thing.
"""

from __future__ import annotations

from datetime import datetime

from solocrm_tui.core.amounts import format_money as money
from solocrm_tui.core.counts import count
from solocrm_tui.core.dates import format_day as day
from solocrm_tui.core.dates import format_due as due
from solocrm_tui.core.dates import format_month_day as month_day

__all__ = ["ago", "count", "day", "due", "money", "month_day", "percent", "shorten"]


def shorten(text: str, width: int) -> str:
    """`text` whole when it fits in `width` characters, else cut with an ellipsis, so a cut
    name never reads as a whole one."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def ago(when: datetime | None, now: datetime) -> str:
    """`today`, `3d ago`, `5w ago`, `14mo ago`: coarse on purpose, it's for scanning."""
    if when is None:
        return "never"
    days = (now.date() - when.date()).days
    if days <= 0:
        return "today" if days == 0 else "soon"
    if days < 14:
        return f"{days}d ago"
    if days < 70:
        return f"{days // 7}w ago"
    return f"{days // 30}mo ago"
