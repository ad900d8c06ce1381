"""Properties of triage over generated calls: bounded score, monotone evidence, safety gates that hold."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.decisions import Response
from tests.builders import default_rules, rules_only
from triage.facts import CallFacts, band_for
from triage.scoring import RuleTriager

TRIAGER: RuleTriager = default_rules()
RULES: RuleTriager = rules_only()
"""The rules alone, for the monotonicity properties: the statistical reader beside them is a bag of words
that reads only narratives of 12 words or more, so it is not monotone by construction (a phrase that
brings a narrative over its floor may let it doubt the call); what it may and may not move is tested in
tests/triage/test_text_model.py."""

NATURE_CODES = [
    "SUICIDAL", "MENTAL HEALTH", "WELFARE CHECK", "DISTURBANCE", "SUSPICIOUS PERSON", "THEFT", "TRAFFIC STOP",
    "MEDICAL", "OVERDOSE", "DOMESTIC", "ASSAULT", "10-96", "MH", "PARKING VIOLATION (EXCEPT ABANDONED CAR)",
    "PERSON IN BEHAVIORAL/EMOTIONAL CRISIS", "",
]  # fmt: skip
POSITIVE_PHRASES = [
    "SON IS HEARING VOICES", "SHE SAYS SHE WANTS TO DIE", "HE IS OFF HIS MEDS", "CALLER IS SUICIDAL",
    "MOTHER HAS DEMENTIA AND WANDERED AWAY", "ACTING VERY STRANGE AND MUMBLING", "VERY DEPRESSED",
    "PARANOID THAT THE NEIGHBORS ARE WATCHING HIM", "HAVING A PANIC ATTACK", "DRUNK", "REPEAT CALLER",
    "TALKING TO HIMSELF", "MANIC", "HX OF SI", "POSS SUICIDAL", "HOMELESS AND HAS NOWHERE TO GO",
]  # fmt: skip
NEUTRAL_PHRASES = [
    "RP STATES", "NO WEAPONS SEEN", "DENIES SI", "VEHICLE BLOCKING THE DRIVEWAY", "UNK IF ARMED",
    "KNIFE SECURED BY OFFICERS", "WALLET STOLEN", "SUICIDE DOORS", "KILLING TIME", "POSS STROKE",
    "NOT SUICIDAL BUT", "HAS A KNIFE", "WAVING A GUN", "ASSAULTED HIS MOTHER", "PLAN TO OD", "USED TO",
]  # fmt: skip
ARMED_PHRASES = [
    "HAS A KNIFE",
    "WAVING A GUN AT PEOPLE",
    "ASSAULTED HIS MOTHER",
    "SHOTS FIRED",
    "HITTING HER",
]
FLAGS = ["weapon", "violence", "medical", "intoxicated", "juvenile", "transport_needed", "hazmat"]

fragments = st.lists(st.sampled_from(POSITIVE_PHRASES + NEUTRAL_PHRASES), max_size=5)
noise = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:/-'0123456789", max_size=60)


@st.composite
def calls(draw: st.DrawFn) -> CallFacts:
    parts = draw(fragments)
    narrative = ". ".join([*parts, draw(noise)]).strip()
    return CallFacts(
        agency=draw(st.sampled_from(["LPD", "LCSO", "EPPD", "SPD", ""])),
        nature_code=draw(st.sampled_from(NATURE_CODES) | st.text(max_size=20)),
        priority=draw(st.integers(min_value=1, max_value=7)),
        narrative=narrative,
        flags=frozenset(draw(st.lists(st.sampled_from(FLAGS), max_size=3))),
        caller_type=draw(st.sampled_from([None, "self", "family", "third_party", "officer", "other"])),
        bh_calls_12m=draw(st.none() | st.integers(min_value=0, max_value=50)),
        origin=draw(st.sampled_from([None, "911", "ONVIEW", "TELEPHONE OTHER, NOT 911"])),
    )


def _with(facts: CallFacts, **changes: object) -> CallFacts:
    values = {name: getattr(facts, name) for name in CallFacts.__slots__}
    values.update(changes)
    return CallFacts(**values)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(calls())
def test_score_is_a_probability_and_every_decision_explains_itself(facts: CallFacts) -> None:
    result = TRIAGER.triage(facts)
    assert 0.0 <= result.score <= 1.0
    assert not math.isnan(result.score)
    assert result.band is band_for(
        result.score, TRIAGER.agencies.get(facts.agency, TRIAGER.default).thresholds
    )
    assert result.reasons, "every decision carries at least one reason"
    assert all(r.evidence for r in result.reasons), "every reason names the evidence that fired it"
    if "medical_emergency" in result.safety:
        assert "ems" in result.needs


@settings(max_examples=400, deadline=None)
@given(calls(), st.sampled_from(POSITIVE_PHRASES))
def test_adding_a_positive_signal_never_lowers_the_score(facts: CallFacts, phrase: str) -> None:
    before = RULES.triage(facts).score
    narrative = f"{facts.narrative}. {phrase}" if facts.narrative else phrase
    assert RULES.triage(_with(facts, narrative=narrative)).score >= before


@settings(max_examples=200, deadline=None)
@given(calls(), st.integers(min_value=0, max_value=50))
def test_more_premise_history_or_an_intoxicated_flag_never_lowers_the_score(
    facts: CallFacts, more: int
) -> None:
    before = RULES.triage(facts).score
    history = (facts.bh_calls_12m or 0) + more
    assert RULES.triage(_with(facts, bh_calls_12m=history)).score >= before
    assert RULES.triage(_with(facts, flags=facts.flags | {"intoxicated"})).score >= before


ARMED = {Response.POLICE_ONLY, Response.CO_RESPONSE_PRIMARY}


@settings(max_examples=400, deadline=None)
@given(calls(), st.sampled_from(["weapon", "violence"]))
def test_a_weapon_or_violence_flag_never_yields_a_team_that_could_arrive_without_an_officer(
    facts: CallFacts, flag: str
) -> None:
    result = TRIAGER.triage(_with(facts, flags=facts.flags | {flag}))
    assert {"weapon_reported", "violence_in_progress"} & set(result.safety)
    assert result.response in ARMED


@settings(max_examples=400, deadline=None)
@given(calls(), st.sampled_from(ARMED_PHRASES))
def test_a_weapon_or_violence_in_the_narrative_never_yields_secondary_or_any(
    facts: CallFacts, phrase: str
) -> None:
    narrative = f"{facts.narrative}. {phrase}" if facts.narrative else phrase
    result = TRIAGER.triage(_with(facts, narrative=narrative))
    assert {"weapon_reported", "violence_in_progress"} & set(result.safety), "the latest statement raises it"
    assert result.response in ARMED


@settings(max_examples=200, deadline=None)
@given(calls())
def test_any_armed_result_is_police_only_or_primary(facts: CallFacts) -> None:
    result = TRIAGER.triage(facts)
    if {"weapon_reported", "violence_in_progress"} & set(result.safety):
        assert result.response in ARMED
    assert TRIAGER.triage(facts) == result, "deterministic"


@pytest.mark.parametrize("phrase", POSITIVE_PHRASES)
def test_each_positive_phrase_is_evidence(phrase: str) -> None:
    empty = CallFacts(agency="LPD", nature_code="DISTURBANCE", priority=3)
    assert TRIAGER.triage(_with(empty, narrative=phrase)).score > TRIAGER.triage(empty).score


# A negation inside a condition belongs to the condition: whatever the condition says and however it
# is worded, the threat of the main clause still raises the officer gate. And the gate is asymmetric:
# a negation of some nearby other verb never cancels a threat or a weapon; only one that governs it.
CONDITIONS = [
    "IF THEY DONT STOP", "IF THEY DON'T STOP TONIGHT", "UNLESS HE DOESNT GET HIS MONEY",
    "IF YOU DON'T GIVE ME THE KEYS", "IF SHE DOESNT COME BACK", "UNLESS THEY DON'T LEAVE",
    "IF HE CAN'T SEE THE KIDS", "IF NOBODY LISTENS",
    "IF THE LANDLORD DOESN'T FIX IT", "IF I DONT GET MY PILLS",
]  # fmt: skip
MAIN_THREATS = [
    "SHE WILL BURN THEM OUT", "HE IS GOING TO SHOOT THE NEIGHBOR", "I'LL KILL EVERYONE IN THE HOUSE",
    "HE WILL STAB HER", "HE SAYS HE WILL BEAT HIS DAD WITH A BAT", "SHE IS GONNA HURT SOMEBODY",
]  # fmt: skip
DIRECT_DENIALS = [
    "NO WEAPONS AND DENIES ANY THREATS", "HE IS NOT THREATENING ANYONE", "DOES NOT HAVE ANY GUNS",
    "NO THREATS MADE", "DENIES WANTING TO HURT ANYONE",
]  # fmt: skip


@given(
    condition=st.sampled_from(CONDITIONS),
    threat=st.sampled_from(MAIN_THREATS),
    order=st.booleans(),
    nature=st.sampled_from(["HARASSMENT", "DISTURBANCE", "MENTAL HEALTH", "WELFARE CHECK", "NOISE"]),
)
@settings(max_examples=120, deadline=None)
def test_a_negation_in_a_condition_never_cancels_the_threat_of_the_main_clause(
    condition: str, threat: str, order: bool, nature: str
) -> None:
    said = f"{condition} {threat}" if order else f"{threat} {condition}"
    facts = CallFacts(
        agency="", nature_code=nature, priority=2, narrative=f"RP STS SUBJ IS YELLING. STS {said}."
    )
    result = TRIAGER.triage(facts)
    assert "threat_to_others" in result.safety, (said, result.reasons)
    assert result.response not in {Response.CO_RESPONSE_ANY, Response.CO_RESPONSE_SECONDARY}, said


@pytest.mark.parametrize("denial", DIRECT_DENIALS)
def test_a_negation_that_governs_the_threat_still_cancels_it(denial: str) -> None:
    facts = CallFacts(
        agency="", nature_code="WELFARE CHECK", priority=3, narrative=f"RP STS SON IS FINE. {denial}."
    )
    result = TRIAGER.triage(facts)
    assert "threat_to_others" not in result.safety, (denial, result.reasons)
    assert "weapon_reported" not in result.safety, (denial, result.reasons)
