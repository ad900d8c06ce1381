"""New wordings of the kinds generalized in round 12 (the misses of blind round 11, t26-t28).

Each wording was written for this test (none is in a case file), so a rule fitted to a case's own
sentence would fail it. A separate file from test_new_wordings_of_known_kinds.py so that the rounds'
lists can change independently.
"""

from __future__ import annotations

import pytest

from tests.builders import rules_only
from triage.facts import CallFacts, TriageResult
from triage.scoring import RuleTriager

TRIAGER: RuleTriager = rules_only()
"""The rules alone, as in test_narrative_cases.py."""


def _triage(nature: str, narrative: str, priority: int = 2) -> TriageResult:
    return TRIAGER.triage(CallFacts(agency="", nature_code=nature, priority=priority, narrative=narrative))


CRISES = [
    # indirect farewells: absolving someone, an elliptical farewell, thanks before an end, a last word cut off
    ("FOUND PROPERTY", "NOTE ON THE DASH SAYS PLEASE TELL MY SON NONE OF THIS WAS HIS FAULT"),
    (
        "WELFARE CHECK",
        "SHE TEXTED HER ROOMMATE THANKS FOR DEALING WITH ME ALL THESE YEARS, YOU WONT HAVE TO FOR LONG",
    ),
    ("HANG UP", "ON CALLBACK MALE SAID HE NEEDED SOMEONE TO HEAR HIS VOICE BEFORE. LINE WENT DEAD"),
    ("CIVIL", "SAID HIS WIFE WONT HAVE TO TAKE CARE OF HIM AFTER SATURDAY, SIGNED THE FARM OVER TO HER"),
    # burden: others would have it easier
    ("WELFARE CHECK", "VOICEMAIL SAYING LIFE WOULD BE EASIER FOR MY KIDS IF I WAS GONE"),
    # reunion with the dead by a near time, or a call to the dead
    (
        "CHECK AREA",
        "SHE HAS BEEN AT HER SONS GRAVE ALL DAY AND TOLD HER SISTER SHE WILL BE WITH HIM BEFORE DAWN",
    ),
    ("NOISE", "NEIGHBOR HEARS HIM CRYING I AM COMING DADDY, HIS FATHER DIED ON SUNDAY"),
    # preparatory acts
    ("SUSP PERSON", "CUSTOMER BOUGHT A TOW STRAP AND ASKED THE CLERK WHICH RAFTER WOULD HOLD HIS WEIGHT"),
    ("CIVIL", "SON LEFT HIS DOG AND ITS ADOPTION PAPERS WITH RP, WONT ANSWER"),
    # the tracks as a destination
    ("ASSIST", "BUS DRIVER SAYS A RIDER TOLD HIM SHE IS HEADING RIGHT TO THE RAILROAD TRACKS"),
    # Spanish
    ("DISTURBANCE", "SU ESPOSO DICE QUE YA NO QUIERE VIVIR"),
    # psychosis by content, under a mundane or administrative frame
    ("NOISE", "TENANT SCREAMING AT SOMEBODY TO GET OUT OF THE VENTS, HE LIVES ALONE"),
    (
        "THEFT",
        "SAYS THE LANDLORD COMES IN THROUGH THE LIGHT SOCKETS AND TAKES HER THOUGHTS. WANTS A CASE NUMBER",
    ),
    ("NOISE", "MARINE VET SECURING THE PERIMETER OF HIS YARD AT 3 AM, THINKS HES BACK IN FALLUJAH"),
    ("ALARM", "NURSING HOME RESIDENT AT THE EXIT SCREAMING THAT THE AIDES ARE HOLDING HER PRISONER"),
    # rail tunnels
    ("TRESPASS", "MALE WANDERING IN THE SUBWAY TUNNEL, YELLING AT THE TRACKS"),
]
NOT_CRISES = [
    # research, fiction and numbers
    (
        "INFO",
        "SCREENWRITER WORKING ON A SCRIPT ASKS WHAT HAPPENS IF SOMEONE SUICIDAL CALLS 911, A "
        "CHARACTER IN HER SHOW",
    ),
    ("INFO", "STUDENT WANTS CRISIS CALL NUMBERS FOR HER DISSERTATION, NOT CALLING ABOUT ANY REAL PERSON"),
    # records of a past hold or death
    ("SUICIDE", "CALLER NEEDS THE DEATH REPORT FOR HER BROTHERS ESTATE, HE DIED IN 2022"),
    # sound-alikes and decorations
    ("SUICIDE", "CALL TYPE ERROR, RP SELLING A CAR WITH SUICIDE DOORS, BUYER NO SHOW"),
    ("NOISE", "RP HEARS VOICES THROUGH THE FLOOR, THE DOWNSTAIRS RADIO IS BLARING"),
    ("ANIMAL", "OWNER SAYS HER TERRIER OVERDOSED ON HER IBUPROFEN, ASKING FOR A VET"),
    ("ANIMAL", "SU PERRO SE VA A MATAR EN LA AUTOPISTA, PLEASE SEND ANIMAL CONTROL"),
    ("INFO", "CRISIS LINE TRANSFERRING A CALLER WHO IS NOT IN CRISIS, SHE IS ASKING ABOUT A TOWED CAR"),
    # medical causes
    (
        "MEDICAL",
        "SOCCER PLAYER WENT INTO THE GOALPOST HEAD FIRST, CONFUSED AND ASKING THE SAME "
        "QUESTION OVER AND OVER",
    ),
    ("MEDICAL", "MAN IN LOBBY CLUTCHING HIS CHEST, SAYS ITS ANXIETY, NOW GRAY AND SWEATING, CPR STARTED"),
    # victims, negated screens, children, moves
    ("REPORT", "VICTIM MUGGED OUTSIDE THE STATION, CRYING AND SHAKING, WANTS TO PRESS CHARGES"),
    (
        "DISTURBANCE",
        "SUPERVISOR ASKED HIM IF HE WAS THINKING OF HARMING HIMSELF AND HE SAID NO, HE "
        "IS JUST ANGRY ABOUT HIS CHECK",
    ),
    (
        "CHILD WELFARE",
        "NEIGHBOR HEARS SCREAMING, UNIT ADVISES A 4 YEAR OLD HAVING A TANTRUM ABOUT BEDTIME, ALL OK",
    ),
    ("WELFARE CHECK", "FRIEND WORRIED ABOUT HIS GOODBYE POST, HE IS RELOCATING OVERSEAS FOR A NEW JOB"),
]


@pytest.mark.parametrize(("nature", "narrative"), CRISES)
def test_a_new_wording_of_a_round12_crisis_kind_sends_a_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]


@pytest.mark.parametrize(("nature", "narrative"), NOT_CRISES)
def test_a_new_wording_of_a_round12_explanation_sends_no_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert not result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]
