"""Validation of the replay against queueing theory.

Poisson arrivals, exponential time on task, zero travel and no waiting allowed make the system an
M/M/c/c loss queue, whose share of calls served is exactly 1 - ErlangB(c, a). The replay runs the full
core (triage, planning by OR-Tools, the ledger) with its simulated dispatcher and teams; its coverage
must match the formula within its own 95% bootstrap interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from routing.travel import HaversineTravel
from tests.builders import core_policy
from tests.whatif.conftest import BASE, DENVER
from whatif.calls import HistoricalCall
from whatif.erlang import erlang_b
from whatif.replay import ReplayOptions, replay
from whatif.roster import DEFAULT_RELIEF_FACTOR, Scenario, parse_shifts
from whatif.summary import resample_days, summarize

DAYS = 40
CALLS_PER_HOUR = 3.0
MEAN_ON_TASK_S = 40 * 60.0
TEAMS = 2


def _poisson_history(rng: np.random.Generator) -> list[HistoricalCall]:
    """Eligible calls (SUICIDAL, no hazard) at the teams' base, arriving as a Poisson process."""
    start = datetime(2021, 2, 1, tzinfo=DENVER)
    gaps = rng.exponential(3600.0 / CALLS_PER_HOUR, int(DAYS * 24 * CALLS_PER_HOUR * 1.2))
    times = np.cumsum(gaps)
    times = times[times < DAYS * 86400.0]
    return [
        HistoricalCall(
            received_at=start + timedelta(seconds=float(t)),
            nature_code="SUICIDAL",
            priority=2,
            narrative="",
            lat=BASE[0],
            lon=BASE[1],
            agency="LPD",
        )
        for t in times
    ]


def test_a_loss_system_replayed_through_the_core_matches_erlang_b() -> None:
    rng = np.random.default_rng(20201)
    calls = _poisson_history(rng)
    on_task = rng.exponential(MEAN_ON_TASK_S, len(calls))
    scenario = Scenario(TEAMS, "primary", parse_shifts("00-24"))
    zero_travel = core_policy(travel=HaversineTravel(startup_s=0.0))
    result = replay(
        calls,
        scenario.roster(BASE),
        zero_travel,
        time_on_task_s=on_task,
        options=ReplayOptions(timezone=DENVER, patience_s=0.0),
    )
    summary = summarize(
        result,
        scenario,
        covered_wait_s=0.0,
        timezone=DENVER,
        resampled_days=resample_days(len(result.days), 2000, seed=1),
        mean_service_s=MEAN_ON_TASK_S,
        relief_factor=DEFAULT_RELIEF_FACTOR,
    )
    assert summary.eligible == len(calls), "every call is eligible and ends in the ledger"
    assert summary.served == summary.covered, "no waiting: a call is served at once or lost"
    theory = 1.0 - erlang_b(TEAMS, CALLS_PER_HOUR * MEAN_ON_TASK_S / 3600.0)
    low, high = summary.coverage_ci
    assert low <= theory <= high, (
        f"replay {summary.coverage:.3f} [{low:.3f}, {high:.3f}], Erlang B {theory:.3f}"
    )
    assert high - low < 0.08, "the interval is tight enough to mean something"
    assert abs(summary.erlang_b_coverage - theory) < 0.02, "the hour-by-hour baseline agrees with theory"
    lost = summary.unserved_by_reason
    assert lost["all_teams_busy"] == summary.eligible - summary.served
