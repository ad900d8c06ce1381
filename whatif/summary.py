"""What a replay says about its roster: coverage with a bootstrap interval, waits, utilization,
unserved calls by reason and hour, and the Erlang-B baseline beside it; computed from the core's
ledger entries only.

Definitions:
- **eligible**: calls that got a ledger entry (triage asked for a co-responder);
- **covered**: served, with the team assigned (dispatched) within `covered_wait_s` of eligibility;
  **coverage** = covered / eligible;
- **wait**: eligibility to assignment, over served calls (p50, p90); **to scene** likewise;
- **utilization** of a team: dispatch-to-clear seconds over its rostered seconds (overtime on a call
  that runs past the shift counts, so it can pass 1); the scenario's figure is the teams' mean;
- **95% interval**: percentile bootstrap over days (each day's calls resampled together, so calls of
  one busy day stay correlated), ratio of sums; the same resampled days for every scenario of a run
  (`resample_days`), so two scenarios' intervals and their difference are on common random numbers;
- **Erlang-B coverage**: `whatif.erlang.hourly_loss_coverage` with the scenario's teams on duty by
  local hour and a mean service time of the mean drive from base plus the mean time on task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from schemas.ledger import LedgerOutcome, UnservedReason
from whatif.erlang import hourly_loss_coverage
from whatif.replay import ReplayResult
from whatif.roster import Scenario

__all__ = ["ScenarioSummary", "paired_difference", "resample_days", "summarize"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    scenario: Scenario
    fte: float
    eligible: int
    served: int
    covered: int
    coverage: float
    coverage_ci: tuple[float, float]
    erlang_b_coverage: float
    wait_p50_s: float | None
    wait_p90_s: float | None
    scene_p50_s: float | None
    scene_p90_s: float | None
    utilization: float
    utilization_by_team: dict[str, float]
    unserved_by_reason: dict[str, int]
    unserved_by_hour: list[int]
    """Unserved calls by local hour of eligibility, 0..23."""
    eligible_by_hour: list[int]
    boot_coverage: FloatArray
    """Coverage in each bootstrap resample (for paired differences between scenarios)."""

    def as_json(self) -> dict[str, Any]:
        """The issue's keys first, exactly as it names them, then the details."""
        return {
            "teams": self.scenario.teams,
            "coverage": _round(self.coverage),
            "coverage_ci": [_round(self.coverage_ci[0]), _round(self.coverage_ci[1])],
            "erlang_b_coverage": _round(self.erlang_b_coverage),
            "wait_p50_s": _seconds(self.wait_p50_s),
            "wait_p90_s": _seconds(self.wait_p90_s),
            "utilization": _round(self.utilization),
            "unserved_by_reason": dict(self.unserved_by_reason),
            "model": self.scenario.model,
            "shifts": [s.label for s in self.scenario.shifts],
            "fte": round(self.fte, 2),
            "eligible": self.eligible,
            "served": self.served,
            "covered": self.covered,
            "to_scene_p50_s": _seconds(self.scene_p50_s),
            "to_scene_p90_s": _seconds(self.scene_p90_s),
            "utilization_by_team": {k: _round(v) for k, v in self.utilization_by_team.items()},
            "unserved_by_hour": list(self.unserved_by_hour),
        }


def _round(value: float) -> float:
    return round(value, 4)


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def resample_days(days: int, resamples: int, seed: int) -> IntArray:
    """(resamples, days) day indices drawn with replacement: one draw shared by every scenario."""
    rng = np.random.default_rng([seed, 0xB007])
    drawn: IntArray = rng.integers(0, days, size=(resamples, days), dtype=np.int64)
    return drawn


def summarize(
    result: ReplayResult,
    scenario: Scenario,
    *,
    covered_wait_s: float,
    timezone: ZoneInfo,
    resampled_days: IntArray,
    mean_service_s: float,
    relief_factor: float,
) -> ScenarioSummary:
    entries = result.entries
    day_index = {day: i for i, day in enumerate(result.days)}
    eligible_by_day = np.zeros(len(result.days), dtype=np.int64)
    covered_by_day = np.zeros(len(result.days), dtype=np.int64)
    eligible_by_hour = [0] * 24
    unserved_by_hour = [0] * 24
    unserved_by_reason = {r.value: 0 for r in UnservedReason}
    waits, to_scene = [], []
    for entry in entries:
        local = entry.eligible_at.astimezone(timezone)
        day = day_index.get(local.date(), _nearest_day(local.date(), result.days))
        eligible_by_day[day] += 1
        eligible_by_hour[local.hour] += 1
        if entry.outcome is LedgerOutcome.SERVED and entry.assigned_at is not None:
            wait = max(0.0, (entry.assigned_at - entry.eligible_at).total_seconds())
            waits.append(wait)
            if entry.on_scene_at is not None:
                to_scene.append(max(0.0, (entry.on_scene_at - entry.eligible_at).total_seconds()))
            if wait <= covered_wait_s:
                covered_by_day[day] += 1
        else:
            assert entry.reason is not None
            unserved_by_reason[entry.reason.value] += 1
            unserved_by_hour[local.hour] += 1
    eligible, covered = int(eligible_by_day.sum()), int(covered_by_day.sum())
    boot = _ratio(covered_by_day[resampled_days].sum(axis=1), eligible_by_day[resampled_days].sum(axis=1))
    servers_by_hour = [scenario.teams * sum(s.covers_hour(h) for s in scenario.shifts) for h in range(24)]
    utilization = {
        unit: (busy / result.on_shift_s[unit] if result.on_shift_s[unit] > 0 else 0.0)
        for unit, busy in result.busy_s.items()
    }
    return ScenarioSummary(
        scenario=scenario,
        fte=scenario.fte(relief_factor),
        eligible=eligible,
        served=len(waits),
        covered=covered,
        coverage=covered / eligible if eligible else 0.0,
        coverage_ci=(float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))),
        erlang_b_coverage=hourly_loss_coverage(
            eligible_by_hour, servers_by_hour, len(result.days), mean_service_s
        ),
        wait_p50_s=_percentile(waits, 50),
        wait_p90_s=_percentile(waits, 90),
        scene_p50_s=_percentile(to_scene, 50),
        scene_p90_s=_percentile(to_scene, 90),
        utilization=float(np.mean(list(utilization.values()))) if utilization else 0.0,
        utilization_by_team=utilization,
        unserved_by_reason=unserved_by_reason,
        unserved_by_hour=unserved_by_hour,
        eligible_by_hour=eligible_by_hour,
        boot_coverage=boot,
    )


def paired_difference(later: ScenarioSummary, earlier: ScenarioSummary) -> tuple[float, float, float]:
    """Coverage gain of `later` over `earlier`, with its 95% interval over the same resampled days."""
    gain = later.boot_coverage - earlier.boot_coverage
    return (
        later.coverage - earlier.coverage,
        float(np.percentile(gain, 2.5)),
        float(np.percentile(gain, 97.5)),
    )


def _ratio(numerator: IntArray, denominator: IntArray) -> FloatArray:
    out = np.zeros(len(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def _nearest_day(day: date, days: Sequence[date]) -> int:
    """A call eligible after the history's last day (a late update) counts on the last day."""
    return 0 if day < days[0] else len(days) - 1
