"""`corespond triage-eval FILE.csv`: reads labeled calls, scores them, prints how well triage ranks them.

CSV columns (a header row is required; other columns are ignored):
- `nature_code` (required): the call type at intake.
- `label` (required): 1 when the call was a behavioral-health crisis, else 0 (also true/false, yes/no).
- `priority` (optional, default 3), `origin` (optional: 911, ONVIEW, ...), `narrative` (optional),
  `agency` (optional: selects that agency's rule overrides), `flags` (optional, semicolon-separated
  CAD hazard flags), `caller_type` (optional), `bh_calls_12m` (optional premise history),
  `case_id` or `call_id` (optional, for reading the output).
Outcome columns such as `final_call_type` and `clearance` are never read: the scorer sees only what a
dispatcher knows at intake.

Every run prints the scorer beside a naive baseline (the nature code contains CRISIS, MENTAL, SUICID
or BEHAV) so that a number never stands alone. The maths lives in `triage.evaluation`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from triage.evaluation import (
    CalibrationBin,
    Confusion,
    PRPoint,
    average_precision,
    brier_score,
    calibration_table,
    confusion_at,
    precision_at_recall,
    precision_recall_curve,
)
from triage.facts import CallFacts, Triager

__all__ = [
    "NAIVE_BASELINE",
    "EvalReport",
    "LabeledCall",
    "TriageEvalError",
    "evaluate",
    "read_labeled_csv",
    "render",
]

NAIVE_BASELINE = re.compile(r"CRISIS|MENTAL|SUICID|BEHAV")
"""The baseline every run is compared with: keywords in the nature code, nothing else."""

_TRUE = frozenset({"1", "true", "yes", "y", "t"})
_FALSE = frozenset({"0", "false", "no", "n", "f"})
_CURVE_RECALLS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


class TriageEvalError(ValueError):
    """A labeled file that cannot be evaluated, with the line that is wrong."""


@dataclass(frozen=True, slots=True)
class LabeledCall:
    line: int
    case_id: str
    facts: CallFacts
    label: bool


def read_labeled_csv(path: Path) -> list[LabeledCall]:
    """The calls of a labeled CSV (see the module docstring for its columns)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        missing = {"nature_code", "label"} - columns
        if missing:
            raise TriageEvalError(
                f"{path}: missing required column(s) {sorted(missing)}; found {sorted(columns)}"
            )
        return [_labeled(path, reader.line_num, row) for row in reader]


def _labeled(path: Path, line: int, row: dict[str, str]) -> LabeledCall:
    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    label = text("label").lower()
    if label not in _TRUE | _FALSE:
        raise TriageEvalError(f"{path}:{line}: label must be 1 or 0, got {text('label')!r}")
    try:
        priority = int(text("priority") or 3)
        history = int(text("bh_calls_12m")) if text("bh_calls_12m") else None
    except ValueError as error:
        raise TriageEvalError(
            f"{path}:{line}: priority and bh_calls_12m must be integers ({error})"
        ) from error
    facts = CallFacts(
        agency=text("agency"),
        nature_code=text("nature_code"),
        priority=priority,
        narrative=text("narrative"),
        flags=frozenset(f.strip().lower() for f in text("flags").split(";") if f.strip()),
        caller_type=text("caller_type") or None,
        bh_calls_12m=history,
        origin=text("origin") or None,
    )
    return LabeledCall(line, text("case_id") or text("call_id") or str(line), facts, label in _TRUE)


@dataclass(frozen=True, slots=True)
class ScorerSummary:
    name: str
    threshold: float
    confusion: Confusion
    average_precision: float
    brier: float | None


@dataclass(frozen=True, slots=True)
class EvalReport:
    source: str
    rows: int
    positives: int
    threshold: float
    scorer: ScorerSummary
    decision: Confusion
    """Flagged = the recommended response sends a co-responder team (the operational decision)."""
    baseline: ScorerSummary
    curve: tuple[PRPoint, ...]
    baseline_curve: tuple[PRPoint, ...]
    calibration: tuple[CalibrationBin, ...]
    missed: tuple[str, ...]
    """Case ids of positives the decision did not send a co-responder to (first 20)."""
    false_alarms: tuple[str, ...]


def evaluate(source: str, calls: Sequence[LabeledCall], triager: Triager, threshold: float) -> EvalReport:
    labels = [c.label for c in calls]
    results = [triager.triage(c.facts) for c in calls]
    scores = [r.score for r in results]
    naive = [1.0 if NAIVE_BASELINE.search(c.facts.nature_code.upper()) else 0.0 for c in calls]
    wants = [1.0 if r.response.wants_co_responder else 0.0 for r in results]
    return EvalReport(
        source=source,
        rows=len(calls),
        positives=sum(labels),
        threshold=threshold,
        scorer=ScorerSummary(
            "corespond score",
            threshold,
            confusion_at(labels, scores, threshold),
            average_precision(labels, scores),
            brier_score(labels, scores),
        ),
        decision=confusion_at(labels, wants, 0.5),
        baseline=ScorerSummary(
            "naive baseline (CRISIS|MENTAL|SUICID|BEHAV in nature code)",
            0.5,
            confusion_at(labels, naive, 0.5),
            average_precision(labels, naive),
            None,
        ),
        curve=precision_recall_curve(labels, scores),
        baseline_curve=precision_recall_curve(labels, naive),
        calibration=calibration_table(labels, scores),
        missed=tuple(c.case_id for c, w in zip(calls, wants, strict=True) if c.label and not w)[:20],
        false_alarms=tuple(c.case_id for c, w in zip(calls, wants, strict=True) if w and not c.label)[:20],
    )


def _row(name: str, c: Confusion, ap: float | None) -> str:
    ap_text = f"{ap:6.3f}" if ap is not None else "     -"
    return (
        f"  {name:<44} {c.precision:9.3f} {c.recall:6.3f} {c.f1:6.3f} {ap_text}"
        f" {c.tp + c.fp:8d} {c.tp:5d} {c.fp:5d} {c.fn:5d} {c.tn:6d}"
    )


def render(report: EvalReport) -> str:
    """The human-readable report: summary rows, confusion, PR curve points, calibration."""
    lines = [
        f"triage-eval {report.source}: {report.rows} calls, {report.positives} positive "
        f"({report.positives / max(report.rows, 1):.1%})",
        "",
        f"  {'':<44} {'precision':>9} {'recall':>6} {'F1':>6} {'AP':>6} {'flagged':>8} {'TP':>5} {'FP':>5}"
        f" {'FN':>5} {'TN':>6}",
        _row(f"score >= {report.threshold:.2f}", report.scorer.confusion, report.scorer.average_precision),
        _row("decision: co-responder response", report.decision, None),
        _row(
            "naive baseline (CRISIS|MENTAL|SUICID|BEHAV)",
            report.baseline.confusion,
            report.baseline.average_precision,
        ),
        "",
        f"  Brier score of the score: {report.scorer.brier:.4f}"
        f" (always predicting the base rate: {_base_brier(report):.4f})",
        "",
        "  precision-recall curve of the score (first threshold reaching each recall):",
        f"    {'recall>=':>8} {'threshold':>9} {'precision':>9} {'recall':>6} {'flagged':>7}",
    ]
    for target in _CURVE_RECALLS:
        point = precision_at_recall(report.curve, target)
        if point is not None:
            lines.append(
                f"    {target:8.1f} {point.threshold:9.4f} {point.precision:9.3f}"
                f" {point.recall:6.3f} {point.flagged:7d}"
            )
    base = next((p for p in report.baseline_curve if p.threshold >= 0.5), None)
    if base is not None:
        mine = precision_at_recall(report.curve, base.recall)
        if mine is not None:
            lines.append(
                f"    at the baseline's recall {base.recall:.3f}: score precision {mine.precision:.3f}"
                f" vs baseline {base.precision:.3f}"
            )
    lines += [
        "",
        "  calibration (score bucket -> observed rate):",
        f"    {'bucket':>13} {'calls':>6} {'positive':>8} {'mean score':>10} {'observed':>8}",
    ]
    for b in report.calibration:
        if b.count:
            lines.append(
                f"    [{b.lower:4.2f}, {b.upper:4.2f}) {b.count:6d} {b.positives:8d} {b.mean_score:10.3f}"
                f" {b.observed_rate:8.3f}"
            )
    if report.missed:
        lines += ["", f"  missed positives (first 20): {', '.join(report.missed)}"]
    if report.false_alarms:
        lines += [f"  false alarms (first 20): {', '.join(report.false_alarms)}"]
    return "\n".join(lines)


def _base_brier(report: EvalReport) -> float:
    rate = report.positives / max(report.rows, 1)
    return rate * (1 - rate)


def as_json(report: EvalReport) -> dict[str, Any]:
    def summary(s: ScorerSummary) -> dict[str, Any]:
        c = s.confusion
        return {
            "name": s.name,
            "threshold": s.threshold,
            "precision": c.precision,
            "recall": c.recall,
            "f1": c.f1,
            "average_precision": s.average_precision,
            "brier": s.brier,
            "confusion": asdict(c),
        }

    return {
        "source": report.source,
        "rows": report.rows,
        "positives": report.positives,
        "scorer": summary(report.scorer),
        "decision": {
            "precision": report.decision.precision,
            "recall": report.decision.recall,
            "f1": report.decision.f1,
            "confusion": asdict(report.decision),
        },
        "baseline": summary(report.baseline),
        "curve": [asdict(p) for p in report.curve],
        "calibration": [asdict(b) for b in report.calibration],
        "missed": list(report.missed),
        "false_alarms": list(report.false_alarms),
    }


def write_json(report: EvalReport, path: Path) -> None:
    path.write_text(json.dumps(as_json(report), indent=2) + "\n", encoding="utf-8")
