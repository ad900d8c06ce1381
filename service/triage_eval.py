"""`corespond triage-eval FILE.csv`: reads labeled calls, scores them, prints how well triage ranks them.

CSV columns (a header row is required; other columns are ignored):
- `nature_code` (required): the call type at intake.
- `label` (required): 1 when the call was a behavioral-health crisis, else 0 (also true/false, yes/no).
- `priority` (optional, default 3), `origin` (optional: 911, ONVIEW, ...), `narrative` (optional),
  `agency` (optional: selects that agency's rule overrides), `flags` (optional, semicolon-separated
  CAD hazard flags), `caller_type` (optional), `bh_calls_12m` (optional premise history),
  `case_id` or `call_id` (optional, for reading the output).
- The blind-case format adds (all optional): `appends`, later narrative appends separated by ` || `,
  joined after the narrative in order exactly as the service joins `narrative_append`s (one blank
  between them, see `routing.region.CallState.facts`), so the call is scored on everything known by
  its last append; `officer_required` (1 when a clinician must never arrive without an officer);
  `expected_needs` (`;`-separated, e.g. `ems`). Other columns (`note`, `expected_safety`, ...) are
  not read.
- A list of call types (`tests/triage/cases/city_call_types.csv`) adds `volume`, how many calls of
  that type the city published, and `city`: each row is then one call type weighed by its volume, and
  the decision is also reported volume-weighted per city, pooled, and with every city weighing the
  same. A city whose volumes are not published leaves `volume` blank on all its rows: they weigh
  equally.
Outcome columns such as `final_call_type` and `clearance` are never read: the scorer sees only what a
dispatcher knows at intake.

Every run prints the scorer beside a naive baseline (the nature code contains CRISIS, MENTAL, SUICID
or BEHAV) so that a number never stands alone, and the operational decision (a co-responder response,
`response.wants_co_responder`) as recall and precision. With `officer_required`, a **safety-gate
breach** is a call that needs an officer whose response is `co_response_any` or
`co_response_secondary` (a clinician could arrive alone); with `expected_needs`, missed `ems` needs
are counted. By default only figures are printed, never case text or ids, so a sealed blind file can
be scored without being read; `show_misses` lists every miss with its text and reasons (development
files only). The maths lives in `triage.evaluation`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from schemas.decisions import Response
from triage.evaluation import (
    CalibrationBin,
    Confusion,
    PRPoint,
    WeightedConfusion,
    average_precision,
    brier_score,
    calibration_table,
    confusion_at,
    precision_at_recall,
    precision_recall_curve,
    weighted_confusion,
)
from triage.facts import CallFacts, Triager, TriageResult

__all__ = [
    "ALONE_POSSIBLE",
    "APPEND_SEPARATOR",
    "NAIVE_BASELINE",
    "CityVolume",
    "EvalReport",
    "LabeledCall",
    "Miss",
    "SafetyFigures",
    "TriageEvalError",
    "VolumeFigures",
    "evaluate",
    "evaluate_results",
    "joined_narrative",
    "read_labeled_csv",
    "render",
]

APPEND_SEPARATOR = "||"
"""Between two appends in the `appends` column (written ` || `)."""

ALONE_POSSIBLE: frozenset[Response] = frozenset({Response.CO_RESPONSE_ANY, Response.CO_RESPONSE_SECONDARY})
"""Responses under which a clinician could arrive without an officer."""

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
    """With the narrative and every append joined, as the service scores the call after its last append."""
    label: bool
    officer_required: bool | None = None
    """None when the file has no `officer_required` column."""
    expected_needs: frozenset[str] | None = None
    """None when the file has no `expected_needs` column."""
    appends: int = 0
    """How many appends were joined into the narrative."""
    city: str = ""
    weighted: bool = False
    """The file has a `volume` column: the row is a call type weighed by its volume."""
    volume: float | None = None
    """The published call volume of the type; None when not published (the city's rows weigh equally)."""
    narrative_parts: tuple[str, ...] = ()
    """The narrative as the call was created, then each append, as a CAD would send them one by one."""


def joined_narrative(narrative: str, appends: Sequence[str]) -> str:
    """The narrative the service triages once every append has arrived: the same join as
    `routing.region.CallState.facts` (one blank between parts, the whole stripped)."""
    if not appends:
        return narrative
    return " ".join([narrative, *appends]).strip()


def split_appends(cell: str) -> list[str]:
    """The appends of one `appends` cell, in order; blank parts are dropped."""
    return [part.strip() for part in cell.split(APPEND_SEPARATOR) if part.strip()]


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
        calls = [_labeled(path, reader.line_num, row) for row in reader]
    if "volume" in columns:
        _check_volumes(path, calls)
    return calls


def _check_volumes(path: Path, calls: Sequence[LabeledCall]) -> None:
    published: dict[str, set[bool]] = {}
    for call in calls:
        published.setdefault(call.city, set()).add(call.volume is not None)
    mixed = sorted(city for city, kinds in published.items() if len(kinds) > 1)
    if mixed:
        raise TriageEvalError(
            f"{path}: city {mixed[0]!r} has a volume on some rows and none on others; leave volume blank "
            "on every row of a city whose volumes are not published (its rows then weigh equally)"
        )


def _labeled(path: Path, line: int, row: dict[str, str]) -> LabeledCall:
    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    def boolean(name: str) -> bool:
        value = text(name).lower()
        if value not in _TRUE | _FALSE:
            raise TriageEvalError(f"{path}:{line}: {name} must be 1 or 0, got {text(name)!r}")
        return value in _TRUE

    label = boolean("label")
    officer = boolean("officer_required") if "officer_required" in row else None
    needs = (
        frozenset(n.strip().lower() for n in text("expected_needs").split(";") if n.strip())
        if "expected_needs" in row
        else None
    )
    appends = split_appends(text("appends"))
    try:
        priority = int(text("priority") or 3)
        history = int(text("bh_calls_12m")) if text("bh_calls_12m") else None
    except ValueError as error:
        raise TriageEvalError(
            f"{path}:{line}: priority and bh_calls_12m must be integers ({error})"
        ) from error
    volume = _volume(path, line, text("volume"))
    facts = CallFacts(
        agency=text("agency"),
        nature_code=text("nature_code"),
        priority=priority,
        narrative=joined_narrative(text("narrative"), appends),
        flags=frozenset(f.strip().lower() for f in text("flags").split(";") if f.strip()),
        caller_type=text("caller_type") or None,
        bh_calls_12m=history,
        origin=text("origin") or None,
    )
    case_id = text("case_id") or text("call_id") or str(line)
    return LabeledCall(
        line,
        case_id,
        facts,
        label,
        officer,
        needs,
        len(appends),
        text("city"),
        "volume" in row,
        volume,
        (text("narrative"), *appends),
    )


def _volume(path: Path, line: int, cell: str) -> float | None:
    if not cell:
        return None
    try:
        volume = float(cell)
    except ValueError:
        volume = -1.0
    if not math.isfinite(volume) or volume < 0:
        raise TriageEvalError(f"{path}:{line}: volume must be a number of calls (0 or more), got {cell!r}")
    return volume


@dataclass(frozen=True, slots=True)
class ScorerSummary:
    name: str
    threshold: float
    confusion: Confusion
    average_precision: float
    brier: float | None


@dataclass(frozen=True, slots=True)
class Miss:
    """One call the decision got wrong, for `--show-misses` (development files only)."""

    kind: str
    """`missed` (a crisis without a co-responder), `false_alarm`, `breach` or `ems_missed`."""
    case_id: str
    nature_code: str
    narrative: str
    result: TriageResult


@dataclass(frozen=True, slots=True)
class SafetyFigures:
    """What the file's `officer_required` and `expected_needs` columns let us count."""

    officer_required: int | None
    """Calls with officer_required=1 (None: the file has no such column)."""
    breaches: int | None
    """Of those, how many got co_response_any or co_response_secondary."""
    ems_expected: int | None
    ems_missed: int | None


@dataclass(frozen=True, slots=True)
class CityVolume:
    """The decision on one city's call types, each weighed by its published volume."""

    city: str
    call_types: int
    published: bool
    """False: the city publishes no volumes, every call type weighs 1."""
    decision: WeightedConfusion


@dataclass(frozen=True, slots=True)
class VolumeFigures:
    """The decision volume-weighted: per city, pooled over cities, and with every city weighing the same."""

    cities: tuple[CityVolume, ...]
    pooled: WeightedConfusion | None
    """Volumes summed over all cities; None when a city publishes no volumes (counts and ones do not add)."""
    cities_equal: WeightedConfusion
    """Each city's weights scaled to sum to 1, so a large city does not drown a small one."""


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
    safety: SafetyFigures
    volume: VolumeFigures | None
    """None unless the file has a `volume` column."""
    misses: tuple[Miss, ...]
    """Every call the decision got wrong, in file order (printed only with `show_misses`)."""

    @property
    def missed(self) -> tuple[str, ...]:
        """Case ids of positives the decision did not send a co-responder to."""
        return tuple(m.case_id for m in self.misses if m.kind == "missed")

    @property
    def false_alarms(self) -> tuple[str, ...]:
        return tuple(m.case_id for m in self.misses if m.kind == "false_alarm")


def evaluate(source: str, calls: Sequence[LabeledCall], triager: Triager, threshold: float) -> EvalReport:
    return evaluate_results(source, calls, [triager.triage(c.facts) for c in calls], threshold)


def evaluate_results(
    source: str, calls: Sequence[LabeledCall], results: Sequence[TriageResult], threshold: float
) -> EvalReport:
    """The report on results obtained elsewhere (e.g. read back from the running service), one per call."""
    if len(results) != len(calls):
        raise ValueError(f"{len(results)} results for {len(calls)} calls")
    labels = [c.label for c in calls]
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
        safety=_safety_figures(calls, results),
        volume=_volume_figures(calls, [w == 1.0 for w in wants]) if any(c.weighted for c in calls) else None,
        misses=tuple(_misses(calls, results)),
    )


def _volume_figures(calls: Sequence[LabeledCall], sent: Sequence[bool]) -> VolumeFigures:
    by_city: dict[str, list[int]] = {}
    for i, call in enumerate(calls):
        by_city.setdefault(call.city, []).append(i)
    cities: list[CityVolume] = []
    equal_labels: list[bool] = []
    equal_sent: list[bool] = []
    equal_weights: list[float] = []
    for city, rows in by_city.items():
        published = all(calls[i].volume is not None for i in rows)
        weights = [(calls[i].volume or 0.0) if published else 1.0 for i in rows]
        labels = [calls[i].label for i in rows]
        decisions = [sent[i] for i in rows]
        cities.append(CityVolume(city, len(rows), published, weighted_confusion(labels, decisions, weights)))
        total = sum(weights)
        equal_labels += labels
        equal_sent += decisions
        equal_weights += [w / total if total else 0.0 for w in weights]
    pooled = None
    if all(c.published for c in cities):
        pooled = weighted_confusion([c.label for c in calls], list(sent), [c.volume or 0.0 for c in calls])
    return VolumeFigures(tuple(cities), pooled, weighted_confusion(equal_labels, equal_sent, equal_weights))


def _breach(call: LabeledCall, result: TriageResult) -> bool:
    return bool(call.officer_required) and result.response in ALONE_POSSIBLE


def _ems_missed(call: LabeledCall, result: TriageResult) -> bool:
    return call.expected_needs is not None and "ems" in call.expected_needs and "ems" not in result.needs


def _safety_figures(calls: Sequence[LabeledCall], results: Sequence[TriageResult]) -> SafetyFigures:
    pairs = list(zip(calls, results, strict=True))
    has_officer = bool(calls) and all(c.officer_required is not None for c in calls)
    has_needs = bool(calls) and all(c.expected_needs is not None for c in calls)
    return SafetyFigures(
        officer_required=sum(bool(c.officer_required) for c in calls) if has_officer else None,
        breaches=sum(_breach(c, r) for c, r in pairs) if has_officer else None,
        ems_expected=sum("ems" in (c.expected_needs or ()) for c in calls) if has_needs else None,
        ems_missed=sum(_ems_missed(c, r) for c, r in pairs) if has_needs else None,
    )


def _misses(calls: Sequence[LabeledCall], results: Sequence[TriageResult]) -> list[Miss]:
    misses: list[Miss] = []
    for call, result in zip(calls, results, strict=True):
        sent = result.response.wants_co_responder
        kinds = [
            kind
            for kind, wrong in (
                ("missed", call.label and not sent),
                ("false_alarm", sent and not call.label),
                ("breach", _breach(call, result)),
                ("ems_missed", _ems_missed(call, result)),
            )
            if wrong
        ]
        misses.extend(
            Miss(kind, call.case_id, call.facts.nature_code, call.facts.narrative, result) for kind in kinds
        )
    return misses


def _row(name: str, c: Confusion, ap: float | None) -> str:
    ap_text = f"{ap:6.3f}" if ap is not None else "     -"
    return (
        f"  {name:<44} {c.precision:9.3f} {c.recall:6.3f} {c.f1:6.3f} {ap_text}"
        f" {c.tp + c.fp:8d} {c.tp:5d} {c.fp:5d} {c.fn:5d} {c.tn:6d}"
    )


def render(report: EvalReport, *, show_misses: bool = False) -> str:
    """The human-readable report: summary rows, the decision's safety figures, confusion, PR curve
    points, calibration. Figures only, unless `show_misses` (then every miss with its text)."""
    lines = [
        f"triage-eval {report.source}: {report.rows} {'call types' if report.volume else 'calls'},"
        f" {report.positives} positive "
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
        *_decision_lines(report),
        *_volume_lines(report.volume),
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
    if show_misses:
        lines += _miss_lines(report.misses)
    elif report.misses:
        lines += [
            "",
            "  (case ids and text of the misses are listed with --show-misses: development files only)",
        ]
    return "\n".join(lines)


def _decision_lines(report: EvalReport) -> list[str]:
    d, s = report.decision, report.safety
    lines = [
        f"  decision (co-responder response): recall {d.recall:.3f} ({d.tp}/{d.tp + d.fn}),"
        f" precision {d.precision:.3f} ({d.tp}/{d.tp + d.fp})"
    ]
    if s.breaches is not None:
        lines.append(
            f"  safety-gate breaches: {s.breaches} of {s.officer_required} calls that need an officer"
            " got co_response_any or co_response_secondary"
        )
    if s.ems_missed is not None:
        lines.append(f"  ems needs missed: {s.ems_missed} of {s.ems_expected}")
    return lines


def _volume_lines(volume: VolumeFigures | None) -> list[str]:
    if volume is None:
        return []
    lines = [
        "",
        "  decision weighted by call volume (each row a call type, weighed by the calls the city published):",
        f"    {'city':<28} {'types':>6} {'volume':>10} {'recall':>7} {'precision':>9}",
    ]

    def row(name: str, types: str, total: str, d: WeightedConfusion) -> str:
        return f"    {name:<28} {types:>6} {total:>10} {d.recall:7.3f} {d.precision:9.3f}"

    for c in volume.cities:
        d = c.decision
        total = f"{d.tp + d.fp + d.fn + d.tn:.0f}" if c.published else "unpublished"
        lines.append(row(c.city or "(no city)", str(c.call_types), total, d))
    if volume.pooled is not None:
        lines.append(row("pooled by volume", "", "", volume.pooled))
    lines.append(row("every city weighing the same", "", "", volume.cities_equal))
    return lines


_MISS_TITLES = {
    "missed": "missed crises (no co-responder)",
    "false_alarm": "false alarms (a co-responder for a call that is not a crisis)",
    "breach": "safety-gate breaches (officer required, a clinician could arrive alone)",
    "ems_missed": "ems needs missed",
}


def _miss_lines(misses: Sequence[Miss]) -> list[str]:
    lines: list[str] = []
    for kind, title in _MISS_TITLES.items():
        group = [m for m in misses if m.kind == kind]
        lines += ["", f"  {title}: {len(group)}"]
        for m in group:
            r = m.result
            reasons = "; ".join(f"{x.code} {x.weight:+.2f} [{x.evidence}]" for x in r.reasons)
            lines += [
                f"    {m.case_id}  {m.nature_code}  score {r.score:.3f}  {r.response.value}"
                f"  safety={','.join(r.safety) or '-'}  needs={','.join(sorted(r.needs)) or '-'}",
                f"      {m.narrative}",
                f"      reasons: {reasons}",
            ]
    return lines


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
        "safety": asdict(report.safety),
        "volume": None if report.volume is None else _volume_json(report.volume),
    }


def _volume_json(volume: VolumeFigures) -> dict[str, Any]:
    def figures(d: WeightedConfusion) -> dict[str, Any]:
        return {"recall": d.recall, "precision": d.precision, "confusion": asdict(d)}

    return {
        "cities": [
            {"city": c.city, "call_types": c.call_types, "published": c.published, **figures(c.decision)}
            for c in volume.cities
        ],
        "pooled": None if volume.pooled is None else figures(volume.pooled),
        "cities_equal": figures(volume.cities_equal),
    }


def write_json(report: EvalReport, path: Path) -> None:
    path.write_text(json.dumps(as_json(report), indent=2) + "\n", encoding="utf-8")
