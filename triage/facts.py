"""The triage interface: what a triager reads (`CallFacts`), what it returns (`TriageResult`), bands,
and the safety codes that mean armed.

`Triager.triage(facts)` is a pure function of the call's intake facts. The service's triager is
`triage.scoring.RuleTriager`, built from the rule files by `triage.rulebook`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final, NamedTuple, Protocol

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from schemas.decisions import Band, Response

__all__ = ["ARMED_SAFETY", "BandThresholds", "CallFacts", "Reason", "TriageResult", "Triager", "band_for"]

ARMED_SAFETY: Final = frozenset({"weapon_reported", "violence_in_progress"})
"""Safety codes that mean armed (the contract's): an officer must ride with the clinician, so never a
secondary unit, and a rule file's armed set must include them."""


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What a dispatcher knows about a call at the moment of triage."""

    agency: str
    nature_code: str
    priority: int
    narrative: str = ""
    flags: frozenset[str] = frozenset()
    caller_type: str | None = None
    bh_calls_12m: int | None = None
    origin: str | None = None


class Reason(NamedTuple):
    """One rule that fired: its code, how much it moved the score (log-odds), the text that fired it.

    A plain tuple, not the contract's pydantic `Reason` (`schemas.decisions`), which the decision's
    JSON has the same three fields of: a call keeps its reasons for as long as it is open, and a
    tuple is a sixth of the model's memory."""

    code: str
    weight: float
    evidence: str


@dataclass(frozen=True, slots=True)
class TriageResult:
    """Score in [0, 1], its band, the recommended response, every reason, safety codes, needs."""

    score: float
    band: Band
    response: Response
    reasons: tuple[Reason, ...]
    safety: tuple[str, ...]
    needs: frozenset[str] = frozenset()
    """Assignment preferences the call carries: `transport`, `juvenile`, `ems`."""


class Triager(Protocol):
    def triage(self, facts: CallFacts) -> TriageResult: ...


Threshold = Annotated[float, Field(gt=0.0, lt=1.0)]


@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class BandThresholds:
    """Scores from which a call is high, medium and low. The rule file's `[bands]` table holds the
    defaults; an operator may override all three together (`CORESPOND_TRIAGE_BANDS`)."""

    high: Threshold
    medium: Threshold
    low: Threshold

    def __post_init__(self) -> None:
        if not self.low < self.medium < self.high:
            raise ValueError("triage bands must rise: low < medium < high")


def band_for(score: float, thresholds: BandThresholds) -> Band:
    if score >= thresholds.high:
        return Band.HIGH
    if score >= thresholds.medium:
        return Band.MEDIUM
    if score >= thresholds.low:
        return Band.LOW
    return Band.NONE
