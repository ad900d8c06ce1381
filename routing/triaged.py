"""What a call keeps of its latest triage: the fields decisions and plans read, in objects the garbage
collector need not follow.

A `TriageResult` (`triage.facts`) holds a tuple of `Reason` tuples; an open call kept it for as long
as it was open, and every one of those objects was tracked by Python's cyclic garbage collector,
whose full collections walk every tracked object: at 20,000 open calls they paused the service for
up to a second (measured in process, scratch script). A `Triaged` keeps the reasons as the JSON the
decision writes (bytes) and their codes as a tuple of strings, so a call holds one tracked object
for its triage instead of about six.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from schemas.decisions import Band, Response
from triage.facts import TriageResult

__all__ = ["Triaged"]

_NO_NEEDS: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Triaged:
    """A call's latest triage, as the region keeps it."""

    score: float
    band: Band
    response: Response
    safety: tuple[str, ...] = ()
    needs: frozenset[str] = _NO_NEEDS
    reason_codes: tuple[str, ...] = ()
    """Every reason's code, in order: part of what makes a new revision."""
    reasons_json: bytes = b"[]"
    """The reasons as the decision's `triage.reasons` JSON array: code, weight, evidence."""

    @classmethod
    def of(cls, result: TriageResult) -> Triaged:
        return cls(
            score=result.score,
            band=result.band,
            response=result.response,
            safety=tuple(result.safety),
            needs=result.needs or _NO_NEEDS,
            reason_codes=tuple(r.code for r in result.reasons),
            reasons_json=orjson.dumps(
                [{"code": r.code, "weight": r.weight, "evidence": r.evidence} for r in result.reasons]
            ),
        )
