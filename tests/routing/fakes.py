"""Hand-written fakes and builders for the assignment tests: a travel model on a line, terse constructors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from routing.plan import CallDemand, UnitSupply
from schemas.decisions import Response
from schemas.units import ResponseModel

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LineTravel:
    """Points on a line: `lat` is a position, and driving takes `seconds_per_degree` x the gap."""

    seconds_per_degree: float = 10_000.0

    def eta_matrix(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        gaps: FloatArray = np.abs(from_lat[:, None] - to_lat[None, :]) * self.seconds_per_degree
        return gaps

    def eta_pairs(
        self, from_lat: FloatArray, from_lon: FloatArray, to_lat: FloatArray, to_lon: FloatArray
    ) -> FloatArray:
        gaps: FloatArray = np.abs(from_lat - to_lat) * self.seconds_per_degree
        return gaps


def call(
    call_id: str,
    at: float,
    *,
    priority: int = 1,
    score: float = 0.5,
    agency: str = "LPD",
    response: Response = Response.CO_RESPONSE_ANY,
    safety: frozenset[str] = frozenset(),
    needs: frozenset[str] = frozenset(),
    incumbent: str | None = None,
    waiting_s: float = 0.0,
) -> CallDemand:
    return CallDemand(
        call_id=call_id,
        agency=agency,
        lat=at,
        lon=0.0,
        priority=priority,
        score=score,
        response=response,
        safety=safety,
        needs=needs,
        incumbent_unit=incumbent,
        waiting_s=waiting_s,
    )


def unit(
    unit_id: str,
    at: float,
    *,
    slots: int = 1,
    load: int = 0,
    model: ResponseModel = ResponseModel.PRIMARY,
    jurisdictions: frozenset[str] = frozenset({"LPD", "LCSO"}),
    can_transport: bool = False,
    skills: frozenset[str] = frozenset(),
    busy_s: float = 0.0,
    shift_left_s: float = float("inf"),
) -> UnitSupply:
    return UnitSupply(
        unit_id=unit_id,
        agency="LCSO",
        model=model,
        jurisdictions=jurisdictions,
        lat=at,
        lon=0.0,
        free_slots=slots,
        can_transport=can_transport,
        skills=skills,
        available_in_s=busy_s,
        shift_left_s=shift_left_s,
        load=load,
    )
