"""The seed program's configuration replayed on the synthetic county: served counts of its order.

Loveland 2020: two clinicians, one on duty per ten-hour shift (14 hours a day uncovered), 2,569
co-responder calls in the year. Inputs here: 45 synthetic days of the Larimer County history at its
default calibration (274 calls a day, about 3% eligible), one primary team on 07-17 at the county's
median call location, time on task lognormal (median 45 min, sigma 0.5), patience 60 min, the
packaged triage rules with the demo agencies' files, the default travel model.
"""

from __future__ import annotations

import math

import numpy as np

from routing.epoch import Policy
from schemas.ledger import LedgerOutcome, UnservedReason
from simulator import demo_agency_rules
from simulator.history import synthetic_history
from tests.whatif.conftest import DENVER
from triage.rulebook import load_triager
from whatif.replay import ReplayOptions, replay
from whatif.roster import Scenario, parse_shifts
from whatif.time_on_task import parse_time_on_task

DAYS = 45
SEED_PROGRAM_CALLS = 2569


def test_the_seed_roster_serves_calls_of_the_seed_programs_order_of_magnitude() -> None:
    calls = synthetic_history(DAYS, seed=11, timezone=DENVER)
    base = (float(np.median([c.lat for c in calls])), float(np.median([c.lon for c in calls])))
    policy = Policy(triager=load_triager(agency_rules=demo_agency_rules()))
    result = replay(
        calls,
        Scenario(1, "primary", parse_shifts("07-17")).roster(base),
        policy,
        time_on_task_s=parse_time_on_task("lognormal:45:0.5").draw(calls, np.random.default_rng(11)),
        options=ReplayOptions(timezone=DENVER),
    )
    served = sum(e.outcome is LedgerOutcome.SERVED for e in result.entries)
    per_year = served * 365 / DAYS
    eligible_per_year = len(result.entries) * 365 / DAYS
    assert 2_000 < eligible_per_year < 4_500, "the calibration: about 3,000 eligible calls a year"
    # Same order of magnitude: within half a decade (x3.16) of the program's count.
    assert abs(math.log10(per_year / SEED_PROGRAM_CALLS)) < 0.5, f"{per_year:.0f} a year"
    reasons = [e.reason for e in result.entries if e.reason is not None]
    assert max(set(reasons), key=reasons.count) is UnservedReason.NO_TEAM_ON_SHIFT, "14 hours uncovered"
