"""Travel time between units and calls: a small protocol and its default, haversine x circuity / speed.

Distances are great-circle (haversine) on a spherical earth; road distance is approximated by a
circuity factor (road km per straight-line km, ~1.2-1.4 in US counties) and a mean speed. A region
with a precomputed matrix (from a routing engine) supplies its own `TravelModel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["EARTH_RADIUS_M", "HaversineTravel", "TravelModel", "haversine_m"]

EARTH_RADIUS_M = 6_371_008.8
FloatArray = npt.NDArray[np.float64]


class TravelModel(Protocol):
    """Estimated driving seconds from every origin to every destination."""

    def eta_matrix(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        """Seconds, shape (len(from), len(to))."""
        ...


def haversine_m(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle metres between broadcastable arrays of degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    metres: FloatArray = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return metres


@dataclass(frozen=True, slots=True)
class HaversineTravel:
    """Straight-line distance stretched by a circuity factor, driven at a mean speed.

    Defaults suit a mixed urban/rural county: 1.35 road-km per km at 13.4 m/s (30 mph) average,
    plus a fixed 60 s to get rolling.
    """

    circuity: float = 1.35
    speed_mps: float = 13.4
    startup_s: float = 60.0

    def eta_matrix(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        metres = haversine_m(from_lat[:, None], from_lon[:, None], to_lat[None, :], to_lon[None, :])
        result: FloatArray = self.startup_s + metres * self.circuity / self.speed_mps
        return result
