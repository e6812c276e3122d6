"""Text for the Insights panels, built from the analytics summary dict.

Kept apart from the screen so the wording (periods, deltas, why a model is or is
not used) is one place and testable without a terminal.
"""

from __future__ import annotations

from solocrm_tui.text import insights as words
from solocrm_tui.text.insights import TILES, kpi_change, kpi_value

__all__ = ["TILES", "forecast_text", "model_text", "tile_text"]


def tile_text(key: str, title: str, kind: str, kpi: dict | None) -> tuple[str, str]:
    """(text, css class: up/down/flat) for one KPI tile."""
    kpi = kpi or {}
    lines = [f"[b]{title}[/]", f"[b]{kpi_value(kpi.get('value'), kind)}[/]"]
    change = kpi.get("change")
    if "previous" in kpi:
        lines.append(kpi_change(change, "vs prev.") or f"prev. {kpi_value(kpi.get('previous'), kind)}")
    if kpi.get("change_vs_last_year") is not None:
        lines.append(kpi_change(kpi["change_vs_last_year"], "vs last year"))
    lines.append(f"[dim]{kpi.get('label', '')}[/]")
    good = change if key != "churn_rate" else (-change if change is not None else None)
    mood = "flat" if not good else ("up" if good > 0 else "down")
    return "\n".join(lines), mood


def model_text(summary: dict) -> str:
    return words.model_text(summary, strong=lambda text: f"[b]{text}[/]")


def forecast_text(summary: dict) -> str:
    return words.forecast_text(summary, quiet=lambda text: f"[dim]{text}[/]")
