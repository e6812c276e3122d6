"""The machine's time zone by its IANA name, and when its offset changes.

The app stores naive local times. A calendar app elsewhere (a phone abroad, a shared
calendar) can only place them if the export names the zone and describes it in a
VTIMEZONE, and that needs the zone's name, which the stdlib does not give for the
local zone: it is read from $TZ, then /etc/localtime's link, then /etc/timezone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def local_zone(environ: Mapping[str, str] = os.environ, etc: Path = Path("/etc")) -> ZoneInfo | None:
    """The zone the app's naive times are in, or None when nothing names it (a POSIX TZ rule, a copied file)."""
    if "TZ" in environ:
        return _named(environ["TZ"].removeprefix(":") or "UTC")  # an empty TZ is UTC to the C library
    link = etc / "localtime"
    if link.is_symlink():
        return _named(os.path.realpath(link))
    try:
        return _named((etc / "timezone").read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return None


def _named(key: str) -> ZoneInfo | None:
    _, found, name = key.rpartition("zoneinfo/")
    try:
        return ZoneInfo(name if found else key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class OffsetChange:
    """The clocks change at `local` (wall time before the change) from one offset to another."""

    local: datetime
    offset_from: timedelta
    offset_to: timedelta
    name: str
    summer: bool


def offset_changes(zone: ZoneInfo, first_year: int, last_year: int) -> list[OffsetChange]:
    """Every change of the zone's UTC offset from 1 January `first_year` to the end of `last_year`.

    zoneinfo does not list its transitions, so each day is compared with the next and a
    change is narrowed down to the second.
    """
    changes = []
    day = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        following = day + timedelta(days=1)
        if _offset(zone, day) != _offset(zone, following):
            before, after = int(day.timestamp()), int(following.timestamp())
            while after - before > 1:
                middle = (before + after) // 2
                before, after = (middle, after) if _offset_at(zone, middle) == _offset(zone, day) else (before, middle)
            after = datetime.fromtimestamp(after, UTC)
            there = after.astimezone(zone)
            offset_from = _offset(zone, day)
            changes.append(OffsetChange((after + offset_from).replace(tzinfo=None), offset_from, _offset(zone, after),
                                        there.tzname() or "", bool(there.dst())))
        day = following
    return changes


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _offset_at(zone: ZoneInfo, timestamp: int) -> timedelta:
    return _offset(zone, datetime.fromtimestamp(timestamp, UTC))
