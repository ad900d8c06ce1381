"""The decision the service publishes for a call: its triage, its recommended unit, alternatives.

A decision is immutable and identified by `(call_id, revision)`; a new revision is published
whenever the triage or the recommended unit of an open call changes, and once more when it closes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from schemas._base import ContractModel, Identifier
from schemas.geo import GeoPoint
from schemas.units import ResponseModel

__all__ = [
    "Alternative",
    "Assignment",
    "AssignmentMethod",
    "AssignmentStatus",
    "Band",
    "CallStatus",
    "CallSummary",
    "Decision",
    "Reason",
    "Response",
    "Triage",
    "encode_decision",
]


class Band(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


class Response(StrEnum):
    CO_RESPONSE_PRIMARY = "co_response_primary"
    CO_RESPONSE_SECONDARY = "co_response_secondary"
    CO_RESPONSE_ANY = "co_response_any"
    POLICE_ONLY = "police_only"
    NOT_BEHAVIORAL = "not_behavioral"

    @property
    def wants_co_responder(self) -> bool:
        return self in _CO_RESPONSES


_CO_RESPONSES = frozenset(
    {Response.CO_RESPONSE_PRIMARY, Response.CO_RESPONSE_SECONDARY, Response.CO_RESPONSE_ANY}
)


class AssignmentStatus(StrEnum):
    RECOMMENDED = "recommended"
    QUEUED = "queued"
    NONE = "none"


class AssignmentMethod(StrEnum):
    """How the plan was found (extension to contract v1)."""

    MIN_COST_FLOW = "min_cost_flow"
    GREEDY_FALLBACK = "greedy_fallback"
    DISPATCHER = "dispatcher"
    NOT_ROUTED = "not_routed"


class CallStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


Score = Annotated[float, Field(ge=0.0, le=1.0)]
Seconds = Annotated[int, Field(ge=0)]


class Reason(ContractModel):
    """One rule that fired: what it is, how much it moved the score, and the text that fired it."""

    code: str
    weight: float
    evidence: str


class Triage(ContractModel):
    score: Score
    band: Band
    response: Response
    reasons: list[Reason]
    safety: list[str]


class Assignment(ContractModel):
    status: AssignmentStatus
    unit_id: Identifier | None = None
    model: ResponseModel | None = None
    eta_s: Seconds | None = None
    method: AssignmentMethod = AssignmentMethod.NOT_ROUTED
    optimal: bool | None = Field(
        default=None, description="Whether the plan this came from is proven optimal (extension)."
    )
    fixed: bool = Field(
        default=False,
        description="The unit is dispatched (CAD status or dispatcher ack); it is no longer re-optimized.",
    )
    reason: str | None = Field(
        default=None, description="Why a call is queued or not routed, machine-readable (extension)."
    )


class Alternative(ContractModel):
    unit_id: Identifier
    eta_s: Seconds


class CallSummary(ContractModel):
    """What a console shows of the call beside its decision (extension to contract v1): the intake
    fields a dispatcher sorts and maps by, never the narrative or the address."""

    agency: str
    nature_code: str
    priority: Annotated[int, Field(ge=1, le=5)]
    location: GeoPoint
    received_at: AwareDatetime = Field(description="When the call was created in the CAD.")
    eligible_since: AwareDatetime | None = Field(
        default=None,
        description="When triage first asked for a co-responder (CAD time of the event that made it so).",
    )


class Decision(ContractModel):
    decision_id: str
    call_id: Identifier
    region: Identifier
    revision: Annotated[int, Field(ge=1)]
    decided_at: AwareDatetime
    source_event_id: Identifier
    call_status: CallStatus = CallStatus.OPEN
    triage: Triage
    assignment: Assignment
    alternatives: list[Alternative]
    queue_position: Annotated[int, Field(ge=1)] | None
    call: CallSummary | None = Field(default=None, description="The call's intake fields (extension).")


def encode_decision(decision: Decision) -> bytes:
    """The decision as the JSON bytes published on Kafka, served by the API and kept by the core."""
    return decision.model_dump_json().encode()
