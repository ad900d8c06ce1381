"""Assignment of pending behavioral-health calls to co-responder units, solved by OR-Tools min-cost flow.

The only module that imports ortools. Data -> model -> arcs -> solve -> read back, in one function,
with the solver status checked. Network: source -> call (1) -> unit (1 per eligible pair, cost =
weighted ETA) -> sink (the unit's free slots); each call also has an expensive arc straight to the
sink, taken when the call cannot be placed (it is then queued, with a reason).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from routing.travel import TravelModel
from schemas.decisions import AssignmentMethod, Response
from schemas.units import ResponseModel

__all__ = ["AssignmentOptions", "AssignmentPlan", "CallDemand", "Placement", "UnitSupply", "assign_units"]

ARMED_SAFETY = frozenset({"weapon_reported", "violence_in_progress"})


@dataclass(frozen=True, slots=True)
class CallDemand:
    """A call that wants a co-responder and has no dispatched unit yet."""

    call_id: str
    agency: str
    lat: float
    lon: float
    priority: int
    score: float
    response: Response
    safety: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    incumbent_unit: str | None = None
    """The unit recommended last time, if any: moving away from it must gain more than the hysteresis."""
    waiting_s: float = 0.0


@dataclass(frozen=True, slots=True)
class UnitSupply:
    """A unit on shift that may still take calls."""

    unit_id: str
    agency: str
    model: ResponseModel
    jurisdictions: frozenset[str]
    lat: float
    lon: float
    free_slots: int
    can_transport: bool = False
    skills: frozenset[str] = frozenset()
    available_in_s: float = 0.0
    """Seconds before the unit can leave what it is doing (0 when idle)."""
    shift_left_s: float = float("inf")
    """Seconds until the end of the unit's shift."""


@dataclass(frozen=True, slots=True)
class AssignmentOptions:
    on_scene_s: float = 2700.0
    shift_buffer_s: float = 900.0
    hysteresis_s: float = 120.0
    alternatives: int = 2
    unplaced_s: float = 86_400.0
    """Leaving a call unplaced costs a day's drive at the call's weight: urgent calls are placed first."""
    model_mismatch_s: float = 600.0
    no_transport_s: float = 900.0


@dataclass(frozen=True, slots=True)
class Placement:
    call_id: str
    unit_id: str | None
    eta_s: int | None
    model: ResponseModel | None
    alternatives: tuple[tuple[str, int], ...]
    queue_position: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    placements: dict[str, Placement]
    method: AssignmentMethod
    optimal: bool


def _compatible(call: CallDemand, unit: UnitSupply) -> bool:
    if call.agency not in unit.jurisdictions:
        return False
    if unit.model is ResponseModel.SECONDARY and (
        call.response is Response.CO_RESPONSE_PRIMARY or call.safety & ARMED_SAFETY
    ):
        return False
    return call.response.wants_co_responder


def _weight(call: CallDemand) -> float:
    """Minutes matter more for urgent, likely crises: priority 1 weighs 5, priority 5 weighs 1."""
    return (6 - call.priority) * (0.5 + call.score)


def assign_units(
    calls: Sequence[CallDemand],
    units: Sequence[UnitSupply],
    travel: TravelModel,
    options: AssignmentOptions,
) -> AssignmentPlan:
    """Place each call on at most one unit, within unit slots, at least weighted ETA."""
    calls = sorted(calls, key=lambda c: c.call_id)
    roster = units
    units = sorted((u for u in units if u.free_slots > 0), key=lambda u: u.unit_id)
    n, m = len(calls), len(units)
    if n == 0:
        return AssignmentPlan({}, AssignmentMethod.MIN_COST_FLOW, optimal=True)

    eta = np.zeros((m, n))
    if m:
        eta = (
            travel.eta_matrix(
                np.array([u.lat for u in units]),
                np.array([u.lon for u in units]),
                np.array([c.lat for c in calls]),
                np.array([c.lon for c in calls]),
            )
            + np.array([u.available_in_s for u in units])[:, None]
        )
    eligible = np.zeros((m, n), dtype=bool)
    cost = np.zeros((m, n))
    unplaced = np.array([_weight(c) * options.unplaced_s for c in calls])
    for j, call in enumerate(calls):
        weight = _weight(call)
        for i, unit in enumerate(units):
            if not _compatible(call, unit):
                continue
            if eta[i, j] + options.on_scene_s > unit.shift_left_s - options.shift_buffer_s:
                continue
            eligible[i, j] = True
            seconds = eta[i, j]
            if call.response is Response.CO_RESPONSE_SECONDARY and unit.model is ResponseModel.PRIMARY:
                seconds += options.model_mismatch_s
            if "transport" in call.needs and not unit.can_transport:
                seconds += options.no_transport_s
            if call.incumbent_unit is not None and unit.unit_id != call.incumbent_unit:
                seconds += options.hysteresis_s
            cost[i, j] = seconds * weight

    flows, status_optimal = _solve(eligible, cost, unplaced, [u.free_slots for u in units])
    chosen: dict[int, int] = dict(zip(flows[1].tolist(), flows[0].tolist(), strict=True))
    placements: dict[str, Placement] = {}
    queued = [j for j in range(n) if j not in chosen]
    queued.sort(key=lambda j: (calls[j].priority, -calls[j].score, -calls[j].waiting_s, calls[j].call_id))
    position = {j: k + 1 for k, j in enumerate(queued)}
    for j, call in enumerate(calls):
        order = np.argsort(np.where(eligible[:, j], eta[:, j], np.inf), kind="stable")
        ranked = [int(i) for i in order if eligible[int(i), j]]
        unit_index = chosen.get(j)
        alternatives = tuple((units[i].unit_id, round(float(eta[i, j]))) for i in ranked if i != unit_index)[
            : options.alternatives
        ]
        if unit_index is None:
            placements[call.call_id] = Placement(
                call.call_id, None, None, None, alternatives, position[j], _queue_reason(call, roster, ranked)
            )
        else:
            unit = units[unit_index]
            placements[call.call_id] = Placement(
                call.call_id,
                unit.unit_id,
                round(float(eta[unit_index, j])),
                unit.model,
                alternatives,
                None,
                None,
            )
    return AssignmentPlan(placements, AssignmentMethod.MIN_COST_FLOW, optimal=status_optimal)


def _solve(
    eligible: npt.NDArray[np.bool_],
    cost: npt.NDArray[np.float64],
    unplaced: npt.NDArray[np.float64],
    slots: list[int],
) -> tuple[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]], bool]:
    """Return (unit index, call index) of the pairs that carry flow, and whether the flow is optimal."""
    m, n = eligible.shape
    source, sink = 0, 1 + n + m
    unit_idx, call_idx = np.nonzero(eligible)
    tails = np.concatenate(
        [np.zeros(n, dtype=np.int64), 1 + call_idx, 1 + n + np.arange(m), 1 + np.arange(n)]
    )
    heads = np.concatenate([1 + np.arange(n), 1 + n + unit_idx, np.full(m, sink), np.full(n, sink)])
    caps = np.concatenate([np.ones(n), np.ones(len(unit_idx)), np.array(slots, dtype=np.float64), np.ones(n)])
    costs = np.concatenate([np.zeros(n), np.rint(cost[unit_idx, call_idx]), np.zeros(m), np.rint(unplaced)])
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[source], supplies[sink] = n, -n
    solver.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flow = solver.flows(arcs[n : n + len(unit_idx)])
    used = flow > 0
    return (unit_idx[used].astype(np.int64), call_idx[used].astype(np.int64)), True


def _queue_reason(call: CallDemand, roster: Sequence[UnitSupply], ranked: list[int]) -> str:
    """Why a call was not placed, most fundamental cause first."""
    if ranked:
        return "eligible_units_taken_by_more_urgent_calls"
    if not any(call.agency in u.jurisdictions for u in roster):
        return "no_unit_in_jurisdiction"
    compatible = [u for u in roster if _compatible(call, u)]
    if not compatible:
        return "no_compatible_unit"
    if all(u.free_slots <= 0 for u in compatible):
        return "all_at_capacity"
    return "shift_ends"
