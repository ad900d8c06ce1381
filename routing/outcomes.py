"""Outcome figures of the unserved-call ledger (`GET /stats`), computed from ledger entries alone.

`outcome_stats(entries, ...)` is a pure function: the entries (`LedgerFacts`, the part of a
`schemas.ledger.LedgerEntry` the figures read) of the period and region asked for, in; an
`schemas.outcomes.OutcomeStats` out. Definitions:
- **eligible**: calls with a ledger entry (triage asked for a co-responder, and the call closed);
- **served share**: served / eligible (a team was tied to the call and reached it or held it);
- **minutes to assignment / to scene**: from eligibility, over served calls that have the figure;
  median and 90th percentile interpolated linearly between the two nearest calls (NumPy's default,
  as `corespond whatif` reports its waits);
- **dispositions**: the CAD's `call.closed` disposition, counted over all, served and unserved calls;
  `hospital` = voluntary transport + emergency hold + ER; `without arrest` = 1 - arrest share;
- **by agency** (the call's primary agency), **by model** (the response model triage asked for:
  primary, secondary, any; `withdrawn` when triage withdrew the request before the close) and **by
  hour** (local hour of day the call was received, in `timezone`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np

from schemas.calls import Disposition
from schemas.decisions import Response
from schemas.ledger import LedgerEntry, LedgerOutcome, UnservedReason
from schemas.outcomes import Dispositions, MinutesFigures, OutcomeGroup, OutcomesByOutcome, OutcomeStats

__all__ = ["HOSPITAL", "WITHDRAWN", "LedgerFacts", "model_asked", "outcome_stats"]

HOSPITAL: Final = frozenset({Disposition.TRANSPORTED_VOLUNTARY, Disposition.EMERGENCY_HOLD, Disposition.ER})
WITHDRAWN: Final = "withdrawn"
_MODEL_ASKED: Final[Mapping[Response, str]] = {
    Response.CO_RESPONSE_PRIMARY: "primary",
    Response.CO_RESPONSE_SECONDARY: "secondary",
    Response.CO_RESPONSE_ANY: "any",
}


def model_asked(response: Response) -> str:
    """The response model a call's last triage asked for, or `withdrawn`."""
    return _MODEL_ASKED.get(response, WITHDRAWN)


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """What the figures and the filters of `GET /ledger` read of one entry."""

    call_id: str
    region: str
    agency: str
    received_at: datetime
    outcome: LedgerOutcome
    reason: UnservedReason | None
    response: Response
    minutes_to_assignment: float | None
    minutes_to_scene: float | None
    disposition: str | None

    @classmethod
    def of(cls, entry: LedgerEntry) -> LedgerFacts:
        return cls(
            call_id=entry.call_id,
            region=entry.region,
            agency=entry.agency,
            received_at=entry.received_at,
            outcome=entry.outcome,
            reason=entry.reason,
            response=entry.response,
            minutes_to_assignment=entry.minutes_to_assignment,
            minutes_to_scene=entry.minutes_to_scene,
            disposition=entry.disposition,
        )


@dataclass(slots=True)
class _Tally:
    eligible: int = 0
    served: int = 0
    to_assignment: list[float] = field(default_factory=list)
    to_scene: list[float] = field(default_factory=list)
    reasons: Counter[UnservedReason] = field(default_factory=Counter)

    def add(self, facts: LedgerFacts) -> None:
        self.eligible += 1
        if facts.outcome is LedgerOutcome.SERVED:
            self.served += 1
            if facts.minutes_to_assignment is not None:
                self.to_assignment.append(facts.minutes_to_assignment)
            if facts.minutes_to_scene is not None:
                self.to_scene.append(facts.minutes_to_scene)
        elif facts.reason is not None:
            self.reasons[facts.reason] += 1

    def group(self) -> OutcomeGroup:
        return OutcomeGroup(
            eligible=self.eligible,
            served=self.served,
            served_share=_share(self.served, self.eligible),
            minutes_to_assignment=_minutes(self.to_assignment),
            minutes_to_scene=_minutes(self.to_scene),
            unserved_by_reason={reason: self.reasons[reason] for reason in UnservedReason},
        )


def outcome_stats(
    entries: Iterable[LedgerFacts],
    *,
    timezone: ZoneInfo,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    region: str | None = None,
) -> OutcomeStats:
    """The figures of `entries` (already selected: the period and region only name the selection)."""
    total = _Tally()
    agencies: dict[str, _Tally] = {}
    models: dict[str, _Tally] = {}
    hours = [_Tally() for _ in range(24)]
    dispositions: dict[str, Counter[str]] = {"all": Counter(), "served": Counter(), "unserved": Counter()}
    for facts in entries:
        total.add(facts)
        agency = agencies.get(facts.agency)
        if agency is None:
            agency = agencies[facts.agency] = _Tally()
        agency.add(facts)
        model = model_asked(facts.response)
        asked = models.get(model)
        if asked is None:
            asked = models[model] = _Tally()
        asked.add(facts)
        hours[facts.received_at.astimezone(timezone).hour].add(facts)
        if facts.disposition is not None:
            dispositions["all"][facts.disposition] += 1
            dispositions[facts.outcome.value][facts.disposition] += 1
    overall = total.group()
    return OutcomeStats(
        **{name: getattr(overall, name) for name in OutcomeGroup.model_fields},
        unserved=total.eligible - total.served,
        period_start=period_start,
        period_end=period_end,
        timezone=timezone.key,
        region=region,
        dispositions=OutcomesByOutcome(
            all=_dispositions(dispositions["all"]),
            served=_dispositions(dispositions["served"]),
            unserved=_dispositions(dispositions["unserved"]),
        ),
        by_agency={agency: tally.group() for agency, tally in sorted(agencies.items())},
        by_model={model: tally.group() for model, tally in sorted(models.items())},
        by_hour=[tally.group() for tally in hours],
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _minutes(values: list[float]) -> MinutesFigures:
    if not values:
        return MinutesFigures(calls=0, median=None, p90=None)
    median, p90 = np.percentile(values, [50, 90]).tolist()
    return MinutesFigures(calls=len(values), median=round(median, 2), p90=round(p90, 2))


def _dispositions(counts: Counter[str]) -> Dispositions:
    calls = sum(counts.values())
    hospital = sum(counts[d.value] for d in HOSPITAL)
    arrest = counts[Disposition.ARREST.value]
    return Dispositions(
        calls=calls,
        counts={**{d.value: counts[d.value] for d in Disposition}, **dict(sorted(counts.items()))},
        resolved_on_scene_share=_share(counts[Disposition.RESOLVED_ON_SCENE.value], calls),
        referred_share=_share(counts[Disposition.REFERRED.value], calls),
        hospital_share=_share(hospital, calls),
        arrest_share=_share(arrest, calls),
        without_arrest_share=_share(calls - arrest, calls),
    )
