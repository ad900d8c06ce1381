"""The candidate (call, unit) pairs of one decision epoch: who may serve whom, at what ETA and cost,
which pairs survive pruning, and how a choice of pairs reads back into placements and queue reasons.

Shared by the optimizer (`routing.assignment`) and the greedy planners (`routing.greedy`), so both
decide on the same eligibility and prices. Everything is numpy over whole arrays:
- compatibility is decided once per (call class, unit class), where a call class is (agency,
  response, armed, needs) and a unit class is (model, transport, skills, jurisdictions), and spread to
  all pairs by one gather; a county has a handful of classes, not thousands;
- matrices are laid out (calls, units), so each call's row is contiguous for pruning.

`cost_s[j, i]` is in seconds of call j's ETA: ETA + preference penalties + hysteresis + a tie term
below a millisecond that grows with the unit's rank by id, so equal costs resolve to the smaller
unit id. It is +inf where unit i may not serve call j. Weighting by the call's urgency happens later.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from routing.plan import (
    SKILL_NEEDS,
    TRANSPORT_NEED,
    AssignmentOptions,
    CallDemand,
    Placement,
    UnitSupply,
    call_weight,
)
from routing.travel import TravelModel
from schemas.decisions import Response
from schemas.units import ResponseModel
from triage.facts import ARMED_SAFETY

__all__ = ["Candidates", "best_units", "build_candidates", "objective", "read_back", "urgency_order"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

K = TypeVar("K", bound=Hashable)
CallKey = tuple[str, Response, bool, bool, frozenset[str]]
UnitKey = tuple[ResponseModel, bool, frozenset[str], frozenset[str]]

TIE_SPAN_S = 1e-3
"""The tie term of the last unit by id; below a millisecond, it never outweighs a real difference."""


@dataclass(frozen=True, slots=True)
class Candidates:
    """Arrays of one epoch. Calls are sorted by id; `units` are those with a free slot, sorted by id."""

    calls: tuple[CallDemand, ...]
    units: tuple[UnitSupply, ...]
    weight: FloatArray
    """(n,) urgency weight of each call."""
    eta_s: FloatArray
    """(n, m) seconds until unit i can be at call j: remaining busy time + travel."""
    cost_s: FloatArray
    """(n, m) ETA + penalties + hysteresis + tie term; +inf where ineligible."""
    unplaced_s: FloatArray
    """(n,) seconds of leaving each call queued: `unplaced_s`, plus the hysteresis for a call that
    has an incumbent, so a newcomer must gain more than that to push it back into the queue."""
    slots: IntArray
    """(m,) free slots."""
    load: IntArray
    """(m,) calls already held."""
    # What the queue reasons need, at class level and over the whole roster (full units included).
    call_class: IntArray
    roster_class: IntArray
    roster_open: BoolArray
    serves: BoolArray
    """(call classes, unit classes): the unit class serves the call class's agency."""
    fits: BoolArray
    """(call classes, unit classes): model and safety allow the pair."""
    shift_fail: BoolArray
    """(n, m): ETA + time on scene runs past the shift end minus the buffer."""

    @property
    def eligible(self) -> BoolArray:
        finite: BoolArray = np.isfinite(self.cost_s)
        return finite


def _classes(keys: Sequence[K]) -> tuple[IntArray, list[K]]:
    """Index of each key's class, in order of first appearance, and the distinct keys."""
    index: dict[K, int] = {}
    codes = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(keys))
    return codes, list(index)


def _call_key(call: CallDemand) -> CallKey:
    return (
        call.agency,
        call.response,
        bool(call.safety & ARMED_SAFETY),
        TRANSPORT_NEED in call.needs,
        call.needs & SKILL_NEEDS,
    )


def _unit_key(unit: UnitSupply) -> UnitKey:
    return (unit.model, unit.can_transport, unit.skills & SKILL_NEEDS, unit.jurisdictions)


def _class_tables(
    call_keys: list[CallKey], unit_keys: list[UnitKey], options: AssignmentOptions
) -> tuple[BoolArray, BoolArray, FloatArray]:
    """(serves, fits, penalty_s) for every (call class, unit class)."""
    agencies = sorted({k[0] for k in call_keys})
    agency_of = {a: i for i, a in enumerate(agencies)}
    skills = sorted(SKILL_NEEDS)
    unit_serves = np.array([[a in k[3] for a in agencies] for k in unit_keys], dtype=bool).reshape(
        len(unit_keys), len(agencies)
    )
    serves = unit_serves[:, [agency_of[k[0]] for k in call_keys]].T
    response = [k[1] for k in call_keys]
    wants_unit = np.array([r.wants_co_responder for r in response], dtype=bool)
    needs_primary = np.array(
        [r is Response.CO_RESPONSE_PRIMARY or k[2] for r, k in zip(response, call_keys, strict=True)],
        dtype=bool,
    )
    prefers_secondary = np.array([r is Response.CO_RESPONSE_SECONDARY for r in response], dtype=bool)
    needs_transport = np.array([k[3] for k in call_keys], dtype=bool)
    needs_skill = np.array([[s in k[4] for s in skills] for k in call_keys], dtype=np.float64).reshape(
        len(call_keys), len(skills)
    )
    secondary = np.array([k[0] is ResponseModel.SECONDARY for k in unit_keys], dtype=bool)
    transports = np.array([k[1] for k in unit_keys], dtype=bool)
    lacks_skill = np.array([[s not in k[2] for s in skills] for k in unit_keys], dtype=np.float64).reshape(
        len(unit_keys), len(skills)
    )
    fits = wants_unit[:, None] & ~np.logical_and.outer(needs_primary, secondary)
    penalty = (
        options.model_mismatch_s * np.logical_and.outer(prefers_secondary, ~secondary)
        + options.no_transport_s * np.logical_and.outer(needs_transport, ~transports)
        + options.missing_skill_s * (needs_skill @ lacks_skill.T)
    )
    return serves, fits, penalty


def build_candidates(
    calls: Sequence[CallDemand],
    units: Sequence[UnitSupply],
    travel: TravelModel,
    options: AssignmentOptions,
) -> Candidates:
    """Eligibility, ETA and cost of every (call, unit with a free slot) pair."""
    ordered_calls = tuple(sorted(calls, key=lambda c: c.call_id))
    roster = sorted(units, key=lambda u: u.unit_id)
    roster_open = np.array([u.free_slots > 0 for u in roster], dtype=bool)
    open_units = tuple(u for u in roster if u.free_slots > 0)
    n, m = len(ordered_calls), len(open_units)

    call_class, call_keys = _classes([_call_key(c) for c in ordered_calls])
    roster_class, unit_keys = _classes([_unit_key(u) for u in roster])
    serves, fits, penalty = _class_tables(call_keys, unit_keys, options)
    unit_class = roster_class[roster_open]

    weight = np.array([call_weight(c.priority, c.score) for c in ordered_calls], dtype=np.float64)
    available_in = np.array([u.available_in_s for u in open_units], dtype=np.float64)
    travel_s = travel.eta_matrix(
        np.array([u.lat for u in open_units], dtype=np.float64),
        np.array([u.lon for u in open_units], dtype=np.float64),
        np.array([c.lat for c in ordered_calls], dtype=np.float64),
        np.array([c.lon for c in ordered_calls], dtype=np.float64),
    ).reshape(m, n)
    eta = np.ascontiguousarray(travel_s.T)  # free when the travel model computed in (to, from) order
    eta += available_in
    latest = np.array(
        [u.shift_left_s - options.shift_buffer_s - options.on_scene_s for u in open_units], dtype=np.float64
    )
    shift_fail = eta > latest

    table = np.where(serves & fits, penalty, np.inf)
    cost = table[call_class][:, unit_class]
    cost += eta
    cost += np.linspace(0.0, TIE_SPAN_S, m) if m else 0.0
    np.copyto(cost, np.inf, where=shift_fail)
    _apply_hysteresis(cost, ordered_calls, open_units, options.hysteresis_s)

    return Candidates(
        calls=ordered_calls,
        units=open_units,
        weight=weight,
        eta_s=eta,
        cost_s=cost,
        unplaced_s=np.array(
            [options.unplaced_s + (options.hysteresis_s if c.incumbent_unit else 0.0) for c in ordered_calls]
        ),
        slots=np.array([u.free_slots for u in open_units], dtype=np.int64),
        load=np.array([u.load for u in open_units], dtype=np.int64),
        call_class=call_class,
        roster_class=roster_class,
        roster_open=roster_open,
        serves=serves,
        fits=fits,
        shift_fail=shift_fail,
    )


def _apply_hysteresis(
    cost: FloatArray, calls: Sequence[CallDemand], units: Sequence[UnitSupply], hysteresis_s: float
) -> None:
    """Every unit but a call's incumbent costs `hysteresis_s` more, so a move must gain more than that."""
    column = {u.unit_id: i for i, u in enumerate(units)}
    rows = np.array([j for j, c in enumerate(calls) if c.incumbent_unit is not None], dtype=np.int64)
    if hysteresis_s <= 0 or rows.size == 0:
        return
    cost[rows] += hysteresis_s
    incumbents = np.array([column.get(calls[j].incumbent_unit or "", -1) for j in rows], dtype=np.int64)
    kept = incumbents >= 0
    cost[rows[kept], incumbents[kept]] -= hysteresis_s


def best_units(cost_s: FloatArray, count: int) -> IntArray:
    """(n, count) each call's cheapest eligible units, cheapest first; -1 pads calls with fewer."""
    n, m = cost_s.shape
    count = min(count, m)
    if count <= 0:
        return np.full((n, 0), -1, dtype=np.int64)
    if count < m:
        picked = np.argpartition(cost_s, count - 1, axis=1)[:, :count]
    else:
        picked = np.broadcast_to(np.arange(m), (n, m))
    values = np.take_along_axis(cost_s, picked, axis=1)
    order = np.argsort(values, axis=1, kind="stable")
    ranked = np.take_along_axis(picked, order, axis=1).astype(np.int64)
    ranked[~np.isfinite(np.take_along_axis(values, order, axis=1))] = -1
    return ranked


def urgency_order(calls: Sequence[CallDemand]) -> IntArray:
    """Call indices, most urgent first: priority, then triage score, then longest waiting, then id."""
    keys = sorted(range(len(calls)), key=lambda j: _urgency_key(calls[j]))
    return np.array(keys, dtype=np.int64)


def _urgency_key(call: CallDemand) -> tuple[int, float, float, str]:
    return (call.priority, -call.score, -call.waiting_s, call.call_id)


def objective(cand: Candidates, chosen: IntArray, options: AssignmentOptions) -> float:
    """The planner's objective for a choice (unit index per call, -1 = queued), in weighted seconds.

    Weighted cost of each placed pair + convex caseload + the weighted penalty of each queued call;
    the sub-millisecond tie term is included, as the solver sees it.
    """
    placed = chosen >= 0
    rows = np.flatnonzero(placed)
    travel = float(np.sum(cand.weight[rows] * cand.cost_s[rows, chosen[rows]]))
    taken = np.bincount(chosen[placed], minlength=len(cand.units))
    # The k-th extra call on a unit holding `load` costs caseload_s * (load + k - 1).
    caseload = options.caseload_s * float(np.sum(taken * cand.load + taken * (taken - 1) / 2))
    queued = float(np.sum(cand.weight[~placed] * cand.unplaced_s[~placed]))
    return travel + caseload + queued


def read_back(
    cand: Candidates,
    chosen: IntArray,
    ranked: IntArray,
    options: AssignmentOptions,
    *,
    search_complete: bool = True,
) -> dict[str, Placement]:
    """Placements for a choice: unit, ETA and alternatives, or queue position and reason.

    `search_complete` False: the optimizer stopped pricing at its budget, so a call left queued next
    to an idle eligible unit says so instead of blaming the distance.
    """
    queued = [int(j) for j in urgency_order(cand.calls) if chosen[j] < 0]
    position = {j: k + 1 for k, j in enumerate(queued)}
    reasons = _queue_reasons(cand, chosen, queued, search_complete=search_complete)
    n = len(cand.calls)
    shown = ranked[:, : options.alternatives + 1]
    shown_eta = np.rint(np.take_along_axis(cand.eta_s, np.maximum(shown, 0), axis=1)).astype(np.int64)
    shown_ids = [[cand.units[i].unit_id if i >= 0 else "" for i in row] for row in shown.tolist()]
    placed_eta = cand.eta_s[np.arange(n), np.maximum(chosen, 0)] if cand.units else np.zeros(n)
    chosen_eta = np.rint(placed_eta).astype(np.int64).tolist()
    placements: dict[str, Placement] = {}
    for j, (call, unit_index) in enumerate(zip(cand.calls, chosen.tolist(), strict=True)):
        alternatives = tuple(
            (unit_id, eta)
            for i, unit_id, eta in zip(shown[j].tolist(), shown_ids[j], shown_eta[j].tolist(), strict=True)
            if i >= 0 and i != unit_index
        )[: options.alternatives]
        if unit_index < 0:
            placements[call.call_id] = Placement(
                call.call_id, None, None, None, alternatives, position[j], reasons[j]
            )
        else:
            unit = cand.units[unit_index]
            placements[call.call_id] = Placement(
                call.call_id, unit.unit_id, chosen_eta[j], unit.model, alternatives, None, None
            )
    return placements


def _queue_reasons(
    cand: Candidates, chosen: IntArray, queued: list[int], *, search_complete: bool
) -> dict[int, str]:
    """Why each queued call was not placed, most fundamental cause first (see `routing.plan`)."""
    if not queued:
        return {}
    placed = chosen >= 0
    residual = cand.slots - np.bincount(chosen[placed], minlength=len(cand.units))
    urgency_rank = np.empty(len(cand.calls), dtype=np.int64)
    urgency_rank[urgency_order(cand.calls)] = np.arange(len(cand.calls))
    open_index = np.cumsum(cand.roster_open) - 1
    reasons: dict[int, str] = {}
    for j in queued:
        klass = cand.call_class[j]
        serves = cand.serves[klass, cand.roster_class]
        compatible = serves & cand.fits[klass, cand.roster_class]
        eligible = np.isfinite(cand.cost_s[j])
        if not serves.any():
            reasons[j] = "no_unit_in_jurisdiction"
        elif not compatible.any():
            reasons[j] = "no_compatible_unit"
        elif not (compatible & cand.roster_open).any():
            reasons[j] = "all_at_capacity"
        elif not eligible.any():
            # Compatible and open, yet ineligible: the shift guard, unless a penalty was set to +inf.
            shift = cand.shift_fail[j, open_index[compatible & cand.roster_open]].all()
            reasons[j] = "shift_ends" if shift else "no_compatible_unit"
        elif (residual[eligible] > 0).any():
            reasons[j] = "eligible_units_too_far" if search_complete else "search_stopped_at_budget"
        else:
            holders = placed & np.isin(chosen, np.flatnonzero(eligible))
            if (urgency_rank[holders] < urgency_rank[j]).all():
                reasons[j] = "eligible_units_taken_by_more_urgent_calls"
            else:
                reasons[j] = "eligible_units_better_used_elsewhere"
    return reasons
