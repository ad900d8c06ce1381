"""The synthetic CAD stream: `SyntheticFeed` plays out calls (created, updated, dispatched, cleared,
closed), unit status changes, AVL pings and shift changes for a roster. Every event is a plain dict in
the contract's JSON envelope, valid for `EVENT_ADAPTER.validate_json(orjson.dumps(e))`.

Pure and deterministic: one seeded `random.Random` per feed, the start time is a parameter, no I/O,
no clock. Two clocks are involved. Story time is the simulated county's: calls arrive at
`calls_per_hour`, teams drive at road speed and stay on scene for tens of minutes; it decides the
order of events and how many calls are open at once. Delivery time is what `events(rate_per_s)`
hands out: the story's events at a constant rate, so `occurred_at == start + offset` and a run's
length is set by the requested rate, not by the story (a busy demo compresses an hour into minutes).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from simulator.config import FeedConfig
from simulator.geography import COS_LATITUDE, EMERGENCY_DEPARTMENTS, TOWNS, road_seconds, scatter
from simulator.narratives import compose_call
from simulator.roster import SHIFT, SHIFT_OVERLAP, Event, demo_roster, iso, utc
from simulator.vocabulary import (
    BEHAVIORAL_DISPOSITIONS,
    BEHAVIORAL_UPDATES,
    BEHAVIORAL_UPDATES_CUM,
    ROUTINE_DISPOSITIONS,
    ROUTINE_UPDATES,
    ROUTINE_UPDATES_CUM,
    TOWN_CUM,
    UPDATE_COUNTS,
)

__all__ = ["SyntheticFeed"]

_TRANSPORT_DISPOSITIONS = frozenset({"transported_voluntary", "emergency_hold", "er"})
_ARMED_FLAGS = frozenset({"weapon", "violence"})


@dataclass(slots=True, eq=False)
class _Call:
    call_id: str
    agency: str
    lat: float
    lon: float
    behavioral: bool
    priority: int
    flags: list[str]
    pronouns: tuple[str, str, str, str, str]
    disposition: str
    closed: bool = False


@dataclass(slots=True, eq=False)
class _Team:
    """A unit as the synthetic CAD sees it: its roster entry, where it is heading, what it holds."""

    index: int
    unit_id: str
    roster: dict[str, Any]
    """The `unit` object of its latest unit.upsert, reused for shift changes."""
    can_transport: bool
    home_lat: float
    home_lon: float
    from_lat: float
    from_lon: float
    to_lat: float
    to_lon: float
    depart_t: float = 0.0
    arrive_t: float = 0.0
    status: str = "available"
    call: _Call | None = None

    def position(self, t: float) -> tuple[float, float]:
        """Where it is at story time `t`, driving straight from `from` to `to` between depart and arrive."""
        if t >= self.arrive_t or self.arrive_t <= self.depart_t:
            return self.to_lat, self.to_lon
        share = max(0.0, (t - self.depart_t) / (self.arrive_t - self.depart_t))
        return (
            self.from_lat + (self.to_lat - self.from_lat) * share,
            self.from_lon + (self.to_lon - self.from_lon) * share,
        )

    def drive(self, t: float, lat: float, lon: float) -> float:
        """Start driving to (lat, lon) at `t`; return the arrival time."""
        self.from_lat, self.from_lon = self.position(t)
        self.to_lat, self.to_lon = lat, lon
        self.depart_t = t
        self.arrive_t = t + road_seconds(self.from_lat, self.from_lon, lat, lon)
        return self.arrive_t


class SyntheticFeed:
    """A deterministic stream of CAD events for the units of `roster` (default: `demo_roster`).

    The roster's own unit.upsert events are not part of the stream: send them first. `events`
    yields `(offset_s, event)`, the offset from `start` at which an open-loop driver should send
    the event; `occurred_at` is `start + offset_s` except for events delivered late or twice on
    purpose (`late_share`, `duplicate_share`), which keep the time they first occurred. A feed is
    consumed once.
    """

    __slots__ = (
        "_agenda",
        "_arrivals_left",
        "_behavioral_ids",
        "_calls_created",
        "_compatible",
        "_config",
        "_free",
        "_held",
        "_id_prefix",
        "_lat",
        "_lon",
        "_now",
        "_open",
        "_order",
        "_ready",
        "_rng",
        "_sequence",
        "_shift_changes",
        "_start",
        "_started",
        "_teams",
        "_year",
    )

    def __init__(self, config: FeedConfig, start: datetime, roster: Sequence[Event] | None = None) -> None:
        self._config = config
        self._start = utc(start)
        self._year = self._start.year % 100
        self._id_prefix = f"{config.region}-{config.run_id}-{config.seed}-"
        self._rng = random.Random(config.seed)
        roster = demo_roster(config, self._start) if roster is None else roster
        self._teams = [self._team(i, event) for i, event in enumerate(roster)]
        self._lat: npt.NDArray[np.float64] = np.array([t.home_lat for t in self._teams], dtype=np.float64)
        self._lon: npt.NDArray[np.float64] = np.array([t.home_lon for t in self._teams], dtype=np.float64)
        self._free: npt.NDArray[np.bool_] = np.ones(len(self._teams), dtype=np.bool_)
        self._compatible: dict[tuple[str, bool], npt.NDArray[np.bool_]] = {}
        self._agenda: list[tuple[float, int, Callable[[float], None]]] = []
        self._ready: deque[Event] = deque()
        self._held: list[tuple[int, int, Event]] = []
        self._shift_changes: list[tuple[float, int]] = []
        for team in self._teams:
            shift_end = datetime.fromisoformat(team.roster["shift"]["end"])
            change_at = (shift_end - SHIFT_OVERLAP - self._start).total_seconds()
            heapq.heappush(self._shift_changes, (change_at, team.index))
        self._open: dict[str, _Call] = {}
        self._behavioral_ids: set[str] = set()
        self._sequence = 0
        # Separate from event ids: breaks ties in the agenda and the held queue, first in first out.
        self._order = 0
        self._calls_created = 0
        self._now = 0.0
        self._arrivals_left: int | None = None
        self._started = False

    # -- what a driver or a test may ask ------------------------------------------------------------

    @property
    def open_calls(self) -> int:
        """Calls created and not yet closed in the story."""
        return len(self._open)

    @property
    def calls_created(self) -> int:
        return self._calls_created

    def is_behavioral(self, call_id: str) -> bool:
        """Ground truth: whether the feed made this call a behavioral-health crisis."""
        return call_id in self._behavioral_ids

    def events(self, rate_per_s: float, *, call_limit: int | None = None) -> Iterator[tuple[float, Event]]:
        """Yield `(offset_s, event)` at `rate_per_s` events per second, in delivery order.

        Endless by default. With `call_limit`, no call is created after that many and the stream
        ends once every call has closed and every team has cleared: a finite, replayable scenario.
        """
        if not (rate_per_s > 0 and math.isfinite(rate_per_s)):
            raise ValueError(f"rate_per_s must be positive, got {rate_per_s}")
        if call_limit is not None and call_limit < 0:
            raise ValueError(f"call_limit must not be negative, got {call_limit}")
        if self._started:
            raise RuntimeError("a SyntheticFeed is consumed once; build a new one with the same config")
        self._started = True
        self._arrivals_left = call_limit
        if call_limit != 0:
            self._schedule(0.0, self._arrival)
        if self._config.avl_interval_s > 0:
            for team in self._teams:
                self._schedule(self._rng.uniform(0.0, self._config.avl_interval_s), self._pinger(team))
        return self._deliver(rate_per_s)

    # -- delivery ---------------------------------------------------------------------------------

    def _deliver(self, rate_per_s: float) -> Iterator[tuple[float, Event]]:
        config, rng = self._config, self._rng
        index = 0
        while True:
            # The first event comes one slot after `start`, strictly after the roster it refers to.
            offset = (index + 1) / rate_per_s
            if self._held and self._held[0][0] <= index:
                event = heapq.heappop(self._held)[2]
            else:
                while self._shift_changes and self._shift_changes[0][0] <= offset:
                    self._change_shift(heapq.heappop(self._shift_changes)[1], offset)
                while not self._ready and self._agenda:
                    at, _, step = heapq.heappop(self._agenda)
                    self._now = at
                    step(at)
                if not self._ready:
                    if not self._held:
                        return
                    event = heapq.heappop(self._held)[2]
                else:
                    event = self._ready.popleft()
                    if (
                        event["type"] == "call.updated"
                        and config.late_share
                        and rng.random() < config.late_share
                    ):
                        # Stamped half a slot early, it reaches the consumer after newer events.
                        event["occurred_at"] = iso(self._start + timedelta(seconds=offset - 0.5 / rate_per_s))
                        self._order += 1
                        heapq.heappush(self._held, (index + rng.randint(2, 40), self._order, event))
                        continue
                    event["occurred_at"] = iso(self._start + timedelta(seconds=offset))
            if config.duplicate_share and rng.random() < config.duplicate_share:
                self._order += 1
                heapq.heappush(self._held, (index + rng.randint(1, 50), self._order, dict(event)))
            yield offset, event
            index += 1

    def _change_shift(self, team_index: int, offset: float) -> None:
        """Re-upsert a team with its next shift, overlapping the last so it never drops off shift."""
        team = self._teams[team_index]
        begins = self._start + timedelta(seconds=offset)
        roster = dict(team.roster)
        lat, lon = team.position(self._now)
        roster["shift"] = {"start": iso(begins), "end": iso(begins + SHIFT)}
        roster["status"] = team.status
        roster["location"] = {"lat": round(lat, 6), "lon": round(lon, 6)}
        roster.pop("call_id", None)
        if team.call is not None:
            roster["call_id"] = team.call.call_id
        team.roster = roster
        # Ahead of anything already queued: the new shift must be known before the old one runs low.
        self._ready.appendleft(self._event("unit.upsert", "unit", roster))
        next_change = offset + (SHIFT - SHIFT_OVERLAP).total_seconds()
        heapq.heappush(self._shift_changes, (next_change, team_index))

    # -- story ------------------------------------------------------------------------------------

    def _schedule(self, at: float, step: Callable[[float], None]) -> None:
        self._order += 1
        heapq.heappush(self._agenda, (at, self._order, step))

    def _event(self, kind: str, subject: str, body: dict[str, Any]) -> Event:
        self._sequence += 1
        # occurred_at is filled in at delivery; the key is placed here to keep the envelope's order.
        return {
            "event_id": f"{self._id_prefix}{self._sequence:09d}",
            "type": kind,
            "occurred_at": "",
            "region": self._config.region,
            subject: body,
        }

    def _team(self, index: int, event: Event) -> _Team:
        unit = event["unit"]
        lat, lon = unit["location"]["lat"], unit["location"]["lon"]
        return _Team(
            index=index,
            unit_id=unit["unit_id"],
            roster=dict(unit),
            can_transport=unit["can_transport"],
            home_lat=lat,
            home_lon=lon,
            from_lat=lat,
            from_lon=lon,
            to_lat=lat,
            to_lon=lon,
        )

    def _arrival(self, t: float) -> None:
        if len(self._open) < self._config.max_open_calls:
            self._create_call(t)
            if self._arrivals_left is not None:
                self._arrivals_left -= 1
        if self._arrivals_left != 0:
            self._schedule(t + self._rng.expovariate(self._config.calls_per_hour / 3600.0), self._arrival)

    def _create_call(self, t: float) -> None:
        rng, config = self._rng, self._config
        behavioral = rng.random() < config.bh_share
        composed = compose_call(rng, behavioral)
        kind, narrative, caller_type, person = (
            composed.kind,
            composed.narrative,
            composed.caller_type,
            composed.person,
        )
        town = rng.choices(TOWNS, cum_weights=TOWN_CUM)[0]
        lat, lon = scatter(rng, town)
        self._calls_created += 1
        call_id = f"{town.agency}-{self._year:02d}-{config.run_id}-{self._calls_created:06d}"
        call = _Call(
            call_id=call_id,
            agency=town.agency,
            lat=lat,
            lon=lon,
            behavioral=behavioral,
            priority=rng.choice(kind.priorities),
            flags=sorted(composed.flags),
            pronouns=person,
            disposition=rng.choice(BEHAVIORAL_DISPOSITIONS if behavioral else ROUTINE_DISPOSITIONS),
        )
        body: dict[str, Any] = {
            "call_id": call_id,
            "agency": town.agency,
            "nature_code": kind.nature,
            "priority": call.priority,
            "location": {
                "lat": lat,
                "lon": lon,
                "address": f"{rng.randrange(1, 60) * 100} BLOCK {rng.choice(town.streets)}",
            },
            "narrative": narrative,
            "flags": list(call.flags),
            "caller_type": caller_type,
        }
        if rng.random() < (0.5 if behavioral else 0.15):
            body["premise_history"] = {"bh_calls_12m": rng.randint(1, 9) if behavioral else rng.randint(0, 1)}
        self._open[call_id] = call
        if behavioral:
            self._behavioral_ids.add(call_id)
        self._ready.append(self._event("call.created", "call", body))

        updates = rng.choices(
            UPDATE_COUNTS, cum_weights=BEHAVIORAL_UPDATES_CUM if behavioral else ROUTINE_UPDATES_CUM
        )[0]
        for _ in range(updates):
            self._schedule(t + rng.uniform(45.0, 900.0), self._updater(call))
        if behavioral and rng.random() < config.dispatch_share:
            self._schedule(t + rng.uniform(30.0, 180.0), self._dispatcher(call))
        else:
            self._schedule(t + rng.uniform(8.0, 75.0) * 60.0, self._closer(call))

    def _updater(self, call: _Call) -> Callable[[float], None]:
        def update(_t: float) -> None:
            if call.closed:
                return
            text, added, urgency = self._rng.choice(
                BEHAVIORAL_UPDATES if call.behavioral else ROUTINE_UPDATES
            )
            _rel, subj, _poss, refl, _obj = call.pronouns
            body: dict[str, Any] = {
                "call_id": call.call_id,
                "narrative_append": text.format(subj=subj, refl=refl),
            }
            priority = min(5, max(1, call.priority + urgency))
            if priority != call.priority:
                call.priority = body["priority"] = priority
            flags = sorted(set(call.flags).union(added))
            if flags != call.flags:
                call.flags = flags
                body["flags"] = list(flags)
            self._ready.append(self._event("call.updated", "call", body))

        return update

    def _dispatcher(self, call: _Call) -> Callable[[float], None]:
        def dispatch(t: float) -> None:
            if call.closed:
                return
            team = self._nearest_free_team(call)
            if team is None:
                # No team free: patrol handles it alone, as happens on a busy night.
                self._schedule(t + self._rng.uniform(10.0, 60.0) * 60.0, self._closer(call))
                return
            team.call = call
            self._free[team.index] = False
            self._set_status(team, "dispatched", call)
            self._schedule(t + self._rng.uniform(15.0, 90.0), self._en_route(team))

        return dispatch

    def _nearest_free_team(self, call: _Call) -> _Team | None:
        armed = not _ARMED_FLAGS.isdisjoint(call.flags)
        key = (call.agency, armed)
        compatible = self._compatible.get(key)
        if compatible is None:
            compatible = self._compatible[key] = np.array(
                [
                    call.agency in t.roster["jurisdictions"]
                    and not (armed and t.roster["model"] == "secondary")
                    for t in self._teams
                ],
                dtype=np.bool_,
            )
        eligible = compatible & self._free
        if not eligible.any():
            return None
        squared = (self._lat - call.lat) ** 2 + ((self._lon - call.lon) * COS_LATITUDE) ** 2
        return self._teams[int(np.argmin(np.where(eligible, squared, np.inf)))]

    def _set_status(self, team: _Team, status: str, call: _Call | None) -> None:
        team.status = status
        body: dict[str, Any] = {"unit_id": team.unit_id, "status": status}
        if call is not None:
            body["call_id"] = call.call_id
        self._ready.append(self._event("unit.status", "unit", body))

    def _en_route(self, team: _Team) -> Callable[[float], None]:
        def go(t: float) -> None:
            call = team.call
            assert call is not None
            arrive = team.drive(t, call.lat, call.lon)
            self._set_status(team, "en_route", call)
            self._schedule(arrive, self._on_scene(team))

        return go

    def _on_scene(self, team: _Team) -> Callable[[float], None]:
        def arrive(t: float) -> None:
            call = team.call
            assert call is not None
            self._lat[team.index], self._lon[team.index] = call.lat, call.lon
            self._set_status(team, "on_scene", call)
            self._schedule(t + self._rng.uniform(20.0, 75.0) * 60.0, self._leave_scene(team))

        return arrive

    def _leave_scene(self, team: _Team) -> Callable[[float], None]:
        def leave(t: float) -> None:
            call = team.call
            assert call is not None
            if team.can_transport and call.disposition in _TRANSPORT_DISPOSITIONS:
                ed = min(EMERGENCY_DEPARTMENTS, key=lambda p: road_seconds(call.lat, call.lon, *p))
                arrive = team.drive(t, *ed)
                self._set_status(team, "transporting", call)
                self._schedule(arrive + self._rng.uniform(10.0, 30.0) * 60.0, self._clear(team))
            else:
                self._clear(team)(t)

        return leave

    def _clear(self, team: _Team) -> Callable[[float], None]:
        def clear(t: float) -> None:
            call = team.call
            assert call is not None
            team.call = None
            self._free[team.index] = True
            self._set_status(team, "available", None)
            team.drive(t, team.home_lat, team.home_lon)
            self._schedule(t + self._rng.uniform(0.0, 240.0), self._closer(call))

        return clear

    def _closer(self, call: _Call) -> Callable[[float], None]:
        def close(_t: float) -> None:
            call.closed = True
            del self._open[call.call_id]
            body = {"call_id": call.call_id, "disposition": call.disposition}
            self._ready.append(self._event("call.closed", "call", body))

        return close

    def _pinger(self, team: _Team) -> Callable[[float], None]:
        interval = self._config.avl_interval_s

        def ping(t: float) -> None:
            lat, lon = team.position(t)
            if team.status == "available" and t >= team.arrive_t:
                # Idle teams patrol around their base rather than parking on one spot.
                lat += self._rng.gauss(0.0, 0.004)
                lon += self._rng.gauss(0.0, 0.005)
            lat, lon = round(lat, 6), round(lon, 6)
            self._lat[team.index], self._lon[team.index] = lat, lon
            body = {"unit_id": team.unit_id, "location": {"lat": lat, "lon": lon}}
            self._ready.append(self._event("unit.location", "unit", body))
            if self._arrivals_left != 0 or self._open:
                self._schedule(t + interval * self._rng.uniform(0.8, 1.2), ping)

        return ping
