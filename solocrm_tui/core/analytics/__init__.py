"""Customer analytics: features, segments, churn risk, CLV and revenue trends.

Plain functions over pandas frames with ``as_of`` always passed in. This package
is imported lazily by its callers because numpy, pandas, scipy and scikit-learn
are slow to load; keep this file free of imports so ``import
solocrm_tui.core.analytics`` alone stays cheap.
"""
