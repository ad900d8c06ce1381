"""A synthetic CAD stream for Northern Colorado: unit rosters, calls and their lifecycles, AVL pings.

Pure and deterministic: a seeded `random.Random`, the start time as a parameter, no I/O, no clock.
It feeds the `--demo` mode and the benchmark load generator. Every event is a plain dict in the
contract's JSON envelope. All text is invented: no real people, no real addresses.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

__all__ = ["TOWNS", "FeedConfig", "SyntheticFeed", "Town", "county_roster", "demo_roster"]

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Town:
    name: str
    lat: float
    lon: float
    spread_deg: float
    agency: str
    weight: float


TOWNS: tuple[Town, ...] = (
    Town("Fort Collins", 40.5853, -105.0844, 0.045, "LCSO", 0.34),
    Town("Loveland", 40.3978, -105.0750, 0.035, "LPD", 0.30),
    Town("Estes Park", 40.3772, -105.5217, 0.025, "EPPD", 0.08),
    Town("Wellington", 40.7036, -105.0086, 0.015, "LCSO", 0.07),
    Town("Berthoud", 40.3083, -105.0811, 0.015, "LCSO", 0.07),
    Town("Timnath", 40.5291, -104.9855, 0.012, "LCSO", 0.06),
    Town("Red Feather Lakes", 40.8072, -105.5897, 0.03, "LCSO", 0.04),
    Town("Masonville", 40.4869, -105.2125, 0.02, "LCSO", 0.04),
)

_STREETS = (
    "N COLLEGE AVE",
    "S COLLEGE AVE",
    "E EISENHOWER BLVD",
    "W 29TH ST",
    "N LINCOLN AVE",
    "S TAFT AVE",
    "MOUNTAIN AVE",
    "E ELKHORN AVE",
    "MORAINE AVE",
    "HARMONY RD",
    "DRAKE RD",
    "TRILBY RD",
    "CR 74E",
    "W 1ST ST",
    "BOISE AVE",
    "E 57TH ST",
    "WILDCAT LN",
    "FOSSIL CREEK PKWY",
)

# (nature code, priority range, narrative templates, flags with their odds)
_BH_CALLS: tuple[tuple[str, tuple[int, int], tuple[str, ...]], ...] = (
    (
        "SUICIDAL",
        (1, 2),
        (
            "RP STATES {rel} TEXTED THAT {pro} WANTS TO END {pos} LIFE, {weapons}",
            "CALLER IS SUICIDAL, HAS A PLAN TO OVERDOSE ON {pos} MEDS, {weapons}",
            "RP STATES {rel} THREATENING TO HURT {refl}, LAST SEEN WALKING TOWARD THE RIVER",
            "3RD PARTY REPORTS {rel} POSTED GOODBYE MESSAGES ONLINE, UNK IF ARMED",
        ),
    ),
    (
        "SUICIDE ATTEMPT",
        (1, 1),
        (
            "RP FOUND {rel} WITH CUTS ON WRISTS, CONSCIOUS AND BREATHING",
            "SUBJ TOOK UNK AMOUNT OF PILLS 20 MIN AGO PER {rel}, ALERT",
        ),
    ),
    (
        "WELFARE CHECK",
        (2, 4),
        (
            "RP REQ WELFARE CHECK ON {rel}, NOT TAKING {pos} MEDS, HEARING VOICES",
            "NEIGHBOR HAS NOT BEEN SEEN IN 3 DAYS, HX OF DEPRESSION",
            "RP STATES {rel} IS CONFUSED AND WANDERING, HX OF DEMENTIA",
            "ELDERLY SUBJ IN ROADWAY TALKING TO {refl}, APPEARS DISORIENTED",
            "RP CONCERNED FOR {rel}, DENIES SI BUT HAS NOT EATEN IN DAYS",
        ),
    ),
    (
        "MENTAL",
        (2, 3),
        (
            "SUBJ YELLING AT PASSERSBY, STATES PEOPLE ARE FOLLOWING {obj}, PARANOID",
            "RP STATES {rel} OFF {pos} MEDS FOR A WEEK, NOT SLEEPING, TALKING FAST",
            "SUBJ BELIEVES NEIGHBORS ARE POISONING {pos} WATER, AGITATED, {weapons}",
            "JUVENILE IN CRISIS AT SCHOOL, THREATENING SELF HARM, COUNSELOR ON SCENE",
        ),
    ),
    (
        "DISTURBANCE",
        (2, 3),
        (
            "SUBJ SCREAMING IN PARKING LOT, APPEARS TO BE HALLUCINATING",
            "TRANSIENT MALE IN LOBBY, CRYING, STATES HE HAS NOWHERE TO GO AND WANTS TO DIE",
            "RP STATES {rel} BREAKING THINGS IN HOUSE, OFF MEDS, {weapons}",
        ),
    ),
    (
        "OVERDOSE",
        (1, 2),
        (
            "RP STATES {rel} TOOK TOO MANY PILLS, BREATHING, CONSCIOUS",
            "SUBJ UNRESPONSIVE AFTER POSS FENTANYL USE, NARCAN GIVEN BY RP",
        ),
    ),
    (
        "INTOXICATED PERSON",
        (3, 4),
        (
            "INTOX SUBJ SITTING ON CURB, STATES HE WANTS DETOX",
            "RP STATES {rel} DRUNK AND TALKING ABOUT KILLING {refl}",
        ),
    ),
)

_OTHER_CALLS: tuple[tuple[str, tuple[int, int], tuple[str, ...]], ...] = (
    ("TRAFFIC STOP", (4, 5), ("SILVER SEDAN, EXPIRED TAGS", "SPEEDING IN SCHOOL ZONE")),
    ("ACCIDENT", (2, 3), ("2 VEH NON INJURY, BLOCKING LANE", "VEH VS POLE, DRIVER OUT OF VEH AND WALKING")),
    (
        "THEFT",
        (3, 5),
        ("BIKE STOLEN FROM GARAGE OVERNIGHT", "SHOPLIFTER LEFT IN BLUE PICKUP", "MAIL THEFT FROM BOXES"),
    ),
    ("ALARM", (3, 4), ("COMMERCIAL BURGLARY ALARM, REAR DOOR", "RESIDENTIAL ALARM, KEYHOLDER ENRT")),
    ("TRESPASS", (3, 4), ("SUBJ REFUSING TO LEAVE STORE AFTER CLOSING", "SUBJS IN CLOSED PARK AFTER HOURS")),
    ("SUSPICIOUS PERSON", (3, 4), ("MALE LOOKING INTO VEHICLES IN LOT", "SUBJ LOITERING NEAR ATM")),
    (
        "DOMESTIC",
        (1, 2),
        ("RP STATES BOYFRIEND PUSHED HER, HE LEFT ON FOOT", "VERBAL ARGUMENT BETWEEN ROOMMATES, NO WEAPONS"),
    ),
    ("NOISE", (4, 5), ("LOUD MUSIC FROM APARTMENT 2ND FLOOR", "PARTY IN BACKYARD, MULTIPLE VEHS")),
    ("ANIMAL", (4, 5), ("LOOSE DOG IN ROADWAY", "DEER HIT, STILL ALIVE ON SHOULDER")),
    ("FRAUD", (4, 5), ("RP SCAMMED BY GIFT CARD CALLER", "UNAUTHORIZED CHARGES ON CARD")),
)

_RELATIVES = (
    ("SON", "HE", "HIS", "HIMSELF", "HIM"),
    ("DAUGHTER", "SHE", "HER", "HERSELF", "HER"),
    ("HUSBAND", "HE", "HIS", "HIMSELF", "HIM"),
    ("WIFE", "SHE", "HER", "HERSELF", "HER"),
    ("BROTHER", "HE", "HIS", "HIMSELF", "HIM"),
    ("MOTHER", "SHE", "HER", "HERSELF", "HER"),
    ("ROOMMATE", "THEY", "THEIR", "THEMSELVES", "THEM"),
)
_WEAPON_NOTES = ("NO WEAPONS SEEN", "NEG WEAPONS PER RP", "UNK IF ARMED", "HAS A KITCHEN KNIFE")
_DISPOSITIONS_BH = ("resolved_on_scene", "referred", "transported_voluntary", "emergency_hold", "er")
_DISPOSITIONS_OTHER = ("resolved_on_scene", "arrest", "cancelled", "unfounded", "referred")
_CALLER_TYPES = ("self", "family", "third_party", "officer", "other")


@dataclass(frozen=True, slots=True)
class FeedConfig:
    region: str = "larimer"
    seed: int = 7
    run_id: str = "r0"
    """Part of every event and call id, so two runs against one Kafka never share ids."""
    bh_share: float = 0.3
    """Share of new calls that are behavioral-health related."""
    max_open_calls: int = 60
    """Calls close faster as the open count nears this, so a long run stays bounded."""
    update_share: float = 0.12
    status_share: float = 0.10
    avl_share: float = 0.18


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True, slots=True)
class _Team:
    unit_id: str
    agency: str
    model: str
    capacity: int
    can_transport: bool
    jurisdictions: tuple[str, ...]
    lat: float
    lon: float
    skills: tuple[str, ...] = ()

    def roster_entry(self, start: datetime) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "agency": self.agency,
            "model": self.model,
            "capacity": self.capacity,
            "can_transport": self.can_transport,
            "jurisdictions": list(self.jurisdictions),
            "shift": {"start": _iso(start - timedelta(hours=2)), "end": _iso(start + timedelta(hours=10))},
            "status": "available",
            "location": {"lat": self.lat, "lon": self.lon},
            "skills": list(self.skills),
        }


_DEMO_TEAMS = (
    _Team("LCSO-CR1", "LCSO", "primary", 2, False, ("LCSO", "EPPD"), 40.5853, -105.0844),
    _Team("LCSO-CR2", "LCSO", "primary", 2, False, ("LCSO", "EPPD", "LPD"), 40.7036, -105.0086),
    _Team("LCSO-CR3", "LCSO", "primary", 2, False, ("LCSO", "LPD"), 40.3083, -105.0811, ("juvenile",)),
    _Team("LPD-CR1", "LPD", "secondary", 3, True, ("LPD",), 40.3978, -105.0750),
    _Team("LPD-CR2", "LPD", "secondary", 2, True, ("LPD", "LCSO"), 40.4200, -105.0500, ("juvenile",)),
    _Team("EPPD-CR1", "EPPD", "secondary", 1, True, ("EPPD", "LCSO"), 40.3772, -105.5217),
)
"""Larimer County Sheriff's primary teams, Loveland PD secondary teams that transport, Estes Park PD."""


def demo_roster(config: FeedConfig, start: datetime) -> list[Event]:
    """The demo's co-responder teams as unit.upsert events."""
    return [
        _envelope(config, f"roster-{i:04d}", "unit.upsert", start, unit=team.roster_entry(start))
        for i, team in enumerate(_DEMO_TEAMS)
    ]


def county_roster(config: FeedConfig, start: datetime, count: int) -> list[Event]:
    """`count` synthetic teams spread over the county's towns, for load tests."""
    rng = random.Random(config.seed + 1)
    events = []
    for i in range(count):
        town = rng.choices(TOWNS, weights=[t.weight for t in TOWNS])[0]
        model = rng.choice(("primary", "secondary"))
        team = _Team(
            unit_id=f"{town.agency}-CR{i + 1:04d}",
            agency=town.agency,
            model=model,
            capacity=rng.randint(1, 3),
            can_transport=model == "secondary",
            jurisdictions=tuple(sorted({town.agency, "LCSO"} | ({"EPPD"} if rng.random() < 0.3 else set()))),
            lat=round(town.lat + rng.gauss(0, town.spread_deg), 5),
            lon=round(town.lon + rng.gauss(0, town.spread_deg), 5),
            skills=("juvenile",) if rng.random() < 0.2 else (),
        )
        events.append(
            _envelope(config, f"roster-{i:06d}", "unit.upsert", start, unit=team.roster_entry(start))
        )
    return events


def _envelope(config: FeedConfig, event_id: str, kind: str, at: datetime, **body: Any) -> Event:
    return {
        "event_id": f"{config.region}-{config.run_id}-{config.seed}-{event_id}",
        "type": kind,
        "occurred_at": _iso(at),
        "region": config.region,
        **body,
    }


@dataclass(slots=True)
class _OpenCall:
    call_id: str
    behavioral: bool
    unit_id: str | None = None


@dataclass(slots=True)
class SyntheticFeed:
    """An endless, deterministic stream of CAD events after a roster, at a given event rate.

    `events(rate_per_s)` yields `(offset_s, event)`: the offset from `start` at which an open-loop
    driver should send the event. `occurred_at` of each event is `start + offset_s`.
    """

    config: FeedConfig
    start: datetime
    roster: list[Event]
    """The unit.upsert events the stream's units come from (their ids and starting positions)."""
    unit_ids: list[str] = field(init=False)
    _positions: dict[str, tuple[float, float]] = field(init=False)
    _rng: random.Random = field(init=False)
    _open: list[_OpenCall] = field(default_factory=list, init=False)
    _sequence: int = field(default=0, init=False)
    _idle_units: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.config.seed)
        self._positions = {
            e["unit"]["unit_id"]: (e["unit"]["location"]["lat"], e["unit"]["location"]["lon"])
            for e in self.roster
        }
        self.unit_ids = sorted(self._positions)
        self._idle_units = list(self.unit_ids)

    def events(self, rate_per_s: float) -> Iterator[tuple[float, Event]]:
        step = 1.0 / rate_per_s
        offset = 0.0
        while True:
            offset += step
            yield offset, self._next(self.start + timedelta(seconds=offset))

    def _next(self, at: datetime) -> Event:
        self._sequence += 1
        cfg, rng = self.config, self._rng
        roll = rng.random()
        close_share = 0.05 + 0.35 * len(self._open) / cfg.max_open_calls
        if self._open and roll < close_share:
            return self._close(at)
        roll -= close_share
        if self._open and roll < cfg.update_share:
            return self._update(at)
        roll -= cfg.update_share
        if roll < cfg.status_share:
            return self._status(at)
        roll -= cfg.status_share
        if roll < cfg.avl_share:
            return self._avl(at)
        return self._create(at)

    def _id(self) -> str:
        return f"{self._sequence:09d}"

    def _create(self, at: datetime) -> Event:
        rng, cfg = self._rng, self.config
        behavioral = rng.random() < cfg.bh_share
        nature, priorities, templates = rng.choice(_BH_CALLS if behavioral else _OTHER_CALLS)
        town = rng.choices(TOWNS, weights=[t.weight for t in TOWNS])[0]
        rel, pro, pos, refl, obj = rng.choice(_RELATIVES)
        narrative = rng.choice(templates).format(
            rel=rel, pro=pro, pos=pos, refl=refl, obj=obj, weapons=rng.choice(_WEAPON_NOTES)
        )
        call_id = f"{town.agency}-{self.config.run_id}-{self._sequence:07d}"
        flags = []
        if rng.random() < 0.06:
            flags.append(
                rng.choice(("weapon", "violence", "medical", "intoxicated", "juvenile", "transport_needed"))
            )
        call: dict[str, Any] = {
            "call_id": call_id,
            "agency": town.agency,
            "nature_code": nature,
            "priority": rng.randint(*priorities),
            "location": {
                "lat": round(town.lat + rng.gauss(0, town.spread_deg), 5),
                "lon": round(town.lon + rng.gauss(0, town.spread_deg), 5),
                "address": f"{rng.randrange(1, 49) * 100} BLOCK {rng.choice(_STREETS)}",
            },
            "narrative": narrative,
            "flags": flags,
            "caller_type": rng.choice(_CALLER_TYPES),
        }
        if behavioral and rng.random() < 0.4:
            call["premise_history"] = {"bh_calls_12m": rng.randint(1, 9)}
        self._open.append(_OpenCall(call_id, behavioral))
        return _envelope(cfg, self._id(), "call.created", at, call=call)

    def _update(self, at: datetime) -> Event:
        rng = self._rng
        target = rng.choice(self._open)
        change: dict[str, Any] = {"call_id": target.call_id}
        if target.behavioral and rng.random() < 0.5:
            change["narrative_append"] = rng.choice(
                (
                    "SUBJ NOW LOCKED IN BATHROOM",
                    "RP ADV SUBJ HAS CALMED DOWN",
                    "SUBJ LEFT ON FOOT NB",
                    "RP NOW STATES SUBJ HAS A KNIFE",
                    "SUBJ AGREES TO TALK TO CLINICIAN",
                )
            )
        else:
            change["priority"] = rng.randint(1, 5)
        return _envelope(self.config, self._id(), "call.updated", at, call=change)

    def _close(self, at: datetime) -> Event:
        rng = self._rng
        target = self._open.pop(rng.randrange(len(self._open)))
        if target.unit_id is not None:
            self._idle_units.append(target.unit_id)
            self._idle_units.sort()
        disposition = rng.choice(_DISPOSITIONS_BH if target.behavioral else _DISPOSITIONS_OTHER)
        return _envelope(
            self.config,
            self._id(),
            "call.closed",
            at,
            call={"call_id": target.call_id, "disposition": disposition},
        )

    def _status(self, at: datetime) -> Event:
        rng = self._rng
        waiting = [c for c in self._open if c.behavioral and c.unit_id is None]
        if waiting and self._idle_units:
            target = rng.choice(waiting)
            target.unit_id = self._idle_units.pop(rng.randrange(len(self._idle_units)))
            unit = {
                "unit_id": target.unit_id,
                "status": rng.choice(("dispatched", "en_route", "on_scene")),
                "call_id": target.call_id,
            }
        else:
            unit_id = rng.choice(self.unit_ids)
            unit = {"unit_id": unit_id, "status": "available"}
            busy = [c for c in self._open if c.unit_id == unit_id]
            if busy:
                unit = {"unit_id": unit_id, "status": "on_scene", "call_id": busy[0].call_id}
        return _envelope(self.config, self._id(), "unit.status", at, unit=unit)

    def _avl(self, at: datetime) -> Event:
        """A unit drifts up to about a kilometre from where it was."""
        rng = self._rng
        unit_id = rng.choice(self.unit_ids)
        lat, lon = self._positions[unit_id]
        lat = min(90.0, max(-90.0, round(lat + rng.uniform(-0.009, 0.009), 5)))
        lon = min(180.0, max(-180.0, round(lon + rng.uniform(-0.012, 0.012), 5)))
        self._positions[unit_id] = (lat, lon)
        unit = {"unit_id": unit_id, "location": {"lat": lat, "lon": lon}}
        return _envelope(self.config, self._id(), "unit.location", at, unit=unit)
