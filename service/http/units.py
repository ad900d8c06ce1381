"""GET /units, GET /units/{unit_id}: the co-responder teams as the service last saw them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from routing.region import UnitState
from schemas._base import Identifier
from schemas.api import ErrorBody, UnitView
from schemas.geo import GeoPoint
from schemas.units import Shift
from service.http.deps import RuntimeDep
from service.http.errors import ApiError

__all__ = ["router"]

router = APIRouter(tags=["units"])


def _view(region: str, unit: UnitState) -> UnitView:
    return UnitView(
        unit_id=unit.unit_id,
        region=region,
        agency=unit.agency,
        model=unit.model,
        capacity=unit.capacity,
        can_transport=unit.can_transport,
        jurisdictions=sorted(unit.jurisdictions),
        skills=sorted(unit.skills),
        shift=Shift(start=unit.shift_start, end=unit.shift_end),
        status=unit.status,
        call_id=unit.status_call_id,
        location=GeoPoint(lat=unit.lat, lon=unit.lon),
        location_at=unit.location_at,
        active_calls=sorted(unit.calls),
    )


@router.get("/units")
async def list_units(
    runtime: RuntimeDep, region: Annotated[Identifier | None, Query()] = None
) -> list[UnitView]:
    """Every unit of every region this instance owns (or of one region), ordered by unit id."""
    return [_view(name, unit) for name, unit in runtime.host.units(region)]


@router.get("/units/{unit_id}", responses={404: {"model": ErrorBody}})
async def get_unit(unit_id: str, runtime: RuntimeDep) -> UnitView:
    found = runtime.host.unit(unit_id)
    if found is None:
        raise ApiError(404, "unknown_unit", f"no unit {unit_id} in the regions this instance owns")
    return _view(*found)
