"""One decision epoch of a region: re-triage what changed, re-plan every pending call, emit decisions.

`decide(state, now, policy)` runs after a micro-batch of events has been applied. It publishes a new
revision of a call's decision only when something material changed (triage, recommended unit, queue
or fixed status, closure); ETA drift, alternatives and queue position alone refresh nothing.

The epoch also writes the unserved-call ledger (`routing.ledger`): after each plan it notes the
ledger reason of every call the plan queued, and each eligible call that closes gets its one entry,
appended to `state.journal.ledger` beside its closed decision. The caller reads the entries there
before it clears the journal (`routing.snapshot.take_delta` carries them into the persisted record).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple, Protocol

import numpy as np
import orjson

from routing.assignment import assign_units
from routing.decided import DecidedCall, encode_decision_fields
from routing.ledger import ledger_entries, note_queue_reasons
from routing.plan import AssignmentOptions, AssignmentPlan, CallDemand, Placement, UnitSupply
from routing.region import TIED_STATUSES, CallState, PublishedDecision, RegionState, UnitState
from routing.travel import HaversineTravel, TravelModel
from routing.triaged import Triaged
from schemas.decisions import AssignmentMethod, AssignmentStatus, CallStatus, Decision
from schemas.units import ResponseModel, UnitStatus
from triage.facts import Triager

__all__ = ["Planner", "Policy", "decide"]

_UNROUTABLE = frozenset({UnitStatus.OUT_OF_SERVICE, UnitStatus.OFF_DUTY, UnitStatus.TRANSPORTING})
_DRIVING = frozenset({UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE})


class Planner(Protocol):
    def __call__(
        self,
        calls: Sequence[CallDemand],
        units: Sequence[UnitSupply],
        travel: TravelModel,
        options: AssignmentOptions,
    ) -> AssignmentPlan: ...


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything a region's decisions depend on besides its state and the time."""

    triager: Triager
    """Explicit: which rules score the calls is a deployment's choice (see `triage.rulebook`)."""
    travel: TravelModel = field(default_factory=HaversineTravel)
    options: AssignmentOptions = field(default_factory=AssignmentOptions)
    planner: Planner = assign_units
    regional_travel: Mapping[str, TravelModel] = field(default_factory=dict)
    """Travel models of regions that differ from `travel` (rural vs urban speeds, a routing matrix)."""

    def travel_for(self, region: str) -> TravelModel:
        return self.regional_travel.get(region, self.travel)


def decide(state: RegionState, now: datetime, policy: Policy) -> list[Decision]:
    """Decisions for every call whose decision materially changed, ordered by call id, as the
    contract's models (parsed from their JSON: for tests and readers; the service uses `decide_encoded`)."""
    return [decided.decision() for decided in decide_encoded(state, now, policy)]


def decide_encoded(state: RegionState, now: datetime, policy: Policy) -> list[DecidedCall]:
    """`decide`, each new revision as its JSON bytes (published as they are) and its routing fields."""
    for call_id in state.touched:
        call = state.calls.get(call_id)
        # A call closing in this micro-batch is triaged too: what arrived with the close (an append,
        # a new priority or flag, or the whole call when it was created in the same batch) must be in
        # its final decision and its ledger entry, as if the close had come in the next batch.
        if call is not None and call.created:
            call.triage = Triaged.of(policy.triager.triage(call.facts()))
            if call.eligible_since is None and call.triage.response.wants_co_responder:
                call.eligible_since = call.changed_at
    pending = [c for c in state.calls.values() if _wants_unit(c)]
    travel = policy.travel_for(state.region)
    if pending or state.roster_changed:
        routable = [u for u in state.units.values() if _routable(u, now)]
        units = _supply(state, routable, now, policy, travel)
        demands = [_demand(c, now) for c in pending]
        plan = policy.planner(demands, units, travel, policy.options)
        off_duty = [u for u in state.units.values() if not _routable(u, now)]
        for call in pending:
            call.placement = _explain_off_duty(plan.placements.get(call.call_id), call, off_duty)
        state.journal.calls.update(note_queue_reasons(pending, state.units.values(), now))
        method, optimal = plan.method, plan.optimal
    else:
        method, optimal = AssignmentMethod.MIN_COST_FLOW, True
    candidates = set(state.touched)
    candidates.update(c.call_id for c in pending)
    decisions: list[DecidedCall] = []
    closing: list[CallState] = []
    for call_id in sorted(candidates):
        call = state.calls.get(call_id)
        if call is None or not call.created or call.triage is None:
            continue
        planned = _assignment(state, call, travel, method=method, optimal=optimal)
        material = _material(call, planned)
        if call.published is None or material != call.published.material:
            source = call.last_event_id if call_id in state.touched else state.last_event_id
            decided = _decided(state, call, planned, now, source)
            call.published = PublishedDecision(decided.revision, material)
            decisions.append(decided)
            state.journal.decided.append(call_id)
            state.journal.decisions.append(decided.encoded.decode())
        if call.closed:
            closing.append(call)
            state.forget_closed(call_id)
    if closing:
        entries = ledger_entries(state.region, closing, state.units, travel, policy.options)
        state.journal.ledger.extend(entries)
    state.journal.calls.update(state.touched)
    state.journal.calls.update(state.journal.decided)
    state.touched.clear()
    state.roster_changed = False
    return decisions


def _wants_unit(call: CallState) -> bool:
    return (
        call.created
        and not call.closed
        and not call.declined
        and call.fixed_unit is None
        and call.served_by is None
        and call.triage is not None
        and call.triage.response.wants_co_responder
    )


def _explain_off_duty(
    placement: Placement | None, call: CallState, off_duty: list[UnitState]
) -> Placement | None:
    """The planner sees only units on duty: when none serves the call's agency, say if some would."""
    if (
        placement is not None
        and placement.reason == "no_unit_in_jurisdiction"
        and any(call.agency in u.jurisdictions for u in off_duty)
    ):
        return replace(placement, reason="no_unit_on_duty")
    return placement


def _routable(unit: UnitState, now: datetime) -> bool:
    return unit.status not in _UNROUTABLE and unit.shift_start <= now < unit.shift_end


def _supply(
    state: RegionState, units: Sequence[UnitState], now: datetime, policy: Policy, travel: TravelModel
) -> list[UnitSupply]:
    """What each routable unit offers: free slots, where it will leave from, and when.

    An idle unit leaves now from where it is. A unit dispatched or en route to a call leaves from
    that scene after driving there and spending `on_scene_s` on it; a unit on scene leaves from
    where it is once the rest of `on_scene_s` has passed (at least `options.min_busy_s`).
    """
    on_scene = policy.options.on_scene_s
    departs: dict[str, tuple[float, float, float]] = {}
    for unit in units:
        if unit.status in TIED_STATUSES or unit.calls:
            elapsed = (now - unit.status_since).total_seconds()
            departs[unit.unit_id] = (unit.lat, unit.lon, max(policy.options.min_busy_s, on_scene - elapsed))
    driving = [
        (unit, call)
        for unit in units
        if unit.status in _DRIVING
        and unit.status_call_id is not None
        and (call := state.calls.get(unit.status_call_id)) is not None
        and call.created
    ]
    if driving:
        drive_s = travel.eta_pairs(
            np.array([u.lat for u, _ in driving]),
            np.array([u.lon for u, _ in driving]),
            np.array([c.lat for _, c in driving]),
            np.array([c.lon for _, c in driving]),
        )
        for (unit, call), seconds in zip(driving, drive_s.tolist(), strict=True):
            departs[unit.unit_id] = (call.lat, call.lon, max(policy.options.min_busy_s, seconds + on_scene))
    supplies: list[UnitSupply] = []
    for unit in units:
        lat, lon, busy_s = departs.get(unit.unit_id, (unit.lat, unit.lon, 0.0))
        supplies.append(
            UnitSupply(
                unit_id=unit.unit_id,
                agency=unit.agency,
                model=unit.model,
                jurisdictions=unit.jurisdictions,
                lat=lat,
                lon=lon,
                free_slots=max(0, unit.capacity - len(unit.calls)),
                can_transport=unit.can_transport,
                skills=unit.skills,
                available_in_s=busy_s,
                shift_left_s=(unit.shift_end - now).total_seconds(),
                load=len(unit.calls),
            )
        )
    return supplies


def _demand(call: CallState, now: datetime) -> CallDemand:
    triage = call.triage
    assert triage is not None
    incumbent = call.placement.unit_id if call.placement is not None else None
    return CallDemand(
        call_id=call.call_id,
        agency=call.agency,
        lat=call.lat,
        lon=call.lon,
        priority=call.priority,
        score=triage.score,
        response=triage.response,
        safety=frozenset(triage.safety),
        needs=triage.needs,
        incumbent_unit=incumbent,
        waiting_s=max(0.0, (now - call.opened_at).total_seconds()),
    )


class _Planned(NamedTuple):
    """What a call's decision would say about its unit, in plain values: cheap to build for every
    pending call on every batch, turned into the contract's models only when a revision is due."""

    status: AssignmentStatus
    reason: str | None = None
    unit_id: str | None = None
    model: ResponseModel | None = None
    eta_s: int | None = None
    method: AssignmentMethod = AssignmentMethod.NOT_ROUTED
    optimal: bool | None = None
    fixed: bool = False
    alternatives: tuple[tuple[str, int], ...] = ()
    queue_position: int | None = None


def _assignment(
    state: RegionState,
    call: CallState,
    travel: TravelModel,
    *,
    method: AssignmentMethod,
    optimal: bool,
) -> _Planned:
    triage = call.triage
    assert triage is not None
    if call.closed:
        return _Planned(AssignmentStatus.NONE, reason="call_closed")
    if call.fixed_unit is not None:
        unit = state.units[call.fixed_unit]
        eta = travel.eta_matrix(
            np.array([unit.lat]), np.array([unit.lon]), np.array([call.lat]), np.array([call.lon])
        )
        return _Planned(
            AssignmentStatus.RECOMMENDED,
            unit_id=unit.unit_id,
            model=unit.model,
            eta_s=round(float(eta[0, 0])),
            method=AssignmentMethod.DISPATCHER,
            fixed=True,
        )
    if call.declined:
        return _Planned(AssignmentStatus.NONE, reason="declined_by_dispatcher")
    if call.served_by is not None:
        return _Planned(AssignmentStatus.NONE, reason="served", unit_id=call.served_by)
    if not triage.response.wants_co_responder:
        return _Planned(AssignmentStatus.NONE, reason=triage.response.value)
    placement = call.placement
    if placement is None:
        return _Planned(AssignmentStatus.QUEUED, reason="not_planned", queue_position=1)
    if placement.unit_id is None:
        return _Planned(
            AssignmentStatus.QUEUED,
            reason=placement.reason,
            method=method,
            optimal=optimal,
            alternatives=placement.alternatives,
            queue_position=placement.queue_position,
        )
    return _Planned(
        AssignmentStatus.RECOMMENDED,
        unit_id=placement.unit_id,
        model=placement.model,
        eta_s=placement.eta_s,
        method=method,
        optimal=optimal,
        alternatives=placement.alternatives,
    )


def _material(call: CallState, assignment: _Planned) -> str:
    """What must change for a new revision: triage, the unit, the queued or fixed state, the call's
    status and its intake summary; not ETA drift, alternatives or queue position. Kept as a 64-bit
    digest of their canonical JSON (a call holds it for as long as it is open; a collision, about
    one in 10^19 per comparison, would hold back one revision), as a string so that it survives the
    changelog unchanged and compares after a restore."""
    t = call.triage
    assert t is not None
    canonical = orjson.dumps(
        [
            CallStatus.CLOSED if call.closed else CallStatus.OPEN,
            t.band,
            t.response,
            list(t.safety),
            list(t.reason_codes),
            round(t.score, 3),
            assignment.status,
            assignment.unit_id,
            assignment.fixed,
            assignment.reason,
            call.agency,
            call.nature_code,
            call.priority,
            round(call.lat, 5),
            round(call.lon, 5),
        ]
    )
    return hashlib.blake2b(canonical, digest_size=8).hexdigest()


def _decided(
    state: RegionState,
    call: CallState,
    planned: _Planned,
    now: datetime,
    source_event_id: str,
) -> DecidedCall:
    triage = call.triage
    assert triage is not None
    revision = call.revision + 1
    call_status = CallStatus.CLOSED if call.closed else CallStatus.OPEN
    encoded = encode_decision_fields(
        region=state.region,
        call_id=call.call_id,
        revision=revision,
        decided_at=now,
        source_event_id=source_event_id,
        call_status=call_status,
        score=triage.score,
        band=triage.band.value,
        response=triage.response.value,
        reasons_json=triage.reasons_json,
        safety=triage.safety,
        status=planned.status,
        unit_id=planned.unit_id,
        model=planned.model,
        eta_s=planned.eta_s,
        method=planned.method,
        optimal=planned.optimal,
        fixed=planned.fixed,
        reason=planned.reason,
        alternatives=planned.alternatives,
        queue_position=planned.queue_position,
        agency=call.agency,
        nature_code=call.nature_code,
        priority=call.priority,
        lat=call.lat,
        lon=call.lon,
        received_at=call.opened_at,
        eligible_since=call.eligible_since,
    )
    return DecidedCall(
        call_id=call.call_id,
        region=state.region,
        revision=revision,
        call_status=call_status,
        status=planned.status,
        unit_id=planned.unit_id,
        fixed=planned.fixed,
        method=planned.method,
        encoded=encoded,
    )
