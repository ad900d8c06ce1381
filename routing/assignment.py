"""Assignment of pending behavioral-health calls to co-responder units, solved by OR-Tools min-cost flow.

The only module that imports ortools. `assign_units` is the service's planner;
`solve_min_cost_flow` follows the OR-Tools sample shape: data -> model -> arcs (variables) ->
constraints (capacities, supplies) -> objective (unit costs) -> solve -> status check -> read back.

Network, per epoch:
    call (supply 1) --1, weighted ETA + penalties--> unit --1 per free slot, convex caseload--> sink
    call --1, urgency x `unplaced_s`--> sink          (the call stays queued)
Each unit->sink slot arc costs `caseload_s` x (calls the unit would then hold - 1), so a unit fills
its slots cheapest first and never beyond `capacity`. Costs are integers: weighted seconds in tenths,
times a tie base (the number of units), plus the unit's index by id, so equally cheap units resolve
to the smaller id. Same input, same arcs in the same order, same plan.

Pruning and pricing: each call first keeps arcs to its `k_nearest` cheapest eligible units (and its
incumbent). After each solve, node potentials are computed from the optimal flow (Bellman-Ford on
its residual network) and every missing eligible arc is priced against them; arcs with a negative
reduced cost, most negative first, are added and the problem is solved again (column generation).
When no missing arc prices negative the plan is proven optimal for the whole, unpruned problem, and
only then is `optimal` True. A proven plan never leaves a call queued because of pruning.

Time budget: `SimpleMinCostFlow` cannot be interrupted, so the budget is enforced by size, before
each solve: `solver_budget_ms` x `ARCS_PER_MS` (calibrated by `benchmarks/routing_bench.py` on a
2-core machine, with margin) bounds the call->unit arcs the solver sees, initial and priced ones
together, and `pricing_rounds` bounds the re-solves: one epoch's solver time stays around
(pricing_rounds + 1) x solver_budget_ms at worst, one budget in the usual case. When k arcs per
call would exceed it, k shrinks; below `MIN_ARCS_PER_CALL` the plan comes from the greedy
fallback (`over_size_budget`). A plan stopped by the budget before its proof says `optimal: false`;
it gets one more solve with arcs from each queued call to each eligible unit left with a free slot
(at most queued x idle arcs), so no call waits next to a free unit it could have had.
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

from routing.candidates import (
    Candidates,
    FloatArray,
    IntArray,
    best_units,
    build_candidates,
    read_back,
    urgency_order,
)
from routing.errors import SolveFailed
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
    "plan_candidates",
    "potentials",
    "priced_arcs",
    "pruned_arcs",
    "solve_min_cost_flow",
]

ARCS_PER_MS: Final = 450
"""Solver arcs one millisecond covers on the reference 2-core machine, with margin (see the benchmark)."""
MIN_ARCS_PER_CALL: Final = 3
COST_QUANTUM: Final = 10.0
"""Integer cost units per weighted second, before the tie base."""
_SAFE_COST: Final = 2.0**62


def assign_units(
    calls: Sequence[CallDemand],
    units: Sequence[UnitSupply],
    travel: TravelModel,
    options: AssignmentOptions,
) -> AssignmentPlan:
    """Place each call on at most one unit, within unit slots and shifts, at least total weighted cost."""
    if not units:
        return _nobody_to_send(calls)
    return plan_candidates(build_candidates(calls, units, travel, options), options)


def _nobody_to_send(calls: Sequence[CallDemand]) -> AssignmentPlan:
    """The plan without a single unit on duty (a night with no team): every call queued, in urgency
    order, none in any unit's jurisdiction; what the solve would say, without building its arrays."""
    ordered = sorted(calls, key=lambda c: c.call_id)
    placements = {
        ordered[j].call_id: Placement(
            ordered[j].call_id, None, None, None, (), k + 1, "no_unit_in_jurisdiction"
        )
        for k, j in enumerate(urgency_order(ordered).tolist())
    }
    return AssignmentPlan(placements, AssignmentMethod.MIN_COST_FLOW, optimal=True)


def plan_candidates(cand: Candidates, options: AssignmentOptions) -> AssignmentPlan:
    """The optimizer proper: prune, solve, price the pruned arcs and re-solve until proven, read back."""
    n, m = cand.cost_s.shape
    if n == 0:
        return AssignmentPlan({}, AssignmentMethod.MIN_COST_FLOW, optimal=True)
    per_call = arcs_per_call(n, m, options)
    if per_call is None:
        return greedy_plan(cand, options, "over_size_budget")
    ranked = best_units(cand.cost_s, max(per_call, options.alternatives + 1))
    rows, cols = pruned_arcs(cand, ranked[:, :per_call])
    if rows.size == 0 and not np.isfinite(cand.cost_s).any():
        # No call may go to any unit with a free slot: all stay queued, proven without a solve (a
        # night with no team on duty plans this way on every batch).
        queued = np.full(n, -1, dtype=np.int64)
        return AssignmentPlan(
            read_back(cand, queued, ranked, options), AssignmentMethod.MIN_COST_FLOW, optimal=True
        )
    budget = max(int(options.solver_budget_ms * ARCS_PER_MS), rows.size)
    # Every arc a call lacks costs at least its per_call-th cheapest one (its pricing floor).
    floor_s = np.full(n, np.inf)
    if 0 < per_call < m:
        floor_unit = ranked[:, per_call - 1]
        has_floor = floor_unit >= 0
        floor_s[has_floor] = cand.cost_s[np.flatnonzero(has_floor), floor_unit[has_floor]]
    try:
        chosen = solve_min_cost_flow(cand, rows, cols, options)
        optimal = per_call >= m  # nothing was pruned
        for _ in range(0 if optimal else options.pricing_rounds):
            more_rows, more_cols = priced_arcs(cand, rows, cols, chosen, options, floor_s=floor_s)
            if more_rows.size == 0:
                optimal = True  # no missing arc has a negative reduced cost: optimal for the whole problem
                break
            room = budget - rows.size
            if room <= 0:
                break
            rows, cols = _merge_arcs(rows, cols, more_rows[:room], more_cols[:room], m)
            chosen = solve_min_cost_flow(cand, rows, cols, options)
        if not optimal:
            # Unproven (pricing off or out of budget): at least never queue a call next to a free unit.
            more_rows, more_cols = _idle_unit_arcs(cand, chosen)
            if more_rows.size:
                rows, cols = _merge_arcs(rows, cols, more_rows, more_cols, m)
                chosen = solve_min_cost_flow(cand, rows, cols, options)
    except SolveFailed as failure:
        return greedy_plan(cand, options, failure.reason)
    return AssignmentPlan(
        read_back(cand, chosen, ranked, options, search_complete=optimal),
        AssignmentMethod.MIN_COST_FLOW,
        optimal=optimal,
        arcs=int(rows.size),
    )


def arcs_per_call(n: int, m: int, options: AssignmentOptions) -> int | None:
    """Arcs each call may keep within the size budget, or None when even the minimum would exceed it."""
    wanted = m if options.k_nearest == 0 else min(options.k_nearest, m)
    budget = int(options.solver_budget_ms * ARCS_PER_MS)
    if n * wanted <= budget:
        return wanted
    fitting = budget // n
    if fitting < min(MIN_ARCS_PER_CALL, wanted):
        return None
    return fitting


def pruned_arcs(cand: Candidates, nearest: IntArray) -> tuple[IntArray, IntArray]:
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


def _tie_base(cand: Candidates) -> int:
    return max(1, len(cand.units))


def _arc_costs(cand: Candidates, rows: IntArray, cols: IntArray) -> IntArray:
    """Integer cost of call->unit arcs: weighted quanta x tie base + unit index (smaller id wins ties)."""
    weighted = np.rint(cand.weight[rows] * cand.cost_s[rows, cols] * COST_QUANTUM)
    costs: IntArray = weighted.astype(np.int64) * _tie_base(cand) + cols
    return costs


def _slot_costs(cand: Candidates, units: IntArray, held: IntArray, options: AssignmentOptions) -> IntArray:
    """Integer cost of the slot a unit fills when it goes from `held` extra calls to one more."""
    seconds = options.caseload_s * (cand.load[units] + held).astype(np.float64)
    costs: IntArray = np.rint(seconds * COST_QUANTUM).astype(np.int64) * _tie_base(cand)
    return costs


def _unplaced_costs(cand: Candidates) -> IntArray:
    costs: IntArray = np.rint(cand.weight * cand.unplaced_s * COST_QUANTUM).astype(np.int64) * _tie_base(cand)
    return costs


def _check_cost_range(cand: Candidates, rows: IntArray, cols: IntArray, options: AssignmentOptions) -> None:
    """Refuse costs whose integer form, times the node count, would not fit the solver's int64."""
    n, m = cand.cost_s.shape
    highest = max(
        float(np.max(cand.weight[rows] * cand.cost_s[rows, cols], initial=0.0)),
        float(np.max(cand.weight * cand.unplaced_s, initial=0.0)),
        options.caseload_s * float(np.max(cand.load + cand.slots, initial=0)),
    )
    if not np.isfinite(highest) or (highest * COST_QUANTUM + 1) * _tie_base(cand) * (n + m + 3) >= _SAFE_COST:
        raise SolveFailed("cost_out_of_range")


def _idle_unit_arcs(cand: Candidates, chosen: IntArray) -> tuple[IntArray, IntArray]:
    """Arcs from each queued call to every eligible unit the plan leaves with a free slot."""
    placed = chosen >= 0
    residual = cand.slots - np.bincount(chosen[placed], minlength=len(cand.units))
    queued, idle = np.flatnonzero(~placed), np.flatnonzero(residual > 0)
    reachable_rows, reachable_cols = np.nonzero(np.isfinite(cand.cost_s[np.ix_(queued, idle)]))
    return queued[reachable_rows].astype(np.int64), idle[reachable_cols].astype(np.int64)


def solve_min_cost_flow(
    cand: Candidates, rows: IntArray, cols: IntArray, options: AssignmentOptions
) -> IntArray:
    """Unit index per call (-1 = queued) of a min-cost flow over the given arcs; raises SolveFailed."""
    # Data: the units that have at least one arc, renumbered, and their free slots.
    _check_cost_range(cand, rows, cols, options)
    n = len(cand.calls)
    units, local = np.unique(cols, return_inverse=True)
    slots = cand.slots[units]
    u = units.size
    sink = n + u
    call_node = np.arange(n, dtype=np.int64)
    unit_node = n + np.arange(u, dtype=np.int64)
    slot_unit = np.repeat(np.arange(u, dtype=np.int64), slots)
    slot_k = np.arange(slot_unit.size, dtype=np.int64) - np.repeat(np.cumsum(slots) - slots, slots)

    # Model and arcs: call->unit, unit->sink (one per free slot), call->sink (queued).
    tails = np.concatenate([call_node[rows], unit_node[slot_unit], call_node])
    heads = np.concatenate([unit_node[local], np.full(slot_unit.size, sink), np.full(n, sink)])
    # Objective: weighted ETA per pair, convex caseload per slot, urgency-weighted penalty per queued call.
    costs = np.concatenate(
        [
            _arc_costs(cand, rows, cols),
            _slot_costs(cand, units[slot_unit], slot_k, options),
            _unplaced_costs(cand),
        ]
    )
    # Constraints: every arc carries at most one call; each call sends exactly one unit of flow.
    capacities = np.ones(tails.size, dtype=np.int64)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[call_node], supplies[sink] = 1, -n

    solver = min_cost_flow.SimpleMinCostFlow()
    try:
        arcs = solver.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), capacities, costs
        )
        solver.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
        status = solver.solve()
    except (RuntimeError, ValueError, TypeError, OverflowError) as error:
        raise SolveFailed("solver_error") from error
    if status != solver.OPTIMAL:
        raise SolveFailed(f"solver_status_{getattr(status, 'name', status)}".lower())

    # Read back: the call->unit arcs that carry flow.
    flow = solver.flows(arcs[: rows.size])
    used = flow > 0
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[rows[used]] = cols[used]
    return chosen


def potentials(
    cand: Candidates, rows: IntArray, cols: IntArray, chosen: IntArray, options: AssignmentOptions
) -> tuple[IntArray, IntArray]:
    """Node potentials (calls, units) proving `chosen` optimal over the given arcs.

    Shortest distances from a virtual root (0 to every node) in the residual network of the optimal
    flow, by Bellman-Ford: with them every residual arc has a reduced cost >= 0. The network: call j
    -> unit i (unused arc, +cost) or back (used, -cost); unit -> sink through its next free slot, sink
    -> unit back through its last used slot; call -> sink (+queue penalty) if placed, back if queued.
    """
    n, m = cand.cost_s.shape
    sink = n + m
    placed = chosen >= 0
    taken = np.bincount(chosen[placed], minlength=m)
    unit_ids = np.arange(m, dtype=np.int64)
    arc = _arc_costs(cand, rows, cols)
    used = chosen[rows] == cols
    has_room, has_used = taken < cand.slots, taken > 0
    queue = _unplaced_costs(cand)
    queued = np.flatnonzero(~placed)
    placed_calls = np.flatnonzero(placed)
    room, busy = unit_ids[has_room], unit_ids[has_used]
    residual = [  # (tails, heads, costs) of each kind of residual arc
        (rows[~used], n + cols[~used], arc[~used]),
        (n + cols[used], rows[used], -arc[used]),
        (n + room, np.full(room.size, sink), _slot_costs(cand, room, taken[room], options)),
        (np.full(busy.size, sink), n + busy, -_slot_costs(cand, busy, taken[busy] - 1, options)),
        (placed_calls, np.full(placed_calls.size, sink), queue[placed_calls]),
        (np.full(queued.size, sink), queued, -queue[queued]),
    ]
    tails = np.concatenate([r[0] for r in residual]).astype(np.int64)
    heads = np.concatenate([r[1] for r in residual]).astype(np.int64)
    costs = np.concatenate([r[2] for r in residual]).astype(np.int64)
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    targets, starts = np.unique(heads, return_index=True)
    distance = np.zeros(sink + 1, dtype=np.int64)
    for _ in range(sink + 2):
        best = np.minimum.reduceat(distance[tails] + costs, starts) if tails.size else starts
        relaxed = np.minimum(distance[targets], best)
        if np.array_equal(relaxed, distance[targets]):
            return distance[:n], distance[n:sink]
        distance[targets] = relaxed
    raise SolveFailed("negative_cycle_in_solution")


def priced_arcs(
    cand: Candidates,
    rows: IntArray,
    cols: IntArray,
    chosen: IntArray,
    options: AssignmentOptions,
    *,
    floor_s: FloatArray,
) -> tuple[IntArray, IntArray]:
    """Missing eligible arcs whose reduced cost under the plan's potentials may be negative, best first.

    Only such an arc could improve the plan; none means the plan is optimal for the whole problem.
    A call is screened out at once when even its floor (the least cost any of its missing arcs can
    have) prices non-negative; the rest are checked on the dense costs, with half a quantum of slack
    for rounding, so no improving arc escapes (a few near-ties may come in too).
    """
    m = cand.cost_s.shape[1]
    call_potential, unit_potential = potentials(cand, rows, cols, chosen, options)
    tie = _tie_base(cand)
    slack = 0.5 * tie + 1.0
    scale = cand.weight * COST_QUANTUM * tie
    unit_term = (np.arange(m) - unit_potential).astype(np.float64)
    lowest = scale * floor_s + call_potential + float(np.min(unit_term, initial=0.0))
    suspects = np.flatnonzero(lowest < slack)
    if suspects.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    reduced = cand.cost_s[suspects] * scale[suspects, None]
    reduced += call_potential[suspects, None].astype(np.float64)
    reduced += unit_term[None, :]
    local_rows, more_cols = np.nonzero(reduced < slack)
    more_rows = suspects[local_rows]
    missing = ~np.isin(more_rows * m + more_cols, rows * m + cols, assume_unique=False)
    order = np.argsort(reduced[local_rows, more_cols][missing], kind="stable")
    return more_rows[missing][order].astype(np.int64), more_cols[missing][order].astype(np.int64)
