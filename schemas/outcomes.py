"""What `GET /stats` answers and `GET /ledger` pages: outcomes of the calls eligible for co-response.

Figures are over ledger entries (`schemas.ledger`), i.e. eligible calls that have closed, received in
the period asked for, in the terms co-responder programs publish: the share of eligible calls a team
served, minutes from eligibility to assignment and to scene (median and 90th percentile), the
dispositions the CAD closed the calls with (resolved on scene, referred, to hospital, arrest), and
the same by agency, by the response model triage asked for and by local hour of day.
`routing.outcomes` computes them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from schemas._base import ContractModel
from schemas.ledger import LedgerEntry, UnservedReason

__all__ = [
    "Dispositions",
    "LedgerPage",
    "MinutesFigures",
    "OutcomeGroup",
    "OutcomeStats",
    "OutcomesByOutcome",
]

Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class MinutesFigures(ContractModel):
    """Minutes over the served calls that have the figure (a team's arrival is known only when the CAD
    reported it); percentiles interpolate linearly between the two nearest calls."""

    calls: Count = Field(description="Served calls with this figure.")
    median: float | None = Field(description="None without any call.")
    p90: float | None


class OutcomeGroup(ContractModel):
    eligible: Count = Field(description="Eligible calls that closed (ledger entries).")
    served: Count
    served_share: Share | None = Field(description="served / eligible; None when no call is eligible.")
    minutes_to_assignment: MinutesFigures
    minutes_to_scene: MinutesFigures
    unserved_by_reason: dict[UnservedReason, Count] = Field(description="Every reason, 0 included.")


class Dispositions(ContractModel):
    """How the CAD closed the calls (`call.closed` dispositions); shares are of `calls`."""

    calls: Count = Field(description="Calls with a disposition.")
    counts: dict[str, Count] = Field(
        description="By disposition: every one of the contract, 0 included, and any other the CAD sent."
    )
    resolved_on_scene_share: Share | None
    referred_share: Share | None
    hospital_share: Share | None = Field(
        description="transported_voluntary + emergency_hold + er: the person went to a hospital or crisis "
        "facility, willingly or not."
    )
    arrest_share: Share | None = Field(description="arrest: to jail.")
    without_arrest_share: Share | None = Field(description="1 - arrest_share, as programs report it.")


class OutcomesByOutcome(ContractModel):
    all: Dispositions
    served: Dispositions = Field(description="The calls a team served: what programs report as theirs.")
    unserved: Dispositions


class OutcomeStats(OutcomeGroup):
    """Outcomes of eligible calls received in [period_start, period_end)."""

    period_start: AwareDatetime | None = Field(description="The `from` asked for (None: from the first).")
    period_end: AwareDatetime | None = Field(description="The `to` asked for (None: up to now).")
    timezone: str = Field(description="IANA zone of `by_hour`.")
    region: str | None = Field(description="The region asked for (None: every region).")
    unserved: Count
    dispositions: OutcomesByOutcome
    by_agency: dict[str, OutcomeGroup] = Field(description="By the call's primary agency.")
    by_model: dict[str, OutcomeGroup] = Field(
        description="By the response model triage asked for: `primary` (an officer in the same vehicle), "
        "`secondary`, `any` (either model may go), `withdrawn` (triage withdrew the request before the "
        "close: the call became police-only or not behavioral)."
    )
    by_hour: list[OutcomeGroup] = Field(
        min_length=24, max_length=24, description="By local hour of day the call was received, 0 to 23."
    )


class LedgerPage(ContractModel):
    """One page of `GET /ledger` (JSON): entries in the order asked for, and where the rest is."""

    entries: list[LedgerEntry] = Field(
        description="Ledger entries in the order asked for: by received_at, then call_id."
    )
    total: Count = Field(description="Entries matching the filters, over every page.")
    next: str | None = Field(
        description='The path and query of the next page (also in the `Link: <...>; rel="next"` '
        "header); None on the last page."
    )
