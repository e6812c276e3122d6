"""The segmentation leaderboard section: the Segments tab shows it, and a CLI section can print it as is."""

from __future__ import annotations

from datetime import date

from solocrm_tui.core.analytics.summary import (
    ClusterProfile,
    Segment,
    SegmentationCandidate,
    SegmentationLab,
)
from solocrm_tui.text.insights import segmentation_leaderboard

STATES = SegmentationCandidate("named states", 5, 0.33, 0.177, 0.143, 0.218, 0.53, None, None, 0, 0.0, 2357,
                               "fixed thresholds on purchases and churn risk")
DBSCAN = SegmentationCandidate("dbscan", 5, 0.31, 0.166, 0.135, 0.203, 0.46, -0.028, 0.006, 147, 0.11, 2357,
                               "eps 0.56 from the knee; 147 buyers (6%) are noise")
LAB = SegmentationLab(date(1997, 9, 30), 90, "named states", "no clustering separates next-period buying better",
                      (STATES, DBSCAN),
                      (ClusterProfile("dbscan", 2, 0.4, 3, "eps 0.5", (Segment("Champions", 40, 0.7, 20.0, 5.0, 30.0),
                                                                       Segment("Noise", 3, 0.01, 100.0, 0.0, 9.0))),))


def test_every_candidate_with_its_interval_fit_time_and_n():
    lines = segmentation_leaderboard(LAB)
    assert lines[0] == "Segmentation: named states in use — no clustering separates next-period buying better"
    assert "bought again within 90 days of 1997-09-30" in lines[1]
    table = "\n".join(lines)
    assert "named states         5   0.33  0.177 (0.143–0.218)  53 pts                    0.00 s  2,357" in table
    assert "dbscan               5   0.31  0.166 (0.135–0.203)  46 pts  -0.028 to +0.006  0.11 s  2,357" in table
    assert "  dbscan: eps 0.56 from the knee; 147 buyers (6%) are noise" in table
    assert "dbscan today (k=2, 3 noise): Champions (40), Noise (3)" in table


def test_before_the_first_refit_and_on_a_tiny_book():
    assert segmentation_leaderboard(None) == ["Segmentation: not compared yet — press r to fit now"]
    empty = SegmentationLab(None, 90, "named states", "fewer than 20 customers: not enough data", (), ())
    assert segmentation_leaderboard(empty) == ["Segmentation: named states in use — fewer than 20 customers: "
                                               "not enough data"]
