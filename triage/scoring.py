"""The rule-driven behavioral-health triager: score, band, response, reasons and safety gates.

`RuleTriager.triage(facts)` is a pure function of one call's intake facts and the compiled rules of
its agency (`TriageRules`, built by `triage.rulebook` from the packaged TOML and agency overrides).

How the score is made and what it means: every piece of evidence carries a weight in log-odds.
- The nature code's category gives the starting point, `logit(prior)`, where the prior is the share
  of calls of that category that are behavioral-health crises (domain knowledge, checked against the
  rates observed in real calls for service).
- Priority, origin (911, on-view, ...) and the premise's behavioral-health history shift it a little.
- Each narrative finding adds its rule's weight: roughly the log of how many times more often the
  phrase appears in crisis calls than in others. Explicit statements ("WANTS TO KILL HIMSELF",
  "HEARING VOICES") weigh ~7, so they outweigh any nature code; weak cues ("UPSET", "DRUNK") ~1.
  The context of the mention scales it: possible x0.6, historical x0.35, unknown x0.3, negated 0.
  Within one clinical category only the strongest finding counts in full and the others at a
  fraction, so ten ways of saying "suicidal" are not ten independent pieces of evidence.
The score is `1 / (1 + exp(-sum))`, i.e. the sum of every reason's weight through the logistic
function: a reader can recompute it from the reasons. It is a probability estimate in the naive
Bayes sense: reasonably calibrated for nature-code-only calls, over-confident when many correlated
cues pile up (so read bands, not the third decimal).

Context can explain evidence away (Pearl's "explaining away"; in clinical terms, a differential): a
medical cause (a stroke, a seizure, low blood sugar, heat stroke) explains confusion, agitation and
odd behavior; a crime explains its victim's fear; an administrative or hypothetical frame (a records
request, "what happens if someone is put on a hold") or a call-back that retracts the call ("it was a
movie on the TV, all OK") explains every behavioral finding and the nature code the call-taker chose.
An explained finding keeps `explained_factor` of its weight and its code gains `_EXPLAINED`; the
explanation is a reason of its own, with its evidence. Safety gates are never explained away.

Safety gates never depend on the score: a reported weapon or violence in progress makes the response
`co_response_primary` (officer in the same vehicle) or `police_only`, never a team that could arrive
without an officer. A hazard's latest statement wins ("HAD A KNIFE ... KNIFE SECURED"), so an
appended narrative escalates or de-escalates the next decision at once; CAD flags always hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas.decisions import Band, Response
from triage.facts import BandThresholds, CallFacts, Reason, TriageResult, band_for
from triage.narrative import Finding, Modality, NarrativeReader
from triage.nature_codes import NatureClass, NatureTable, logistic, logit, normalize_nature_code
from triage.text_model import TextModel, call_text

__all__ = ["FlagRule", "RuleTriager", "ScoringPolicy", "SecondReader", "TriageRules", "triage_call"]

_BAND_RANK: Mapping[Band, int] = {Band.NONE: 0, Band.LOW: 1, Band.MEDIUM: 2, Band.HIGH: 3}
_SUFFIX: Mapping[Modality, str] = {
    Modality.AFFIRMED: "",
    Modality.POSSIBLE: "_POSSIBLE",
    Modality.UNKNOWN: "_UNKNOWN",
    Modality.HYPOTHETICAL: "_HYPOTHETICAL",
    Modality.HISTORICAL: "_HISTORICAL",
    Modality.REMOTE: "_REMOTE",
    Modality.RESOLVED: "_RESOLVED",
    Modality.NEGATED: "_NEGATED",
}
_RAISES_HAZARD = frozenset({Modality.AFFIRMED, Modality.POSSIBLE})
_RESOLVED, _UNKNOWN, _RAISED = 0, 1, 2
_MEDICAL = "medical_emergency"


@dataclass(frozen=True, slots=True)
class FlagRule:
    """What one CAD hazard flag means: a scored signal, a safety code, needs."""

    flag: str
    code: str
    category: str = ""
    weight: float = 0.0
    safety: str | None = None
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """The numbers of the rule file that are not phrases or nature categories."""

    modality_factors: Mapping[Modality, float]
    reporting_party_factor: float
    secondary_factor: float
    explained_factor: float
    """What is left of the weight of a finding another finding explains away."""
    priority_weights: Mapping[int, float]
    origin_weights: Mapping[str, float]
    caller_weights: Mapping[str, float]
    premise_steps: tuple[tuple[int, float], ...]
    """(at least this many behavioral-health calls at the premise in 12 months, weight), ascending."""
    flags: Mapping[str, FlagRule]
    armed: frozenset[str]
    """Safety codes that forbid any response but `police_only` or `co_response_primary`."""
    escort: frozenset[str]
    """Safety codes that make a behavioral call `co_response_primary` (officer in the vehicle)."""
    police: frozenset[str]
    """Safety codes that make a call that is not behavioral `police_only` instead of `not_behavioral`."""
    co_response_band: Band
    secondary_min_priority: int
    """Behavioral calls with no safety code at this priority or less urgent suit a secondary team."""
    sign_over_nature: frozenset[str] = frozenset()
    """Categories (psychosis, dementia) of which one affirmed, unexplained sign of at least
    `sign_over_nature_min_weight` lifts a nature prior below the default prior up to it: a shoplifter
    talking to no one is read from the sign, not from the theft code."""
    sign_over_nature_min_weight: float = 3.0
    sign_over_nature_except: Mapping[str, frozenset[str]] = field(default_factory=dict)
    sign_over_nature_with: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Category -> categories with which a present sign of it lifts the nature prior although weaker
    than the minimum: a developmental disability with agitation or aggression is a crisis."""
    """Sign category -> nature categories it does not lift: under an ANIMAL code a ledge or the
    tracks most often describe the animal, not a person."""


@dataclass(frozen=True, slots=True)
class SecondReader:
    """The statistical reader beside the rules, and how far it may move a call (the rule file's
    `[text_model]`): it lifts a call the rules left below the co-response band when its probability
    is at least `lift`, and lowers one the rules put in that band, not higher, when it is under
    `doubt`, on narratives of at least `min_words` words, and never lifts a call whose signs the
    rules explained away. Either move is one reason with its evidence; safety gates and needs never
    move."""

    model: TextModel
    lift: float
    doubt: float
    min_words: int = 12
    """Narratives shorter than this (in words) are the rules' alone."""


@dataclass(frozen=True, slots=True)
class TriageRules:
    """Everything one agency's triage depends on, compiled and immutable."""

    name: str
    nature: NatureTable
    reader: NarrativeReader
    scoring: ScoringPolicy
    thresholds: BandThresholds
    second_reader: SecondReader | None = None

    @property
    def nature_floor(self) -> float:
        """The log-odds of the default nature category: what an explained-away nature code falls to."""
        return logit(self.nature.default.prior)


@dataclass(frozen=True, slots=True)
class RuleTriager:
    """The service's triager: per-agency compiled rules, falling back to the default rule set."""

    default: TriageRules
    agencies: Mapping[str, TriageRules] = field(default_factory=dict)
    """Keyed by upper-case agency id."""

    def triage(self, facts: CallFacts) -> TriageResult:
        rules = self.agencies.get(facts.agency.upper(), self.default) if self.agencies else self.default
        return triage_call(rules, facts)


@dataclass(slots=True)
class _Evidence:
    code: str
    category: str
    weight: float
    evidence: str


def triage_call(rules: TriageRules, facts: CallFacts) -> TriageResult:
    """Score, band, response, reasons and safety of one call under one agency's rules."""
    scoring = rules.scoring
    nature = rules.nature.classify(facts.nature_code)
    reasons: list[Reason] = [
        Reason(
            code="NATURE_" + nature.category,
            weight=round(nature.log_odds, 3),
            evidence=nature.normalized or "(empty)",
        )
    ]
    total = nature.log_odds + _intake_shifts(facts, scoring, reasons)

    findings = rules.reader.read(facts.narrative, caller_is_subject=facts.caller_type == "self")
    explanations = [f for f in findings if f.rule.explains and f.modality in _RAISES_HAZARD]
    if (
        explanations
        and any("*" in f.rule.explains or "nature" in f.rule.explains for f in explanations)
        and nature.log_odds > rules.nature_floor
    ):
        # the call-taker chose the nature code on what the explanation now accounts for
        total -= nature.log_odds - rules.nature_floor
        reasons[0] = Reason(
            code=reasons[0].code + "_EXPLAINED",
            weight=round(rules.nature_floor, 3),
            evidence=reasons[0].evidence,
        )
    scored: list[_Evidence] = []
    hazards: dict[str, list[tuple[int, int, str]]] = {}
    needs: set[str] = set()
    present_sign = False
    present: set[str] = set()
    for finding in findings:
        evidence = _score_finding(finding, scoring)
        if explanations and evidence.weight > 0 and _explained(finding, explanations):
            evidence.weight *= scoring.explained_factor
            evidence.code += "_EXPLAINED"
        elif (
            finding.modality is Modality.AFFIRMED
            and finding.rule.category in scoring.sign_over_nature
            and evidence.weight >= scoring.sign_over_nature_min_weight
            and nature.category not in scoring.sign_over_nature_except.get(finding.rule.category, ())
        ):
            present_sign = True
        elif finding.modality is Modality.AFFIRMED and evidence.weight > 0:
            present.add(finding.rule.category)
        scored.append(evidence)
        _note_hazards(finding, hazards, needs)
    present_sign = present_sign or any(
        category in present and not present.isdisjoint(companions)
        for category, companions in scoring.sign_over_nature_with.items()
    )
    if present_sign and nature.log_odds < rules.nature_floor and not reasons[0].code.endswith("_EXPLAINED"):
        # one present behavioral-health sign outweighs a mundane call type's prior
        total += rules.nature_floor - nature.log_odds
        reasons[0] = Reason(
            code=reasons[0].code + "_OUTWEIGHED",
            weight=round(rules.nature_floor, 3),
            evidence=reasons[0].evidence,
        )
    _intake_hazards(facts, nature, scoring, scored, hazards, needs, reasons)

    if scored:
        total += _combine(scored, scoring.secondary_factor)
        reasons.extend(_merged_reasons(scored))
    if not any(e.weight > 0 for e in scored):
        reasons.append(Reason(code="NO_BH_SIGNAL", weight=0.0, evidence=nature.normalized or "(empty)"))

    total += _second_opinion(rules, facts, total, reasons)
    safety = _safety(hazards)
    if _MEDICAL in safety:
        needs.add("ems")
    score = round(logistic(total), 4)
    band = band_for(score, rules.thresholds)
    return TriageResult(
        score=score,
        band=band,
        response=_response(band, safety, facts.priority, scoring),
        reasons=tuple(reasons),
        safety=tuple(sorted(safety)),
        needs=frozenset(needs),
    )


_LINE_MARGIN = 0.01
"""How far past the co-response line (in log-odds) a call the statistical reader moves lands, so that
the rounded score is on the side it was moved to."""


def _second_opinion(rules: TriageRules, facts: CallFacts, total: float, reasons: list[Reason]) -> float:
    """The statistical reader's shift of the total: zero unless it is confident the rules' side of
    the co-response line is wrong, then exactly what moves the call across it (one reason). A call
    with no narrative, or a short one, is the rules' alone."""
    second = rules.second_reader
    if second is None or len(facts.narrative.split()) < second.min_words:
        return 0.0
    scoring = rules.scoring
    band = band_for(round(logistic(total), 4), rules.thresholds)
    line = logit(getattr(rules.thresholds, scoring.co_response_band.value))
    if _BAND_RANK[band] < _BAND_RANK[scoring.co_response_band]:
        if second.lift >= 1.0 or any(r.code.endswith("_EXPLAINED") for r in reasons):
            # the rules explained the call's signs away (a medical cause, a crime, a frame, a
            # retraction): context a bag of words cannot see, so the reader does not overrule it
            return 0.0
        text = call_text(facts.nature_code, facts.narrative)
        if second.model.probability(text) < second.lift:
            return 0.0
        reading = second.model.read(text)
        shift = line + _LINE_MARGIN - total
        terms, passage = reading.for_crisis, reading.passage_for
        code = "TEXT_MODEL_LIFT"
    elif band is not Band.HIGH and second.doubt > 0.0:
        text = call_text(facts.nature_code, facts.narrative)
        if second.model.probability(text) >= second.doubt:
            return 0.0
        reading = second.model.read(text)
        shift = line - _LINE_MARGIN - total
        terms, passage = reading.against_crisis, reading.passage_against
        code = "TEXT_MODEL_DOUBT"
    else:
        return 0.0
    evidence = f"p={reading.probability:.2f}: {passage} (" + ", ".join(terms) + ")"
    reasons.append(Reason(code=code, weight=round(shift, 3), evidence=evidence))
    return shift


def _intake_shifts(facts: CallFacts, scoring: ScoringPolicy, reasons: list[Reason]) -> float:
    """Priority, origin, caller and premise history: small shifts, each one a reason when it moves."""
    total = 0.0
    shift = scoring.priority_weights.get(facts.priority)
    if shift:
        reasons.append(Reason(code=f"PRIORITY_{facts.priority}", weight=shift, evidence=str(facts.priority)))
        total += shift
    if facts.origin:
        origin = normalize_nature_code(facts.origin)
        shift = scoring.origin_weights.get(origin)
        if shift:
            reasons.append(Reason(code="ORIGIN_" + origin.replace(" ", "_"), weight=shift, evidence=origin))
            total += shift
    if facts.caller_type:
        shift = scoring.caller_weights.get(facts.caller_type)
        if shift:
            code = "CALLER_" + facts.caller_type.upper()
            reasons.append(Reason(code=code, weight=shift, evidence=facts.caller_type))
            total += shift
    if facts.bh_calls_12m:
        steps = [w for at_least, w in scoring.premise_steps if facts.bh_calls_12m >= at_least]
        if steps and steps[-1]:
            evidence = f"bh_calls_12m={facts.bh_calls_12m}"
            reasons.append(Reason(code="PREMISE_BH_HISTORY", weight=steps[-1], evidence=evidence))
            total += steps[-1]
    return total


def _explained(finding: Finding, explanations: list[Finding]) -> bool:
    """Whether another finding explains this one away (see `PhraseRule.explains`)."""
    category = finding.rule.category
    for other in explanations:
        if other is finding or (other.rule.explains_before and finding.start >= other.start):
            continue
        if category in other.rule.explains or ("*" in other.rule.explains and not finding.rule.explains):
            return True
    return False


def _score_finding(finding: Finding, scoring: ScoringPolicy) -> _Evidence:
    rule = finding.rule
    factor = scoring.modality_factors[finding.modality]
    code = rule.code + _SUFFIX[finding.modality]
    if finding.about_reporting_party:
        factor *= scoring.reporting_party_factor
        code += "_RP"
    return _Evidence(code, rule.category, rule.weight * factor, finding.evidence)


def _note_hazards(finding: Finding, hazards: dict[str, list[tuple[int, int, str]]], needs: set[str]) -> None:
    """Record what the finding says about hazards, at its position: raised, unknown or resolved."""
    rule, modality = finding.rule, finding.modality
    raises = modality in _RAISES_HAZARD or (modality is Modality.HYPOTHETICAL and rule.hypothetical_raises)
    for code in rule.safety:
        if raises:
            hazards.setdefault(code, []).append((finding.start, _RAISED, code))
        elif modality is Modality.RESOLVED:
            hazards.setdefault(code, []).append((finding.start, _RESOLVED, code))
        elif modality is Modality.UNKNOWN and rule.safety_if_unknown is not None:
            hazards.setdefault(code, []).append((finding.start, _UNKNOWN, rule.safety_if_unknown))
    if raises:
        for code in rule.resolves:
            hazards.setdefault(code, []).append((finding.start, _RESOLVED, code))
        needs.update(rule.needs)


def _intake_hazards(  # noqa: PLR0917 - the accumulators of triage_call, filled in place
    facts: CallFacts,
    nature: NatureClass,
    scoring: ScoringPolicy,
    scored: list[_Evidence],
    hazards: dict[str, list[tuple[int, int, str]]],
    needs: set[str],
    reasons: list[Reason],
) -> None:
    """What intake itself says: the CAD flags and a hazardous call type. Both hold whatever the narrative
    says (they stand after every statement), like the call-taker's own judgement."""
    after_all = len(facts.narrative) + 1
    for flag in sorted(facts.flags):
        flag_rule = scoring.flags.get(flag)
        if flag_rule is None:
            continue
        scored.append(_Evidence(flag_rule.code, flag_rule.category, flag_rule.weight, flag))
        if flag_rule.safety is not None:
            hazards.setdefault(flag_rule.safety, []).append((after_all, _RAISED, flag_rule.safety))
        needs.update(flag_rule.needs)
    if nature.safety:
        # a THREATS call keeps its officer whatever the narrative says
        for code in nature.safety:
            hazards.setdefault(code, []).append((after_all, _RAISED, code))
        evidence = f"{nature.normalized}: {', '.join(nature.safety)}"
        reasons.append(Reason(code="NATURE_HAZARD", weight=0.0, evidence=evidence))


def _safety(hazards: Mapping[str, list[tuple[int, int, str]]]) -> set[str]:
    """Per hazard, what was said after its last resolution: raised, else unknown, else nothing.

    "POSS HAS A KNIFE ... UNK IF ARMED" stays `weapon_reported`: an unknown never clears a report.
    "HAD A KNIFE ... KNIFE SECURED" clears it; "NO WEAPONS" never clears an earlier report.
    """
    raised: set[str] = set()
    for events in hazards.values():
        last_resolved = max((at for at, state, _ in events if state == _RESOLVED), default=-1)
        live = [(state, code) for at, state, code in events if at > last_resolved and state != _RESOLVED]
        if any(state == _RAISED for state, _ in live):
            raised.update(code for state, code in live if state == _RAISED)
        else:
            raised.update(code for _, code in live)
    if "threat_to_others" in raised and "weapon_reported" in raised:
        raised.add("violence_in_progress")  # a threat with the means to carry it out
    return raised


def _combine(scored: list[_Evidence], secondary_factor: float) -> float:
    """Per category, the strongest evidence in full and the rest at `secondary_factor`."""
    by_category: dict[str, list[float]] = {}
    for item in scored:
        if item.weight:
            by_category.setdefault(item.category, []).append(item.weight)
    total = 0.0
    for weights in by_category.values():
        weights.sort(key=abs, reverse=True)
        total += weights[0] + secondary_factor * sum(weights[1:])
    # The reasons must add up to the score: scale each item to what it actually contributed.
    strongest: dict[str, _Evidence] = {}
    for item in scored:
        if item.weight:
            best = strongest.get(item.category)
            if best is None or abs(item.weight) > abs(best.weight):
                strongest[item.category] = item
    for item in scored:
        if item.weight and strongest[item.category] is not item:
            item.weight *= secondary_factor
    return total


def _merged_reasons(scored: list[_Evidence]) -> list[Reason]:
    """One reason per code, weights summed, evidence of its strongest mention; in first-seen order."""
    merged: dict[str, tuple[float, float, str]] = {}
    for item in scored:
        total, strongest, evidence = merged.get(item.code, (0.0, -1.0, item.evidence))
        if abs(item.weight) > strongest:
            strongest, evidence = abs(item.weight), item.evidence
        merged[item.code] = (total + item.weight, strongest, evidence)
    return [
        Reason(code=code, weight=round(total, 3), evidence=evidence)
        for code, (total, _, evidence) in merged.items()
    ]


def _response(band: Band, safety: set[str], priority: int, scoring: ScoringPolicy) -> Response:
    armed = not scoring.armed.isdisjoint(safety)
    if _BAND_RANK[band] < _BAND_RANK[scoring.co_response_band]:
        if armed or not scoring.police.isdisjoint(safety):
            return Response.POLICE_ONLY
        return Response.NOT_BEHAVIORAL
    if armed or not scoring.escort.isdisjoint(safety):
        return Response.CO_RESPONSE_PRIMARY
    if not safety and priority >= scoring.secondary_min_priority:
        return Response.CO_RESPONSE_SECONDARY
    return Response.CO_RESPONSE_ANY
