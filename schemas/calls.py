"""The `call` object of call.* events: a new incident, a partial update, a closure."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from schemas._base import WHOLE, ContractModel, Identifier, Token
from schemas.geo import CallLocation

__all__ = [
    "KNOWN_FLAGS",
    "CallClosure",
    "CallUpdate",
    "CallerType",
    "Disposition",
    "Narrative",
    "NatureCode",
    "NewCall",
    "PremiseHistory",
    "Priority",
]

NatureCode = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Narrative = Annotated[str, StringConstraints(max_length=8192)]
Priority = Annotated[int, Field(ge=1, le=5, description="1 is most urgent"), WHOLE]
Flags = Annotated[list[Token], Field(max_length=32)]

KNOWN_FLAGS: frozenset[str] = frozenset(
    {"weapon", "violence", "medical", "intoxicated", "juvenile", "transport_needed"}
)
"""The CAD hazard flags the contract names. Other flags are accepted and kept but carry no rule."""


class CallerType(StrEnum):
    SELF = "self"
    FAMILY = "family"
    THIRD_PARTY = "third_party"
    OFFICER = "officer"
    OTHER = "other"


class Disposition(StrEnum):
    RESOLVED_ON_SCENE = "resolved_on_scene"
    REFERRED = "referred"
    TRANSPORTED_VOLUNTARY = "transported_voluntary"
    EMERGENCY_HOLD = "emergency_hold"
    ER = "er"
    ARREST = "arrest"
    CANCELLED = "cancelled"
    UNFOUNDED = "unfounded"


class PremiseHistory(ContractModel):
    bh_calls_12m: Annotated[int, Field(ge=0, le=100_000), WHOLE]


class NewCall(ContractModel):
    """A call as the CAD creates it."""

    call_id: Identifier
    agency: Identifier
    nature_code: NatureCode
    priority: Priority
    location: CallLocation
    narrative: Narrative = ""
    flags: Flags = Field(default_factory=list)
    caller_type: CallerType | None = None
    premise_history: PremiseHistory | None = None


class CallUpdate(ContractModel):
    """Only the fields that changed, plus text appended to the narrative."""

    call_id: Identifier
    agency: Identifier | None = None
    nature_code: NatureCode | None = None
    priority: Priority | None = None
    location: CallLocation | None = None
    narrative: Narrative | None = None
    narrative_append: Narrative | None = None
    flags: Flags | None = None
    caller_type: CallerType | None = None
    premise_history: PremiseHistory | None = None


class CallClosure(ContractModel):
    call_id: Identifier
    disposition: Disposition
