"""The CAD event envelope, discriminated on `type`.

`CadEvent` is the union of every event the service consumes from `cad.events` (and accepts on
`POST /events`). `call.acknowledged` is an extension to contract v1: the service writes it itself
when a dispatcher acks a recommendation, so that acks travel through the same log as everything else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, TypeAdapter, model_validator

from schemas._base import WHOLE, ContractModel, Identifier
from schemas.calls import CallClosure, CallUpdate, NewCall
from schemas.units import UnitPosition, UnitRoster, UnitStatusChange

__all__ = [
    "EVENT_ADAPTER",
    "INPUT_ADAPTER",
    "AckAction",
    "AckReason",
    "CadEvent",
    "CadInput",
    "CallAck",
    "CallAcknowledged",
    "CallClosed",
    "CallCreated",
    "CallUpdated",
    "EventBase",
    "UnitLocationChanged",
    "UnitStatusChanged",
    "UnitUpserted",
    "check_ack_fields",
]


class EventBase(ContractModel):
    event_id: Identifier
    occurred_at: AwareDatetime
    region: Identifier

    @property
    def subject_id(self) -> str:
        """The call or unit this event is about."""
        raise NotImplementedError


class CallCreated(EventBase):
    type: Literal["call.created"]
    call: NewCall

    @property
    def subject_id(self) -> str:
        return self.call.call_id


class CallUpdated(EventBase):
    type: Literal["call.updated"]
    call: CallUpdate

    @property
    def subject_id(self) -> str:
        return self.call.call_id


class CallClosed(EventBase):
    type: Literal["call.closed"]
    call: CallClosure

    @property
    def subject_id(self) -> str:
        return self.call.call_id


class UnitUpserted(EventBase):
    type: Literal["unit.upsert"]
    unit: UnitRoster

    @property
    def subject_id(self) -> str:
        return self.unit.unit_id


class UnitStatusChanged(EventBase):
    type: Literal["unit.status"]
    unit: UnitStatusChange

    @property
    def subject_id(self) -> str:
        return self.unit.unit_id


class UnitLocationChanged(EventBase):
    type: Literal["unit.location"]
    unit: UnitPosition

    @property
    def subject_id(self) -> str:
        return self.unit.unit_id


AckReason = Annotated[str, Field(min_length=1, max_length=500)]
"""Why a dispatcher overrode or declined: kept with the call (and in the unserved-call ledger)."""


class AckAction(StrEnum):
    ACCEPT = "accept"
    OVERRIDE = "override"
    DECLINE = "decline"


class CallAck(ContractModel):
    """A dispatcher's answer to a recommendation (extension to contract v1)."""

    call_id: Identifier
    action: AckAction
    unit_id: Identifier | None = None
    revision: Annotated[int, Field(ge=1), WHOLE] | None = None
    reason: AckReason | None = None
    principal: Identifier

    @model_validator(mode="after")
    def _complete(self) -> CallAck:
        check_ack_fields(self.action, self.unit_id, self.reason)
        return self


def check_ack_fields(action: AckAction, unit_id: str | None, reason: str | None) -> None:
    """What an ack must carry: an override names its unit; an override or a decline says why."""
    if action is AckAction.OVERRIDE and unit_id is None:
        raise ValueError("an override names the unit the dispatcher chose (unit_id)")
    if action is not AckAction.ACCEPT and not (reason and reason.strip()):
        raise ValueError(f"a dispatcher's {action.value} needs a reason (reason)")


class CallAcknowledged(EventBase):
    type: Literal["call.acknowledged"]
    ack: CallAck

    @property
    def subject_id(self) -> str:
        return self.ack.call_id


CadInput = Annotated[
    CallCreated | CallUpdated | CallClosed | UnitUpserted | UnitStatusChanged | UnitLocationChanged,
    Field(discriminator="type"),
]
"""The six event types of contract v1: what CAD integrations send (Kafka or POST /events)."""

INPUT_ADAPTER: TypeAdapter[CadInput] = TypeAdapter(CadInput)

CadEvent = Annotated[
    CallCreated
    | CallUpdated
    | CallClosed
    | UnitUpserted
    | UnitStatusChanged
    | UnitLocationChanged
    | CallAcknowledged,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[CadEvent] = TypeAdapter(CadEvent)
"""Validates one event from JSON bytes: `EVENT_ADAPTER.validate_json(raw)`."""
