"""The triage interface: what a triager reads (`CallFacts`), what it returns (`TriageResult`), bands.

`Triager.triage(facts)` is a pure function of the call's intake facts. The service's triager is
`triage.scoring.RuleTriager`, built from the rule files by `triage.rulebook`. `KeywordTriager`
here is the first, deliberately simple version (a nature-code table, four keyword patterns and the
CAD flags by noisy-OR, with the same safety gates), kept for code and tests that pin it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

from schemas.decisions import Band, Reason, Response

__all__ = ["ARMED_SAFETY", "CallFacts", "KeywordTriager", "TriageResult", "Triager", "band_for"]

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


@dataclass(frozen=True, slots=True)
class BandThresholds:
    high: float = 0.70
    medium: float = 0.40
    low: float = 0.15


def band_for(score: float, thresholds: BandThresholds) -> Band:
    if score >= thresholds.high:
        return Band.HIGH
    if score >= thresholds.medium:
        return Band.MEDIUM
    if score >= thresholds.low:
        return Band.LOW
    return Band.NONE


_NATURE_PRIORS: Mapping[str, float] = {
    "SUICIDAL": 0.85,
    "SUICIDE ATTEMPT": 0.9,
    "MENTAL": 0.75,
    "CRISIS": 0.75,
    "WELFARE CHECK": 0.35,
    "OVERDOSE": 0.45,
    "DISTURBANCE": 0.12,
    "SUSPICIOUS PERSON": 0.08,
    "TRESPASS": 0.06,
    "INTOXICATED PERSON": 0.3,
}

_KEYWORDS: tuple[tuple[str, str, float], ...] = (
    ("NARR_SUICIDAL", r"\b(suicid\w*|kill (him|her|them)sel(f|ves)|end (his|her|their) life)\b", 0.8),
    ("NARR_SELF_HARM", r"\b(cutting|self[- ]harm|hurt (him|her|them)sel(f|ves))\b", 0.6),
    ("NARR_PSYCHOSIS", r"\b(hallucinat\w*|hearing voices|psychot\w*|delusion\w*)\b", 0.6),
    ("NARR_OFF_MEDS", r"\b(off (his|her|their) med\w*|not taking (his|her|their) med\w*)\b", 0.5),
)

_FLAG_SAFETY: Mapping[str, str] = {
    "weapon": "weapon_reported",
    "violence": "violence_in_progress",
    "medical": "medical_emergency",
}


@dataclass(frozen=True, slots=True)
class KeywordTriager:
    """The first, deliberately simple triage: nature table + keywords + flags, noisy-OR."""

    thresholds: BandThresholds = field(default_factory=BandThresholds)
    _patterns: tuple[tuple[str, re.Pattern[str], float], ...] = field(
        default=tuple((code, re.compile(rx, re.IGNORECASE), w) for code, rx, w in _KEYWORDS),
        init=False,
        repr=False,
    )

    def triage(self, facts: CallFacts) -> TriageResult:
        reasons: list[Reason] = []
        nature = " ".join(facts.nature_code.upper().split())
        prior = _NATURE_PRIORS.get(nature)
        if prior is not None:
            reasons.append(Reason(code="NATURE_" + nature.replace(" ", "_"), weight=prior, evidence=nature))
        for code, pattern, weight in self._patterns:
            match = pattern.search(facts.narrative)
            if match is not None:
                reasons.append(Reason(code=code, weight=weight, evidence=match.group(0)))
        miss = 1.0
        for reason in reasons:
            miss *= 1.0 - reason.weight
        score = round(1.0 - miss, 4)
        safety = tuple(_FLAG_SAFETY[f] for f in sorted(facts.flags) if f in _FLAG_SAFETY)
        band = band_for(score, self.thresholds)
        return TriageResult(
            score=score,
            band=band,
            response=_response(band, safety),
            reasons=tuple(reasons),
            safety=safety,
            needs=frozenset({"transport"} if "transport_needed" in facts.flags else ()),
        )


def _response(band: Band, safety: tuple[str, ...]) -> Response:
    armed = "weapon_reported" in safety or "violence_in_progress" in safety
    if band in (Band.NONE, Band.LOW):
        return Response.POLICE_ONLY if armed else Response.NOT_BEHAVIORAL
    if armed:
        return Response.CO_RESPONSE_PRIMARY
    return Response.CO_RESPONSE_ANY
