"""Co-responder rosters as unit.upsert events: the demo's seven teams (`demo_roster`) and a county of
any size for load tests (`county_roster`), with each agency's response model and mutual-aid
jurisdictions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.config import FeedConfig
from simulator.geography import TOWNS, scatter

__all__ = ["SHIFT", "SHIFT_OVERLAP", "Event", "county_roster", "demo_roster", "iso", "utc"]

Event = dict[str, Any]
"""One CAD event in the contract's JSON envelope, ready for `orjson.dumps`."""

SHIFT = timedelta(hours=12)
SHIFT_OVERLAP = timedelta(hours=3)
"""A team is re-upserted this long before its shift ends; the core routes no team about to go off shift."""


JURISDICTIONS: dict[str, tuple[str, ...]] = {
    "LCSO": ("LCSO", "EPPD", "LPD"),
    "LPD": ("LPD",),
    "EPPD": ("EPPD", "LCSO"),
}
"""Who each agency's teams may serve: the Sheriff gives mutual aid county-wide, Loveland stays home."""

RESPONSE_MODELS: dict[str, tuple[str, bool]] = {
    "LCSO": ("primary", False),
    "LPD": ("secondary", True),
    "EPPD": ("primary", False),
}
"""(model, can_transport) per agency: deputy and clinician in one car, or a clinician car that transports."""


@dataclass(frozen=True, slots=True)
class TeamSpec:
    unit_id: str
    agency: str
    capacity: int
    lat: float
    lon: float
    shift_start: timedelta
    """Relative to the roster's start time."""
    skills: tuple[str, ...] = ()


DEMO_TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("LCSO-CR1", "LCSO", 2, 40.5853, -105.0844, -timedelta(hours=2)),
    TeamSpec("LCSO-CR2", "LCSO", 1, 40.7036, -105.0086, -timedelta(hours=3)),
    TeamSpec("LCSO-CR3", "LCSO", 2, 40.3083, -105.0811, -timedelta(hours=1), ("juvenile",)),
    TeamSpec("LCSO-CR4", "LCSO", 1, 40.5291, -104.9855, -timedelta(hours=4)),
    TeamSpec("LPD-CR1", "LPD", 3, 40.3978, -105.0750, -timedelta(hours=2)),
    TeamSpec("LPD-CR2", "LPD", 2, 40.4200, -105.1100, -timedelta(hours=1), ("juvenile",)),
    TeamSpec("EPPD-CR1", "EPPD", 1, 40.3772, -105.5217, -timedelta(hours=2)),
)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and a `Z`, as CAD systems commonly write it."""
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def utc(start: datetime) -> datetime:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("start must be timezone-aware (e.g. datetime.now(UTC)); CAD times carry a zone")
    return start.astimezone(UTC)


def upsert(config: FeedConfig, event_id: str, start: datetime, team: TeamSpec) -> Event:
    model, can_transport = RESPONSE_MODELS[team.agency]
    shift_start = start + team.shift_start
    unit: dict[str, Any] = {
        "unit_id": team.unit_id,
        "agency": team.agency,
        "model": model,
        "capacity": team.capacity,
        "can_transport": can_transport,
        "jurisdictions": list(JURISDICTIONS[team.agency]),
        "shift": {"start": iso(shift_start), "end": iso(shift_start + SHIFT)},
        "status": "available",
        "location": {"lat": team.lat, "lon": team.lon},
    }
    if team.skills:
        unit["skills"] = list(team.skills)
    return {
        "event_id": f"{config.region}-{config.run_id}-{config.seed}-{event_id}",
        "type": "unit.upsert",
        "occurred_at": iso(start),
        "region": config.region,
        "unit": unit,
    }


def demo_roster(config: FeedConfig, start: datetime) -> list[Event]:
    """The demo's seven co-responder teams as unit.upsert events, all on shift at `start`.

    Larimer County Sheriff primary teams (deputy and clinician in one car, no transport), Loveland PD
    secondary teams (clinician car that may transport), one small Estes Park PD team.
    """
    start = utc(start)
    return [upsert(config, f"roster-{i:04d}", start, team) for i, team in enumerate(DEMO_TEAMS)]


def county_roster(config: FeedConfig, start: datetime, count: int) -> list[Event]:
    """`count` synthetic teams spread over the county's towns and back roads, for load tests.

    Deterministic in `(config.seed, count)`. Agencies follow where a team is based; shifts are
    staggered but every team is on shift at `start`.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    start = utc(start)
    rng = random.Random(f"county-roster/{config.seed}/{count}")
    weights = [town.weight for town in TOWNS]
    numbers: dict[str, int] = {}
    events = []
    for i in range(count):
        town = rng.choices(TOWNS, weights=weights)[0]
        lat, lon = scatter(rng, town)
        numbers[town.agency] = numbers.get(town.agency, 0) + 1
        team = TeamSpec(
            unit_id=f"{town.agency}-CR{numbers[town.agency]}",
            agency=town.agency,
            capacity=rng.randint(1, 3),
            lat=lat,
            lon=lon,
            shift_start=-timedelta(minutes=rng.randrange(30, 8 * 60, 15)),
            skills=("juvenile",) if rng.random() < 0.15 else (),
        )
        events.append(upsert(config, f"roster-{i:06d}", start, team))
    return events
