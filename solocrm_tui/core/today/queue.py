"""The Today queue: every source's rows, suggestions capped per kind, most urgent first,
without what the owner dismissed. `todays_queue` is what the screen and `solocrm today` show.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from solocrm_tui.core.today.dismissals import hidden_keys
from solocrm_tui.core.today.items import (
    MAX_SUGGESTIONS_PER_KIND,
    QueueItem,
    Source,
    _Settings,
    item_key,
)
from solocrm_tui.core.today.sources import SOURCES
from solocrm_tui.core.validate import BIDI


def todays_queue(now: datetime, settings: Any = None) -> list[QueueItem]:
    return build_queue(now, settings, hidden=hidden_keys(now))


UNCAPPED_KINDS = frozenset({"followup"})


def build_queue(now: datetime, config_today: Any = None, sources: tuple[Source, ...] = SOURCES, *,
                hidden: frozenset[str] | set[str] = frozenset()) -> list[QueueItem]:
    """Every source's items but the `hidden` ones, suggestions capped per kind, most urgent
    first. The cap comes last, after dismissals and merges, so a dismissed or merged row
    never takes a place another row of its kind could have had."""
    settings = config_today or _Settings()
    items = [item for source in sources for item in source(now, settings) if item_key(item) not in hidden]
    shown: dict[str, int] = {}
    capped = []
    for item in sorted(_one_silence_row(items), key=_sort_key):
        shown[item.kind] = shown.get(item.kind, 0) + 1
        if item.kind in UNCAPPED_KINDS or shown[item.kind] <= MAX_SUGGESTIONS_PER_KIND:
            capped.append(item)
    return capped


def _one_silence_row(items: list[QueueItem]) -> list[QueueItem]:
    """A customer both at churn risk and past their keep-in-touch cadence gets one row:
    the churn row, its "no contact" reason worded as the cadence's, which says the rhythm
    the owner chose (two rows saying "no contact" for one person read as a duplicate)."""
    behind = {i.customer_id: i.reasons[0] for i in items if i.kind == "cadence"}
    churning = {i.customer_id for i in items if i.kind == "churn_risk" and i.customer_id in behind}
    merged = []
    for item in items:
        if item.kind == "cadence" and item.customer_id in churning:
            continue
        if item.kind == "churn_risk" and item.customer_id in churning:
            silence = behind[item.customer_id]
            item = replace(item, reasons=tuple(silence if _is_silence(r) else r for r in item.reasons))
        merged.append(item)
    return merged


def _is_silence(reason: str) -> bool:
    return reason.startswith(("no contact for", "never contacted"))


def _sort_key(item: QueueItem) -> tuple:
    return (-item.urgency, item.due_at or datetime.max, (item.customer_name or "").lower(), item.customer_id or 0)


# json.dumps escapes C0 controls itself; C1 and bidi controls are escaped too, so the JSON
# a script reads holds the exact text while a terminal showing it is sent nothing it obeys.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), *map(ord, BIDI)]}


def to_json(items: list[QueueItem]) -> str:
    def encode(value: Any) -> Any:
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value

    text = json.dumps([{k: encode(v) for k, v in asdict(i).items()} for i in items], ensure_ascii=False, indent=2)
    return text.translate(_JSON_ESCAPES)
