"""The replay: a call history played through the production core under one roster, on a simulated clock.

Everything the service does to an event happens here too, without Kafka: each call becomes a
contract `call.created` event, is applied by `routing.region.apply_event`, triaged and planned by
`routing.epoch.decide_encoded` (OR-Tools, the live policy), and ends as the ledger entry the core writes when
it closes (`routing.ledger`). Around the core, a discrete-event simulation plays the world:
- **teams** (`whatif.roster`): rostered by `unit.upsert` at each shift start (with their status and
  call, as a CAD re-roster would), dispatched, on scene, clear; they drive by the policy's travel
  model, stay the call's time on task, then drive back to base (AVL `unit.location` pings on arrival
  and return);
- **a dispatcher** who accepts every recommendation at once: the unit goes `dispatched` at the
  epoch that recommends it (CAD status, so the core ties it like a real dispatch);
- **patrol**: a call no team was asked for closes after its history's `time_on_scene_s` (or
  `patrol_s`); an eligible call still waiting `patience_s` after it became eligible is handled by
  patrol alone and closes unserved; a served call closes when its team clears.

Epochs: events at one instant are one micro-batch, decided once at that instant, except events that
cannot change a plan, which wait for the next batch instead of costing an epoch of their own (they
keep their own `occurred_at`, which is what the core records): the close of a call no team was asked
for, a team reaching a scene (a team of capacity 1 holds its call either way) and a team's
return-to-base ping (no call waits while a team is idle, or it would have had it). Randomness is drawn
before the replay (`whatif.time_on_task`), so one history and one seed give the same entries for a
roster, and rosters compare on common random numbers.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from routing.epoch import Policy, decide_encoded
from routing.region import RegionState, apply_event
from schemas.calls import CallClosure, Disposition, NewCall
from schemas.decisions import AssignmentStatus
from schemas.events import (
    CadEvent,
    CallClosed,
    CallCreated,
    UnitLocationChanged,
    UnitStatusChanged,
    UnitUpserted,
)
from schemas.geo import CallLocation, GeoPoint
from schemas.ledger import LedgerEntry
from schemas.units import ResponseModel, Shift, UnitPosition, UnitRoster, UnitStatus, UnitStatusChange
from whatif.calls import HistoricalCall
from whatif.roster import Team

__all__ = ["ReplayOptions", "ReplayResult", "call_id_of", "replay"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    timezone: ZoneInfo
    """Local time of the shifts."""
    patience_s: float = 3600.0
    """An eligible call no team has taken this long after it became eligible closes unserved."""
    patrol_s: float = 1800.0
    """Time to close of a call no team is asked for, when the history does not say."""
    region: str = "whatif"


@dataclass(slots=True)
class ReplayResult:
    entries: list[LedgerEntry]
    """The core's ledger entries, in the order it wrote them."""
    busy_s: dict[str, float]
    """Per team: seconds from dispatch to clear, summed."""
    on_shift_s: dict[str, float]
    """Per team: rostered seconds within the history's days."""
    days: list[date]
    """The history's local days, first to last (the bootstrap resamples them)."""
    calls: int = 0
    events: int = 0
    epochs: int = 0
    decisions: int = 0


def call_id_of(index: int) -> str:
    """The call id a history's `index`-th call gets in the replay."""
    return f"H{index:07d}"


class _Kind(IntEnum):
    """What a scheduled step does; at one instant they run in this order (rosters first, a team
    reaches a scene before it clears it, closes last)."""

    SHIFT = 0
    ON_SCENE = 1
    CLEAR = 2
    HOME = 3
    ARRIVE = 4
    PATIENCE = 5
    PATROL_CLOSE = 6


@dataclass(slots=True)
class _TeamState:
    team: Team
    status: UnitStatus = UnitStatus.AVAILABLE
    call: int | None = None
    lat: float = 0.0
    lon: float = 0.0
    dispatched_at: float = 0.0
    trip: int = 0
    """Counts dispatches, so a return-to-base step scheduled before a new dispatch is ignored."""


@dataclass(slots=True)
class _Replay:
    calls: Sequence[HistoricalCall]
    teams: list[_TeamState]
    policy: Policy
    time_on_task_s: FloatArray
    options: ReplayOptions
    state: RegionState
    progress: Callable[[int], None] | None
    agencies: list[str]
    heap: list[tuple[float, int, int, int, int]] = field(default_factory=list)
    seq: int = 0
    pending: list[CadEvent] = field(default_factory=list)
    loud: bool = False
    """Whether `pending` holds an event that may change a plan (else it waits for the next batch)."""
    waiting: set[int] = field(default_factory=set)
    """Eligible calls no team has taken yet."""
    eligible: set[int] = field(default_factory=set)
    closed: set[int] = field(default_factory=set)
    busy_s: dict[str, float] = field(default_factory=dict)
    entries: list[LedgerEntry] = field(default_factory=list)
    events: int = 0
    epochs: int = 0
    decisions: int = 0
    arrived: int = 0
    heap_last: float = 0.0
    team_index: dict[str, int] = field(default_factory=dict)

    # -- scheduling and events ----------------------------------------------------------------------

    def schedule(self, at: float, kind: _Kind, a: int, b: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, int(kind), self.seq, a, b))

    def emit(self, event: CadEvent, *, quiet: bool = False) -> None:
        self.pending.append(event)
        self.loud = self.loud or not quiet

    def _id(self) -> str:
        self.seq += 1
        return f"w{self.seq}"

    def _status(
        self, at: datetime, team: _TeamState, status: UnitStatus, call: int | None, *, quiet: bool = False
    ) -> None:
        team.status, team.call = status, call
        body = UnitStatusChange(
            unit_id=team.team.unit_id, status=status, call_id=None if call is None else call_id_of(call)
        )
        self.emit(
            UnitStatusChanged(
                event_id=self._id(), type="unit.status", occurred_at=at, region=self.options.region, unit=body
            ),
            quiet=quiet,
        )

    def _location(
        self, at: datetime, team: _TeamState, lat: float, lon: float, *, quiet: bool = False
    ) -> None:
        team.lat, team.lon = lat, lon
        self.emit(
            UnitLocationChanged(
                event_id=self._id(),
                type="unit.location",
                occurred_at=at,
                region=self.options.region,
                unit=UnitPosition(unit_id=team.team.unit_id, location=GeoPoint(lat=lat, lon=lon)),
            ),
            quiet=quiet,
        )

    def _close(self, at: datetime, index: int, *, quiet: bool = False) -> None:
        if index in self.closed:
            return
        self.closed.add(index)
        self.waiting.discard(index)
        disposition = self.calls[index].disposition or Disposition.RESOLVED_ON_SCENE
        self.emit(
            CallClosed(
                event_id=self._id(),
                type="call.closed",
                occurred_at=at,
                region=self.options.region,
                call=CallClosure(call_id=call_id_of(index), disposition=disposition),
            ),
            quiet=quiet,
        )

    def roster(self, at: datetime, team: _TeamState, start: datetime, end: datetime) -> None:
        unit = team.team
        self.emit(
            UnitUpserted(
                event_id=self._id(),
                type="unit.upsert",
                occurred_at=at,
                region=self.options.region,
                unit=UnitRoster(
                    unit_id=unit.unit_id,
                    agency=self.agencies[0],
                    model=unit.model,
                    capacity=1,
                    can_transport=unit.model is ResponseModel.SECONDARY,
                    jurisdictions=self.agencies,
                    shift=Shift(start=start, end=end),
                    status=team.status,
                    call_id=None if team.call is None else call_id_of(team.call),
                    location=GeoPoint(lat=team.lat, lon=team.lon),
                ),
            )
        )

    # -- the steps ----------------------------------------------------------------------------------

    def step(self, kind: _Kind, a: int, b: int, t: float, at: datetime) -> None:
        match kind:
            case _Kind.SHIFT:
                team = self.teams[a]
                start, end = team.team.shift.window(date.fromordinal(b), self.options.timezone)
                self.roster(at, team, start, end)
            case _Kind.ARRIVE:
                self.arrive(a, t, at)
            case _Kind.ON_SCENE:
                team, call = self.teams[a], self.calls[b]
                self._status(at, team, UnitStatus.ON_SCENE, b, quiet=True)
                self._location(at, team, call.lat, call.lon, quiet=True)
            case _Kind.CLEAR:
                team = self.teams[a]
                self._status(at, team, UnitStatus.AVAILABLE, None)
                self._close(at, b)
                unit_id = team.team.unit_id
                self.busy_s[unit_id] = self.busy_s.get(unit_id, 0.0) + t - team.dispatched_at
                home = self._drive_s(team.lat, team.lon, team.team.lat, team.team.lon)
                self.schedule(t + home, _Kind.HOME, a, team.trip)
            case _Kind.HOME:
                team = self.teams[a]
                if team.trip == b and team.status is UnitStatus.AVAILABLE:
                    self._location(at, team, team.team.lat, team.team.lon, quiet=True)
            case _Kind.PATIENCE:
                if a in self.waiting:
                    self._close(at, a)
            case _Kind.PATROL_CLOSE:
                if a not in self.eligible:
                    self._close(at, a, quiet=True)

    def arrive(self, index: int, t: float, at: datetime) -> None:
        call = self.calls[index]
        self.arrived += 1
        if self.progress is not None and self.arrived % 1000 == 0:
            self.progress(self.arrived)
        self.emit(
            CallCreated(
                event_id=self._id(),
                type="call.created",
                occurred_at=at,
                region=self.options.region,
                call=NewCall(
                    call_id=call_id_of(index),
                    agency=call.agency,
                    nature_code=call.nature_code,
                    priority=call.priority,
                    location=CallLocation(lat=call.lat, lon=call.lon),
                    narrative=call.narrative,
                    flags=list(call.flags),
                ),
            )
        )
        patrol = call.time_on_scene_s if call.time_on_scene_s is not None else self.options.patrol_s
        self.schedule(t + patrol, _Kind.PATROL_CLOSE, index)

    def _drive_s(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> float:
        travel = self.policy.travel_for(self.options.region)
        seconds = travel.eta_pairs(
            np.array([from_lat]), np.array([from_lon]), np.array([to_lat]), np.array([to_lon])
        )
        return float(seconds[0])

    # -- the epoch ----------------------------------------------------------------------------------

    def epoch(self, t: float, at: datetime, arrivals: list[int]) -> None:
        """Apply the instant's events, decide once, act on what the core decided."""
        for event in self.pending:
            apply_event(self.state, event)
        self.events += len(self.pending)
        self.pending.clear()
        self.loud = False
        decisions = decide_encoded(self.state, at, self.policy)
        self.epochs += 1
        self.decisions += len(decisions)
        for index in arrivals:
            live = self.state.calls.get(call_id_of(index))
            if live is not None and live.eligible_since is not None:
                self.eligible.add(index)
                self.waiting.add(index)
                self.schedule(t + self.options.patience_s, _Kind.PATIENCE, index)
        for decided in decisions:
            if decided.status is not AssignmentStatus.RECOMMENDED or decided.fixed:
                continue
            assert decided.unit_id is not None
            self.dispatch(self.team_index[decided.unit_id], int(decided.call_id[1:]), t, at)
        if self.pending:  # the dispatches: applied now, decided with the next instant's events
            for event in self.pending:
                apply_event(self.state, event)
            self.events += len(self.pending)
            self.pending.clear()
            self.loud = False
        self.entries.extend(self.state.journal.ledger)
        self.state.journal.clear()

    def dispatch(self, k: int, index: int, t: float, at: datetime) -> None:
        team, call = self.teams[k], self.calls[index]
        assert team.status is UnitStatus.AVAILABLE, "the core recommends only a team with a free slot"
        self.waiting.discard(index)
        team.trip += 1
        team.dispatched_at = t
        self._status(at, team, UnitStatus.DISPATCHED, index)
        arrive = t + self._drive_s(team.lat, team.lon, call.lat, call.lon)
        self.schedule(arrive, _Kind.ON_SCENE, k, index)
        self.schedule(arrive + float(self.time_on_task_s[index]), _Kind.CLEAR, k, index)

    def run(self) -> None:
        while self.heap:
            t = self.heap_last = self.heap[0][0]
            at = datetime.fromtimestamp(t, UTC)
            arrivals = []
            while self.heap and self.heap[0][0] == t:
                _, kind, _, a, b = heapq.heappop(self.heap)
                if kind == _Kind.ARRIVE:
                    arrivals.append(a)
                self.step(_Kind(kind), a, b, t, at)
            if self.loud:
                self.epoch(t, at, arrivals)
        if self.pending:
            last = self.heap_last
            self.epoch(last, datetime.fromtimestamp(last, UTC), [])


def replay(
    calls: Sequence[HistoricalCall],
    teams: Sequence[Team],
    policy: Policy,
    *,
    time_on_task_s: FloatArray,
    options: ReplayOptions,
    progress: Callable[[int], None] | None = None,
) -> ReplayResult:
    """Play `calls` (in time order) through the core with `teams` on duty; `progress(calls_arrived)`
    is called every 1,000 calls."""
    if len(time_on_task_s) != len(calls):
        raise ValueError("one time on task per call")
    if not calls:
        return ReplayResult([], {}, {}, [])
    zone = options.timezone
    days = _days(calls, zone)
    agencies = sorted({c.agency for c in calls})
    sim = _Replay(
        calls=calls,
        teams=[_TeamState(t, lat=t.lat, lon=t.lon) for t in teams],
        policy=policy,
        time_on_task_s=time_on_task_s,
        options=options,
        state=RegionState(options.region),
        progress=progress,
        agencies=agencies,
        team_index={t.unit_id: k for k, t in enumerate(teams)},
    )
    for k, team in enumerate(teams):
        for day in [days[0] - timedelta(days=1), *days]:
            start, _ = team.shift.window(day, zone)
            sim.schedule(start.timestamp(), _Kind.SHIFT, k, day.toordinal())
    for index, call in enumerate(calls):
        sim.schedule(call.received_at.timestamp(), _Kind.ARRIVE, index)
    sim.run()
    return ReplayResult(
        entries=sim.entries,
        busy_s={t.unit_id: sim.busy_s.get(t.unit_id, 0.0) for t in teams},
        on_shift_s={t.unit_id: t.shift.hours * 3600.0 * len(days) for t in teams},
        days=days,
        calls=len(calls),
        events=sim.events,
        epochs=sim.epochs,
        decisions=sim.decisions,
    )


def _days(calls: Sequence[HistoricalCall], zone: ZoneInfo) -> list[date]:
    first = min(c.received_at for c in calls).astimezone(zone).date()
    last = max(c.received_at for c in calls).astimezone(zone).date()
    return [first + timedelta(days=d) for d in range((last - first).days + 1)]
