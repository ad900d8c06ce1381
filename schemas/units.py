"""The `unit` object of unit.* events: a co-responder team's roster entry, status and AVL position."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, model_validator

from schemas._base import WHOLE, ContractModel, Identifier, Token
from schemas.geo import GeoPoint

__all__ = ["ResponseModel", "Shift", "UnitPosition", "UnitRoster", "UnitStatus", "UnitStatusChange"]


class ResponseModel(StrEnum):
    """How a co-responder team rides: together in one vehicle, or the clinician following."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    OUT_OF_SERVICE = "out_of_service"
    OFF_DUTY = "off_duty"


MAX_SHIFT = timedelta(hours=36)


class Shift(ContractModel):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError("shift.end must be after shift.start")
        if self.end - self.start > MAX_SHIFT:
            raise ValueError("a shift longer than 36 hours is not plausible; check the time zone")
        return self


class UnitRoster(ContractModel):
    """unit.upsert: the whole roster entry of a team."""

    unit_id: Identifier
    agency: Identifier
    model: ResponseModel
    capacity: Annotated[int, Field(ge=1, le=16), WHOLE]
    can_transport: bool
    jurisdictions: Annotated[list[Identifier], Field(min_length=1, max_length=64)]
    shift: Shift
    status: UnitStatus
    call_id: Identifier | None = None
    location: GeoPoint
    skills: Annotated[list[Token], Field(max_length=32)] = Field(
        default_factory=list,
        description="Extension to contract v1: team skills such as `juvenile`; optional.",
    )


class UnitStatusChange(ContractModel):
    """unit.status: a status change, tied to a call when it is about one."""

    unit_id: Identifier
    status: UnitStatus
    call_id: Identifier | None = None


class UnitPosition(ContractModel):
    """unit.location: an AVL ping."""

    unit_id: Identifier
    location: GeoPoint
