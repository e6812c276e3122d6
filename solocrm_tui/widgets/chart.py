"""Terminal charts drawn with block characters: monthly revenue with its forecast range,
and horizontal bars for shares. Plain text, so they render the same everywhere."""

from __future__ import annotations

import math

from textual.widgets import Static

from solocrm_tui.text.figures import money

BLOCKS = " ▁▂▃▄▅▆▇█"


def column_chart(values: list[float], labels: list[str], height: int = 6,
                 forecast: list[tuple[float, float, float]] | None = None) -> str:
    """Columns for `values`, then forecast columns drawn as ░ up to `high` with the point as █."""
    forecast = forecast or []
    top = max([*values, *(h for _, _, h in forecast), 1.0])
    columns = [(v, "█", None) for v in values] + [(h, "░", max(1, math.ceil(p / top * height)) if p > 0 else None)
                                                   for p, _, h in forecast]
    rows = []
    for level in range(height, 0, -1):
        line = []
        for value, glyph, point_level in columns:
            filled = value / top * height
            if level == point_level:  # the forecast itself, inside its range
                line.append("██")
            elif filled >= level:
                line.append(glyph * 2)
            elif filled > level - 1:
                part = BLOCKS[int((filled - level + 1) * 8)]
                line.append((part if glyph == "█" else "░") * 2)
            else:
                line.append("  ")
        rows.append(" ".join(line))
    axis = " ".join(label[:2].ljust(2) for label in labels)
    return "\n".join(rows + [axis, f"max {money(top)}"])


def bars(items: list[tuple[str, float]], width: int = 24, label_width: int = 18) -> str:
    """`name ████████ 42%` lines for shares between 0 and 1."""
    lines = []
    for name, share in items:
        filled = max(0, min(width, round(share * width)))
        lines.append(f"{name[:label_width]:<{label_width}} {'█' * filled}{'·' * (width - filled)} {share:5.1%}")
    return "\n".join(lines)


class Chart(Static):
    """A Static that holds chart text (markup off: the glyphs are the picture)."""

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
