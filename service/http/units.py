"""GET /units, GET /units/{unit_id}: the co-responder teams as the service last saw them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from routing.region import UnitState
from schemas._base import Identifier
from schemas.api import ErrorBody, UnitView
from schemas.geo import GeoPoint
from schemas.units import Shift
from service.audit import audit
from service.http.deps import RuntimeDep, UnitReader
from service.http.errors import AUTH_ERRORS, ApiError

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


@router.get("/units", responses=AUTH_ERRORS)
async def list_units(
    runtime: RuntimeDep, principal: UnitReader, region: Annotated[Identifier | None, Query()] = None
) -> list[UnitView]:
    """Every unit of every region this instance owns (or of one region), ordered by unit id."""
    audit(principal, "list_units", region)
    return [_view(name, unit) for name, unit in runtime.host.units(region)]


@router.get("/units/{unit_id}", responses={**AUTH_ERRORS, 404: {"model": ErrorBody}})
async def get_unit(unit_id: str, runtime: RuntimeDep, principal: UnitReader) -> UnitView:
    found = runtime.host.unit(unit_id)
    audit(principal, "read_unit", unit_id, "ok" if found else "not_found")
    if found is None:
        raise ApiError(404, "unknown_unit", f"no unit {unit_id} in the regions this instance owns")
    return _view(*found)
