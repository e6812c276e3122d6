"""The analytics summary in words: KPI tiles, which models are in use and why, the forecast.

Shared by `solocrm insights` and the Insights screen so both say the same thing. The
functions return plain text; the screen passes its own `strong`/`quiet` styling.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from solocrm_tui.core.analytics.summary import (
    ChurnModel,
    Forecast,
    Kpi,
    PurchaseLab,
    SegmentationLab,
    Summary,
)
from solocrm_tui.text.figures import count, money, percent, shorten


def bought_together(pairs, width: int | None = None) -> list[str]:
    """One line per product pair (summary.ProductPair): X → Y, how many customers bought
    both, the share of X's buyers who bought Y, and the lift. The names get the width
    there is (`width` of the whole line; None: no limit) and an ellipsis where they are cut."""
    tails = [f"{count(p.customers, 'customer'):>14}{percent(p.confidence):>6}  lift {p.lift:.1f}" for p in pairs]
    room = None if width is None or not tails else max(width - 2 - max(map(len, tails)), PAIR_MIN)
    names = [_pair(p.antecedent, p.consequent, room) for p in pairs]
    column = max(map(len, names), default=0)
    return [f"  {name:<{column}}{tail}" for name, tail in zip(names, tails)]


PAIR_MIN = 21  # "Grinder … → Espresso …": below this a pair says nothing


def _pair(first: str, second: str, room: int | None) -> str:
    """"X → Y" in `room` characters: the shorter name whole when it fits in half, the longer
    one cut to what is left; both cut to half when neither fits."""
    arrow = " → "
    if room is None or len(first) + len(second) + len(arrow) <= room:
        return f"{first}{arrow}{second}"
    names = room - len(arrow)
    half = names // 2
    if len(first) <= half:
        return f"{first}{arrow}{shorten(second, names - len(first))}"
    if len(second) <= half:
        return f"{shorten(first, names - len(second))}{arrow}{second}"
    return f"{shorten(first, half)}{arrow}{shorten(second, names - half)}"


TILES = (  # (field of Summary.kpis, title, kind of figure)
    ("revenue_month", "Revenue this month", "money"), ("revenue_quarter", "Revenue this quarter", "money"),
    ("active_customers", "Active customers", "count"), ("new_customers", "New customers", "count"),
    ("repeat_purchase_rate", "Repeat-purchase rate", "pct"), ("average_order_value", "Avg order value", "money"),
    ("median_days_between_purchases", "Days between buys", "days"), ("retention_rate", "Retention (90d)", "pct"),
    ("churn_rate", "Churn (90d)", "pct"), ("pipeline_win_rate", "Pipeline win rate", "pct"),
    ("campaign_response_rate", "Campaign response", "pct"), ("csat", "CSAT", "pct"),
    ("loyalty_rate", "Loyalty rate", "pct"), ("gross_margin", "Margin (90d)", "money"),
)
NO_FIGURE = Kpi(label="", value=None)  # a tile's figure before it exists (customer figures need an order)


def segment_note(s: Summary) -> str:
    """Segments come from the last refit, margins from the orders of now: say so, so segment
    margins adding up to less than the book's margin do not look like an error."""
    if s.fitted_at is None or not s.segments:
        return ""
    since = (f"; {count(s.unsegmented_buyers, 'customer')} who bought since "
             f"{'is' if s.unsegmented_buyers == 1 else 'are'} in none" if s.unsegmented_buyers else "")
    return f"segments as of the last refit, {s.fitted_at:%-d %b %H:%M}{since}"


def moment(when: datetime) -> str:
    """2026-11-22 10:30:00: when the figures are as of, when the models were fitted."""
    return when.isoformat(sep=" ")


def kpi_value(value, kind: str) -> str:
    if value is None:
        return "—"
    return {"money": money(value), "count": f"{value:,.0f}", "pct": f"{value:.0%}",
            "days": f"{value:.0f} d"}[kind]


def kpi_change(change: float | None, label: str) -> str:
    if change is None:
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return f"{arrow} {abs(change):.0%} {label}"


def model_text(summary: Summary, strong: Callable[[str], str] = str) -> str:
    """Which churn and CLV models are in use and why; `strong` marks headings (plain by default)."""
    clv = summary.clv
    lines = _churn_lines(summary.churn, strong)
    lines += ["", strong("Purchase prediction and CLV")]
    if clv.model is None:
        lines.append("not fitted yet")
    elif clv.model == "none" or clv.params is None:
        lines.append(f"no purchase figures: {clv.reason}")
    else:
        p = clv.params
        lines.append(f"BG/NBD r={p.r:.3f} α={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f} ({clv.time_unit})")
        if p.p is not None:
            lines.append(f"Gamma-Gamma p={p.p:.2f} q={p.q:.2f} γ={p.gamma:.2f}")
        else:
            lines.append("spend: each buyer's own mean (too few repeat buyers for Gamma-Gamma)")
        lines.append(f"CLV over {clv.horizon_months} months, discounted; fitted on {clv.sample_size or 0:,} buyers; "
                     f"per-customer ranges P10–P90")
        if clv.reason:
            lines.append(f"note: {clv.reason}")
    if summary.purchase_lab:
        lines += ["", *purchase_lab_lines(summary.purchase_lab, strong)]
    fitted = moment(summary.fitted_at) if summary.fitted_at else "never"
    lines += ["", f"last fitted: {fitted} · {summary.customers_with_orders:,} of "
                  f"{summary.customers:,} customers have orders"]
    return "\n".join(lines)


def purchase_lab_lines(lab: PurchaseLab, strong: Callable[[str], str] = str) -> list[str]:
    """The purchase-prediction leaderboard: each model's error on the held-out days, its MAE
    difference from BG/NBD + Gamma-Gamma with the 95 % interval, fit time and n."""
    lines = [strong("Purchase prediction lab") + f" (next {lab.horizon_days} days, held out)",
             f"in use: {strong(lab.in_use)}", f"why: {lab.reason}"]
    if not lab.candidates:
        return lines
    lines.append(f"{'model':<19}{'purch. MAE':>11}{'bias':>7}{'rank':>6}{'spend MAE':>11}{'bias':>7}{'rank':>6}"
                 f"{'top 10%':>8}{'fit s':>7}{'n':>7}   spend MAE vs BG/NBD (95 % interval)")
    for c in lab.candidates:
        diff = (f"{c.spend_mae_diff:+,.2f} ({c.spend_mae_diff_low:+,.2f} to {c.spend_mae_diff_high:+,.2f})"
                if None not in (c.spend_mae_diff, c.spend_mae_diff_low, c.spend_mae_diff_high) else "")
        lines.append(f"{c.model:<19}{_figure(c.purchases_mae, '.3f'):>11}{_figure(c.purchases_bias, '+.0%'):>7}"
                     f"{_figure(c.purchases_rank, '.2f'):>6}"
                     f"{_figure(c.spend_mae, ',.2f'):>11}{_figure(c.spend_bias, '+.0%'):>7}"
                     f"{_figure(c.spend_rank, '.2f'):>6}{_figure(c.top_decile_share, '.0%'):>8}"
                     f"{_figure(c.fit_seconds, '.2f'):>7}{c.n_train or 0:>7,}   {diff}".rstrip())
    lines += [f"judged on {lab.n_holdout:,} customers; {note}" for note in
              sorted({f"{c.model}: {c.note}" for c in lab.candidates if c.note})]
    lines.append("a regression replaces BG/NBD only if its MAE interval is below 0 on purchases and spend")
    return lines


def _figure(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def segmentation_leaderboard(lab: SegmentationLab | None) -> list[str]:
    """The segmentation leaderboard: each grouping's silhouette, eta² of next-period buying with
    its interval, best-minus-worst spread, paired gain over the named states, fit time and n;
    then what each clustering makes of today's book."""
    if lab is None:
        return ["Segmentation: not compared yet — press r to fit now"]
    lines = [f"Segmentation: {lab.in_use} in use — {lab.why}"]
    if not lab.candidates:
        return lines
    lines += [f"groups assigned at {lab.cutoff:%Y-%m-%d}, judged by who bought again within {lab.horizon_days} "
              f"days of {lab.cutoff:%Y-%m-%d} (eta²: share of that variance between groups; 95 % intervals)",
              f"{'grouping':<16}{'groups':>6}{'silh.':>7}  {'eta² (interval)':<20}{'spread':>7}  "
              f"{'gain vs states':<17}{'fit':>7}  {'n':>5}"]
    for c in lab.candidates:
        eta2 = f"{_figure(c.eta2, '.3f')} ({_figure(c.low, '.3f')}–{_figure(c.high, '.3f')})"
        spread = "—" if c.spread is None else f"{c.spread * 100:.0f} pts"
        gain = f"{c.gain_low:+.3f} to {c.gain_high:+.3f}" if None not in (c.gain_low, c.gain_high) else ""
        lines.append(f"{c.method:<16}{c.groups:>6}{_figure(c.silhouette, '.2f'):>7}  {eta2:<20}{spread:>7}  "
                     f"{gain:<17}{c.fit_seconds:>5.2f} s  {c.n:>5,}")
    lines += [f"  {c.method}: {c.note}" for c in lab.candidates[1:] if c.note]
    for c in lab.clusters:
        noise = f", {c.noise:,} noise" if c.noise else ""
        lines.append(f"{c.method} today (k={c.k}{noise}): " + ", ".join(f"{p.name} ({p.size:,})" for p in c.profile))
    return lines


def churn_leaderboard(summary: Summary, strong: Callable[[str], str] = str) -> str:
    """The churn task's section of `solocrm insights --models`."""
    return "\n".join(_churn_lines(summary.churn, strong))


def purchase_leaderboard(summary: Summary) -> str:
    """The purchase task's section of `solocrm insights --models`."""
    if summary.purchase_lab is None:
        return "Purchase prediction lab: not compared yet — press r to fit now"
    return "\n".join(purchase_lab_lines(summary.purchase_lab))


def segment_leaderboard(summary: Summary) -> str:
    """The segmentation task's section of `solocrm insights --models`."""
    return "\n".join(segmentation_leaderboard(summary.segment_lab))


def _churn_lines(churn: ChurnModel, strong: Callable[[str], str]) -> list[str]:
    """The churn model in use and why, then every candidate it was chosen from: AUC, Brier,
    seconds to fit and score, customers fitted on, and its gain over the rule with the
    interval that decided; ▶ marks the one in use. Heavy candidates cut down on a big book
    say so under the table."""
    lines = [strong("Churn risk") + f" = P(no purchase in the next {churn.horizon_days} days)"]
    if churn.model is None:
        return [*lines, "not fitted yet — press r to fit now"]
    if churn.model == "none":
        return [*lines, f"no churn figure: {churn.reason}"]
    shown = {"rule_recency": "rule: days since last purchase (calibrated)",
             "bgnbd": "BG/NBD P(no purchase), not validated against the rule"}.get(churn.model, churn.model) \
        if churn.rule_based else churn.model
    lines += [f"in use: {strong(shown)}", f"why: {churn.reason}"]
    if churn.candidates:
        lines += ["", f"  {'candidate':<14}{'AUC':>7}{'Brier':>8}{'fit s':>8}{'n':>9}   gain over rule (95 % interval)"]
        for c in churn.candidates:
            gain = (f"{c.gain:+.3f} ({c.gain_low:+.3f} to {c.gain_high:+.3f})"
                    if None not in (c.gain, c.gain_low, c.gain_high) else "")
            lines.append(f"{'▶ ' if c.model == churn.model else '  '}{c.model:<14}{_figure(c.auc, '.3f'):>7}"
                         f"{_figure(c.brier, '.3f'):>8}{_figure(c.fit_seconds, '.1f'):>8}"
                         f"{_figure(c.n or None, ','):>9}   {gain}".rstrip())
        lines += [f"  {c.model}: {c.note}" for c in churn.candidates if c.note]
        lines.append("validated out of time; a model ships only if its interval is above 0")
    lines.append(f"trained on {churn.n_train or 0:,} · validated on {churn.n_valid or 0:,} customers")
    return lines + _reliability_lines(churn)


def forecast_words(f: Forecast) -> tuple[str, str]:
    """(the next months as ranges, how far to trust them): the method that won the backtest,
    its error beside the "same as last month" answer, and how often its range held."""
    main = " · ".join(f"{m.month:%Y-%m}: {money(m.forecast)} ({money(m.low)}–{money(m.high)})"
                      for m in f.next_months)
    method = (f.method or "").replace("_", " ")
    if f.backtest_error is None:
        return main, f"{method}: {f.note}" if method else f.note
    checks = [f"{method}: {percent(f.backtest_error)} backtest error over {f.backtest_months} past months"]
    if f.method != "last_month" and "last_month" in f.backtest_errors:
        checks.append(f"last month {percent(f.backtest_errors['last_month'])}")
    if f.coverage is not None:
        checks.append(f"80% ranges held {percent(f.coverage)}")
    return main, " · ".join(checks) + f"; {f.note}"


def _reliability_lines(churn) -> list[str]:
    """Brier score and predicted vs observed churn per bin, on customers whose outcome is known."""
    if not churn.reliability:
        return []
    brier = f", Brier {churn.brier:.3f}" if churn.brier is not None else ""
    worst = max(abs(b.predicted - b.observed) for b in churn.reliability)
    return [f"reliability on {sum(b.n for b in churn.reliability):,} customers{brier}, worst gap {worst:.0%}:",
            "  predicted " + " ".join(f"{b.predicted:>4.0%}" for b in churn.reliability),
            "  observed  " + " ".join(f"{b.observed:>4.0%}" for b in churn.reliability)]


def forecast_text(summary: Summary, quiet: Callable[[str], str] = str) -> str:
    """The revenue trend, its forecast range and the weighted pipeline; `quiet` marks the footnote."""
    f = summary.forecast
    ahead, trust = forecast_words(f)
    parts = [f"trend {money(f.trend_per_month)}/month" if f.trend_per_month is not None else "no trend yet"]
    parts += [ahead] if ahead else []
    parts.append(f"pipeline (weighted): this month {money(f.pipeline_this_month)}, next {money(f.pipeline_next_month)}")
    return " · ".join(parts) + "\n" + quiet(trust)
