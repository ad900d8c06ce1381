"""The live state of one region (calls and units) and how one CAD event changes it.

`apply_event(state, event)` is the only writer of a `RegionState`. Ordering rules, per the contract:
- an event id seen before (within a bounded window) is applied once;
- per call and per unit field group, the newest `occurred_at` wins, so late or out-of-order events
  never overwrite newer facts; narrative appends are kept in `occurred_at` order;
- a call.updated that arrives before its call.created opens a stub that the create completes;
- a closed call stays closed: later updates for it are ignored.
Decisions are not made here but in `routing.epoch.decide`, once per micro-batch.

For the unserved-call ledger (`routing.ledger`) a call also remembers, in CAD time, the unit that
serves it: `assigned_unit`/`assigned_at` are set when a unit is tied to the call (CAD status or
dispatcher ack) and cleared when that unit leaves before reaching the scene (diverted, cancelled,
declined); `arrived_at` is set when it reaches the scene, after which the call counts as served
whatever happens next; `closed_at` is the close's time.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from routing.acks import AckTarget, resolve_ack
from routing.errors import EventRejected
from routing.plan import Placement
from routing.triaged import Triaged
from schemas.calls import CallUpdate, NewCall
from schemas.events import (
    CadEvent,
    CallAcknowledged,
    CallClosed,
    CallCreated,
    CallUpdated,
    UnitLocationChanged,
    UnitStatusChanged,
    UnitUpserted,
)
from schemas.ledger import LedgerEntry
from schemas.units import ResponseModel, UnitRoster, UnitStatus
from triage.facts import CallFacts

__all__ = [
    "Applied",
    "CallState",
    "Journal",
    "PublishedDecision",
    "RegionState",
    "UnitState",
    "apply_event",
    "reindex",
]

_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")
_NO_FLAGS: frozenset[str] = frozenset()
"""Shared by every call without a CAD flag (most): an empty frozenset is a new object each time."""
_CALL_FIELDS = (
    "agency",
    "nature_code",
    "priority",
    "location",
    "narrative",
    "flags",
    "caller_type",
    "premise_history",
)
TIED_STATUSES = frozenset(
    {UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING}
)
_AT_SCENE = frozenset({UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING})


class Applied(StrEnum):
    """What applying an event did."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class PublishedDecision:
    """What a call keeps of its latest published decision: the revision, and a digest of what must
    change for the next one (`routing.epoch`). Not the decision itself: the read side serves it from
    the log, and the changelog record of the batch that made it carries it for a re-publication."""

    revision: int
    material: str


@dataclass(slots=True)
class CallState:
    call_id: str
    created: bool = False
    agency: str = ""
    nature_code: str = ""
    priority: int = 5
    lat: float = 0.0
    lon: float = 0.0
    narrative: str = ""
    appends: tuple[tuple[datetime, str, str], ...] = ()
    """Narrative appends (occurred_at, event id, text) in time order; a tuple: most calls have none."""
    flags: frozenset[str] = frozenset()
    caller_type: str | None = None
    bh_calls_12m: int | None = None
    stamp: datetime | None = None
    """CAD time every intake field not listed in `stamps` was last set at (newest wins per field)."""
    stamps: dict[str, datetime] | None = None
    """Intake fields set at another time than `stamp` (by an update, or one that came before the create):
    most calls need none, and a dict per call cost more than the rest of its timestamps."""
    opened_at: datetime = _EPOCH
    changed_at: datetime = _EPOCH
    """CAD time of the latest event that changed the call's intake facts."""
    eligible_since: datetime | None = None
    """CAD time from which triage has asked for a co-responder (set by the epoch, never moved back)."""
    closed: bool = False
    disposition: str | None = None
    fixed_unit: str | None = None
    served_by: str | None = None
    """The unit that reached the call and has left it: the call needs no co-responder any more."""
    declined: bool = False
    ack_reason: str | None = None
    """The dispatcher's reason given with the latest override or decline."""
    last_event_id: str = ""
    triage: Triaged | None = None
    placement: Placement | None = None
    published: PublishedDecision | None = None
    assigned_unit: str | None = None
    """The unit serving the call for the ledger: tied to it and not gone before reaching the scene."""
    assigned_at: datetime | None = None
    """CAD time `assigned_unit` was tied to the call."""
    arrived_at: datetime | None = None
    """CAD time `assigned_unit` reached the scene (on scene or transporting for this call)."""
    closed_at: datetime | None = None
    unserved_reason: str | None = None
    """The ledger reason (`schemas.ledger.UnservedReason`) of the latest plan that queued the call;
    None while a unit is recommended or before any plan (set by the epoch, see `routing.ledger`)."""

    def facts(self) -> CallFacts:
        text = self.narrative
        if self.appends:
            text = " ".join([text, *(a[2] for a in self.appends)]).strip()
        return CallFacts(
            agency=self.agency,
            nature_code=self.nature_code,
            priority=self.priority,
            narrative=text,
            flags=self.flags,
            caller_type=self.caller_type,
            bh_calls_12m=self.bh_calls_12m,
        )

    @property
    def revision(self) -> int:
        return 0 if self.published is None else self.published.revision

    def recommended_unit(self) -> str | None:
        """The unit the call's decision names: its fixed unit, else the planner's recommendation."""
        if self.fixed_unit is not None:
            return self.fixed_unit
        if self.declined or self.served_by is not None or self.placement is None:
            return None
        if self.triage is None or not self.triage.response.wants_co_responder:
            return None
        return self.placement.unit_id


@dataclass(slots=True)
class UnitState:
    unit_id: str
    agency: str
    model: ResponseModel
    capacity: int
    can_transport: bool
    jurisdictions: frozenset[str]
    skills: frozenset[str]
    shift_start: datetime
    shift_end: datetime
    status: UnitStatus
    status_call_id: str | None
    status_since: datetime
    lat: float
    lon: float
    roster_at: datetime
    status_at: datetime
    location_at: datetime
    calls: set[str] = field(default_factory=set)
    """Open calls this unit is dispatched to (its current load)."""


@dataclass(slots=True)
class Journal:
    """Ids of what changed since the last delta was taken: the unit of persistence is the entity."""

    calls: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    event_ids: list[str] = field(default_factory=list)
    decided: list[str] = field(default_factory=list)
    """Calls that got a new decision revision."""
    decisions: list[str] = field(default_factory=list)
    """The JSON of those new revisions, in the changelog record until the next batch (re-published
    after a crash between the record and the decisions topic: duplicates at worst)."""
    forgotten: dict[str, CallState] = field(default_factory=dict)
    """Closed calls dropped from the live state, with their last state (and final decision)."""
    ledger: list[LedgerEntry] = field(default_factory=list)
    """Ledger entries of calls that closed, in the order the epochs wrote them: persisted with the
    state (`routing.snapshot`), read by whoever publishes them before the journal is cleared."""

    def clear(self) -> None:
        self.calls.clear()
        self.units.clear()
        self.event_ids.clear()
        self.decided.clear()
        self.decisions.clear()
        self.forgotten.clear()
        self.ledger.clear()


@dataclass(slots=True)
class RegionState:
    region: str
    calls: dict[str, CallState] = field(default_factory=dict)
    units: dict[str, UnitState] = field(default_factory=dict)
    touched: set[str] = field(default_factory=set)
    """Calls changed since the last decision epoch."""
    closed_ids: deque[str] = field(default_factory=deque)
    closed_lookup: set[str] = field(default_factory=set)
    seen: OrderedDict[str, None] = field(default_factory=OrderedDict)
    dedupe_window: int = 200_000
    closed_memory: int = 100_000
    last_event_id: str = ""
    roster_changed: bool = False
    early_ties: OrderedDict[str, str] = field(default_factory=OrderedDict)
    """call id -> unit dispatched to it before its call.created arrived (bounded like `stubs`)."""
    stubs: OrderedDict[str, None] = field(default_factory=OrderedDict)
    """Calls known only from updates or a close, waiting for their call.created (bounded)."""
    stub_memory: int = 10_000
    journal: Journal = field(default_factory=Journal)
    """What changed since the state was last persisted (see `routing.snapshot`)."""

    def forget_closed(self, call_id: str) -> None:
        """Drop a closed call whose final decision went out, remembering only that it closed."""
        call = self.calls.pop(call_id, None)
        if call is not None:
            self.journal.forgotten[call_id] = call
        self.closed_ids.append(call_id)
        self.closed_lookup.add(call_id)
        while len(self.closed_ids) > self.closed_memory:
            self.closed_lookup.discard(self.closed_ids.popleft())


def reindex(state: RegionState) -> None:
    """Rebuild the derived indexes (stubs, early dispatches) of a state rebuilt from records."""
    state.stubs = OrderedDict((c, None) for c in sorted(state.calls) if not state.calls[c].created)
    state.early_ties = OrderedDict(
        (unit.status_call_id, unit.unit_id)
        for unit in sorted(state.units.values(), key=lambda u: u.unit_id)
        if unit.status in TIED_STATUSES
        and unit.status_call_id is not None
        and not (unit.status_call_id in state.calls and state.calls[unit.status_call_id].created)
    )


def apply_event(state: RegionState, event: CadEvent) -> Applied:
    """Apply one validated event; raise `EventRejected` when it contradicts the state."""
    if event.event_id in state.seen:
        return Applied.DUPLICATE
    match event:
        case CallCreated():
            outcome = _call_created(state, event.call, event.occurred_at, event.event_id)
        case CallUpdated():
            outcome = _call_updated(state, event.call, event.occurred_at, event.event_id)
        case CallClosed():
            outcome = _call_closed(state, event)
        case UnitUpserted():
            outcome = _unit_upserted(state, event.unit, event.occurred_at)
        case UnitStatusChanged():
            outcome = _unit_status(state, event)
        case UnitLocationChanged():
            outcome = _unit_location(state, event)
        case CallAcknowledged():
            outcome = _call_acknowledged(state, event)
    state.seen[event.event_id] = None
    state.journal.event_ids.append(event.event_id)
    if len(state.seen) > state.dedupe_window:
        state.seen.popitem(last=False)
    state.last_event_id = event.event_id
    return outcome


def _open_call(state: RegionState, call_id: str) -> CallState | None:
    """The call's live state, a new stub if it is unknown, or None if it closed earlier."""
    if call_id in state.closed_lookup:
        return None
    call = state.calls.get(call_id)
    if call is None:
        call = state.calls[call_id] = CallState(call_id=call_id)
        state.stubs[call_id] = None
        while len(state.stubs) > state.stub_memory:
            oldest, _ = state.stubs.popitem(last=False)
            state.calls.pop(oldest, None)
            state.journal.calls.add(oldest)
    return call


def _stamp_of(call: CallState, name: str) -> datetime | None:
    if call.stamps is not None and name in call.stamps:
        return call.stamps[name]
    return call.stamp


def _set_fields(call: CallState, values: NewCall | CallUpdate, at: datetime) -> bool:
    updated: list[str] = []
    for name in _CALL_FIELDS:
        if name not in values.model_fields_set and not isinstance(values, NewCall):
            continue
        value = getattr(values, name)
        if value is None and isinstance(values, CallUpdate):
            continue
        stamp = _stamp_of(call, name)
        if stamp is not None and stamp > at:
            continue
        updated.append(name)
        match name:
            case "location":
                call.lat, call.lon = value.lat, value.lon
            case "flags":
                call.flags = frozenset(value) if value else _NO_FLAGS
            case "caller_type":
                call.caller_type = None if value is None else str(value)
            case "premise_history":
                call.bh_calls_12m = None if value is None else value.bh_calls_12m
            case _:
                setattr(call, name, value)
    if len(updated) == len(_CALL_FIELDS):
        call.stamp, call.stamps = at, None  # every field stands at `at` now
    elif updated:
        call.stamps = {**(call.stamps or {}), **dict.fromkeys(updated, at)}
    return bool(updated)


def _call_created(state: RegionState, new: NewCall, at: datetime, event_id: str) -> Applied:
    call = _open_call(state, new.call_id)
    if call is None or (call.created and call.closed):
        return Applied.STALE
    first = not call.created
    changed = _set_fields(call, new, at)
    if first:
        call.created, call.opened_at = True, at
        state.stubs.pop(call.call_id, None)
        _tie_early_dispatch(state, call)
    if not (first or changed):
        return Applied.STALE
    call.changed_at = max(call.changed_at, at)
    call.last_event_id = event_id
    state.touched.add(call.call_id)
    return Applied.APPLIED


def _tie_early_dispatch(state: RegionState, call: CallState) -> None:
    """A unit the CAD dispatched before the call reached us is tied to it now, if it still is."""
    unit_id = state.early_ties.pop(call.call_id, None)
    unit = state.units.get(unit_id) if unit_id is not None else None
    if unit is not None and unit.status in TIED_STATUSES and unit.status_call_id == call.call_id:
        if call.closed:
            return
        _tie(state, call, unit, unit.status_since)
        _note_arrival(state, call, unit, unit.status_since)


def _call_updated(state: RegionState, update: CallUpdate, at: datetime, event_id: str) -> Applied:
    call = _open_call(state, update.call_id)
    if call is None or call.closed:
        return Applied.STALE
    changed = _set_fields(call, update, at)
    if update.narrative_append and all(a[1] != event_id for a in call.appends):
        call.appends = tuple(
            sorted((*call.appends, (at, event_id, update.narrative_append)), key=lambda a: (a[0], a[1]))
        )
        changed = True
    if not changed:
        return Applied.STALE
    call.changed_at = max(call.changed_at, at)
    call.last_event_id = event_id
    state.touched.add(call.call_id)
    return Applied.APPLIED


def _call_closed(state: RegionState, event: CallClosed) -> Applied:
    call = _open_call(state, event.call.call_id)
    if call is None or call.closed:
        return Applied.STALE
    call.closed, call.disposition = True, str(event.call.disposition)
    call.closed_at = event.occurred_at
    call.last_event_id = event.event_id
    _release(state, call)
    state.touched.add(call.call_id)
    return Applied.APPLIED


def _unit_changed(state: RegionState, unit: UnitState) -> None:
    state.roster_changed = True
    state.journal.units.add(unit.unit_id)


def _release(state: RegionState, call: CallState) -> None:
    if call.fixed_unit is not None:
        unit = state.units.get(call.fixed_unit)
        if unit is not None:
            unit.calls.discard(call.call_id)
            _unit_changed(state, unit)
        call.fixed_unit = None
        state.roster_changed = True
        if not call.closed and call.arrived_at is None:
            call.assigned_unit = call.assigned_at = None  # it left before reaching the scene


def _tie(state: RegionState, call: CallState, unit: UnitState, at: datetime) -> None:
    if call.fixed_unit == unit.unit_id:
        return
    _release(state, call)
    call.fixed_unit = unit.unit_id
    if call.arrived_at is None:
        call.assigned_unit, call.assigned_at = unit.unit_id, at
    unit.calls.add(call.call_id)
    state.touched.add(call.call_id)
    _unit_changed(state, unit)


def _unit_upserted(state: RegionState, roster: UnitRoster, at: datetime) -> Applied:
    unit = state.units.get(roster.unit_id)
    if unit is None:
        unit = state.units[roster.unit_id] = UnitState(
            unit_id=roster.unit_id,
            agency=roster.agency,
            model=roster.model,
            capacity=roster.capacity,
            can_transport=roster.can_transport,
            jurisdictions=frozenset(roster.jurisdictions),
            skills=frozenset(roster.skills),
            shift_start=roster.shift.start,
            shift_end=roster.shift.end,
            status=roster.status,
            status_call_id=None,
            status_since=at,
            lat=roster.location.lat,
            lon=roster.location.lon,
            roster_at=at,
            status_at=_EPOCH,
            location_at=at,
        )
        _set_status(state, unit, roster.status, roster.call_id, at)
        _unit_changed(state, unit)
        return Applied.APPLIED
    changed = False
    if at >= unit.roster_at:
        unit.agency, unit.model, unit.capacity = roster.agency, roster.model, roster.capacity
        unit.can_transport = roster.can_transport
        unit.jurisdictions, unit.skills = frozenset(roster.jurisdictions), frozenset(roster.skills)
        unit.shift_start, unit.shift_end = roster.shift.start, roster.shift.end
        unit.roster_at = at
        changed = True
    if at >= unit.location_at:
        unit.lat, unit.lon, unit.location_at = roster.location.lat, roster.location.lon, at
        changed = True
    changed = _set_status(state, unit, roster.status, roster.call_id, at) or changed
    if changed:
        _unit_changed(state, unit)
        return Applied.APPLIED
    return Applied.STALE


def _known_unit(state: RegionState, unit_id: str) -> UnitState:
    unit = state.units.get(unit_id)
    if unit is None:
        raise EventRejected("unknown_unit", f"unit {unit_id} has no unit.upsert in region {state.region}")
    return unit


def _set_status(
    state: RegionState, unit: UnitState, status: UnitStatus, call_id: str | None, at: datetime
) -> bool:
    if at < unit.status_at:
        return False
    if status != unit.status or call_id != unit.status_call_id:
        unit.status_since = at
    was_at = unit.status_call_id if unit.status in _AT_SCENE else None
    unit.status, unit.status_call_id, unit.status_at = status, call_id, at
    if was_at is not None and was_at != (call_id if status in _AT_SCENE else None):
        _served(state, was_at, unit)
    if status in TIED_STATUSES and call_id is not None:
        call = state.calls.get(call_id)
        if call is not None and call.created and not call.closed:
            _tie(state, call, unit, at)
            _note_arrival(state, call, unit, at)
        elif call is None or not call.created:
            state.early_ties[call_id] = unit.unit_id
            while len(state.early_ties) > state.stub_memory:
                state.early_ties.popitem(last=False)
    elif status not in TIED_STATUSES:
        for held in sorted(unit.calls):
            _release(state, state.calls[held])
            state.touched.add(held)
    _unit_changed(state, unit)
    return True


def _note_arrival(state: RegionState, call: CallState, unit: UnitState, at: datetime) -> None:
    if unit.status in _AT_SCENE and call.arrived_at is None and call.assigned_unit == unit.unit_id:
        call.arrived_at = at
        state.journal.calls.add(call.call_id)  # no new decision, but a change to persist


def _served(state: RegionState, call_id: str, unit: UnitState) -> None:
    """The unit was on scene (or transporting) for the call and has left it: the call is served."""
    call = state.calls.get(call_id)
    if call is None or call.closed:
        return
    if call.fixed_unit == unit.unit_id:
        _release(state, call)
    call.served_by = unit.unit_id
    state.touched.add(call_id)


def _unit_status(state: RegionState, event: UnitStatusChanged) -> Applied:
    unit = _known_unit(state, event.unit.unit_id)
    if _set_status(state, unit, event.unit.status, event.unit.call_id, event.occurred_at):
        return Applied.APPLIED
    return Applied.STALE


def _unit_location(state: RegionState, event: UnitLocationChanged) -> Applied:
    unit = _known_unit(state, event.unit.unit_id)
    if event.occurred_at < unit.location_at:
        return Applied.STALE
    unit.lat, unit.lon, unit.location_at = event.unit.location.lat, event.unit.location.lon, event.occurred_at
    _unit_changed(state, unit)
    return Applied.APPLIED


def _call_acknowledged(state: RegionState, event: CallAcknowledged) -> Applied:
    ack = event.ack
    call = state.calls.get(ack.call_id)
    target = AckTarget(
        call_id=ack.call_id,
        known=ack.call_id in state.closed_lookup or (call is not None and call.created),
        closed=call is None or call.closed,
        revision=0 if call is None else call.revision,
        recommended_unit=None if call is None else call.recommended_unit(),
    )
    unit_id = resolve_ack(target, ack, state.units.__contains__)
    assert call is not None  # resolve_ack refuses unknown and closed calls
    # Validated: from here on the ack changes the call.
    call.last_event_id = event.event_id
    call.ack_reason = ack.reason
    state.touched.add(call.call_id)
    if unit_id is None:
        _release(state, call)
        call.declined = True
    else:
        call.declined = False
        _tie(state, call, state.units[unit_id], event.occurred_at)
    return Applied.APPLIED
