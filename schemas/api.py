"""Bodies of the HTTP API that are not CAD events or decisions: acks, unit views, receipts, errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from schemas._base import WHOLE, ContractModel, Identifier, Token
from schemas.events import AckAction, AckReason, check_ack_fields
from schemas.geo import GeoPoint
from schemas.units import ResponseModel, Shift, UnitStatus

__all__ = [
    "AckReceipt",
    "AckRequest",
    "ErrorBody",
    "EventReceipt",
    "HealthBody",
    "ReadyBody",
    "UnitView",
    "WsTicket",
]


class AckRequest(ContractModel):
    """A dispatcher accepts the recommended unit, overrides it with another, or declines co-response."""

    action: AckAction
    unit_id: Identifier | None = Field(default=None, description="Required for override.")
    revision: Annotated[int, Field(ge=1), WHOLE] | None = Field(
        default=None, description="The revision the dispatcher saw; a stale accept is refused."
    )
    reason: AckReason | None = Field(
        default=None, description="Required for override and decline: why the dispatcher chose so."
    )

    @model_validator(mode="after")
    def _complete(self) -> AckRequest:
        check_ack_fields(self.action, self.unit_id, self.reason)
        return self


class EventReceipt(ContractModel):
    """The event is durable in the events topic; its decision follows on the decisions topic."""

    event_id: str
    topic: str
    partition: int
    offset: int


class AckReceipt(EventReceipt):
    call_id: str
    action: AckAction


class UnitView(ContractModel):
    unit_id: str
    region: str
    agency: str
    model: ResponseModel
    capacity: int
    can_transport: bool
    jurisdictions: list[str]
    skills: list[Token]
    shift: Shift
    status: UnitStatus
    call_id: str | None
    location: GeoPoint
    location_at: AwareDatetime
    active_calls: list[str] = Field(description="Open calls the unit is dispatched to (its load).")


class WsTicket(ContractModel):
    """A one-time ticket to open `WS /ws/decisions?ticket=...` from a browser."""

    ticket: str
    expires_in_s: float


class ErrorBody(ContractModel):
    error: str = Field(description="A stable, machine-readable code.")
    detail: str = Field(description="What is wrong and what to do about it.")


class HealthBody(ContractModel):
    status: str


class ReadyBody(ContractModel):
    ready: bool
    broker: bool
    caught_up: bool = Field(description="The regions this instance decides are consumed to their end.")
    read_side: bool = Field(
        default=False,
        description="Every region's decisions and units are read into this instance's read model "
        "(GET /calls, /units and the WebSocket answer for all regions).",
    )
    instance: str | None = Field(default=None, description="CORESPOND_INSTANCE_ID of the instance answering.")
    regions: list[str] = Field(description="The regions this instance decides.")
