"""Short human text for figures: money, percentages, how long ago."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def money(value: Decimal | float | None) -> str:
    if value is None:
        return ""
    number = float(value)
    if abs(number) >= 1_000_000:
        return f"{number / 1_000_000:.1f}M"
    if abs(number) >= 10_000:
        return f"{number / 1000:.1f}k"
    return f"{number:,.0f}" if number == int(number) or abs(number) >= 100 else f"{number:,.2f}"


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
