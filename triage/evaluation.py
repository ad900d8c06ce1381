"""Metric maths for judging a triage scorer against labeled calls: pure functions over arrays.

Precision, recall and F1 at a threshold, the confusion matrix, the precision-recall curve with one
point per distinct score, average precision (the step-wise area under that curve, as scikit-learn
defines it: sum over thresholds of the recall gained times the precision there), and a calibration
table (score bucket -> observed positive rate) with the Brier score; the confusion matrix of a yes/no
decision with rows weighted (a list of call types weighted by their call volume). Reading files and
printing is the caller's business (`service/triage_eval.py`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_CALIBRATION_EDGES",
    "CalibrationBin",
    "Confusion",
    "PRPoint",
    "WeightedConfusion",
    "average_precision",
    "brier_score",
    "calibration_table",
    "confusion_at",
    "precision_at_recall",
    "precision_recall_curve",
    "weighted_confusion",
]

DEFAULT_CALIBRATION_EDGES: tuple[float, ...] = (
    0.0,
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
    1.0,
)


class _Rates:
    """Precision, recall and F1 of a confusion matrix, whether its cells are counts or summed weights."""

    __slots__ = ()
    tp: float
    fp: float
    fn: float
    tn: float

    @property
    def precision(self) -> float:
        flagged = self.tp + self.fp
        return self.tp / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        positives = self.tp + self.fn
        return self.tp / positives if positives else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Confusion(_Rates):
    tp: int
    fp: int
    fn: int
    tn: int


@dataclass(frozen=True, slots=True)
class WeightedConfusion(_Rates):
    """A confusion matrix whose cells are summed weights (e.g. the published call volume of each call
    type) rather than counts of rows."""

    tp: float
    fp: float
    fn: float
    tn: float


@dataclass(frozen=True, slots=True)
class PRPoint:
    """Flag every call scoring at least `threshold`: this precision and recall follow."""

    threshold: float
    precision: float
    recall: float
    flagged: int
    true_positives: int


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    lower: float
    upper: float
    count: int
    positives: int
    mean_score: float
    observed_rate: float


def _arrays(
    labels: Sequence[bool], scores: Sequence[float]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError("labels and scores must be 1-D and of equal length")
    return y, s


def confusion_at(labels: Sequence[bool], scores: Sequence[float], threshold: float) -> Confusion:
    """The confusion matrix when every call scoring at least `threshold` is flagged."""
    y, s = _arrays(labels, scores)
    flagged = s >= threshold
    return Confusion(
        tp=int(np.sum(flagged & y)),
        fp=int(np.sum(flagged & ~y)),
        fn=int(np.sum(~flagged & y)),
        tn=int(np.sum(~flagged & ~y)),
    )


def weighted_confusion(
    labels: Sequence[bool], flagged: Sequence[bool], weights: Sequence[float]
) -> WeightedConfusion:
    """The confusion matrix of a yes/no decision, each row counting its weight (finite, not negative)."""
    y = np.asarray(labels, dtype=bool)
    f = np.asarray(flagged, dtype=bool)
    w = np.asarray(weights, dtype=np.float64)
    if not (y.shape == f.shape == w.shape) or y.ndim != 1:
        raise ValueError("labels, decisions and weights must be 1-D and of equal length")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must be finite and not negative")
    return WeightedConfusion(
        tp=float(np.sum(w[f & y])),
        fp=float(np.sum(w[f & ~y])),
        fn=float(np.sum(w[~f & y])),
        tn=float(np.sum(w[~f & ~y])),
    )


def precision_recall_curve(labels: Sequence[bool], scores: Sequence[float]) -> tuple[PRPoint, ...]:
    """One point per distinct score, from the highest threshold (fewest flagged) down."""
    y, s = _arrays(labels, scores)
    total_positive = int(y.sum())
    if s.size == 0:
        return ()
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    tps = np.cumsum(y_sorted)
    # the last index of each run of equal scores: flagging is all-or-nothing within a tie
    last_of_tie = np.r_[np.nonzero(np.diff(s_sorted))[0], s_sorted.size - 1]
    points = []
    for i in last_of_tie:
        flagged = int(i) + 1
        tp = int(tps[i])
        points.append(
            PRPoint(
                threshold=float(s_sorted[i]),
                precision=tp / flagged,
                recall=tp / total_positive if total_positive else 0.0,
                flagged=flagged,
                true_positives=tp,
            )
        )
    return tuple(points)


def average_precision(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Sum over the curve's points of (recall gained) x (precision there); 0 when nothing is positive."""
    previous_recall = 0.0
    area = 0.0
    for point in precision_recall_curve(labels, scores):
        area += (point.recall - previous_recall) * point.precision
        previous_recall = point.recall
    return area


def precision_at_recall(curve: Sequence[PRPoint], recall: float) -> PRPoint | None:
    """The first point (highest threshold) whose recall reaches `recall`, if any does."""
    return next((p for p in curve if p.recall >= recall), None)


def calibration_table(
    labels: Sequence[bool],
    scores: Sequence[float],
    edges: Sequence[float] = DEFAULT_CALIBRATION_EDGES,
) -> tuple[CalibrationBin, ...]:
    """Calls grouped by score bucket [lower, upper) (the last one closed): mean score vs observed rate."""
    y, s = _arrays(labels, scores)
    bins = []
    for k, (lower, upper) in enumerate(itertools.pairwise(edges)):
        last = k == len(edges) - 2
        inside = (s >= lower) & ((s <= upper) if last else (s < upper))
        count = int(inside.sum())
        positives = int(y[inside].sum())
        bins.append(
            CalibrationBin(
                lower=float(lower),
                upper=float(upper),
                count=count,
                positives=positives,
                mean_score=float(s[inside].mean()) if count else 0.0,
                observed_rate=positives / count if count else 0.0,
            )
        )
    return tuple(bins)


def brier_score(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Mean squared difference between score and outcome (0 is perfect; lower is better)."""
    y, s = _arrays(labels, scores)
    return float(np.mean((s - y.astype(np.float64)) ** 2)) if s.size else 0.0
