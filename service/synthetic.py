"""A synthetic CAD stream for Northern Colorado: co-responder rosters, calls and their lifecycles.

Owns the invented data the `--demo` feed and the benchmark load generator send: unit rosters
(`demo_roster`, `county_roster`) and `SyntheticFeed`, which plays out calls (created, updated,
dispatched, cleared, closed), unit status changes, AVL pings and shift changes. Every event is a
plain dict in the contract's JSON envelope, valid for `EVENT_ADAPTER.validate_json(orjson.dumps(e))`.

Pure and deterministic: one seeded `random.Random` per feed, the start time is a parameter, no I/O,
no clock. Two clocks are involved. Story time is the simulated county's: calls arrive at
`calls_per_hour`, teams drive at road speed and stay on scene for tens of minutes; it decides the
order of events and how many calls are open at once. Delivery time is what `events(rate_per_s)`
hands out: the story's events at a constant rate, so `occurred_at == start + offset` and a run's
length is set by the requested rate, not by the story (a busy demo compresses an hour into minutes).

All text is invented: no real people, no real addresses (block numbers on public street names).
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "TOWNS",
    "Event",
    "FeedConfig",
    "SyntheticFeed",
    "Town",
    "county_roster",
    "demo_roster",
]

Event = dict[str, Any]
"""One CAD event in the contract's JSON envelope, ready for `orjson.dumps`."""

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,31}$")
_ROAD_CIRCUITY = 1.35
_ROAD_SPEED_MPS = 13.4
_STARTUP_S = 60.0
_METRES_PER_DEGREE = 111_195.0
_COS_LATITUDE = math.cos(math.radians(40.5))
"""Longitude degrees shrink by this factor at the county's latitude; enough for ranking distances."""
_SHIFT = timedelta(hours=12)
_SHIFT_OVERLAP = timedelta(hours=3)
"""A team is re-upserted this long before its shift ends; the core routes no team about to go off shift."""
_TRANSPORT_DISPOSITIONS = frozenset({"transported_voluntary", "emergency_hold", "er"})
_ARMED_FLAGS = frozenset({"weapon", "violence"})


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """What a synthetic run looks like. Frozen: build one per run and pass it in."""

    region: str = "larimer"
    seed: int = 0
    run_id: str = "r0"
    """Part of every event and call id, so two runs against one Kafka never share ids."""
    bh_share: float = 0.3
    """Share of new calls that are behavioral-health crises (ground truth, see `is_behavioral`)."""
    calls_per_hour: float = 30.0
    """New calls per story hour across the region."""
    dispatch_share: float = 0.8
    """Share of behavioral-health calls the synthetic dispatcher sends a co-responder team to."""
    avl_interval_s: float = 300.0
    """Story seconds between two AVL pings of one unit; 0 turns AVL pings off."""
    max_open_calls: int = 60
    """New calls are not taken while this many are open, so a long run stays bounded."""
    late_share: float = 0.0
    """Share of call.updated events delivered late, after newer events (out-of-order input)."""
    duplicate_share: float = 0.0
    """Share of events delivered a second time with the same event_id (at-least-once input)."""

    def __post_init__(self) -> None:
        if not _RUN_ID.match(self.run_id):
            raise ValueError(f"run_id {self.run_id!r} must be 1-32 letters, digits or ._:- (it goes in ids)")
        if not _RUN_ID.match(self.region):
            raise ValueError(f"region {self.region!r} must be 1-32 letters, digits or ._:-")
        for name in ("bh_share", "dispatch_share", "late_share", "duplicate_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} is a share and must be within 0..1, got {share}")
        if not (self.calls_per_hour > 0 and math.isfinite(self.calls_per_hour)):
            raise ValueError(f"calls_per_hour must be positive, got {self.calls_per_hour}")
        if not (self.avl_interval_s >= 0 and math.isfinite(self.avl_interval_s)):
            raise ValueError(f"avl_interval_s must be 0 (off) or positive, got {self.avl_interval_s}")
        if self.max_open_calls < 1:
            raise ValueError(f"max_open_calls must be at least 1, got {self.max_open_calls}")


@dataclass(frozen=True, slots=True)
class Town:
    """A place calls come from, the agency that answers there, and its streets."""

    name: str
    lat: float
    lon: float
    spread_km: float
    agency: str
    weight: float
    streets: tuple[str, ...]


TOWNS: tuple[Town, ...] = (
    # Fort Collins city proper belongs to its own police service; the county pockets, LaPorte,
    # Bellvue and the contract towns (Wellington, Timnath, Berthoud) are Sheriff's calls.
    Town(
        "Fort Collins",
        40.5853,
        -105.0844,
        4.5,
        "LCSO",
        0.26,
        ("N COLLEGE AVE", "S COLLEGE AVE", "E HARMONY RD", "W DRAKE RD", "S TIMBERLINE RD", "N SHIELDS ST"),
    ),
    Town(
        "Loveland",
        40.3978,
        -105.0750,
        3.5,
        "LPD",
        0.30,
        ("E EISENHOWER BLVD", "N LINCOLN AVE", "S TAFT AVE", "W 29TH ST", "E 57TH ST", "BOISE AVE"),
    ),
    Town(
        "Estes Park",
        40.3772,
        -105.5217,
        2.5,
        "EPPD",
        0.08,
        ("E ELKHORN AVE", "MORAINE AVE", "BIG THOMPSON AVE", "FISH CREEK RD", "MOCCASIN CIR DR"),
    ),
    Town("Wellington", 40.7036, -105.0086, 1.5, "LCSO", 0.07, ("CLEVELAND AVE", "3RD ST", "JEFFERSON AVE")),
    Town("Berthoud", 40.3083, -105.0811, 1.5, "LCSO", 0.07, ("MOUNTAIN AVE", "1ST ST", "BUNYAN AVE")),
    Town("Timnath", 40.5291, -104.9855, 1.2, "LCSO", 0.05, ("MAIN ST", "LATHAM PKWY", "HARMONY RD")),
    Town("LaPorte", 40.6264, -105.1392, 1.5, "LCSO", 0.04, ("N OVERLAND TRL", "CR 54G", "RIST CANYON RD")),
    Town("Bellvue", 40.6269, -105.1711, 1.5, "LCSO", 0.02, ("CR 23", "RIST CANYON RD", "CR 52E")),
    Town("Masonville", 40.4869, -105.2125, 2.0, "LCSO", 0.02, ("CR 27", "BUCKHORN RD")),
    Town("Red Feather Lakes", 40.8072, -105.5897, 3.0, "LCSO", 0.02, ("CR 74E", "DOWDY LAKE RD", "CR 73C")),
)

_EMERGENCY_DEPARTMENTS: tuple[tuple[float, float], ...] = (
    (40.5717, -105.0562),
    (40.4075, -105.0648),
    (40.3682, -105.5159),
)
"""Where teams that may transport drive a person: the county's three emergency departments."""

_JURISDICTIONS: dict[str, tuple[str, ...]] = {
    "LCSO": ("LCSO", "EPPD", "LPD"),
    "LPD": ("LPD",),
    "EPPD": ("EPPD", "LCSO"),
}
"""Who each agency's teams may serve: the Sheriff gives mutual aid county-wide, Loveland stays home."""

_RESPONSE_MODELS: dict[str, tuple[str, bool]] = {
    "LCSO": ("primary", False),
    "LPD": ("secondary", True),
    "EPPD": ("primary", False),
}
"""(model, can_transport) per agency: deputy and clinician in one car, or a clinician car that transports."""


@dataclass(frozen=True, slots=True)
class _TeamSpec:
    unit_id: str
    agency: str
    capacity: int
    lat: float
    lon: float
    shift_start: timedelta
    """Relative to the roster's start time."""
    skills: tuple[str, ...] = ()


_DEMO_TEAMS: tuple[_TeamSpec, ...] = (
    _TeamSpec("LCSO-CR1", "LCSO", 2, 40.5853, -105.0844, -timedelta(hours=2)),
    _TeamSpec("LCSO-CR2", "LCSO", 1, 40.7036, -105.0086, -timedelta(hours=3)),
    _TeamSpec("LCSO-CR3", "LCSO", 2, 40.3083, -105.0811, -timedelta(hours=1), ("juvenile",)),
    _TeamSpec("LCSO-CR4", "LCSO", 1, 40.5291, -104.9855, -timedelta(hours=4)),
    _TeamSpec("LPD-CR1", "LPD", 3, 40.3978, -105.0750, -timedelta(hours=2)),
    _TeamSpec("LPD-CR2", "LPD", 2, 40.4200, -105.1100, -timedelta(hours=1), ("juvenile",)),
    _TeamSpec("EPPD-CR1", "EPPD", 1, 40.3772, -105.5217, -timedelta(hours=2)),
)


def _iso(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a `Z`, as CAD systems commonly write it."""
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _utc(start: datetime) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware (e.g. datetime.now(UTC)); CAD times carry a zone")
    return start.astimezone(UTC)


def _upsert(config: FeedConfig, event_id: str, start: datetime, team: _TeamSpec) -> Event:
    model, can_transport = _RESPONSE_MODELS[team.agency]
    shift_start = start + team.shift_start
    unit: dict[str, Any] = {
        "unit_id": team.unit_id,
        "agency": team.agency,
        "model": model,
        "capacity": team.capacity,
        "can_transport": can_transport,
        "jurisdictions": list(_JURISDICTIONS[team.agency]),
        "shift": {"start": _iso(shift_start), "end": _iso(shift_start + _SHIFT)},
        "status": "available",
        "location": {"lat": team.lat, "lon": team.lon},
    }
    if team.skills:
        unit["skills"] = list(team.skills)
    return {
        "event_id": f"{config.region}-{config.run_id}-{config.seed}-{event_id}",
        "type": "unit.upsert",
        "occurred_at": _iso(start),
        "region": config.region,
        "unit": unit,
    }


def demo_roster(config: FeedConfig, start: datetime) -> list[Event]:
    """The demo's seven co-responder teams as unit.upsert events, all on shift at `start`.

    Larimer County Sheriff primary teams (deputy and clinician in one car, no transport), Loveland PD
    secondary teams (clinician car that may transport), one small Estes Park PD team.
    """
    start = _utc(start)
    return [_upsert(config, f"roster-{i:04d}", start, team) for i, team in enumerate(_DEMO_TEAMS)]


def county_roster(config: FeedConfig, start: datetime, count: int) -> list[Event]:
    """`count` synthetic teams spread over the county's towns and back roads, for load tests.

    Deterministic in `(config.seed, count)`. Agencies follow where a team is based; shifts are
    staggered but every team is on shift at `start`.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    start = _utc(start)
    rng = random.Random(f"county-roster/{config.seed}/{count}")
    weights = [town.weight for town in TOWNS]
    numbers: dict[str, int] = {}
    events = []
    for i in range(count):
        town = rng.choices(TOWNS, weights=weights)[0]
        lat, lon = _scatter(rng, town)
        numbers[town.agency] = numbers.get(town.agency, 0) + 1
        team = _TeamSpec(
            unit_id=f"{town.agency}-CR{numbers[town.agency]}",
            agency=town.agency,
            capacity=rng.randint(1, 3),
            lat=lat,
            lon=lon,
            shift_start=-timedelta(minutes=rng.randrange(30, 8 * 60, 15)),
            skills=("juvenile",) if rng.random() < 0.15 else (),
        )
        events.append(_upsert(config, f"roster-{i:06d}", start, team))
    return events


def _scatter(rng: random.Random, town: Town) -> tuple[float, float]:
    """A point around a town, denser near its centre."""
    north_km = rng.gauss(0.0, town.spread_km)
    east_km = rng.gauss(0.0, town.spread_km)
    lat = town.lat + north_km * 1000.0 / _METRES_PER_DEGREE
    lon = town.lon + east_km * 1000.0 / (_METRES_PER_DEGREE * _COS_LATITUDE)
    return round(lat, 6), round(lon, 6)


def _road_seconds(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine stretched by road circuity at a mean county speed, like the core's default travel model."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    metres = 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, a)))
    return _STARTUP_S + metres * _ROAD_CIRCUITY / _ROAD_SPEED_MPS


# --- call vocabulary -----------------------------------------------------------------------------
# A narrative template is (text, flags it implies, caller_type). Slots: {rel} the person of concern
# as the caller names them, {subj}/{poss}/{refl}/{obj} their pronouns, {weapons} a weapons note.


@dataclass(frozen=True, slots=True)
class _CallKind:
    nature: str
    weight: float
    priorities: tuple[int, ...]
    narratives: tuple[tuple[str, tuple[str, ...], str], ...]


_BEHAVIORAL: tuple[_CallKind, ...] = (
    _CallKind(
        "SUICIDAL",
        3.0,
        (1, 1, 2),
        (
            ("RP STATES {rel} THREATENING TO HURT {refl}, {weapons}", (), "family"),
            (
                "{rel} SENT TEXT SAYING {subj} WANTS TO END {poss} LIFE, RP UNABLE TO REACH {obj}",
                (),
                "family",
            ),
            ("CALLER REPORTS SUICIDAL THOUGHTS, ALONE AT RESIDENCE, REQ SOMEONE TO TALK TO", (), "self"),
            (
                "RP ADV {rel} MADE SUICIDAL STATEMENTS AFTER BREAKUP, HAS BEEN DRINKING",
                ("intoxicated",),
                "family",
            ),
            ("3RD PARTY REPORTS {rel} POSTED GOODBYE MESSAGES ONLINE, {weapons}", (), "third_party"),
        ),
    ),
    _CallKind(
        "SUICIDE ATTEMPT",
        0.8,
        (1,),
        (
            ("RP FOUND {rel} WITH CUTS ON WRISTS, CONSCIOUS AND BREATHING", ("medical",), "family"),
            ("{rel} TOOK UNK AMOUNT OF PILLS 20 MIN AGO, ALERT AND TALKING", ("medical",), "family"),
        ),
    ),
    _CallKind(
        "MENTAL",
        3.0,
        (2, 2, 3),
        (
            ("{rel} HEARING VOICES, HAS NOT SLEPT IN 3 DAYS, NOT VIOLENT", (), "family"),
            ("RP STATES {rel} OFF {poss} MEDS, ACTING PARANOID, YELLING AT NEIGHBORS", (), "family"),
            ("SUBJ STANDING IN ROADWAY TALKING TO {refl}, APPEARS CONFUSED", (), "third_party"),
            ("{rel} DELUSIONAL, BELIEVES SOMEONE IS LIVING IN THE ATTIC, {weapons}", (), "family"),
            (
                "JUVENILE IN CRISIS AT SCHOOL, THREATENING SELF HARM, COUNSELOR WITH {obj}",
                ("juvenile",),
                "other",
            ),
        ),
    ),
    _CallKind(
        "WELFARE CHECK",
        2.0,
        (2, 3, 3),
        (
            ("RP REQ WELFARE CHECK ON {rel}, NOT TAKING {poss} MEDS, HEARING VOICES", (), "family"),
            ("RP CONCERNED FOR {rel}, RECENT SUICIDE ATTEMPT, NOT ANSWERING PHONE", (), "family"),
            ("DENIES SI, WANTS WELFARE CHECK ON NEIGHBOR WHO HAS BEEN ACTING ERRATIC", (), "third_party"),
        ),
    ),
    _CallKind(
        "OVERDOSE",
        1.0,
        (1, 1, 2),
        (
            (
                "{rel} UNRESPONSIVE, POSS FENTANYL, NARCAN GIVEN, BREATHING NOW",
                ("medical", "intoxicated"),
                "family",
            ),
            ("RP STATES {rel} TOOK TOO MANY PILLS ON PURPOSE, CONSCIOUS", ("medical",), "family"),
        ),
    ),
    _CallKind(
        "DISTURBANCE",
        1.0,
        (2, 3),
        (
            ("SUBJ SCREAMING IN PARKING LOT, APPEARS TO BE HALLUCINATING", (), "third_party"),
            ("MALE YELLING AT CARS, STATES HE IS BEING FOLLOWED, POSS PSYCHOTIC", (), "third_party"),
            ("RP STATES {rel} BREAKING THINGS IN HOUSE, OFF {poss} MEDS", ("violence",), "family"),
        ),
    ),
    _CallKind(
        "SUSPICIOUS PERSON",
        0.5,
        (3,),
        (("SUBJ PACING OUTSIDE BUSINESS TALKING TO {refl}, POSS HALLUCINATING", (), "third_party"),),
    ),
    _CallKind(
        "TRESPASS",
        0.5,
        (3, 4),
        (("MALE REFUSING TO LEAVE LOBBY, RAMBLING, RP THINKS HE IS OFF HIS MEDS", (), "third_party"),),
    ),
    _CallKind(
        "INTOXICATED PERSON",
        0.5,
        (3,),
        (("RP STATES {rel} DRUNK AND THREATENING TO KILL {refl}", ("intoxicated",), "family"),),
    ),
)

_ROUTINE: tuple[_CallKind, ...] = (
    _CallKind(
        "TRAFFIC STOP",
        3.0,
        (4, 5),
        (
            ("TS BLK SEDAN NB, 2 OCCUPANTS", (), "officer"),
            ("TS WHI PICKUP, EXPIRED TAGS", (), "officer"),
            ("TS SPEED 52 IN A 35", (), "officer"),
        ),
    ),
    _CallKind(
        "THEFT",
        2.0,
        (3, 4, 5),
        (
            ("RP STATES BIKE STOLEN FROM GARAGE OVERNIGHT, NO SUSP INFO", (), "third_party"),
            ("SHOPLIFTER DETAINED BY LOSS PREVENTION, COOPERATIVE", (), "other"),
            ("CATALYTIC CONVERTER CUT FROM VEH IN LOT", (), "third_party"),
        ),
    ),
    _CallKind(
        "ALARM",
        2.0,
        (3, 4),
        (
            ("COMMERCIAL BURGLARY ALARM, REAR DOOR ZONE, NO KEYHOLDER", (), "other"),
            ("RESIDENTIAL ALARM, MOTION LIVING ROOM, NO ANSWER ON CALLBACK", (), "other"),
        ),
    ),
    _CallKind(
        "ACCIDENT",
        2.0,
        (2, 3, 4),
        (
            ("2 VEH NON INJURY", (), "third_party"),
            ("2 VEH NON INJURY, BLOCKING LANE", (), "third_party"),
            ("1 VEH ROLLOVER, UNK INJURIES", ("medical",), "third_party"),
            ("VEH VS DEER, NON INJURY", (), "other"),
        ),
    ),
    _CallKind(
        "TRESPASS",
        1.0,
        (4,),
        (
            ("SUBJS IN CLOSED PARK AFTER HOURS", (), "third_party"),
            ("RP REQ TRESPASS ADVISEMENT FOR FORMER TENANT", (), "third_party"),
        ),
    ),
    _CallKind(
        "SUSPICIOUS PERSON",
        1.5,
        (3, 4),
        (
            ("MALE LOOKING INTO VEH WINDOWS, DARK HOODIE, LAST SEEN EB", (), "third_party"),
            ("SUBJ LOITERING NEAR ATM FOR 30 MIN", (), "third_party"),
        ),
    ),
    _CallKind(
        "DOMESTIC",
        1.5,
        (1, 2),
        (
            ("RP HEARS YELLING NEXT DOOR, POSS PHYSICAL", ("violence",), "third_party"),
            ("FEMALE STATES BOYFRIEND PUSHED HER, HE LEFT IN BLU PICKUP", ("violence",), "self"),
            ("VERBAL ONLY BETWEEN ROOMMATES, NO WEAPONS", (), "third_party"),
        ),
    ),
    _CallKind(
        "DISTURBANCE",
        1.5,
        (3, 4),
        (
            ("LOUD PARTY, MUSIC AND YELLING", (), "third_party"),
            ("VERBAL ARGUMENT BETWEEN 2 MALES IN PARKING LOT", (), "third_party"),
            ("INTOX MALE REFUSING TO LEAVE BAR", ("intoxicated",), "other"),
        ),
    ),
    _CallKind(
        "WELFARE CHECK",
        1.0,
        (3, 4),
        (
            ("ELDERLY NEIGHBOR NOT SEEN IN 2 DAYS, MAIL PILING UP", (), "third_party"),
            ("VEH PARKED W/ ENGINE RUNNING, SUBJ ASLEEP INSIDE", (), "third_party"),
        ),
    ),
)

_PEOPLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("SON", "HE", "HIS", "HIMSELF", "HIM"),
    ("DAUGHTER", "SHE", "HER", "HERSELF", "HER"),
    ("HUSBAND", "HE", "HIS", "HIMSELF", "HIM"),
    ("WIFE", "SHE", "HER", "HERSELF", "HER"),
    ("BROTHER", "HE", "HIS", "HIMSELF", "HIM"),
    ("MOTHER", "SHE", "HER", "HERSELF", "HER"),
    ("FATHER", "HE", "HIS", "HIMSELF", "HIM"),
    ("ROOMMATE", "THEY", "THEIR", "THEMSELVES", "THEM"),
)
_MINORS = frozenset({"SON", "DAUGHTER"})

_WEAPON_NOTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NO WEAPONS SEEN", ()),
    ("NEG WEAPONS PER RP", ()),
    ("NO WEAPONS IN THE HOME", ()),
    ("UNK IF ARMED", ()),
    ("HAS A KITCHEN KNIFE", ("weapon",)),
    ("HANDGUN IN THE HOME", ("weapon",)),
)

# (text appended to the narrative, flags it adds, priority change: negative is more urgent)
_BEHAVIORAL_UPDATES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("SUBJ NOW LOCKED IN BATHROOM, RP CAN HEAR CRYING", (), 0),
    ("RP ADV SUBJ HAS CALMED DOWN, AGREES TO TALK TO CLINICIAN", (), 1),
    ("PER RP SUBJ NOW HAS A KNIFE", ("weapon",), -2),
    ("SUBJ LEFT ON FOOT NB, RP FOLLOWING AT A DISTANCE", (), 0),
    ("SUBJ HAS BEEN DRINKING SINCE NOON", ("intoxicated",), 0),
    ("SUBJ REQUESTING RIDE TO CRISIS CENTER", ("transport_needed",), 0),
    ("SUBJ NOW STATES {subj} WANTS TO KILL {refl}", (), -1),
)
_ROUTINE_UPDATES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("RP CALLED BACK, ALL QUIET NOW", (), 1),
    ("2ND RP ADV SAME", (), 0),
    ("RP REQ PHONE CONTACT ONLY", (), 0),
    ("RP NOW STATES IT GOT PHYSICAL", ("violence",), -1),
)

_BEHAVIORAL_CUM = tuple(itertools.accumulate(k.weight for k in _BEHAVIORAL))
_ROUTINE_CUM = tuple(itertools.accumulate(k.weight for k in _ROUTINE))
_TOWN_CUM = tuple(itertools.accumulate(t.weight for t in TOWNS))
_UPDATE_COUNTS = (0, 1, 2, 3)
_BEHAVIORAL_UPDATES_CUM = tuple(itertools.accumulate((35, 35, 20, 10)))
"""How many updates a call gets: crises evolve while a team is on the way, routine calls rarely do."""
_ROUTINE_UPDATES_CUM = tuple(itertools.accumulate((70, 30, 0, 0)))

_BEHAVIORAL_DISPOSITIONS = (
    "resolved_on_scene",
    "resolved_on_scene",
    "referred",
    "referred",
    "transported_voluntary",
    "emergency_hold",
    "er",
    "cancelled",
)
_ROUTINE_DISPOSITIONS = (
    "resolved_on_scene",
    "resolved_on_scene",
    "arrest",
    "cancelled",
    "unfounded",
    "referred",
)


# --- the simulation ------------------------------------------------------------------------------


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
        self.arrive_t = t + _road_seconds(self.from_lat, self.from_lon, lat, lon)
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
        self._start = _utc(start)
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
            change_at = (shift_end - _SHIFT_OVERLAP - self._start).total_seconds()
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
                        event["occurred_at"] = _iso(
                            self._start + timedelta(seconds=offset - 0.5 / rate_per_s)
                        )
                        self._order += 1
                        heapq.heappush(self._held, (index + rng.randint(2, 40), self._order, event))
                        continue
                    event["occurred_at"] = _iso(self._start + timedelta(seconds=offset))
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
        roster["shift"] = {"start": _iso(begins), "end": _iso(begins + _SHIFT)}
        roster["status"] = team.status
        roster["location"] = {"lat": round(lat, 6), "lon": round(lon, 6)}
        roster.pop("call_id", None)
        if team.call is not None:
            roster["call_id"] = team.call.call_id
        team.roster = roster
        # Ahead of anything already queued: the new shift must be known before the old one runs low.
        self._ready.appendleft(self._event("unit.upsert", "unit", roster))
        next_change = offset + (_SHIFT - _SHIFT_OVERLAP).total_seconds()
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
        kinds, kind_weights = (_BEHAVIORAL, _BEHAVIORAL_CUM) if behavioral else (_ROUTINE, _ROUTINE_CUM)
        kind = rng.choices(kinds, cum_weights=kind_weights)[0]
        text, implied, caller_type = rng.choice(kind.narratives)
        person = rng.choice(_PEOPLE)
        weapons, armed = rng.choice(_WEAPON_NOTES)
        rel, subj, poss, refl, obj = person
        narrative = text.format(rel=rel, subj=subj, poss=poss, refl=refl, obj=obj, weapons=weapons)
        flags = set(implied)
        if "{weapons}" in text:
            flags.update(armed)
        if behavioral:
            if rel in _MINORS and "{rel}" in text and rng.random() < 0.25:
                narrative += f", {rel} IS {rng.randint(12, 17)} YOA"
                flags.add("juvenile")
            if rng.random() < 0.08:
                flags.add("transport_needed")
        town = rng.choices(TOWNS, cum_weights=_TOWN_CUM)[0]
        lat, lon = _scatter(rng, town)
        self._calls_created += 1
        call_id = f"{town.agency}-{self._year:02d}-{config.run_id}-{self._calls_created:06d}"
        call = _Call(
            call_id=call_id,
            agency=town.agency,
            lat=lat,
            lon=lon,
            behavioral=behavioral,
            priority=rng.choice(kind.priorities),
            flags=sorted(flags),
            pronouns=person,
            disposition=rng.choice(_BEHAVIORAL_DISPOSITIONS if behavioral else _ROUTINE_DISPOSITIONS),
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
            _UPDATE_COUNTS, cum_weights=_BEHAVIORAL_UPDATES_CUM if behavioral else _ROUTINE_UPDATES_CUM
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
                _BEHAVIORAL_UPDATES if call.behavioral else _ROUTINE_UPDATES
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
        squared = (self._lat - call.lat) ** 2 + ((self._lon - call.lon) * _COS_LATITUDE) ** 2
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
                ed = min(_EMERGENCY_DEPARTMENTS, key=lambda p: _road_seconds(call.lat, call.lon, *p))
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
