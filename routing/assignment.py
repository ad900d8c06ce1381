"""Assignment of pending behavioral-health calls to co-responder units, solved by OR-Tools min-cost flow.

The only module that imports ortools. `assign_units` is the service's planner; `_solve` follows the
OR-Tools sample shape: data -> model -> arcs (variables) -> constraints (capacities, supplies) ->
objective (unit costs) -> solve -> status check -> read back.

Network, per epoch:
    source --1--> call --1, weighted ETA + penalties--> unit --1 per free slot, convex caseload--> sink
    call --1, urgency x `unplaced_s`--> sink          (the call stays queued)
Each unit->sink slot arc costs `caseload_s` x (calls the unit would then hold - 1), so a unit fills
its slots cheapest first and never beyond `capacity`. Costs are integers: 0.1 weighted second,
times a tie base, plus the unit's rank in the call's own preference order; ties between equally
cheap units therefore resolve to the call's preferred one, which by construction of
`routing.candidates` is the smaller unit id. Same input, same arcs in the same order, same plan.

Pruning: each call keeps arcs to its `k_nearest` cheapest eligible units (and its incumbent). A call
the pruned problem leaves queued while an eligible unit still has a free slot gets arcs to those
units and the problem is solved again, so pruning alone never queues a call. `optimal` is True only
when no eligible arc was pruned: the plan is then proven optimal for the whole problem.

Time budget: `SimpleMinCostFlow` cannot be interrupted, so the budget is enforced by size, before
solving: `solver_budget_ms` x `ARCS_PER_MS` (calibrated by `benchmarks/routing_bench.py` on a
2-core machine, with margin) bounds the arcs the solver sees. When k arcs per call would exceed it,
k shrinks; below `MIN_ARCS_PER_CALL` the plan comes from the greedy fallback (`over_size_budget`).
The budget does not cover building the candidate matrices (calls x units), which greedy needs as
well. The core reads no clock, so a plan never depends on how fast a machine happened to be.

Never no answer: a solver status other than OPTIMAL, a cost that does not fit the solver's integer
range, or an error raised by the solver gives the greedy plan, flagged `greedy_fallback`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from ortools.graph.python import min_cost_flow

from routing.candidates import Candidates, FloatArray, IntArray, best_units, build_candidates, read_back
from routing.greedy import greedy_plan
from routing.plan import AssignmentOptions, AssignmentPlan, CallDemand, Placement, UnitSupply
from routing.travel import TravelModel
from schemas.decisions import AssignmentMethod

__all__ = [
    "ARCS_PER_MS",
    "MIN_ARCS_PER_CALL",
    "AssignmentOptions",
    "AssignmentPlan",
    "CallDemand",
    "Placement",
    "UnitSupply",
    "assign_units",
]

ARCS_PER_MS: Final = 2_000
"""Arcs one millisecond of solver time covers, conservatively (see the benchmark's arcs_per_ms)."""
MIN_ARCS_PER_CALL: Final = 3
COST_QUANTUM: Final = 10.0
"""Integer cost units per weighted second."""
REPAIR_ROUNDS: Final = 3
_SAFE_COST: Final = 2.0**62


class _SolveFailed(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def assign_units(
    calls: Sequence[CallDemand],
    units: Sequence[UnitSupply],
    travel: TravelModel,
    options: AssignmentOptions,
) -> AssignmentPlan:
    """Place each call on at most one unit, within unit slots and shifts, at least total weighted cost."""
    cand = build_candidates(calls, units, travel, options)
    n, m = cand.cost_s.shape
    if n == 0:
        return AssignmentPlan({}, AssignmentMethod.MIN_COST_FLOW, optimal=True)
    per_call = arcs_per_call(n, m, options)
    if per_call is None:
        return greedy_plan(cand, options, "over_size_budget")
    ranked = best_units(cand.cost_s, max(per_call, options.alternatives + 1))
    rows, cols = _pruned_arcs(cand, ranked[:, :per_call])
    try:
        chosen = _solve(cand, rows, cols, options)
        for _ in range(REPAIR_ROUNDS):
            extra_rows, extra_cols = _repair_arcs(cand, chosen)
            merged = _merge_arcs(rows, cols, extra_rows, extra_cols, m)
            if merged[0].size == rows.size:
                break
            rows, cols = merged
            chosen = _solve(cand, rows, cols, options)
    except _SolveFailed as failure:
        return greedy_plan(cand, options, failure.reason)
    optimal = rows.size == int(np.count_nonzero(cand.eligible))
    return AssignmentPlan(
        read_back(cand, chosen, ranked, options),
        AssignmentMethod.MIN_COST_FLOW,
        optimal=optimal,
        arcs=int(rows.size),
    )


def arcs_per_call(n: int, m: int, options: AssignmentOptions) -> int | None:
    """Arcs each call may keep within the size budget, or None when even the minimum would exceed it."""
    wanted = m if options.k_nearest is None else min(options.k_nearest, m)
    budget = int(options.solver_budget_ms * ARCS_PER_MS)
    if n * wanted <= budget:
        return wanted
    fitting = budget // n
    if fitting < min(MIN_ARCS_PER_CALL, wanted):
        return None
    return fitting


def _pruned_arcs(cand: Candidates, nearest: IntArray) -> tuple[IntArray, IntArray]:
    """(call, unit) of the arcs kept: each call's nearest eligible units plus its incumbent, sorted."""
    n, m = cand.cost_s.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), nearest.shape[1])
    cols = nearest.reshape(-1)
    kept = cols >= 0
    rows, cols = rows[kept], cols[kept]
    column = {u.unit_id: i for i, u in enumerate(cand.units)}
    incumbent = np.array([column.get(c.incumbent_unit or "", -1) for c in cand.calls], dtype=np.int64)
    with_incumbent = np.flatnonzero(incumbent >= 0)
    with_incumbent = with_incumbent[np.isfinite(cand.cost_s[with_incumbent, incumbent[with_incumbent]])]
    return _merge_arcs(rows, cols, with_incumbent, incumbent[with_incumbent], m)


def _merge_arcs(
    rows: IntArray, cols: IntArray, more_rows: IntArray, more_cols: IntArray, m: int
) -> tuple[IntArray, IntArray]:
    """The union of two arc sets, sorted by (call, unit), without duplicates."""
    keys = np.unique(np.concatenate([rows * m + cols, more_rows * m + more_cols]))
    return keys // m, keys % m


def _repair_arcs(cand: Candidates, chosen: IntArray) -> tuple[IntArray, IntArray]:
    """Arcs from each queued call to every eligible unit that still has a free slot (maybe known ones)."""
    placed = chosen >= 0
    residual = cand.slots - np.bincount(chosen[placed], minlength=len(cand.units))
    queued = np.flatnonzero(~placed)
    if queued.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    open_units = np.flatnonzero(residual > 0)
    reachable = np.isfinite(cand.cost_s[np.ix_(queued, open_units)])
    q, u = np.nonzero(reachable)
    return queued[q].astype(np.int64), open_units[u].astype(np.int64)


def _solve(cand: Candidates, rows: IntArray, cols: IntArray, options: AssignmentOptions) -> IntArray:
    """Unit index per call (-1 = queued) of a min-cost flow over the given arcs; raises _SolveFailed."""
    # Data: the units that have at least one arc, renumbered, and their free slots.
    n = len(cand.calls)
    units, local = np.unique(cols, return_inverse=True)
    slots, load = cand.slots[units], cand.load[units]
    u = units.size
    source, sink = 0, n + u + 1
    call_node = 1 + np.arange(n, dtype=np.int64)
    unit_node = 1 + n + np.arange(u, dtype=np.int64)

    # Costs: weighted seconds in integer quanta, times a tie base, plus the arc's rank in its call.
    weighted = cand.weight[rows] * cand.cost_s[rows, cols]
    rank = _rank_within_call(rows, weighted)
    tie_base = int(rank.max(initial=0)) + 1
    slot_unit = np.repeat(np.arange(u, dtype=np.int64), slots)
    slot_k = np.arange(slot_unit.size, dtype=np.int64) - np.repeat(np.cumsum(slots) - slots, slots)
    slot_cost = options.caseload_s * (load[slot_unit] + slot_k).astype(np.float64)
    unplaced = cand.weight * options.unplaced_s
    highest = max(float(np.max(weighted, initial=0.0)), float(np.max(unplaced, initial=0.0)))
    highest = max(highest, float(np.max(slot_cost, initial=0.0)))
    if not np.isfinite(highest) or highest * COST_QUANTUM * tie_base * (sink + 2) >= _SAFE_COST:
        raise _SolveFailed("cost_out_of_range")

    def quantized(seconds: FloatArray) -> IntArray:
        units_of_cost: IntArray = np.rint(seconds * COST_QUANTUM).astype(np.int64) * tie_base
        return units_of_cost

    # Model and arcs: source->call, call->unit, unit->sink (one per free slot), call->sink (queued).
    tails = np.concatenate([np.full(n, source), call_node[rows], unit_node[slot_unit], call_node])
    heads = np.concatenate([call_node, unit_node[local], np.full(slot_unit.size, sink), np.full(n, sink)])
    costs = np.concatenate(
        [np.zeros(n, dtype=np.int64), quantized(weighted) + rank, quantized(slot_cost), quantized(unplaced)]
    )
    # Constraints: every arc carries at most one call; each call sends exactly one unit of flow.
    capacities = np.ones(tails.size, dtype=np.int64)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n

    solver = min_cost_flow.SimpleMinCostFlow()
    try:
        arcs = solver.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), capacities, costs
        )
        solver.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
        status = solver.solve()
    except (RuntimeError, ValueError, TypeError, OverflowError) as error:
        raise _SolveFailed("solver_error") from error
    if status != solver.OPTIMAL:
        raise _SolveFailed(f"solver_status_{getattr(status, 'name', status)}".lower())

    # Read back: the call->unit arcs that carry flow.
    flow = solver.flows(arcs[n : n + rows.size])
    used = flow > 0
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[rows[used]] = cols[used]
    return chosen


def _rank_within_call(rows: IntArray, weighted: FloatArray) -> IntArray:
    """0 for each call's cheapest arc, 1 for the next, ... (arcs arrive sorted by call)."""
    order = np.lexsort((weighted, rows))
    sorted_rows = rows[order]
    start = np.searchsorted(sorted_rows, sorted_rows, side="left")
    rank = np.empty(rows.size, dtype=np.int64)
    rank[order] = np.arange(rows.size, dtype=np.int64) - start
    return rank
