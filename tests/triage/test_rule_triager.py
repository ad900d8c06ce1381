"""Whole triage decisions, table-driven: score and band, response, safety gates, needs, reasons."""

from __future__ import annotations

import math

import pytest

from schemas.decisions import Band, Response
from simulator import demo_agency_rules
from tests.builders import default_rules
from triage.facts import BandThresholds, CallFacts, TriageResult, band_for
from triage.rulebook import load_triager, packaged_rules_path
from triage.scoring import RuleTriager


@pytest.fixture(scope="module")
def triager() -> RuleTriager:
    return default_rules()


@pytest.fixture(scope="module")
def demo_triager() -> RuleTriager:
    """The default rules with the simulated county's agency files (local aliases, 10-codes)."""
    return load_triager(packaged_rules_path(), demo_agency_rules())


def _facts(
    narrative: str = "",
    *,
    nature: str = "DISTURBANCE",
    priority: int = 2,
    agency: str = "LPD",
    flags: tuple[str, ...] = (),
    caller: str | None = "third_party",
    origin: str | None = None,
    history: int | None = None,
) -> CallFacts:
    return CallFacts(
        agency=agency,
        nature_code=nature,
        priority=priority,
        narrative=narrative,
        flags=frozenset(flags),
        caller_type=caller,
        origin=origin,
        bh_calls_12m=history,
    )


ARMED_RESPONSES = {Response.POLICE_ONLY, Response.CO_RESPONSE_PRIMARY}


@pytest.mark.parametrize(
    ("facts", "response", "safety"),
    [
        (
            _facts("RP STATES SON THREATENING TO HURT HIMSELF, NO WEAPONS SEEN"),
            Response.CO_RESPONSE_ANY,
            set(),
        ),
        (
            _facts("SON IS SUICIDAL AND HAS A KNIFE TO HIS THROAT"),
            Response.CO_RESPONSE_PRIMARY,
            {"weapon_reported"},
        ),
        (
            _facts("MALE WAVING A GUN AT CARS", nature="SUSPICIOUS PERSON"),
            Response.POLICE_ONLY,
            {"weapon_reported", "violence_in_progress"},
        ),
        (
            _facts("SON ASSAULTED HIS MOTHER, OFF HIS MEDS"),
            Response.CO_RESPONSE_PRIMARY,
            {"violence_in_progress"},
        ),
        (
            _facts("BOYFRIEND CHOKED HER AND IS STILL IN THE HOUSE", nature="DOMESTIC"),
            Response.POLICE_ONLY,
            None,
        ),
        (_facts("PARANOID, UNK IF ARMED"), Response.CO_RESPONSE_PRIMARY, {"weapon_unknown"}),
        (_facts("HEARING VOICES TELLING HIM TO HURT THEIR MOTHER"), Response.CO_RESPONSE_PRIMARY, None),
        (
            _facts("THREATENING TO STAB ANYONE WHO COMES NEAR. HAS A KNIFE. HALLUCINATING"),
            Response.CO_RESPONSE_PRIMARY,
            None,
        ),
        (_facts("STOLE MY BIKE", nature="THEFT", priority=4), Response.NOT_BEHAVIORAL, set()),
        (
            _facts(
                "CALLER WANTS INFO ON SUPPORT GROUPS. FEELS DEPRESSED",
                nature="MENTAL HEALTH",
                priority=4,
                caller="self",
            ),
            Response.CO_RESPONSE_SECONDARY,
            set(),
        ),
    ],
)
def test_responses_and_safety(
    triager: RuleTriager, facts: CallFacts, response: Response, safety: set[str] | None
) -> None:
    result = triager.triage(facts)
    assert result.response is response, result
    if safety is not None:
        assert set(result.safety) == safety


def test_threat_with_the_means_is_violence_in_progress(triager: RuleTriager) -> None:
    result = triager.triage(_facts("MALE WITH A KNIFE THREATENING TO STAB ANYONE WHO COMES NEAR"))
    assert {"weapon_reported", "threat_to_others", "violence_in_progress"} <= set(result.safety)
    assert result.response in ARMED_RESPONSES


@pytest.mark.parametrize("flag", ["weapon", "violence"])
def test_a_cad_flag_gates_whatever_the_narrative_says(triager: RuleTriager, flag: str) -> None:
    result = triager.triage(_facts("HEARING VOICES. NO WEAPONS. CALM", flags=(flag,), nature="MENTAL HEALTH"))
    assert result.response is Response.CO_RESPONSE_PRIMARY
    assert {"weapon_reported", "violence_in_progress"} & set(result.safety)
    assert any(r.code == f"FLAG_{flag.upper()}" and r.evidence == flag for r in result.reasons)


@pytest.mark.parametrize(
    ("narrative", "armed"),
    [
        ("SUBJ HAD A KNIFE AND WAS THREATENING SUICIDE. KNIFE SECURED BY OFFICERS", False),
        ("KNIFE SECURED BY OFFICERS. NOW HAS A SECOND KNIFE FROM THE KITCHEN", True),
        ("SUBJ HAS A KNIFE. NO WEAPONS SEEN BY RP", True),
        ("DEPUTIES ON SCENE. SUBJ DISARMED AND DETAINED. STILL SAYING HE WANTS TO DIE", False),
        ("POSS HAS A KNIFE IN HIS WAISTBAND. UNK IF ARMED", True),
    ],
)
def test_the_latest_statement_about_a_weapon_wins(triager: RuleTriager, narrative: str, armed: bool) -> None:
    result = triager.triage(_facts(narrative, nature="SUICIDAL"))
    assert ("weapon_reported" in result.safety) is armed
    assert (result.response is Response.CO_RESPONSE_PRIMARY) is armed


@pytest.mark.parametrize(
    ("facts", "needs"),
    [
        (_facts("MALE DOWN. POSS OD. BLUE LIPS. NOT BREATHING", nature="OVERDOSE", priority=1), {"ems"}),
        (_facts("RP STATES 14 YO DAUGHTER IS CUTTING HERSELF"), {"juvenile"}),
        (_facts("SON NEEDS TRANSPORT TO THE ER FOR A PSYCH EVAL. WILLING TO GO"), {"transport"}),
        (
            _facts("SUICIDAL", flags=("juvenile", "transport_needed", "medical")),
            {"juvenile", "transport", "ems"},
        ),
    ],
)
def test_needs(triager: RuleTriager, facts: CallFacts, needs: set[str]) -> None:
    result = triager.triage(facts)
    assert needs <= result.needs
    if "ems" in needs:
        assert "medical_emergency" in result.safety


def test_a_medical_emergency_without_behavioral_signs_is_not_behavioral_but_calls_ems(
    triager: RuleTriager,
) -> None:
    result = triager.triage(
        _facts("HUSBAND HAVING CHEST PAIN AND TROUBLE BREATHING", nature="MEDICAL", priority=1)
    )
    assert result.response is Response.NOT_BEHAVIORAL
    assert "medical_emergency" in result.safety
    assert "ems" in result.needs


def test_the_score_is_the_logistic_of_the_reason_weights(triager: RuleTriager) -> None:
    for facts in (
        _facts("RP STATES NEIGHBOR IS HEARING VOICES AND OFF HIS MEDS. HX OF SI", origin="911", history=3),
        _facts("", nature="THEFT", priority=4),
        _facts("SUICIDAL, HAS A GUN", nature="SUICIDAL", priority=1),
    ):
        result = triager.triage(facts)
        total = sum(r.weight for r in result.reasons)
        assert result.score == pytest.approx(1 / (1 + math.exp(-total)), abs=2e-3)


def test_every_decision_explains_itself(triager: RuleTriager) -> None:
    plain = triager.triage(_facts("", nature="PARKING", priority=5))
    assert plain.reasons[0].code == "NATURE_TRAFFIC_VEHICLE"
    assert plain.reasons[0].evidence == "PARKING"
    assert any(r.code == "NO_BH_SIGNAL" and r.evidence == "PARKING" for r in plain.reasons)
    rich = triager.triage(_facts("RP DENIES SI. SON IS HEARING VOICES", nature="WELFARE CHECK"))
    codes = {r.code: r for r in rich.reasons}
    assert codes["HALLUCINATIONS"].evidence == "HEARING VOICES"
    assert codes["SUICIDAL_IDEATION_NEGATED"].weight == 0.0
    assert codes["SUICIDAL_IDEATION_NEGATED"].evidence == "DENIES SI"


@pytest.mark.parametrize(
    ("nature", "agency", "category"),
    [
        ("MH", "LPD", "MENTAL_HEALTH"),
        ("MH", "EPPD", "MENTAL_HEALTH"),
        ("WELF", "XYZ", "WELFARE_CHECK"),
        ("DRUG RELATED CASUALTY", "XYZ", "OVERDOSE"),
        ("ONE DOWN/DRUG OD", "XYZ", "OVERDOSE"),
        ("DETOX", "XYZ", "DETOX"),
        ("10-96", "LCSO", "MENTAL_HEALTH"),
        ("10-50", "LPD", "TRAFFIC_VEHICLE"),
        ("PSY", "LCSO", "MENTAL_HEALTH"),
        ("WELCK", "EPPD", "WELFARE_CHECK"),
        ("EDP", "XYZ", "MENTAL_HEALTH"),
        ("--SUICIDE", "SPD", "SUICIDE"),
        ("Person in Behavioral/Emotional Crisis", "SPD", "MENTAL_HEALTH"),
        ("46 - CIT", "XYZ", "MENTAL_HEALTH"),
        ("BEHAV HLTH", "XYZ", "MENTAL_HEALTH"),
        ("INDECENT BEHAVIOR", "XYZ", "LEWD_EXPOSURE"),
        ("MISSING - (ALZHEIMER, ENDANGERED, ELDERLY)", "SPD", "DEMENTIA"),
        ("MISSING - ADULT", "SPD", "MISSING_PERSON"),
        ("MEDICAL - NALOXONE", "XYZ", "OVERDOSE"),
        ("121C_Mental Disordr NonViolent", "XYZ", "MENTAL_HEALTH"),
        ("*Bridge Jumper_Law", "XYZ", "SUICIDE"),
    ],
)
def test_agency_aliases_select_the_nature_category(
    demo_triager: RuleTriager, nature: str, agency: str, category: str
) -> None:
    result = demo_triager.triage(_facts("", nature=nature, agency=agency))
    assert result.reasons[0].code == f"NATURE_{category}"


@pytest.mark.parametrize(
    ("nature", "category"),
    [
        ("BAKER ACT", "MENTAL_HEALTH_HOLD"),
        ("IVC SERVICE", "MENTAL_HEALTH_HOLD"),
        ("Pink Slip", "MENTAL_HEALTH_HOLD"),
        ("ECO/TDO", "MENTAL_HEALTH_HOLD"),
        ("CH 51 EMERG DET", "MENTAL_HEALTH_HOLD"),
        ("MHL 9.41", "MENTAL_HEALTH_HOLD"),
        ("MARCHMAN ACT", "DETOX"),
        ("SILVER ALERT", "DEMENTIA"),
        ("MISSING AUTISTIC ADULT", "AUTISM_DEVELOPMENTAL"),
        ("10-96", "MENTAL_HEALTH"),
        ("FRAUD-PSYCHIC", "PROPERTY_CRIME"),
        ("5150 RECORDS REQ", "RECORDS_REQUEST"),
        ("MENTAL HEALTH FAC ALARM", "ALARM"),
    ],
)
def test_call_types_other_agencies_use(triager: RuleTriager, nature: str, category: str) -> None:
    """Hold statutes by their names, alerts, ten-codes; PSYCHIC is not psychiatric; a records request and
    an alarm are what they are wherever they happen."""
    assert triager.triage(_facts("", nature=nature)).reasons[0].code == f"NATURE_{category}"


@pytest.mark.parametrize(
    ("nature", "category"),
    [("PERSON IN BEHAV CRISI", "MENTAL_HEALTH"), ("ATTEMPTED SUICI", "SUICIDE"), ("CHECK AREA", "OTHER")],
)
def test_a_call_type_cut_short_by_its_field_is_completed(
    triager: RuleTriager, nature: str, category: str
) -> None:
    assert triager.triage(_facts("", nature=nature)).reasons[0].code == f"NATURE_{category}"


@pytest.mark.parametrize(
    ("nature", "code"),
    [
        ("THREATS", "threat_to_others"),
        ("DOMESTIC", "aggression"),
        ("ASSAULT", "aggression"),
        ("MAN WITH A GUN", "weapon_unknown"),
    ],
)
def test_a_hazardous_call_type_keeps_an_officer_whatever_the_narrative(
    triager: RuleTriager, nature: str, code: str
) -> None:
    calm = "SON HEARING VOICES, PARANOID, NOT SLEPT IN DAYS. NO WEAPONS, CALM NOW"
    result = triager.triage(_facts(calm, nature=nature))
    assert code in result.safety
    assert result.response in (Response.CO_RESPONSE_PRIMARY, Response.POLICE_ONLY)
    assert any(r.code == "NATURE_HAZARD" for r in result.reasons)


def test_an_agency_phrase_rule_applies_to_that_agency_only(demo_triager: RuleTriager) -> None:
    text = "HIKER TOLD THE RANGER SHE WAS NOT COMING BACK"
    eppd = demo_triager.triage(_facts(text, agency="EPPD", nature="SUSPICIOUS PERSON"))
    lpd = demo_triager.triage(_facts(text, agency="LPD", nature="SUSPICIOUS PERSON"))
    assert any(r.code == "EPPD_PARK_DESPONDENT" for r in eppd.reasons)
    assert not any(r.code == "EPPD_PARK_DESPONDENT" for r in lpd.reasons)
    assert eppd.score > lpd.score


def test_weak_affect_about_the_caller_counts_less_than_about_the_subject(triager: RuleTriager) -> None:
    about_caller = triager.triage(_facts("RP IS UPSET AND WORRIED"))
    about_subject = triager.triage(_facts("SON IS UPSET AND WORRIED"))
    assert about_caller.score < about_subject.score
    assert any(r.code == "AFFECT_WORDS_RP" for r in about_caller.reasons)


def test_history_counts_less_than_a_current_statement(triager: RuleTriager) -> None:
    now = triager.triage(_facts("SON IS SUICIDAL", nature="WELFARE CHECK", priority=3))
    history = triager.triage(_facts("SON HAS A HX OF SI", nature="WELFARE CHECK", priority=3))
    remote = triager.triage(_facts("SON ATTEMPTED SUICIDE YEARS AGO", nature="WELFARE CHECK", priority=3))
    assert now.score > history.score > remote.score


def test_bands_follow_the_thresholds() -> None:
    thresholds = BandThresholds(high=0.7, medium=0.4, low=0.15)
    assert band_for(0.7, thresholds) is Band.HIGH
    assert band_for(0.69, thresholds) is Band.MEDIUM
    assert band_for(0.15, thresholds) is Band.LOW
    assert band_for(0.1, thresholds) is Band.NONE


def test_triage_is_deterministic(triager: RuleTriager) -> None:
    facts = _facts("SON OFF HIS MEDS, HEARING VOICES, POSS HAS A KNIFE, HX OF SI", flags=("intoxicated",))
    first: TriageResult = triager.triage(facts)
    assert all(triager.triage(facts) == first for _ in range(5))


# ---- the issue-12 behaviors: signs by content, threats with any means, substance use, context ----


@pytest.mark.parametrize(
    ("narrative", "nature", "response", "safety"),
    [
        # a threat against a person with any means, also in a delusional frame or an append
        (
            "SON SAYS GOD TOLD HIM TO PUNISH HIS FATHER. LEFT ON FOOT WITH A HAMMER TOWARD FATHERS WORK",
            "DOMESTIC",
            Response.CO_RESPONSE_PRIMARY,
            {"threat_to_others", "weapon_reported"},
        ),
        (
            "BROTHER SAYS THE NEIGHBOR IS A DEMON. NOW STS HE IS GOING TO RUN THE NEIGHBOR OVER",
            "DISTURBANCE",
            Response.CO_RESPONSE_PRIMARY,
            {"threat_to_others"},
        ),
        # substance use is behavioral health: detox requests and overdoses (with EMS)
        ("CALLER WANTS HELP GETTING OFF FENTANYL, STARTING TO GET DOPE SICK", "ASSIST", None, None),
        ("FRIEND UNRESPONSIVE, LIPS BLUE, POSS FENTANYL", "MEDICAL", None, {"medical_emergency"}),
        # Spanish
        ("RP DICE QUE SU HIJO SE QUIERE MATAR, ESTA LLORANDO", "CHECK WELFARE", None, None),
        (
            "HERMANA DICE QUE NO HA DORMIDO EN TRES DIAS Y EL DIABLO LE HABLA POR LA TELEVISION",
            "SICK",
            None,
            None,
        ),
    ],
)
def test_crises_described_by_their_signs(
    triager: RuleTriager, narrative: str, nature: str, response: Response | None, safety: set[str] | None
) -> None:
    result = triager.triage(_facts(narrative, nature=nature))
    assert result.response.wants_co_responder, result
    if response is not None:
        assert result.response is response, result
    if safety is not None:
        assert safety <= set(result.safety), result


@pytest.mark.parametrize(
    ("narrative", "nature"),
    [
        # a medical cause explains the confusion or the hallucinations
        ("ELDERLY MOTHER SEEING BUGS ON THE WALLS. DX WITH A UTI YESTERDAY, FEVER 103", "ASSIST"),
        ("HUSBAND CONFUSED AND AGITATED, HIS SUGAR READS 38, DIABETIC", "MENTAL"),
        # an administrative call about a past crisis, a hypothetical question
        ("WANTS A COPY OF THE REPORT FROM LAST MONTHS WELFARE CHECK WHEN HER SON WAS SUICIDAL", "FOLLOW UP"),
        ("ASKING WHAT HAPPENS IF SOMEONE IS PUT ON A 72 HOUR HOLD, FOR A CLASS PAPER", "INFORMATION"),
        # a call-back that retracts everything before it
        (
            "RP HEARS MALE YELLING HE WILL KILL HIMSELF. RP CALLED BACK, IT WAS A MOVIE ON THE TV, ALL OK",
            "SUICIDAL",
        ),
        # history with no present sign, a crime victim's fear about the crime
        ("NEIGHBOR WHO HAS BIPOLAR PARKED IN HIS ASSIGNED SPOT AGAIN, WANTS HER CAR TOWED", "MENTAL SUBJECT"),
        ("WAS ROBBED AT THE ATM, CRYING AND SHAKING, VERY ANXIOUS", "ROBBERY"),
    ],
)
def test_context_explains_evidence_away(triager: RuleTriager, narrative: str, nature: str) -> None:
    result = triager.triage(_facts(narrative, nature=nature))
    assert not result.response.wants_co_responder, result
    assert any(r.code.endswith("_EXPLAINED") for r in result.reasons), result.reasons


def test_a_retraction_explains_only_what_came_before_it(triager: RuleTriager) -> None:
    text = "RP CALLED BACK, IT WAS A MISUNDERSTANDING. NOW SHE TEXTED THAT SHE WANTS TO DIE"
    result = triager.triage(_facts(text, nature="WELFARE CHECK"))
    assert result.response.wants_co_responder
    assert "DEATH_WISH" in {r.code for r in result.reasons}


def test_an_explained_finding_keeps_its_evidence_and_a_share_of_its_weight(triager: RuleTriager) -> None:
    plain = triager.triage(_facts("HUSBAND IS CONFUSED", nature="MEDICAL"))
    explained = triager.triage(_facts("HUSBAND IS CONFUSED AFTER A SEIZURE", nature="MEDICAL"))
    weight = {r.code: r.weight for r in plain.reasons}["DISORIENTATION"]
    reason = {r.code: r for r in explained.reasons}["DISORIENTATION_EXPLAINED"]
    assert reason.weight == pytest.approx(weight * 0.1, abs=1e-3)
    assert reason.evidence == "CONFUSED"
    assert explained.score < plain.score
    total = sum(r.weight for r in explained.reasons)
    assert explained.score == pytest.approx(1 / (1 + math.exp(-total)), abs=1e-3)


def test_a_negation_in_the_narrative_never_reaches_into_an_append(triager: RuleTriager) -> None:
    # appends are joined to the narrative with one blank (routing.region.CallState.facts)
    joined = "RP STS SON IS HEARING VOICES, NO WEAPONS UPDT HE HAS A KNIFE NOW"
    result = triager.triage(_facts(joined, nature="WELFARE CHECK"))
    assert "weapon_reported" in result.safety
    assert result.response is Response.CO_RESPONSE_PRIMARY
