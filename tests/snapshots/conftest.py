"""Snapshot determinism for every snapshot test: the header clock, the one thing on
screen that reads the wall clock itself, reads the tests' fixed time instead."""

from __future__ import annotations

from datetime import datetime

import pytest
import textual.widgets._header as textual_header


@pytest.fixture(autouse=True)
def frozen(now, monkeypatch):
    class FrozenDateTime(datetime):
        @classmethod
        def now(cls, tz=None):
            return now

    monkeypatch.setattr(textual_header, "datetime", FrozenDateTime)
    return now
