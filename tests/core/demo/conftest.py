"""The demo book the demo tests read: 300 customers, seed 7."""

from __future__ import annotations

import pytest

from solocrm_tui.core.demo.generate import generate_demo


@pytest.fixture
def demo(db_path, now):
    return generate_demo(now, customers=300, seed=7)
