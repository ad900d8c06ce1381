"""The what-if report as data: `whatif.json` (the issue's shape, then details) and `whatif.md`.

Pure rendering of `ScenarioSummary` values and the run's stated inputs; the files are written by
`service.whatif_command`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from schemas.ledger import UnservedReason
from whatif.roster import Scenario
from whatif.summary import ScenarioSummary, paired_difference

__all__ = ["render_json", "render_markdown", "scenario_key"]

Timings = Mapping[str, tuple[float, float]]
"""Scenario key -> (wall, CPU) seconds of its replay."""


def render_json(
    summaries: Sequence[ScenarioSummary], inputs: Mapping[str, Any], timings: Timings
) -> dict[str, Any]:
    """`{"scenarios": [...], "inputs": {...}}`: each scenario has the issue's keys, then details."""
    scenarios = []
    for s in summaries:
        wall, cpu = timings.get(scenario_key(s.scenario), (0.0, 0.0))
        scenarios.append({**s.as_json(), "replay_wall_s": round(wall, 1), "replay_cpu_s": round(cpu, 1)})
    return {"scenarios": scenarios, "inputs": dict(inputs)}


def _pct(value: float) -> str:
    return f"{100.0 * value:.1f}%"


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60.0:.1f}"


def render_markdown(summaries: Sequence[ScenarioSummary], inputs: Mapping[str, Any], timings: Timings) -> str:
    """The report: inputs, one row per scenario, gains on common random numbers, unserved by hour."""
    wait = float(inputs["covered_wait_min"])
    lines = [
        "# Staffing what-if",
        "",
        f"Coverage = share of eligible calls whose co-responder team was dispatched within {wait:g} minutes "
        "of triage asking for one. 95% intervals: bootstrap over days. Erlang B: the loss model (no "
        "waiting), hour by hour, with the same teams on duty.",
        "",
        "## Inputs",
        "",
        *(f"- {key.replace('_', ' ')}: {value}" for key, value in inputs.items()),
        "",
        "## Scenarios",
        "",
        "| model | teams | shifts | FTE | eligible | served | coverage [95% CI] | Erlang B | "
        "wait p50 / p90 (min) | to scene p50 / p90 (min) | utilization | unserved by reason | "
        "replay wall / CPU (s) |",
        "|---|---:|---|---:|---:|---:|---|---:|---|---|---:|---|---:|",
    ]
    for s in summaries:
        reasons = ", ".join(f"{r}: {n}" for r, n in s.unserved_by_reason.items() if n) or "none"
        wall, cpu = timings.get(scenario_key(s.scenario), (0.0, 0.0))
        lines.append(
            f"| {s.scenario.model} | {s.scenario.teams} | {','.join(x.label for x in s.scenario.shifts)} "
            f"| {s.fte:.2f} | {s.eligible:,} | {s.served:,} "
            f"| {_pct(s.coverage)} [{_pct(s.coverage_ci[0])}, {_pct(s.coverage_ci[1])}] "
            f"| {_pct(s.erlang_b_coverage)} | {_minutes(s.wait_p50_s)} / {_minutes(s.wait_p90_s)} "
            f"| {_minutes(s.scene_p50_s)} / {_minutes(s.scene_p90_s)} | {_pct(s.utilization)} "
            f"| {reasons} | {wall:.1f} / {cpu:.1f} |"
        )
    gains = _gains(summaries)
    if gains:
        lines += [
            "",
            "## What one more team per shift buys (common random numbers)",
            "",
            "Same calls, same times on task, same resampled days: the interval is the gain's own.",
            "",
            "| model | teams | coverage gain [95% CI] |",
            "|---|---|---|",
            *gains,
        ]
    lines += [
        "",
        "## Unserved calls by hour of eligibility (local time)",
        "",
        "| hour | eligible | " + " | ".join(scenario_key(s.scenario) for s in summaries) + " |",
        "|---:|---:|" + "---:|" * len(summaries),
    ]
    for hour in range(24):
        eligible = summaries[0].eligible_by_hour[hour] if summaries else 0
        row = " | ".join(str(s.unserved_by_hour[hour]) for s in summaries)
        lines.append(f"| {hour:02d} | {eligible} | {row} |")
    lines += [
        "",
        "Reasons: " + ", ".join(f"`{r.value}`" for r in UnservedReason) + " (see `routing/ledger.py`).",
        "",
    ]
    return "\n".join(lines)


def scenario_key(scenario: Scenario) -> str:
    """How a scenario is named in tables: `primary x2`."""
    return f"{scenario.model} x{scenario.teams}"


def _gains(summaries: Sequence[ScenarioSummary]) -> list[str]:
    rows = []
    by_model: dict[str, list[ScenarioSummary]] = {}
    for s in summaries:
        by_model.setdefault(s.scenario.model, []).append(s)
    for model, runs in by_model.items():
        ordered = sorted(runs, key=lambda s: s.scenario.teams)
        for earlier, later in itertools.pairwise(ordered):
            gain, low, high = paired_difference(later, earlier)
            rows.append(
                f"| {model} | {earlier.scenario.teams} -> {later.scenario.teams} "
                f"| {100 * gain:+.1f} pts [{100 * low:+.1f}, {100 * high:+.1f}] |"
            )
    return rows
