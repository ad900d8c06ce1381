"""Metric maths against values worked out by hand."""

from __future__ import annotations

import pytest

from triage.evaluation import (
    average_precision,
    brier_score,
    calibration_table,
    confusion_at,
    precision_at_recall,
    precision_recall_curve,
    weighted_confusion,
)

LABELS = [True, False, True, True, False, False]
SCORES = [0.9, 0.8, 0.7, 0.4, 0.4, 0.1]


def test_confusion_and_its_rates() -> None:
    c = confusion_at(LABELS, SCORES, 0.5)
    assert (c.tp, c.fp, c.fn, c.tn) == (2, 1, 1, 2)
    assert c.precision == pytest.approx(2 / 3)
    assert c.recall == pytest.approx(2 / 3)
    assert c.f1 == pytest.approx(2 / 3)


def test_a_weighted_confusion_counts_each_row_by_its_weight() -> None:
    flagged = [s >= 0.5 for s in SCORES]
    c = weighted_confusion(LABELS, flagged, [10, 1, 5, 4, 0, 100])
    assert (c.tp, c.fp, c.fn, c.tn) == (15.0, 1.0, 4.0, 100.0)
    assert c.recall == pytest.approx(15 / 19)
    assert c.precision == pytest.approx(15 / 16)
    unweighted = weighted_confusion(LABELS, flagged, [1.0] * len(LABELS))
    counted = confusion_at(LABELS, SCORES, 0.5)
    assert (unweighted.tp, unweighted.fp, unweighted.fn, unweighted.tn) == (
        counted.tp,
        counted.fp,
        counted.fn,
        counted.tn,
    )


@pytest.mark.parametrize("weights", [[1, 1, 1], [1, 1, 1, 1, 1, -1], [1, 1, 1, 1, 1, float("nan")]])
def test_weights_must_match_the_rows_and_not_be_negative(weights: list[float]) -> None:
    with pytest.raises(ValueError, match=r"weights|equal length"):
        weighted_confusion(LABELS, [True] * len(LABELS), weights)


def test_the_curve_has_one_point_per_distinct_score_and_ties_are_flagged_together() -> None:
    curve = precision_recall_curve(LABELS, SCORES)
    assert [p.threshold for p in curve] == [0.9, 0.8, 0.7, 0.4, 0.1]
    assert [p.flagged for p in curve] == [1, 2, 3, 5, 6]
    assert [round(p.precision, 3) for p in curve] == [1.0, 0.5, 0.667, 0.6, 0.5]
    assert [round(p.recall, 3) for p in curve] == [0.333, 0.333, 0.667, 1.0, 1.0]


def test_average_precision_is_the_step_area() -> None:
    # recall steps: 1/3 at precision 1, 1/3 at 2/3, 1/3 at 3/5
    assert average_precision(LABELS, SCORES) == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    assert average_precision([True, False], [1.0, 0.0]) == pytest.approx(1.0)
    assert average_precision([False, False], [1.0, 0.0]) == 0.0


def test_a_binary_scorer_has_the_average_precision_of_its_single_threshold() -> None:
    labels = [True] * 4 + [False] * 6 + [True] * 2 + [False] * 8
    flags = [1.0] * 10 + [0.0] * 10
    # flagged: precision 0.4 at recall 4/6; everything: precision 6/20 for the remaining 2/6
    assert average_precision(labels, flags) == pytest.approx(0.4 * 4 / 6 + 0.3 * 2 / 6)


def test_precision_at_recall() -> None:
    curve = precision_recall_curve(LABELS, SCORES)
    point = precision_at_recall(curve, 0.6)
    assert point is not None
    assert point.threshold == 0.7
    assert precision_at_recall(curve, 1.01) is None


def test_calibration_buckets_and_brier() -> None:
    table = calibration_table(LABELS, SCORES, edges=(0.0, 0.5, 1.0))
    low, high = table
    assert (low.count, low.positives) == (3, 1)
    assert (high.count, high.positives) == (3, 2)
    assert high.mean_score == pytest.approx(0.8)
    assert high.observed_rate == pytest.approx(2 / 3)
    assert calibration_table([True], [1.0], edges=(0.0, 0.5, 1.0))[1].count == 1, "the last bucket is closed"
    assert brier_score([True, False], [1.0, 0.0]) == 0.0
    assert brier_score([True, False], [0.5, 0.5]) == pytest.approx(0.25)


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="equal length"):
        confusion_at([True], [0.1, 0.2], 0.5)
