"""New wordings of the kinds generalized after rounds 6 and 7 (t14-t19): each must fire, in words no case has.

The blind files' misses were generalized by kind, not by phrase; these wordings were written for this
test (none is in a case file), so a rule fitted to the case's own sentence would fail them.
"""

from __future__ import annotations

import pytest

from schemas.decisions import Response
from triage.facts import CallFacts, TriageResult
from triage.rulebook import default_triager
from triage.scoring import RuleTriager

TRIAGER: RuleTriager = default_triager()
ALONE = {Response.CO_RESPONSE_ANY, Response.CO_RESPONSE_SECONDARY}


def _triage(nature: str, narrative: str, priority: int = 2) -> TriageResult:
    return TRIAGER.triage(CallFacts(agency="", nature_code=nature, priority=priority, narrative=narrative))


CRISES = [
    # indirect farewells, "after today / tomorrow", "won't need them anymore", entrusting dependents or pets
    ("WELFARE CHECK", "FRIEND GOT A TEXT FROM HIM SAYING NOBODY WILL HAVE TO WORRY ABOUT HIM AFTER TONIGHT"),
    ("WELFARE CHECK", "SISTER TEXTED 'U WONT HAVE TO PUT UP WITH ME ANYMORE'"),
    ("CHECK WELFARE", "DAUGHTER LEFT HER CAT WITH THE NEIGHBOR AND SAID FEED HER FOR ME, HASNT ANSWERED"),
    ("WELFARE CHECK", "HE TOLD HIS BOSS HE WONT BE NEEDING HIS TOOLS ANYMORE AND DROVE OFF"),
    ("WELFARE CHECK", "SAYS SHE WONT BE AROUND AFTER TOMORROW, SOUNDED FLAT"),
    # persecution by a named group coming to kill him
    ("DISTURBANCE", "SAYS THE GANG IS COMING TO GET HIM TONIGHT, HIDING IN THE BATHTUB"),
    ("DISTURBANCE", "CONVINCED THE FEDS ARE ON THEIR WAY TO KILL HER"),
    # thought insertion, broadcasting, transmission into the head
    ("NOISE", "NEIGHBOR YELLING THAT SOMEONE IS BEAMING VOICES INTO HIS HEAD"),
    ("DISTURBANCE", "KEEPS SAYING EVERYBODY CAN HEAR HER THOUGHTS"),
    # flashbacks described by behaviour
    ("SUSP PERSON", "VETERAN CROUCHED BEHIND THE WOODPILE CALLING FOR A CORPSMAN, THUNDER SET HIM OFF"),
    # heights described obliquely
    ("SUSPICIOUS PERSON", "YOUNG MAN STANDING ON THE PARAPET OF THE 8TH FLOOR BALCONY"),
    ("SUSPICIOUS PERSON", "FEMALE STRADDLING THE RAILING ON THE TOP LEVEL OF THE PARKING RAMP"),
    # grief at a grave with a wish to join the dead
    ("WELFARE CHECK", "MAN AT HIS WIFES GRAVE SAYS HE WILL STAY UNTIL HE CAN BE WITH HER"),
    # one present psychosis sign outweighs a mundane nature prior
    ("SHOPLIFTING", "SUBJ WAS RESPONDING TO VOICES NO ONE ELSE HEARS, ARGUING WITH THE AIR"),
    ("ALARM", "ELDERLY F PRESSED HER PANIC BUTTON, THINKS HER HUSBAND IS AN INTRUDER, SWINGING A BROOM"),
]
OFFICER_CRISES = [
    # suicide by cop in any wording: the gate must hold
    ("SUSPICIOUS PERSON", "MALE IN THE STREET SCREAMING AT DEPUTIES TO SHOOT HIM"),
    ("ARMED PERSON", "SUBJ WITH KNIFE BEGGING THE OFFICERS TO KILL HIM"),
]
NOT_CRISES = [
    # retractions and clearances in new words
    ("SUICIDAL", "RP CALLED BACK, SON WAS SINGING LYRICS FROM A SONG, NOT SUICIDAL"),
    ("CHECK WELFARE", "FRIEND POSTED SHE WANTS TO DIE. CB: SHE SAYS SHE WAS JUST VENTING, IS FINE"),
    # remote past with a time word
    ("ASSIST", "PO STS CLIENT HAD SI IN 2019, STABLE, DENIES SI NOW, NEEDS RIDE"),
    # a negation across "in any sort of"
    ("THEFT", "RP SAYS HER SON IS NOT ANGRY OR IN ANY SORT OF CRISIS, HE JUST TOOK THE CAR"),
    # a setting that names a diagnosis, the behavior explained by an ordinary event
    ("FIRE ALARM", "GROUP HOME RESIDENTS WITH AUTISM ANXIOUS ABOUT THE FIRE DRILL, STAFF WITH THEM"),
    # a MENTAL code on a neighbor dispute
    (
        "MENTAL",
        "NEIGHBOR IS CRAZY BECAUSE HE PARKS IN HER SPOT, NOT ACTING STRANGE, RP JUST WANTS HIM TO STOP",
    ),
]
EMS_NEEDS = [
    "WIFE'S WATER BROKE AND SHE IS HAVING CONTRACTIONS 3 MIN APART",
    "HIS FACE IS DROOPING AND HE HAS WEAKNESS ON HIS LEFT SIDE",
    "GENERATOR RUNNING INSIDE THE SHED WITH THE DOOR SHUT, SUBJ INSIDE",
    "SHE HAD A BOTTLE OF XANAX, NOW SAYS SHE SWALLOWED ALL OF THEM",
]


@pytest.mark.parametrize(("nature", "narrative"), CRISES)
def test_a_new_wording_of_a_crisis_kind_sends_a_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]


@pytest.mark.parametrize(("nature", "narrative"), OFFICER_CRISES)
def test_suicide_by_cop_in_new_words_sends_an_officer_with_the_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response is Response.CO_RESPONSE_PRIMARY, [(r.code, r.weight) for r in result.reasons]


@pytest.mark.parametrize(("nature", "narrative"), NOT_CRISES)
def test_a_new_wording_of_an_explanation_sends_no_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative, priority=3)
    assert not result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]


@pytest.mark.parametrize("narrative", EMS_NEEDS)
def test_labor_stroke_co_and_ingestion_named_first_need_ems(narrative: str) -> None:
    assert "ems" in _triage("MEDICAL", narrative).needs


def test_a_negation_of_another_verb_never_clears_a_weapon() -> None:
    result = _triage("DISTURBANCE", "MOTHER DOESNT THINK HE HAS A MACHETE ON HIM NOW")
    assert "weapon_reported" in result.safety
    assert result.response not in ALONE


# Round 8 (after t17-t19): the kinds generalized, each in words no case file has.
ROUND8_CRISES = [
    # one present sign of any behavioral-health category outweighs a mundane nature prior
    ("PARKING", "RP SAYS THE MAN IN THE BLUE HONDA TOLD HER HE IS PLANNING TO END HIS LIFE TONIGHT"),
    ("LOCKOUT", "LOCKED OUT OF HER CAR, TOLD THE TOW DRIVER SHE WISHES SHE WERE DEAD"),
    ("THEFT", "STOLE A ROPE FROM THE HARDWARE STORE, TOLD THE CLERK HE WAS GOING TO HANG HIMSELF WITH IT"),
    ("TRAFFIC", "DRIVER PULLED OVER ON THE SHOULDER CUTTING HIS ARMS WITH A PIECE OF GLASS"),
    ("ALARM", "HOMEOWNER TOLD THE ALARM COMPANY HE HAS BEEN STOCKPILING HIS OXYCODONE"),
    (
        "FIRE",
        "NEIGHBOR SAYS WOMAN IN 3B HAS NOT EATEN IN A WEEK, STAYS IN BED, SAYS THERES NO POINT IN LIVING",
    ),
    ("ANIMAL", "DOG RUNNING LOOSE, OWNER IS AUTISTIC TEEN BANGING HIS OWN HEAD ON THE SIDEWALK"),
    # a developmental disability in crisis: with agitation or aggression present now
    (
        "TRAFFIC",
        "MAN WITH DOWN SYNDROME RUNNING IN AND OUT OF TRAFFIC, VERY AGITATED, CAREGIVER CANT CALM HIM",
    ),
    # farewells by any day word, giving away with "won't be needing it", a recurring method
    ("ANIMAL", "ASKED ANIMAL CONTROL TO TAKE HER DOGS, SAYS SHE WONT BE HERE AFTER FRIDAY"),
    ("WELFARE CHECK", "SISTER SAYS HE SOLD HIS GUITAR AND SAID HE WOULDNT BE NEEDING IT"),
    ("HANG UP", "ON CALLBACK MALE SAYS HE KEEPS THINKING ABOUT JUMPING OFF THE PARKING GARAGE"),
    ("CIVIL", "TENANT SAYS SHE WILL BE DEAD BEFORE THE SHERIFF GETS HERE, SHE HAS SAVED UP HER PILLS"),
    # surveillance by device, a crash on purpose
    ("NOISE", "TENANT SCREAMING THAT THE LANDLORD PLANTED MICROPHONES IN HER VENTS"),
    ("THEFT", "RP SAYS HIS PHONE IS BUGGED AND THE NEIGHBORS TRACK HIM THROUGH THE SMART METER"),
    ("MVA", "DRIVER TOLD TROOPER SHE SWERVED INTO THE TREE ON PURPOSE BECAUSE SHE WANTED TO DIE"),
]
ROUND8_OFFICER_CRISES = [
    # a suicide plan by vehicle on a road, a fire or explosion threat against whoever comes in
    ("RECKLESS DRIVER", "CALLER SAYS HER HUSBAND TEXTED HE IS GONNA STEER INTO ONCOMING TRAFFIC ON HWY 50"),
    ("WELFARE CHECK", "SON SAYS DAD SAID HE WILL CRASH HIS TRUCK INTO A SEMI ON THE INTERSTATE"),
    ("DISTURBANCE", "MALE SAYS HE SOAKED THE HOUSE IN GASOLINE AND WILL LIGHT A MATCH IF POLICE COME IN"),
    ("CIVIL STANDBY", "TENANT SAYS HE OPENED THE PROPANE AND WILL BLOW IT ALL UP IF ANYONE ENTERS"),
]
ROUND8_NOT_CRISES = [
    (
        "SUICIDAL",
        "CALLER REPORTED MALE ABOUT TO JUMP. UNITS FOUND A WINDOW WASHER ON A RIG, CLEARED AS A FALSE REPORT",
    ),
    ("THEFT", "RP SOBBING, HER CAR WAS BROKEN INTO AND HER LATE MOTHERS RING TAKEN"),
    ("ASSIST FIRE", "FAMILY CRYING ON THE LAWN WATCHING THEIR HOME BURN, ALL OCCUPANTS OUT"),
    ("TRAFFIC", "CYCLIST DOWN, HEAD LACERATION, DAZED AND CONFUSED, ASKING WHERE HE IS"),
    ("FRAUD", "RP SAYS HE HAS BIPOLAR AND TAKES HIS MEDS, WANTS A REPORT OF A SCAM ON HIS CARD"),
    ("DISTURBANCE", "SCREAMING HEARD NEXT DOOR, UNIT FOUND TEENS PLAYING A HORROR VIDEO GAME LOUDLY"),
    ("TRAFFIC", "VEH DROVE INTO A POLE ON MAIN ST, DRIVER OUT AND WALKING"),
]


@pytest.mark.parametrize(("nature", "narrative"), ROUND8_CRISES)
def test_round8_a_sign_in_new_words_under_any_code_sends_a_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]


@pytest.mark.parametrize(("nature", "narrative"), ROUND8_OFFICER_CRISES)
def test_round8_a_threat_to_others_by_vehicle_or_fire_keeps_the_officer(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response is Response.CO_RESPONSE_PRIMARY, [(r.code, r.weight) for r in result.reasons]
    assert "threat_to_others" in result.safety


@pytest.mark.parametrize(("nature", "narrative"), ROUND8_NOT_CRISES)
def test_round8_an_explanation_in_new_words_sends_no_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative, priority=3)
    assert not result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]
