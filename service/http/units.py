"""GET /units, GET /units/{unit_id}: the co-responder teams as the service last saw them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from schemas._base import Identifier
from schemas.api import ErrorBody, UnitView
from service.audit import audit
from service.http.deps import RuntimeDep, UnitReader
from service.http.errors import AUTH_ERRORS, ApiError

__all__ = ["router"]

router = APIRouter(tags=["units"])


@router.get("/units", response_model=list[UnitView], responses=AUTH_ERRORS)
async def list_units(
    runtime: RuntimeDep, principal: UnitReader, region: Annotated[Identifier | None, Query()] = None
) -> Response:
    """Every unit (or every unit of one region), ordered by unit id."""
    audit(principal, "list_units", region)
    views = runtime.read_model.units.in_region(region)
    return Response(b"[" + b",".join(v.encoded for v in views) + b"]", media_type="application/json")


@router.get("/units/{unit_id}", response_model=UnitView, responses={**AUTH_ERRORS, 404: {"model": ErrorBody}})
async def get_unit(unit_id: str, runtime: RuntimeDep, principal: UnitReader) -> Response:
    """One unit as last seen."""
    view = runtime.read_model.units.get(unit_id)
    audit(principal, "read_unit", unit_id, "ok" if view else "not_found")
    if view is None:
        raise ApiError(404, "unknown_unit", f"no unit {unit_id}")
    return Response(view.encoded, media_type="application/json")
