"""`solocrm insights`: refit on demand and print the analytics summary (text or JSON)."""

from __future__ import annotations

import argparse
from datetime import datetime

from solocrm_tui.cli.common import load_config, open_db
from solocrm_tui.core import validate
from solocrm_tui.core.analytics.summary import Summary
from solocrm_tui.core.errors import ValidationError
from solocrm_tui.text.insights import NO_FIGURE, TILES, model_text, moment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refit", action="store_true", help="fit the models now and store the results")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="compute as if today were this date (nothing is stored)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _as_of(text: str | None, now: datetime) -> datetime | None:
    """The end of the given day (today: now), or the exact moment given; local time only."""
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f'--as-of "{text}" is not a date (use YYYY-MM-DD)') from None
    if day.tzinfo is not None:
        raise ValidationError(f'--as-of "{text}" has a time zone: give a local date (YYYY-MM-DD)')
    validate.in_years(day, "--as-of", text)
    if len(text.strip()) == 10:
        return now if day.date() == now.date() else day.replace(hour=23, minute=59, second=59)
    return day


def cmd_insights(args: argparse.Namespace, now: datetime) -> int:
    from solocrm_tui.core.analytics.summary import (
        summary,  # pandas loads only for this command
    )

    config = load_config()
    open_db(args, create=False)
    as_of = _as_of(args.as_of, now)
    if as_of is not None and as_of > now:
        raise ValidationError(f"--as-of {args.as_of} is in the future")
    settings = config.analytics
    figures = summary(now, settings, as_of=as_of, do_refit=args.refit, probabilities=config.deal_probabilities)
    print(figures.to_json(indent=2) if args.json else render(figures))
    return 0


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0%}"


def render(s: Summary) -> str:
    lines = [f"Insights as of {moment(s.as_of)} · {s.customers:,} customers, {s.customers_with_orders:,} with orders",
             ""]
    for key, title, kind in TILES:
        kpi = getattr(s.kpis, key) or NO_FIGURE
        value = kpi.value
        shown = "—" if value is None else (_pct(value) if kind == "pct" else f"{value:,.0f}")
        change = kpi.change
        delta = f"  ({'+' if change >= 0 else ''}{change:.0%} vs previous)" if change is not None else ""
        lines.append(f"  {title:<24}{shown:>12}{delta}   {kpi.label}")
    lines += ["", "Segments:"]
    for seg in s.segments:
        lines.append(f"  {seg.name:<22}{seg.size:>7,}  {seg.revenue_share:6.1%} of revenue")
    if s.segment_check:
        lines.append(f"  checked on your book: {s.segment_check.note}")
    lines += ["", model_text(s), "", "Revenue forecast: " + ", ".join(
        f"{m.month:%Y-%m} {m.forecast:,.0f} ({m.low:,.0f}–{m.high:,.0f})" for m in s.forecast.next_months)
        + f" — {s.forecast.note}"]
    return "\n".join(lines)


COMMANDS = {"insights": cmd_insights}
