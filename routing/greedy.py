"""Greedy assignment, one call at a time: the optimizer's fallback, and the CAD baseline it is measured
against.

- `greedy_choice` walks calls in a given order and gives each the cheapest unit that still has a
  slot. With the planner's own weighted cost and caseload it is the fallback of `assign_units`
  (never no answer); with plain ETA it is what a commercial CAD does.
- `closest_unit_dispatch` (most urgent call first) and `arrival_order_dispatch` (oldest call first)
  are that CAD baseline as `Planner`s, for comparison only: the service never uses them.

The loop is per call (each call's row is one vector operation), never per arc.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from routing.candidates import Candidates, IntArray, best_units, build_candidates, read_back, urgency_order
from routing.plan import AssignmentOptions, AssignmentPlan, CallDemand, UnitSupply
from routing.travel import TravelModel
from schemas.decisions import AssignmentMethod

__all__ = ["arrival_order_dispatch", "closest_unit_dispatch", "greedy_choice", "greedy_plan"]


def greedy_choice(cand: Candidates, order: IntArray, options: AssignmentOptions, *, by_eta: bool) -> IntArray:
    """Unit index per call (-1 = queued), each call in `order` taking its cheapest unit with a slot.

    `by_eta`: rank units by ETA alone and place whenever a unit is left (the CAD rule); otherwise by
    the planner's weighted cost plus the marginal caseload, placing only when that beats queuing.
    Ties go to the smaller unit id (lowest index).
    """
    residual = cand.slots.copy()
    held = cand.load.astype(np.float64)
    chosen = np.full(len(cand.calls), -1, dtype=np.int64)
    eligible = cand.eligible
    for j in order.tolist():
        if by_eta:
            row = np.where(eligible[j] & (residual > 0), cand.eta_s[j], np.inf)
            limit = np.inf
        else:
            row = cand.weight[j] * cand.cost_s[j] + options.caseload_s * held
            row[residual <= 0] = np.inf
            limit = cand.weight[j] * options.unplaced_s
        if row.size == 0:
            continue
        unit = int(np.argmin(row))
        if row[unit] < limit:
            chosen[j] = unit
            residual[unit] -= 1
            held[unit] += 1
    return chosen


def greedy_plan(cand: Candidates, options: AssignmentOptions, fallback_reason: str) -> AssignmentPlan:
    """The fallback plan: most urgent call first, each on its cheapest unit by the planner's cost."""
    chosen = greedy_choice(cand, urgency_order(cand.calls), options, by_eta=False)
    ranked = best_units(cand.cost_s, options.alternatives + 1)
    return AssignmentPlan(
        read_back(cand, chosen, ranked, options),
        AssignmentMethod.GREEDY_FALLBACK,
        optimal=False,
        fallback_reason=fallback_reason,
    )


def arrival_order(calls: Sequence[CallDemand]) -> IntArray:
    """Call indices, longest waiting first, then by id."""
    keys = sorted(range(len(calls)), key=lambda j: (-calls[j].waiting_s, calls[j].call_id))
    return np.array(keys, dtype=np.int64)


def _cad_plan(cand: Candidates, order: IntArray, options: AssignmentOptions, label: str) -> AssignmentPlan:
    chosen = greedy_choice(cand, order, options, by_eta=True)
    ranked = best_units(cand.cost_s, options.alternatives + 1)
    return AssignmentPlan(
        read_back(cand, chosen, ranked, options),
        AssignmentMethod.GREEDY_FALLBACK,
        optimal=False,
        fallback_reason=label,
    )


def closest_unit_dispatch(
    calls: Sequence[CallDemand],
    units: Sequence[UnitSupply],
    travel: TravelModel,
    options: AssignmentOptions,
) -> AssignmentPlan:
    """Baseline: most urgent call first, each to the closest (least ETA) compatible unit with a slot."""
    cand = build_candidates(calls, units, travel, options)
    return _cad_plan(cand, urgency_order(cand.calls), options, "baseline_closest_unit")


def arrival_order_dispatch(
    calls: Sequence[CallDemand],
    units: Sequence[UnitSupply],
    travel: TravelModel,
    options: AssignmentOptions,
) -> AssignmentPlan:
    """Baseline: oldest call first, each to the closest compatible unit with a slot."""
    cand = build_candidates(calls, units, travel, options)
    return _cad_plan(cand, arrival_order(cand.calls), options, "baseline_arrival_order")
