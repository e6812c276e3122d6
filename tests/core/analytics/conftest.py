"""CDNOW sample (Fader & Hardie) loaded in the standard BG/NBD set-up, shared by the analytics tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

CDNOW = Path(__file__).resolve().parents[2] / "data" / "CDNOW_sample.txt"
CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")


@pytest.fixture(scope="session")
def cdnow_orders() -> pd.DataFrame:
    df = pd.read_csv(CDNOW, sep=r"\s+", header=None,
                     names=["cohort_id", "customer_id", "date", "cds", "amount"])
    df["ordered_at"] = pd.to_datetime(df["date"].astype(str), format="%Y%m%d")
    return df[["customer_id", "ordered_at", "amount"]]


@pytest.fixture(scope="session")
def cdnow_calibration(cdnow_orders) -> pd.DataFrame:
    return cdnow_orders[cdnow_orders["ordered_at"] <= CALIBRATION_END]


@pytest.fixture(scope="session")
def cdnow_holdout_counts(cdnow_orders) -> pd.Series:
    """Purchase occasions per customer in the 39-week holdout (same-day orders merged)."""
    hold = cdnow_orders[(cdnow_orders["ordered_at"] > CALIBRATION_END)
                        & (cdnow_orders["ordered_at"] <= HOLDOUT_END)]
    return hold.groupby("customer_id")["ordered_at"].nunique()
