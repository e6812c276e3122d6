"""The analytics package itself must stay cheap to import: callers import it lazily, modules pull in pandas."""

from __future__ import annotations

import subprocess
import sys


def test_package_import_is_light():
    code = ("import sys, solocrm_tui.core.analytics; "
            "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_modules_import_no_ui_or_scheduler():
    """No Textual, APScheduler or database layer. (Rich is not checked: scikit-learn 1.9
    imports it opportunistically, for progress bars, whenever it is installed.)"""
    code = ("import sys; import solocrm_tui.core.analytics.features, solocrm_tui.core.analytics.clv, "
            "solocrm_tui.core.analytics.churn, solocrm_tui.core.analytics.segments, "
            "solocrm_tui.core.analytics.revenue; "
            "print(sorted(m for m in ('textual', 'apscheduler', 'peewee') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
