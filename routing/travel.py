"""Travel time between units and calls: a small protocol, its default (haversine x circuity / speed),
and a hook for a precomputed matrix.

Distances are great-circle on a spherical earth; road distance is approximated by a circuity factor
(road km per straight-line km, ~1.2-1.4 in US counties) and a mean speed, both set per region (a
rural region drives farther at higher speed than an urban one). A region with a routing engine
supplies a `MatrixTravel` of precomputed seconds between known sites instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Protocol

import numpy as np
import numpy.typing as npt
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

__all__ = [
    "EARTH_RADIUS_M",
    "HaversineTravel",
    "MatrixTravel",
    "TravelModel",
    "great_circle_matrix_m",
    "haversine_m",
]

EARTH_RADIUS_M = 6_371_008.8
FloatArray = npt.NDArray[np.float64]


class TravelModel(Protocol):
    """Estimated driving seconds from origins to destinations."""

    def eta_matrix(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        """Seconds from every origin to every destination, shape (len(from), len(to))."""
        ...

    def eta_pairs(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        """Seconds from origin k to destination k, shape (len(from),)."""
        ...


def haversine_m(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle metres between broadcastable arrays of degrees."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    metres: FloatArray = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return metres


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    vectors: FloatArray = np.stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])
    return vectors


def great_circle_matrix_m(
    from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
) -> FloatArray:
    """Great-circle metres, shape (len(from), len(to)), computed in (to, from) memory order.

    The haversine of the angle between two points is (1 - u.v) / 2 for their unit vectors, so the
    whole matrix costs three outer products and one arcsin per pair instead of four trigonometric
    calls. It stays within ~0.2 m of `haversine_m` (the cancellation in 1 - u.v costs ~0.1 m for
    coincident points: 0.01 s of driving). The result is a transposed view of a C-ordered (to, from)
    array: the planner, which works call by call, reads rows of its transpose without a copy.
    """
    u, v = _unit_vectors(from_lat, from_lon), _unit_vectors(to_lat, to_lon)
    dot = np.multiply.outer(v[0], u[0])
    term = np.multiply.outer(v[1], u[1])
    dot += term
    np.multiply.outer(v[2], u[2], out=term)
    dot += term
    np.subtract(1.0, dot, out=dot)
    dot *= 0.5
    np.clip(dot, 0.0, 1.0, out=dot)
    np.sqrt(dot, out=dot)
    np.arcsin(dot, out=dot)
    dot *= 2.0 * EARTH_RADIUS_M
    metres: FloatArray = dot.T
    return metres


@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class HaversineTravel:
    """Straight-line distance stretched by a circuity factor, driven at a mean speed.

    Defaults suit a mixed urban/rural county: 1.35 road-km per km at 13.4 m/s (30 mph) average,
    plus a fixed 60 s to get rolling. A rural region might use 1.25 at 20 m/s, a dense city 1.4 at 9 m/s.
    The one home of these defaults and ranges: the service's settings hold instances
    (`CORESPOND_TRAVEL='{"speed_mps": 11}'`, `CORESPOND_TRAVEL_REGIONS='{"weld": {...}}'`).
    """

    circuity: Annotated[float, Field(ge=1.0, le=3.0)] = 1.35
    """Road km per straight-line km; a road is never shorter."""
    speed_mps: Annotated[float, Field(gt=0, le=40)] = 13.4
    """Mean driving speed in m/s (40 m/s = 89 mph)."""
    startup_s: Annotated[float, Field(ge=0, le=600)] = 60.0
    """Fixed seconds to get rolling."""

    def eta_matrix(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        seconds = great_circle_matrix_m(from_lat, from_lon, to_lat, to_lon)
        seconds *= self.circuity / self.speed_mps
        seconds += self.startup_s
        return seconds

    def eta_pairs(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        metres = haversine_m(from_lat, from_lon, to_lat, to_lon)
        seconds: FloatArray = self.startup_s + metres * self.circuity / self.speed_mps
        return seconds


@dataclass(frozen=True, slots=True)
class MatrixTravel:
    """Precomputed seconds between known sites (stations, grid cells, road nodes), from a routing engine.

    Each point snaps to its nearest site; a pair whose ends both lie within `snap_m` of a site takes
    the matrix value, any other pair falls back to `fallback` (haversine by default).
    """

    site_lat: FloatArray
    site_lon: FloatArray
    seconds: FloatArray
    """Shape (sites, sites): driving seconds from site a to site b."""
    snap_m: float = 500.0
    fallback: HaversineTravel = field(default_factory=HaversineTravel)

    def _snap(self, lat: FloatArray, lon: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        metres = great_circle_matrix_m(lat, lon, self.site_lat, self.site_lon)
        nearest = np.argmin(metres, axis=1)
        close = metres[np.arange(len(lat)), nearest] <= self.snap_m
        return nearest, close

    def eta_matrix(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        origin, origin_close = self._snap(from_lat, from_lon)
        target, target_close = self._snap(to_lat, to_lon)
        snapped = self.seconds[np.ix_(origin, target)]
        both = np.logical_and.outer(origin_close, target_close)
        straight = self.fallback.eta_matrix(from_lat, from_lon, to_lat, to_lon)
        result: FloatArray = np.where(both, snapped, straight)
        return result

    def eta_pairs(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        origin, origin_close = self._snap(from_lat, from_lon)
        target, target_close = self._snap(to_lat, to_lon)
        result: FloatArray = np.where(
            origin_close & target_close,
            self.seconds[origin, target],
            self.fallback.eta_pairs(from_lat, from_lon, to_lat, to_lon),
        )
        return result
