"""The ledger entry: how one call eligible for co-response ended, served or unserved with one reason.

Every call that triage marked for co-response (`CallSummary.eligible_since` is set) ends as exactly one
entry, written when the call closes (`routing.ledger` says how it is decided). Keyed by `call_id`
within a `region`; the `corespond.ledger` topic and `GET /ledger` of contract v1.1 publish it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AwareDatetime, Field, model_validator

from schemas._base import ContractModel, Identifier
from schemas.decisions import Response
from schemas.units import ResponseModel

__all__ = ["LedgerEntry", "LedgerOutcome", "UnservedReason", "WouldHaveGone"]


class LedgerOutcome(StrEnum):
    SERVED = "served"
    UNSERVED = "unserved"


class UnservedReason(StrEnum):
    """Why an eligible call got no co-responder team: the closed set of contract v1.1."""

    NO_TEAM_ON_SHIFT = "no_team_on_shift"
    ALL_TEAMS_BUSY = "all_teams_busy"
    OUT_OF_JURISDICTION = "out_of_jurisdiction"
    NO_COMPATIBLE_TEAM = "no_compatible_team"
    DECLINED = "declined"
    CLOSED_WHILE_QUEUED = "closed_while_queued"


Minutes = Annotated[float, Field(ge=0.0)]


class WouldHaveGone(ContractModel):
    """The team that would have gone had it been free: the best team ignoring load and shift, by the
    planner's travel model, compatibility rules and preferences."""

    unit_id: Identifier
    eta_s: Annotated[int, Field(ge=0)] = Field(description="Its drive from where it was at the close.")


class LedgerEntry(ContractModel):
    call_id: Identifier
    region: Identifier
    agency: str
    nature_code: str
    priority: Annotated[int, Field(ge=1, le=5)]
    response: Response = Field(description="The call's last triage response (see `reason` when withdrawn).")
    received_at: AwareDatetime = Field(description="When the call was created in the CAD.")
    eligible_at: AwareDatetime = Field(description="When triage first asked for a co-responder.")
    closed_at: AwareDatetime = Field(description="CAD time of the call's close: when the entry became final.")
    disposition: str | None = None
    outcome: LedgerOutcome
    unit_id: Identifier | None = Field(default=None, description="Served: the team that served the call.")
    model: ResponseModel | None = None
    assigned_at: AwareDatetime | None = Field(
        default=None, description="Served: when the team was tied to the call (CAD status or dispatcher ack)."
    )
    on_scene_at: AwareDatetime | None = Field(
        default=None, description="Served: when the team reached the scene, if the CAD said so."
    )
    minutes_to_assignment: Minutes | None = Field(
        default=None, description="Served: eligible_at to assigned_at (0 when dispatched before eligibility)."
    )
    minutes_to_scene: Minutes | None = Field(default=None, description="Served: eligible_at to on_scene_at.")
    reason: UnservedReason | None = Field(default=None, description="Unserved: the one reason.")
    declined_reason: str | None = Field(default=None, description="Declined: the dispatcher's reason, kept.")
    would_have_gone: WouldHaveGone | None = Field(
        default=None, description="Unserved: the best team ignoring load and shift, if any team could serve."
    )

    @model_validator(mode="after")
    def _one_outcome(self) -> Self:
        served = self.outcome is LedgerOutcome.SERVED
        if served != (self.unit_id is not None and self.assigned_at is not None):
            raise ValueError("a served entry names its unit and assignment time, an unserved one neither")
        if served == (self.reason is not None):
            raise ValueError("an unserved entry has exactly one reason, a served one none")
        if self.declined_reason is not None and self.reason is not UnservedReason.DECLINED:
            raise ValueError("declined_reason belongs to a declined entry")
        if served and self.would_have_gone is not None:
            raise ValueError("would_have_gone belongs to an unserved entry")
        return self
