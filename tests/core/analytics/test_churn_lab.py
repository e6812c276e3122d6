"""The churn lab: every candidate the design documents name competes out of time against the
recency rule, with its gain interval, fit time and training size; heavy candidates subsample
or step aside on big books and say so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss

from solocrm_tui.core.analytics.churn import (
    BUDGETS,
    CANDIDATES,
    Budget,
    compare_models,
    estimator,
    training_plan,
)

from .conftest import CALIBRATION_END

CUT = pd.Timestamp("1998-03-31")


@pytest.fixture(scope="module")
def cdnow_lab(cdnow_orders):
    return compare_models(cdnow_orders[cdnow_orders["ordered_at"] <= CUT], CUT, horizon_days=90)


def test_every_candidate_competes_with_an_interval_on_cdnow(cdnow_lab):
    """All 2,357 CDNOW customers, cut 1998-03-31: the rule, BG/NBD and the six fitted models,
    each with its AUC, Brier, a 95 % interval on its gain over the rule, fit time and n. The
    SVM and k-NN are already past their budgets here and say they fitted on a subsample."""
    rows = {c["model"]: c for c in cdnow_lab.candidates}
    assert list(rows) == ["rule_recency", *CANDIDATES]
    assert set(CANDIDATES) >= {"bgnbd", "logistic", "gbm", "svm", "knn", "tree", "forest"}
    rule_auc = rows["rule_recency"]["auc"]
    for name, c in rows.items():
        assert 0.65 < c["auc"] < 0.95 and 0 < c["brier"] < 0.25, c
        assert c["fit_seconds"] >= 0, c
        if name in BUDGETS:
            n = BUDGETS[name].sample_above
            assert c["n"] == n and f"random {n:,} of 2,357" in c["note"], c
        else:
            assert c["n"] == 2357 and "note" not in c, c
        if name != "rule_recency":
            assert c["gain"] == pytest.approx(c["auc"] - rule_auc)
            assert c["gain_low"] < c["gain"] < c["gain_high"] and c["gain_high"] - c["gain_low"] < 0.1, c
    shipped = rows[cdnow_lab.model]
    assert shipped["gain_low"] > 0
    assert shipped["auc"] == max(c["auc"] for c in rows.values() if c.get("gain_low", 0) > 0)


def test_the_calibrated_svm_recovers_a_known_posterior():
    """Two unit Gaussians at -1 and +1 (equal priors): the true P(class 1 | x) is
    1 / (1 + exp(-2 x0)). The SVM's calibrated probabilities stay in [0, 1], track that
    posterior, and score a Brier near the Bayes optimum; its raw margin squashed without
    calibration scores worse. With churners 85 % of the book (as on CDNOW) the class-balanced
    margin is shifted, and the calibration still puts the mean risk on the churn rate."""
    rng = np.random.default_rng(7)
    n = 1500
    y = rng.integers(0, 2, 2 * n)
    X = rng.normal(size=(2 * n, 2)) + np.column_stack([2.0 * y - 1.0, np.zeros(2 * n)])
    svm = estimator("svm", random_state=0).fit(X[:n], y[:n])
    p = svm.predict_proba(X[n:])[:, 1]
    truth = 1 / (1 + np.exp(-2 * X[n:, 0]))
    assert p.min() >= 0 and p.max() <= 1
    assert np.abs(p - truth).mean() < 0.07
    bayes = brier_score_loss(y[n:], truth)
    assert brier_score_loss(y[n:], p) < bayes + 0.01
    margin = svm[-1].calibrated_classifiers_[0].estimator.decision_function(svm[:-1].transform(X[n:]))
    assert brier_score_loss(y[n:], p) < brier_score_loss(y[n:], 1 / (1 + np.exp(-margin)))

    skewed = (rng.random(2 * n) < 0.85).astype(int)
    X = rng.normal(size=(2 * n, 2)) + np.column_stack([2.0 * skewed - 1.0, np.zeros(2 * n)])
    p = estimator("svm", random_state=0).fit(X[:n], skewed[:n]).predict_proba(X[n:])[:, 1]
    assert abs(p.mean() - skewed[n:].mean()) < 0.02


@pytest.mark.parametrize("name, customers, expected", [
    ("tree", 10_000, (10_000, "")),
    ("svm", 400, (400, "")),
    ("svm", 500, (500, "")),
    ("svm", 501, (500, "fitted on a random 500 of 501 training customers (SVM fits grow with the square)")),
    ("svm", 5_000, (500, "fitted on a random 500 of 5,000 training customers (SVM fits grow with the square)")),
    ("svm", 5_001, (None, "skipped: 5,001 customers is above the 5,000 an SVM scores in time")),
])
def test_heavy_candidates_subsample_then_skip(name, customers, expected):
    budgets = {"svm": Budget(sample_above=500, skip_above=5_000, why="SVM fits grow with the square",
                             label="an SVM")}
    assert training_plan(name, customers, budgets) == expected


def test_a_big_book_subsamples_and_skips_and_says_so(cdnow_orders):
    """With small budgets the CDNOW book is 'big': the SVM fits on a seeded 500, KNN steps
    aside, and neither can ship unannounced."""
    budgets = {"svm": Budget(500, 10_000, "SVM fits grow with the square", "an SVM"),
               "knn": Budget(100, 1_000, "every score compares against each training customer", "k-NN")}
    book = cdnow_orders[cdnow_orders["ordered_at"] <= CUT]
    result = compare_models(book, CUT, horizon_days=90, budgets=budgets)
    rows = {c["model"]: c for c in result.candidates}
    assert rows["svm"]["n"] == 500 and "random 500 of 2,357" in rows["svm"]["note"]
    assert 0.65 < rows["svm"]["auc"] < 0.95 and rows["svm"]["gain_low"] < rows["svm"]["gain_high"]
    knn = rows["knn"]
    assert knn["auc"] is None and knn["brier"] is None and knn["n"] == 0 and "skipped" in knn["note"]
    assert result.model != "knn"
    again = compare_models(book, CUT, horizon_days=90, budgets=budgets)
    assert rows["svm"]["auc"] == {c["model"]: c for c in again.candidates}["svm"]["auc"]  # seeded subsample


def test_the_rule_alone_competes_with_nothing_and_ships(cdnow_calibration):
    """The refit checks the named states with the model in use only; when that is the rule,
    no candidate competes and the rule is the answer, not an error."""
    result = compare_models(cdnow_calibration, CALIBRATION_END, horizon_days=91, competing=())
    assert result.model == "rule_recency" and result.rule_based
    assert [c["model"] for c in result.candidates] == ["rule_recency"]
    assert "no other candidate" in result.reason
    assert result.scores.between(0, 1).all()
