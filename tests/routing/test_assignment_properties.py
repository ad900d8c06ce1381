"""Hypothesis properties of the planners on random small regions, checked against plain-Python references.

For both the min-cost-flow engine and its greedy fallback: capacity is never exceeded, an
incompatible pair (jurisdiction, model, safety, shift) is never assigned, each call appears once with
at most one unit, the plan is deterministic and independent of input order, and every queued call
carries a reason consistent with the roster. The engine's plan is also as cheap as the brute-force
optimum, and never dearer than greedy.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.assignment import assign_units
from routing.candidates import build_candidates, objective
from routing.greedy import closest_unit_dispatch, greedy_plan
from routing.plan import (
    QUEUE_REASONS,
    AssignmentOptions,
    AssignmentPlan,
    CallDemand,
    UnitSupply,
)
from routing.travel import HaversineTravel
from schemas.decisions import Response
from schemas.units import ResponseModel
from triage.facts import ARMED_SAFETY

TRAVEL = HaversineTravel()
AGENCIES = ("LPD", "LCSO", "EPPD")
RESPONSES = (Response.CO_RESPONSE_PRIMARY, Response.CO_RESPONSE_SECONDARY, Response.CO_RESPONSE_ANY)

lat = st.floats(40.3, 40.9)
lon = st.floats(-105.4, -104.6)

calls_strategy = st.lists(
    st.builds(
        CallDemand,
        call_id=st.text("abcdef", min_size=1, max_size=3),
        agency=st.sampled_from(AGENCIES),
        lat=lat,
        lon=lon,
        priority=st.integers(1, 5),
        score=st.floats(0.0, 1.0),
        response=st.sampled_from(RESPONSES),
        safety=st.frozensets(
            st.sampled_from(["weapon_reported", "violence_in_progress", "medical_emergency"])
        ),
        needs=st.frozensets(st.sampled_from(["transport", "juvenile", "ems"])),
        incumbent_unit=st.none() | st.sampled_from(["u0", "u1", "u2", "u3"]),
        waiting_s=st.floats(0.0, 3600.0),
    ),
    max_size=8,
    unique_by=lambda c: c.call_id,
)

units_strategy = st.lists(
    st.builds(
        UnitSupply,
        unit_id=st.sampled_from([f"u{k}" for k in range(10)]),
        agency=st.sampled_from(AGENCIES),
        model=st.sampled_from(list(ResponseModel)),
        jurisdictions=st.frozensets(st.sampled_from(AGENCIES), min_size=1),
        lat=lat,
        lon=lon,
        free_slots=st.integers(0, 2),
        can_transport=st.booleans(),
        skills=st.frozensets(st.sampled_from(["juvenile", "ems"])),
        available_in_s=st.sampled_from([0.0, 600.0, 1800.0]),
        shift_left_s=st.sampled_from([math.inf, 3000.0, 4000.0, 6000.0]),
        load=st.integers(0, 2),
    ),
    max_size=6,
    unique_by=lambda u: u.unit_id,
)

options_strategy = st.builds(
    AssignmentOptions,
    k_nearest=st.sampled_from([0, 1, 2, 12]),
    caseload_s=st.sampled_from([0.0, 600.0]),
    hysteresis_s=st.sampled_from([0.0, 120.0]),
)


def compatible(call: CallDemand, unit: UnitSupply) -> bool:
    """The hard rules, pair by pair, as a person would state them."""
    if call.agency not in unit.jurisdictions:
        return False
    armed = bool(call.safety & ARMED_SAFETY)
    return not (
        unit.model is ResponseModel.SECONDARY and (call.response is Response.CO_RESPONSE_PRIMARY or armed)
    )


def eta(call: CallDemand, unit: UnitSupply) -> float:
    seconds = TRAVEL.eta_pairs(
        np.array([unit.lat]), np.array([unit.lon]), np.array([call.lat]), np.array([call.lon])
    )
    return float(seconds[0]) + unit.available_in_s


def within_shift(call: CallDemand, unit: UnitSupply, options: AssignmentOptions) -> bool:
    return eta(call, unit) + options.on_scene_s <= unit.shift_left_s - options.shift_buffer_s + 1e-6


def planners(
    calls: Sequence[CallDemand], units: Sequence[UnitSupply], options: AssignmentOptions
) -> list[AssignmentPlan]:
    cand = build_candidates(calls, units, TRAVEL, options)
    return [assign_units(calls, units, TRAVEL, options), greedy_plan(cand, options, "test")]


@settings(max_examples=300, deadline=None)
@given(calls_strategy, units_strategy, options_strategy)
def test_plans_respect_capacity_compatibility_and_shifts(
    calls: list[CallDemand], units: list[UnitSupply], options: AssignmentOptions
) -> None:
    by_id = {u.unit_id: u for u in units}
    for plan in planners(calls, units, options):
        assert set(plan.placements) == {c.call_id for c in calls}
        load = Counter(p.unit_id for p in plan.placements.values() if p.unit_id is not None)
        for unit_id, taken in load.items():
            assert taken <= by_id[unit_id].free_slots
        for demand in calls:
            placement = plan.placements[demand.call_id]
            assert placement.call_id == demand.call_id
            if placement.unit_id is None:
                assert placement.eta_s is None
                continue
            supply = by_id[placement.unit_id]
            assert compatible(demand, supply)
            assert within_shift(demand, supply, options)
            assert placement.queue_position is None
            assert placement.reason is None
            assert placement.model is supply.model
            assert placement.unit_id not in {u for u, _ in placement.alternatives}


@settings(max_examples=300, deadline=None)
@given(calls_strategy, units_strategy, options_strategy)
def test_every_queued_call_carries_a_reason_that_matches_the_roster(
    calls: list[CallDemand], units: list[UnitSupply], options: AssignmentOptions
) -> None:
    for plan in planners(calls, units, options):
        queued = [p for p in plan.placements.values() if p.unit_id is None]
        assert sorted(p.queue_position or 0 for p in queued) == list(range(1, len(queued) + 1))
        taken = Counter(p.unit_id for p in plan.placements.values() if p.unit_id is not None)
        for placement in queued:
            demand = next(c for c in calls if c.call_id == placement.call_id)
            assert placement.reason in QUEUE_REASONS
            serving = [u for u in units if demand.agency in u.jurisdictions]
            fitting = [u for u in units if compatible(demand, u)]
            open_ = [u for u in fitting if u.free_slots > 0]
            eligible = [u for u in open_ if within_shift(demand, u, options)]
            idle = [u for u in eligible if taken[u.unit_id] < u.free_slots]
            expected = (
                "no_unit_in_jurisdiction"
                if not serving
                else "no_compatible_unit"
                if not fitting
                else "all_at_capacity"
                if not open_
                else "shift_ends"
                if not eligible
                else None
            )
            if expected is not None:
                assert placement.reason == expected
            elif idle:
                # A compatible unit with a free slot was left idle: only if the drive costs more than waiting.
                assert placement.reason in {"eligible_units_too_far", "search_stopped_at_budget"}
            else:
                assert placement.reason in {
                    "eligible_units_taken_by_more_urgent_calls",
                    "eligible_units_better_used_elsewhere",
                }


@settings(max_examples=200, deadline=None)
@given(calls_strategy, units_strategy, options_strategy, st.randoms(use_true_random=False))
def test_the_plan_is_deterministic_and_independent_of_input_order(
    calls: list[CallDemand], units: list[UnitSupply], options: AssignmentOptions, shuffler: random.Random
) -> None:
    first = assign_units(calls, units, TRAVEL, options)
    shuffled_calls, shuffled_units = list(calls), list(units)
    shuffler.shuffle(shuffled_calls)
    shuffler.shuffle(shuffled_units)
    assert assign_units(calls, units, TRAVEL, options) == first
    assert assign_units(shuffled_calls, shuffled_units, TRAVEL, options) == first


def brute_force_optimum(
    calls: Sequence[CallDemand], units: Sequence[UnitSupply], options: AssignmentOptions
) -> float:
    """The least objective over every choice of one unit (or none) per call, within free slots."""
    cand = build_candidates(calls, units, TRAVEL, options)
    n, m = cand.cost_s.shape
    best = math.inf
    for choice in itertools.product(range(-1, m), repeat=n):
        chosen = np.array(choice, dtype=np.int64)
        placed = chosen[chosen >= 0]
        if np.any(np.bincount(placed, minlength=m) > cand.slots):
            continue
        if not all(c < 0 or np.isfinite(cand.cost_s[j, c]) for j, c in enumerate(choice)):
            continue
        best = min(best, objective(cand, chosen, options))
    return best


@settings(max_examples=150, deadline=None)
@given(
    st.lists(calls_strategy.filter(lambda cs: len(cs) <= 4), min_size=1, max_size=1).map(lambda x: x[0]),
    units_strategy.filter(lambda us: len(us) <= 4),
    options_strategy,
)
def test_the_engine_finds_the_brute_force_optimum_even_when_pruned_and_never_loses_to_greedy(
    calls: list[CallDemand], units: list[UnitSupply], options: AssignmentOptions
) -> None:
    cand = build_candidates(calls, units, TRAVEL, options)
    plan = assign_units(calls, units, TRAVEL, options)
    assert plan.optimal  # even when pruned (k = 1, 2): pricing proves it, and here we check the proof
    chosen = chosen_indices(plan, cand.calls, [u.unit_id for u in cand.units])
    engine = objective(cand, chosen, options)
    optimum = brute_force_optimum(calls, units, options)
    # Integer costs are 0.1 weighted second per arc, plus a tie rank below one quantum.
    assert engine <= optimum + 0.2 * max(1, len(calls))
    greedy = closest_unit_dispatch(calls, units, TRAVEL, options)
    greedy_cost = objective(
        cand, chosen_indices(greedy, cand.calls, [u.unit_id for u in cand.units]), options
    )
    assert engine <= greedy_cost + 0.2 * max(1, len(calls))


def chosen_indices(plan: AssignmentPlan, calls: Sequence[CallDemand], unit_ids: list[str]) -> np.ndarray:
    column = {u: i for i, u in enumerate(unit_ids)}
    return np.array(
        [column[p.unit_id] if (p := plan.placements[c.call_id]).unit_id is not None else -1 for c in calls],
        dtype=np.int64,
    )
