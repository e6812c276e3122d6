"""The analytics summary shown by `solocrm insights` and the Insights screen.

Without `as_of` the model figures are the stored ones from the latest refit (cheap);
with `as_of` everything is computed as if today were that date, from orders up to
it, and nothing is stored.

`summary()` runs in the analytics child process and its `Summary` crosses to the app
as JSON. The app imports this module for the record alone, so it imports nothing but
the standard library at the top: pandas and the figure modules load inside `summary()`.
The JSON keeps the shape `solocrm insights --json` has always printed (people script
against it): a figure without a comparison has no comparison keys, a model not fitted
yet no training figures.
"""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import TYPE_CHECKING

from solocrm_tui.core.storage.records import ProductPair

if TYPE_CHECKING:
    from solocrm_tui.core.analytics.runs import Settings


def _number(value) -> float | None:
    """NaN and infinities (pandas' "no value") as None, so the JSON is valid; counts stay
    ints, so it prints 200 customers, not 200.0."""
    if value is None:
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _count(value) -> int | None:
    return None if value is None else int(value)


def _without_empty(data: dict, *keys: str) -> dict:
    """`data` without `keys` when none of them says anything (see the module docstring)."""
    if all(data[key] is None or data[key] == "" for key in keys):
        for key in keys:
            del data[key]
    return data


def _month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")


@dataclass(frozen=True)
class Kpi:
    """One figure, what it covers, and the periods it is compared with when it has them."""

    label: str
    value: float | None
    previous: float | None = None
    change: float | None = None  # relative to `previous`; None when that was 0
    last_year: float | None = None
    change_vs_last_year: float | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        return _without_empty(_without_empty(data, "previous", "change"), "last_year", "change_vs_last_year")

    @classmethod
    def from_dict(cls, data: dict) -> Kpi:
        """From the JSON object, or the same-shaped dict the KPI functions of core return."""
        return cls(data["label"], _number(data.get("value")), _number(data.get("previous")),
                   _number(data.get("change")), _number(data.get("last_year")),
                   _number(data.get("change_vs_last_year")))


@dataclass(frozen=True)
class Kpis:
    """The figures behind the KPI tiles (text.insights.TILES names them by these fields).
    The customer figures are None until the first order."""

    revenue_month: Kpi
    revenue_quarter: Kpi
    active_customers: Kpi | None
    new_customers: Kpi | None
    retention_rate: Kpi | None
    churn_rate: Kpi | None
    repeat_purchase_rate: Kpi | None
    average_order_value: Kpi | None
    median_days_between_purchases: Kpi | None
    pipeline_win_rate: Kpi
    campaign_response_rate: Kpi
    csat: Kpi
    loyalty_rate: Kpi | None = None
    gross_margin: Kpi | None = None  # over the orders with a cost; its label counts those without

    def to_dict(self) -> dict:
        return {f.name: kpi.to_dict() for f in fields(self) if (kpi := getattr(self, f.name)) is not None}

    @classmethod
    def from_dict(cls, data: dict) -> Kpis:
        return cls(**{f.name: Kpi.from_dict(data[f.name]) if data.get(f.name) else None for f in fields(cls)})


@dataclass(frozen=True)
class Segment:
    """A group of buyers: how many, their share of revenue, and their means of days since
    the last purchase, repeat purchases and spend per purchase."""

    name: str
    size: int
    revenue_share: float
    recency_days: float | None
    frequency: float | None
    monetary: float | None
    margin: float | None = None  # over its members' orders with a cost; None when none has one

    @classmethod
    def from_dict(cls, data: dict) -> Segment:
        """From the JSON object, or a row of the profiles a refit stores."""
        return cls(str(data["name"]), int(data["size"]), float(data["revenue_share"]),
                   _number(data.get("recency_days")), _number(data.get("frequency")), _number(data.get("monetary")),
                   _number(data.get("margin")))


@dataclass(frozen=True)
class MarginLeader:
    """One of the top customers by margin, with their contribution share of the book's margin."""

    customer_id: int
    name: str
    margin: float
    share: float | None  # None when the book's margin is not positive
    orders_without_cost: int


@dataclass(frozen=True)
class Contribution:
    """The book's margin over the orders with a cost (None when none has one), how many were
    left out for having none, and the top customers by margin (core/sales/margin.py)."""

    margin: float | None
    revenue_with_cost: float | None
    orders_with_cost: int
    orders_without_cost: int
    top: tuple[MarginLeader, ...] = ()

    @classmethod
    def from_dict(cls, data: dict) -> Contribution:
        return cls(_number(data["margin"]), _number(data["revenue_with_cost"]), int(data["orders_with_cost"]),
                   int(data["orders_without_cost"]),
                   tuple(MarginLeader(int(t["customer_id"]), str(t["name"]), float(t["margin"]), _number(t["share"]),
                                      int(t["orders_without_cost"])) for t in data["top"]))


@dataclass(frozen=True)
class StateOutcome:
    """What the customers in one named state at the check's cut-off did in the next H days."""

    name: str
    size: int
    bought_again: float  # share who bought within H days
    mean_purchases: float


@dataclass(frozen=True)
class SegmentCheck:
    """The named states checked on the owner's own book: assigned at `cutoff`, judged by the
    next `horizon_days`; `ordered` is None when too few customers were there to tell."""

    cutoff: date
    horizon_days: int
    ordered: bool | None
    note: str
    states: tuple[StateOutcome, ...]

    def to_dict(self) -> dict:
        return {**asdict(self), "cutoff": self.cutoff.isoformat()}

    @classmethod
    def from_dict(cls, data: dict) -> SegmentCheck:
        return cls(date.fromisoformat(data["cutoff"]), int(data["horizon_days"]), data["ordered"], data["note"],
                   tuple(StateOutcome(str(o["name"]), int(o["size"]), float(o["bought_again"]),
                                      float(o["mean_purchases"])) for o in data["states"]))


@dataclass(frozen=True)
class KMeansComparison:
    """What KMeans on log RFM makes of the same buyers, shown next to the RFM segments."""

    k: int
    silhouette: float | None  # None when the buyers are too alike to split: one cluster, nothing to score
    profile: tuple[Segment, ...]

    @classmethod
    def from_dict(cls, data: dict) -> KMeansComparison:
        return cls(int(data["k"]), _number(data["silhouette"]), tuple(Segment.from_dict(s) for s in data["profile"]))


@dataclass(frozen=True)
class SegmentationCandidate:
    """One grouping on the segmentation leaderboard (segments.segmentation_lab): fitted at the
    lab's cut-off, judged by eta² of buying again in the next H days (low-high: 95 % bootstrap);
    gain_low/high is the paired interval against the named states (None for the states)."""

    method: str
    groups: int
    silhouette: float | None
    eta2: float | None
    low: float | None
    high: float | None
    spread: float | None
    gain_low: float | None
    gain_high: float | None
    noise: int
    fit_seconds: float
    n: int
    note: str

    @classmethod
    def from_dict(cls, data: dict) -> SegmentationCandidate:
        numbers = {k: _number(data.get(k)) for k in ("silhouette", "eta2", "low", "high", "spread",
                                                      "gain_low", "gain_high")}
        return cls(str(data["method"]), int(data["groups"]), **numbers, noise=int(data["noise"]),
                   fit_seconds=float(data["fit_seconds"]), n=int(data["n"]), note=str(data["note"]))


@dataclass(frozen=True)
class ClusterProfile:
    """A clustering method's groups on today's book, shown beside the named states."""

    method: str
    k: int
    silhouette: float | None
    noise: int
    note: str
    profile: tuple[Segment, ...]

    @classmethod
    def from_dict(cls, data: dict) -> ClusterProfile:
        return cls(str(data["method"]), int(data["k"]), _number(data.get("silhouette")), int(data["noise"]),
                   str(data["note"]), tuple(Segment.from_dict(s) for s in data["profile"]))


@dataclass(frozen=True)
class SegmentationLab:
    """The segmentation leaderboard: which grouping separates next-period buying best, which is in use and why."""

    cutoff: date | None  # None when there was nothing before the cut-off
    horizon_days: int
    in_use: str
    why: str
    candidates: tuple[SegmentationCandidate, ...]
    clusters: tuple[ClusterProfile, ...]

    def to_dict(self) -> dict:
        return {**asdict(self), "cutoff": self.cutoff.isoformat() if self.cutoff else None}

    @classmethod
    def from_dict(cls, data: dict) -> SegmentationLab:
        return cls(date.fromisoformat(data["cutoff"]) if data.get("cutoff") else None, int(data["horizon_days"]),
                   str(data["in_use"]), str(data["why"]),
                   tuple(SegmentationCandidate.from_dict(c) for c in data["candidates"]),
                   tuple(ClusterProfile.from_dict(c) for c in data["clusters"]))


@dataclass(frozen=True)
class ChurnCandidate:
    """A churn model validated out of time; a score is None when it could not be computed.
    `gain` is its AUC minus the rule's, with a 95 % bootstrap interval (the rule has none).
    `fit_seconds` (to fit and score the validation customers) and `n` (customers it was
    fitted on) are None in runs stored before the lab; `note` says why a heavy candidate
    was subsampled or skipped (then its scores are None and `n` is 0)."""

    model: str
    auc: float | None
    brier: float | None
    gain: float | None = None
    gain_low: float | None = None
    gain_high: float | None = None
    fit_seconds: float | None = None
    n: int | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return _without_empty(_without_empty(_without_empty(asdict(self), "gain", "gain_low", "gain_high"),
                                             "fit_seconds", "n"), "note")

    @classmethod
    def from_dict(cls, data: dict) -> ChurnCandidate:
        return cls(data["model"], _number(data.get("auc")), _number(data.get("brier")), _number(data.get("gain")),
                   _number(data.get("gain_low")), _number(data.get("gain_high")), _number(data.get("fit_seconds")),
                   _count(data.get("n")), data.get("note", ""))


@dataclass(frozen=True)
class ReliabilityBin:
    """Customers grouped by predicted churn risk: their mean prediction and the share that
    did churn. A calibrated risk has the two close in every bin."""

    predicted: float
    observed: float
    n: int

    @classmethod
    def from_dict(cls, data: dict) -> ReliabilityBin:
        return cls(float(data["predicted"]), float(data["observed"]), int(data["n"]))


@dataclass(frozen=True)
class ChurnModel:
    """The churn model in use, the candidates it was chosen from and why; `model` is None
    until the first refit, "none" when there was too little data for any figure.
    `rule_based` says no model beat the rule out of time (the rule, or the BG/NBD fallback,
    is shown); `reliability` checks the shipped risk on customers whose outcome is known."""

    horizon_days: int
    model: str | None
    auc: float | None
    brier: float | None
    candidates: tuple[ChurnCandidate, ...]
    rule_based: bool
    reason: str
    n_train: int | None = None
    n_valid: int | None = None
    sample_size: int | None = None
    reliability: tuple[ReliabilityBin, ...] = ()

    def to_dict(self) -> dict:
        data = _without_empty({**asdict(self), "candidates": [c.to_dict() for c in self.candidates],
                               "reliability": [asdict(b) for b in self.reliability]},
                              "n_train", "n_valid", "sample_size")
        if not self.reliability:
            del data["reliability"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ChurnModel:
        return cls(horizon_days=int(data["horizon_days"]), model=data["model"], auc=_number(data["auc"]),
                   brier=_number(data["brier"]),
                   candidates=tuple(ChurnCandidate.from_dict(c) for c in data["candidates"]),
                   rule_based=bool(data["rule_based"]), reason=data["reason"], n_train=_count(data.get("n_train")),
                   n_valid=_count(data.get("n_valid")), sample_size=_count(data.get("sample_size")),
                   reliability=tuple(ReliabilityBin.from_dict(b) for b in data.get("reliability", ())))

    @classmethod
    def from_run(cls, run: dict | None, settings: Settings) -> ChurnModel:
        """From the latest churn run as runs.latest_runs() reads it (None: there is none)."""
        if run is None:
            return cls(horizon_days=settings.churn_horizon_days, model=None, auc=None, brier=None, candidates=(),
                       rule_based=True, reason="not fitted yet: run `solocrm insights --refit`")
        m, p = run["metrics"], run["parameters"]
        return cls(horizon_days=int(p.get("horizon_days", settings.churn_horizon_days)), model=p.get("model"),
                   auc=_number(m.get("auc")), brier=_number(m.get("brier")),
                   candidates=tuple(ChurnCandidate.from_dict(c) for c in m.get("candidates", [])),
                   rule_based=bool(m.get("rule_based", True)), reason=m.get("reason", ""),
                   n_train=_count(m.get("n_train")), n_valid=_count(m.get("n_valid")),
                   sample_size=_count(run.get("sample_size")),
                   reliability=tuple(ReliabilityBin.from_dict(b) for b in m.get("reliability", ())))


@dataclass(frozen=True)
class ClvParams:
    """BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma); None where the model in use
    has no such parameter (no Gamma-Gamma with too few repeat buyers, nothing with no model)."""

    r: float | None
    alpha: float | None
    a: float | None
    b: float | None
    p: float | None
    q: float | None
    gamma: float | None

    @classmethod
    def from_dict(cls, data: dict) -> ClvParams:
        return cls(**{f.name: _number(data.get(f.name)) for f in fields(cls)})


@dataclass(frozen=True)
class ClvModel:
    """How purchases and CLV are predicted; `model` and `params` are None until the first refit."""

    model: str | None
    time_unit: str | None
    params: ClvParams | None
    horizon_months: int | None
    rule_based: bool
    reason: str
    sample_size: int | None

    def to_dict(self) -> dict:
        data = {**asdict(self), "params": asdict(self.params) if self.params else {}}
        return _without_empty(data, "horizon_months", "reason", "sample_size")

    @classmethod
    def from_dict(cls, data: dict) -> ClvModel:
        return cls(model=data["model"], time_unit=data["time_unit"],
                   params=ClvParams.from_dict(data["params"]) if data["params"] else None,
                   horizon_months=_count(data.get("horizon_months")), rule_based=bool(data["rule_based"]),
                   reason=data.get("reason", ""), sample_size=_count(data.get("sample_size")))

    @classmethod
    def from_run(cls, run: dict | None) -> ClvModel:
        """From the latest CLV run as runs.latest_runs() reads it (None: there is none)."""
        if run is None:
            return cls(model=None, time_unit=None, params=None, horizon_months=None, rule_based=True, reason="",
                       sample_size=None)
        p, m = run["parameters"], run["metrics"]
        return cls(model=p.get("model"), time_unit=p.get("time_unit"), params=ClvParams.from_dict(p),
                   horizon_months=_count(p.get("horizon_months")), rule_based=bool(m.get("rule_based")),
                   reason=m.get("reason", ""), sample_size=_count(run.get("sample_size")))


@dataclass(frozen=True)
class PurchaseCandidate:
    """One purchase model judged on the held-out H days: per target (purchase days, spend) its
    mean absolute error, bias (predicted / actual total - 1) and rank correlation; the share of
    next-period revenue its top tenth brought. `*_mae_diff` is its MAE minus BG/NBD + Gamma-Gamma's
    with a 95 % bootstrap interval (below 0: better; the baseline has none). None: not computable."""

    model: str
    purchases_mae: float | None
    purchases_bias: float | None
    purchases_rank: float | None
    spend_mae: float | None
    spend_bias: float | None
    spend_rank: float | None
    top_decile_share: float | None
    purchases_mae_diff: float | None = None
    purchases_mae_diff_low: float | None = None
    purchases_mae_diff_high: float | None = None
    spend_mae_diff: float | None = None
    spend_mae_diff_low: float | None = None
    spend_mae_diff_high: float | None = None
    fit_seconds: float | None = None
    n_train: int | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return _without_empty(asdict(self), "purchases_mae_diff", "purchases_mae_diff_low", "purchases_mae_diff_high",
                              "spend_mae_diff", "spend_mae_diff_low", "spend_mae_diff_high")

    @classmethod
    def from_dict(cls, data: dict) -> PurchaseCandidate:
        return cls(**{f.name: _number(data.get(f.name)) for f in fields(cls) if f.name not in ("model", "note")},
                   model=data["model"], note=data.get("note", ""))


@dataclass(frozen=True)
class PurchaseLab:
    """The purchase-prediction leaderboard of the latest refit: which model is `in_use` and why,
    validated on `n_holdout` customers; no candidates when the book was too small to hold out."""

    horizon_days: int
    in_use: str
    reason: str
    candidates: tuple[PurchaseCandidate, ...]
    n_train: int = 0
    n_holdout: int = 0

    def to_dict(self) -> dict:
        return {**asdict(self), "candidates": [c.to_dict() for c in self.candidates]}

    @classmethod
    def from_dict(cls, data: dict) -> PurchaseLab:
        return cls(int(data["horizon_days"]), data["in_use"], data["reason"],
                   tuple(PurchaseCandidate.from_dict(c) for c in data["candidates"]),
                   int(data["n_train"]), int(data["n_holdout"]))

    @classmethod
    def from_run(cls, run: dict) -> PurchaseLab:
        """From the latest purchases run as runs.latest_runs() reads it."""
        m, p = run["metrics"], run["parameters"]
        return cls(int(p["horizon_days"]), p["model"], m["reason"],
                   tuple(PurchaseCandidate.from_dict(c) for c in m["candidates"]),
                   int(m["n_train"]), int(m["n_holdout"]))


@dataclass(frozen=True)
class MonthRevenue:
    month: date  # the first of the month
    revenue: float


@dataclass(frozen=True)
class MonthForecast:
    month: date  # the first of the month
    forecast: float
    low: float
    high: float


@dataclass(frozen=True)
class Forecast:
    """Revenue per full month, its trend, the next months as ranges, and the weighted pipeline.
    `trend_per_month` is None and `next_months` empty with under three months of history.

    `method` is the forecast that won the rolling-origin backtest; `backtest_errors` holds
    every candidate's error (sum of absolute misses / revenue over `backtest_months`
    forecasts) and `coverage` the share of those months the range held. Both are None or
    empty when the history was too short to backtest."""

    monthly_revenue: tuple[MonthRevenue, ...]
    trend_per_month: float | None
    next_months: tuple[MonthForecast, ...]
    note: str
    pipeline_this_month: float
    pipeline_next_month: float
    method: str | None = None
    backtest_errors: dict[str, float] = field(default_factory=dict)
    coverage: float | None = None
    backtest_months: int = 0

    @property
    def backtest_error(self) -> float | None:
        return self.backtest_errors.get(self.method) if self.method else None

    def to_dict(self) -> dict:
        return {
            "monthly_revenue": [{"month": f"{m.month:%Y-%m}", "revenue": m.revenue} for m in self.monthly_revenue],
            "trend_per_month": self.trend_per_month,
            "next_months": [{"month": f"{m.month:%Y-%m}", "forecast": m.forecast, "low": m.low, "high": m.high}
                            for m in self.next_months],
            "note": self.note,
            "pipeline_this_month": self.pipeline_this_month,
            "pipeline_next_month": self.pipeline_next_month,
            "method": self.method,
            "backtest_error": _number(self.backtest_error),
            "backtest_errors": {name: _number(error) for name, error in self.backtest_errors.items()},
            "coverage": _number(self.coverage),
            "backtest_months": self.backtest_months,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Forecast:
        return cls(tuple(MonthRevenue(_month(m["month"]), float(m["revenue"])) for m in data["monthly_revenue"]),
                   _number(data["trend_per_month"]),
                   tuple(MonthForecast(_month(m["month"]), float(m["forecast"]), float(m["low"]), float(m["high"]))
                         for m in data["next_months"]),
                   data["note"], float(data["pipeline_this_month"]), float(data["pipeline_next_month"]),
                   data.get("method"),
                   {name: error for name, error in (data.get("backtest_errors") or {}).items() if error is not None},
                   _number(data.get("coverage")), int(data.get("backtest_months") or 0))


@dataclass(frozen=True)
class Summary:
    """Everything the Insights screen and `solocrm insights` show but the customer lists."""

    as_of: datetime
    customers: int
    customers_with_orders: int
    kpis: Kpis
    segments: tuple[Segment, ...]  # named states (segments.state_segments), biggest revenue share first
    kmeans: KMeansComparison | None  # None with fewer than 20 buyers, or before the first refit
    churn: ChurnModel
    clv: ClvModel
    forecast: Forecast
    fitted_at: datetime | None  # when the models shown were fitted; None before the first refit
    segment_check: SegmentCheck | None = None  # None before the first refit that ran the check
    purchase_lab: PurchaseLab | None = None  # None before the first refit that ran the lab
    segment_lab: SegmentationLab | None = None  # None before the first refit that ran the lab
    contribution: Contribution | None = None
    bought_together: tuple[ProductPair, ...] = ()  # cross-sell: the strongest product pairs, X → Y
    # buyers in no segment: they bought since the refit that labelled the others (their
    # margin is in the book's, not in any segment's)
    unsegmented_buyers: int = 0

    def to_json(self, indent: int | None = None) -> str:
        data = {
            "as_of": self.as_of.isoformat(sep=" "),
            "customers": self.customers,
            "customers_with_orders": self.customers_with_orders,
            "kpis": self.kpis.to_dict(),
            "segments": [asdict(s) for s in self.segments],
            "kmeans": asdict(self.kmeans) if self.kmeans else None,
            "churn": self.churn.to_dict(),
            "clv": self.clv.to_dict(),
            "forecast": self.forecast.to_dict(),
            "fitted_at": self.fitted_at.isoformat(sep=" ") if self.fitted_at else None,
            "segment_check": self.segment_check.to_dict() if self.segment_check else None,
            "purchase_lab": self.purchase_lab.to_dict() if self.purchase_lab else None,
            "segment_lab": self.segment_lab.to_dict() if self.segment_lab else None,
            "contribution": asdict(self.contribution) if self.contribution else None,
            "bought_together": [asdict(p) for p in self.bought_together],
            "unsegmented_buyers": self.unsegmented_buyers,
        }
        return json.dumps(data, indent=indent, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> Summary:
        data = json.loads(text)
        return cls(
            as_of=datetime.fromisoformat(data["as_of"]),
            customers=int(data["customers"]),
            customers_with_orders=int(data["customers_with_orders"]),
            kpis=Kpis.from_dict(data["kpis"]),
            segments=tuple(Segment.from_dict(s) for s in data["segments"]),
            kmeans=KMeansComparison.from_dict(data["kmeans"]) if data["kmeans"] else None,
            churn=ChurnModel.from_dict(data["churn"]),
            clv=ClvModel.from_dict(data["clv"]),
            forecast=Forecast.from_dict(data["forecast"]),
            fitted_at=datetime.fromisoformat(data["fitted_at"]) if data["fitted_at"] else None,
            segment_check=SegmentCheck.from_dict(data["segment_check"]) if data.get("segment_check") else None,
            purchase_lab=PurchaseLab.from_dict(data["purchase_lab"]) if data.get("purchase_lab") else None,
            segment_lab=SegmentationLab.from_dict(data["segment_lab"]) if data.get("segment_lab") else None,
            contribution=Contribution.from_dict(data["contribution"]) if data.get("contribution") else None,
            bought_together=tuple(ProductPair(**p) for p in data.get("bought_together") or ()),
            unsegmented_buyers=int(data.get("unsegmented_buyers") or 0),
        )


def summary(now: datetime, settings: Settings, *, as_of: datetime | None = None,
            do_refit: bool = False, probabilities: dict | None = None) -> Summary:
    import pandas as pd  # here, not at the top: the app imports this module for the record alone

    from solocrm_tui.core.sales import campaigns, margin
    from solocrm_tui.core.sales.board import board_as_of, build_board
    from solocrm_tui.core.service import tickets

    from . import kpis, runs, store
    from .revenue import forecast_revenue, monthly_revenue, trend_per_month

    moment = as_of or now
    orders = store.load_orders(moment)
    customers = store.load_customers(as_of)
    if as_of is not None or do_refit:
        from . import refit  # scikit-learn loads only when models are fitted

    if as_of is not None:  # a past date: computed fresh, never stored over today's figures
        fresh = refit.compute(orders, customers, moment, settings, store.load_tickets(moment))
        latest = {run["kind"]: {**run, "trained_at": now} for run in fresh.runs}
        labels = fresh.figures["segment"] if "segment" in fresh.figures else pd.Series(dtype=object)
    else:
        if do_refit:
            refit.refit(now, settings)
        latest = runs.latest_runs()
        labels = store.load_segments()
    margins = kpis.segment_margins(orders, labels)
    segmented = labels.dropna().index if len(labels) else pd.Index([])
    unsegmented = int((~orders["customer_id"].drop_duplicates().isin(segmented)).sum()) \
        if len(orders) and len(segmented) else 0
    ts = pd.Timestamp(moment)
    series = monthly_revenue(orders, ts, months=24) if len(orders) else pd.Series(dtype=float)
    ahead = forecast_revenue(series, horizon=3) if len(series) >= 3 else None
    board = board_as_of(as_of, probabilities) if as_of is not None else build_board(moment, probabilities)
    figures = {**kpis.revenue_periods(orders, ts), **kpis.customer_kpis(orders, ts), **kpis.margin_kpis(orders, ts),
               "pipeline_win_rate": {"label": f"deals closed in the last 90 days ({board.forecast.closed_90d})",
                                     "value": board.forecast.win_rate_90d},
               "campaign_response_rate": campaigns.response_rate(moment),
               "csat": tickets.csat(moment)}
    churn = latest.get("churn")
    segments = (latest.get("segments") or {}).get("metrics", {})
    return Summary(
        as_of=moment,
        customers=int(len(customers)),
        customers_with_orders=int(orders["customer_id"].nunique()) if len(orders) else 0,
        kpis=Kpis.from_dict(figures),
        segments=tuple(Segment.from_dict({**s, "margin": margins.get(s["name"])}) for s in segments.get("segments", [])),
        kmeans=KMeansComparison.from_dict(segments["kmeans"]) if segments.get("kmeans") else None,
        churn=ChurnModel.from_run(churn, settings),
        clv=ClvModel.from_run(latest.get("clv")),
        forecast=Forecast(
            monthly_revenue=tuple(MonthRevenue(m.date(), float(v)) for m, v in series.items()),
            trend_per_month=_number(trend_per_month(series)),
            next_months=tuple(MonthForecast(m.date(), float(r.forecast), float(r.low), float(r.high))
                              for m, r in ahead.forecast.iterrows()) if ahead else (),
            note=ahead.note if ahead else "not enough history for a forecast",
            pipeline_this_month=float(board.forecast.this_month),
            pipeline_next_month=float(board.forecast.next_month),
            method=ahead.method if ahead else None,
            backtest_errors=dict(ahead.candidates) if ahead else {},
            coverage=ahead.coverage if ahead else None,
            backtest_months=ahead.backtest_months if ahead else 0,
        ),
        fitted_at=churn["trained_at"] if churn else None,
        segment_check=SegmentCheck.from_dict(segments["check"]) if segments.get("check") else None,
        purchase_lab=PurchaseLab.from_run(latest["purchases"]) if latest.get("purchases") else None,
        segment_lab=SegmentationLab.from_dict(segments["lab"]) if segments.get("lab") else None,
        contribution=_contribution(margin.book_margin(moment), margin.top_by_margin(TOP_BY_MARGIN, moment)),
        bought_together=_bought_together(as_of, settings),
        unsegmented_buyers=unsegmented,
    )


TOP_BY_MARGIN = 10
TOP_PAIRS = 5


def _bought_together(as_of: datetime | None, settings: Settings) -> tuple[ProductPair, ...]:
    """The pairs the last refit stored, which the profile and Today read too; for a past
    date, measured afresh from the purchases up to it (nothing stored over today's)."""
    from solocrm_tui.core.sales import cross_sell

    if as_of is None:
        return tuple(cross_sell.top_pairs(TOP_PAIRS))
    from solocrm_tui.core.storage.models import database

    from . import affinity, store

    pairs = affinity.product_pairs(store.load_purchases(as_of), settings.cross_sell_min_support).head(TOP_PAIRS)
    names = dict(database.execute_sql("SELECT id, name FROM product").fetchall())
    return tuple(ProductPair(int(r.antecedent_id), names[r.antecedent_id], int(r.consequent_id), names[r.consequent_id],
                      int(r.customers), float(r.support), float(r.confidence), float(r.lift))
                 for r in pairs.itertuples())


def _contribution(book, top) -> Contribution:
    """From core/sales/margin.py's Decimal records to the JSON-safe floats of the summary."""
    def amount(value):
        return None if value is None else float(value)

    return Contribution(amount(book.margin), amount(book.revenue_with_cost), book.orders_with_cost,
                        book.orders_without_cost,
                        tuple(MarginLeader(t.customer_id, t.name, float(t.margin), t.share, t.orders_without_cost)
                              for t in top))
