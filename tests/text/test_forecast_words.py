"""The forecast in words says which method won the backtest, its error and how often its
range held, next to the range itself; with too little history it says that instead."""

from __future__ import annotations

from datetime import date

from solocrm_tui.core.analytics.summary import Forecast, MonthForecast, MonthRevenue
from solocrm_tui.text.insights import forecast_words

HISTORY = tuple(MonthRevenue(date(2024, m, 1), 1000.0) for m in range(1, 10))
AHEAD = (MonthForecast(date(2024, 10, 1), 5591.0, 3997.0, 6761.0),)


def test_backtested_forecast_shows_its_error_against_last_month_and_its_coverage():
    f = Forecast(HISTORY, -120.0, AHEAD, "seasonality not modelled", 0.0, 0.0, "damped_trend",
                 {"last_month": 0.25, "mean_3_months": 0.48, "damped_trend": 0.21}, 0.78, 39)
    main, note = forecast_words(f)
    assert "2024-10: 5,591 (3,997–6,761)" in main
    assert "damped trend" in note and "21% backtest error over 39 past months" in note
    assert "last month 25%" in note and "80% ranges held 78%" in note


def test_unbacktested_forecast_says_so():
    f = Forecast(HISTORY[:3], None, AHEAD, "too little history to backtest; seasonality not modelled", 0.0, 0.0,
                 "last_month")
    _, note = forecast_words(f)
    assert "too little history to backtest" in note and "error" not in note
