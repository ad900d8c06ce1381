"""The simulated county's geography: Northern Colorado towns, the agency answering in each, their
streets, where calls scatter around them, the emergency departments, and road time between points
(the core's own travel model, so the simulated teams drive as the planner expects).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from routing.travel import HaversineTravel

__all__ = ["COS_LATITUDE", "EMERGENCY_DEPARTMENTS", "TOWNS", "Town", "road_seconds", "scatter"]

METRES_PER_DEGREE = 111_195.0
COS_LATITUDE = math.cos(math.radians(40.5))
"""Longitude degrees shrink by this factor at the county's latitude; enough for ranking distances."""
_ROADS = HaversineTravel()


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

EMERGENCY_DEPARTMENTS: tuple[tuple[float, float], ...] = (
    (40.5717, -105.0562),
    (40.4075, -105.0648),
    (40.3682, -105.5159),
)
"""Where teams that may transport drive a person: the county's three emergency departments."""


def scatter(rng: random.Random, town: Town) -> tuple[float, float]:
    """A point around a town, denser near its centre."""
    north_km = rng.gauss(0.0, town.spread_km)
    east_km = rng.gauss(0.0, town.spread_km)
    lat = town.lat + north_km * 1000.0 / METRES_PER_DEGREE
    lon = town.lon + east_km * 1000.0 / (METRES_PER_DEGREE * COS_LATITUDE)
    return round(lat, 6), round(lon, 6)


def road_seconds(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Driving seconds between two points by the core's default travel model."""
    return float(_ROADS.eta_pairs(np.array([lat1]), np.array([lon1]), np.array([lat2]), np.array([lon2]))[0])
