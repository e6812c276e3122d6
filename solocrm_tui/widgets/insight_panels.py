"""Text for the Insights panels, built from the analytics Summary.

Kept apart from the screen so the wording (periods, deltas, why a model is or is
not used) is one place and testable without a terminal.
"""

from __future__ import annotations

from solocrm_tui.core.analytics.summary import Kpi, Summary
from solocrm_tui.text import insights as words
from solocrm_tui.text.insights import NO_FIGURE, TILES, kpi_change, kpi_value

__all__ = ["TILES", "forecast_text", "model_text", "tile_text"]


def tile_text(key: str, title: str, kind: str, kpi: Kpi | None) -> tuple[str, str]:
    """(text, css class: up/down/flat) for one KPI tile."""
    kpi = kpi or NO_FIGURE
    lines = [f"[b]{title}[/]", f"[b]{kpi_value(kpi.value, kind)}[/]"]
    change = kpi.change
    if kpi.previous is not None:
        lines.append(kpi_change(change, "vs prev.") or f"prev. {kpi_value(kpi.previous, kind)}")
    if kpi.change_vs_last_year is not None:
        lines.append(kpi_change(kpi.change_vs_last_year, "vs last year"))
    lines.append(f"[dim]{kpi.label}[/]")
    good = change if key != "churn_rate" else (-change if change is not None else None)
    mood = "flat" if not good else ("up" if good > 0 else "down")
    return "\n".join(lines), mood


def model_text(summary: Summary) -> str:
    return words.model_text(summary, strong=lambda text: f"[b]{text}[/]")


def forecast_text(summary: Summary) -> str:
    return words.forecast_text(summary, quiet=lambda text: f"[dim]{text}[/]")
