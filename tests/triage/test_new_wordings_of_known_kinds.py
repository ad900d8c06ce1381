"""New wordings of the kinds generalized after rounds 6 and 7 (t14-t19): each must fire, in words no case has.

The blind files' misses were generalized by kind, not by phrase; these wordings were written for this
test (none is in a case file), so a rule fitted to the case's own sentence would fail them.
"""

from __future__ import annotations

import pytest

from schemas.decisions import Response
from tests.builders import rules_only
from triage.facts import CallFacts, TriageResult
from triage.scoring import RuleTriager

TRIAGER: RuleTriager = rules_only()
"""The rules alone, as in test_narrative_cases.py: these wordings test how the rules generalize a kind;
the statistical reader beside them is tested in tests/triage/test_text_model.py."""
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


@pytest.mark.parametrize(("nature", "narrative"), OFFICER_CRISES)
def test_suicide_by_cop_in_new_words_sends_an_officer_with_the_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response is Response.CO_RESPONSE_PRIMARY, [(r.code, r.weight) for r in result.reasons]


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


@pytest.mark.parametrize(("nature", "narrative"), ROUND8_OFFICER_CRISES)
def test_round8_a_threat_to_others_by_vehicle_or_fire_keeps_the_officer(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response is Response.CO_RESPONSE_PRIMARY, [(r.code, r.weight) for r in result.reasons]
    assert "threat_to_others" in result.safety


# Round 9 (after t20-t22): the kinds of their misses, each in words no case file has (written for this
# test, not copied from a case).
ROUND9_CRISES = [
    # farewells in new shapes: a last thing "ever", a last message with an apology, left for the family
    (
        "WELFARE CHECK",
        "TEACHER SAYS A PUPIL HANDED IN AN ESSAY WRITING IT IS THE LAST THING HE WILL EVER SUBMIT",
    ),
    ("CHECK WELFARE", "COWORKER GOT A VOICEMAIL: THIS IS THE LAST CALL YOU WILL EVER GET FROM ME"),
    (
        "WELFARE CHECK",
        "MANAGER GOT A TEXT FROM AN EMPLOYEE: TONIGHT WILL BE MY LAST SHIFT, SORRY FOR EVERYTHING",
    ),
    ("INFORMATION", "MALE ASKING HOW HIS WIFE CAN GET HIS PENSION AFTER HE IS GONE, SAYS IT WILL BE SOON"),
    ("FOUND PROPERTY", "RP FOUND HER SISTERS SIGNED WILL AND HER RINGS IN HIS MAILBOX WITH A NOTE"),
    ("WELFARE CHECK", "SON FOUND HIS FATHERS LIFE INSURANCE POLICY LEFT OUT ON THE TABLE, DAD NOT ANSWERING"),
    # means with a pretext or out of place
    (
        "WELFARE CHECK",
        "WIFE SAYS HE TOOK THE SHOTGUN TO GO DUCK HUNTING BUT IT IS NOT DUCK SEASON, WONT ANSWER",
    ),
    (
        "CHECK WELFARE",
        "MOM SAYS SON TOOK GRANDPAS RIFLE, SAID HE WAS GOING HUNTING, HE HAS NEVER HUNTED IN HIS LIFE",
    ),
    ("TRESPASS", "GIRL IN THE CHURCH BASEMENT WITH AN EXTENSION CORD SAID SHE NEEDED SOMEWHERE QUIET"),
    ("SUSP PERSON", "MAN CARRYING A NOOSE INTO THE WOODS ASKED HIKERS WHERE NOBODY WOULD FIND HIM"),
    ("HANG UP", "OPEN LINE, FEMALE CRYING, SAYS SHE IS SITTING IN THE TUB WITH A KNIFE"),
    ("SHOPLIFTING", "MALE TRIED TO STEAL EIGHT BOTTLES OF TYLENOL, TOLD THE CLERK HE NEEDS THEM TONIGHT"),
    ("PARKING", "MAN PARKED AT THE TOP OF THE RAMP SAYS HE DROVE DOWN FROM OHIO TO JUMP"),
    ("PED IN ROADWAY", "FEMALE KEEPS WALKING INTO ONCOMING TRAFFIC DELIBERATELY ON ROUTE 1"),
    ("TRAFFIC HAZARD", "MALE ON THE ON RAMP SAYS HE IS WAITING FOR A TRUCK TO HIT HIM"),
    # a car running in a closed garage, any wording
    (
        "SUSP CIRC",
        "NEIGHBOR SAYS A VAN HAS BEEN RUNNING IN THE SHUT GARAGE ALL MORNING, SIGN ON DOOR SAYS DO NOT ENTER",
    ),
    # psychosis by content: the world ending and a chosen messenger, objects and people not there, the dead
    (
        "SUSPICIOUS PERSON",
        "MAN AT THE BUS STOP SAYS THE EARTH WILL EXPLODE TOMORROW AND GOD CHOSE HIM TO SAVE EVERYONE",
    ),
    (
        "DISTURBANCE",
        "WOMAN PREACHING IN THE LOBBY THAT THE WORLD ENDS ON FRIDAY AND SHE WAS APPOINTED TO WARN US",
    ),
    (
        "SHOPLIFTING",
        "MALE IN AISLE 3 ARGUING WITH THE CEREAL BOXES AND TELLING SOMEBODY WHO ISNT THERE TO BACK OFF",
    ),
    ("LOITERING", "WOMAN AT THE GAS STATION SCREAMING AT THE ICE MACHINE FOR AN HOUR"),
    ("NOISE", "ELDERLY MAN SHOUTING AT HIS DECEASED WIFE TO GET OUT OF THE KITCHEN"),
    (
        "WELFARE CHECK",
        "DAUGHTER SAYS MOM KEEPS TALKING TO HER DEAD SISTER AS IF SHE IS SITTING ACROSS THE TABLE",
    ),
    # withdrawal from opioids, methadone or alcohol
    (
        "LOST PROPERTY",
        "LOST HIS SUBOXONE SCRIPT, NOW SWEATING AND CRAMPING, SAYS HE WILL USE IF HE CANT GET MORE",
    ),
    ("SICK PERSON", "MALE QUIT DRINKING THREE DAYS AGO, NOW SHAKING AND SEEING BUGS ON THE WALL"),
    ("ASSIST", "METHADONE CLINIC WOULD NOT DOSE HER THIS MORNING, SHE IS VOMITING AND BEGGING FOR HELP"),
    # giving up after a loss, out of reasons at a rail
    ("LOST PROPERTY", "HIS CAT DIED AND NOW HIS DOG IS GONE, SAYS HE MIGHT AS WELL JOIN THEM"),
    ("ANIMAL", "OWNER SAYS WITHOUT HER HORSE SHE MIGHT AS WELL BE DEAD"),
    (
        "DISABLED VEHICLE",
        "DRIVER ON THE BRIDGE SHOULDER TOLD THE TOW DRIVER HE HAS NO REASONS LEFT, WONT STEP AWAY FROM "
        "THE RAILING",
    ),
    # panic that recurs, under unrelated codes
    (
        "ALARM",
        "RESIDENT HIT HER MEDICAL ALARM HYPERVENTILATING, SAYS THIS HAPPENS WHENEVER SHE IS ALONE AT NIGHT",
    ),
    ("TRAFFIC", "DRIVER PULLED OVER HYPERVENTILATING, SECOND PANIC ATTACK TODAY, SAYS SHE CANT COPE"),
    # a veteran's startle after a loud noise
    ("FIREWORKS", "VETERAN NEIGHBOR DOVE FOR COVER WHEN THE FIREWORKS STARTED, NOW HIDING IN HIS CAR"),
    ("NOISE", "MARINE VETERAN SAYS THE THUNDER MAKES HIM FEEL LIKE HE IS BACK IN FALLUJAH"),
]
ROUND9_NOT_CRISES = [
    # a sign with a real, stated source
    ("CHECK AREA", "RP HEARS VOICES IN THE ABANDONED WAREHOUSE, PROBABLY TEENS PARTYING"),
    ("SUSPICIOUS", "HEARD VOICES UPSTAIRS IN THE EMPTY UNIT, THINKS TRESPASSERS GOT IN"),
    ("SUSP VEH", "RP SAYS HER EX HUSBAND HAS BEEN TAILING HER SINCE WORK, SHE RECOGNIZES HIS RED TRUCK"),
    ("HARASSMENT", "SAYS SHE IS BEING WATCHED, HER EX PARKED OUTSIDE AGAIN, SHE HAS A PROTECTIVE ORDER"),
    # administrative calls by clinicians; an ordinary dispute at a psychiatric setting; insults
    ("MENTAL", "THERAPIST CALLING FOR HER CLIENT WHO WANTS TO REPORT A STOLEN BIKE, CLIENT IS DOING FINE"),
    ("ASSIST", "PSYCHIATRIC HOSPITAL SECURITY SAYS A VISITOR IS ANGRY ABOUT A TOWING CHARGE, NO THREATS"),
    (
        "HARASSMENT",
        "NEIGHBOR KEEPS CALLING HER A PSYCHO AND SAYING SHE BELONGS IN A MENTAL HOSPITAL, WANTS IT "
        "DOCUMENTED",
    ),
    # heights explained by a hobby
    ("SUICIDAL SUBJ", "MAN LEANING OVER THE BRIDGE RAILING, UNIT FOUND HE IS CRABBING WITH HIS KIDS"),
    ("CHECK AREA", "PERSON ON THE LEDGE OF THE OVERLOOK HAS A TRIPOD, TAKING PHOTOS OF THE CANYON"),
    # a couple screaming in an argument; a partner's assault; a custody dispute
    ("DISTURBANCE", "HUSBAND AND WIFE YELLING AT EACH OTHER IN THE DRIVEWAY, VERBAL ONLY"),
    ("DOMESTIC", "GIRLFRIEND SLAPPED HIM AND THREW HIS PHONE, SHE HAS BEEN DRINKING, NO WEAPONS"),
    # medical causes
    (
        "SICK PERSON",
        "WHOLE FAMILY DIZZY AND VOMITING SINCE THEY BROUGHT THE GENERATOR INTO THE GARAGE, DAD CONFUSED",
    ),
    ("WELFARE CHECK", "MAN IS DIABETIC AND MISSED DINNER, NOW CONFUSED AND SWEATY AT THE BUS STOP"),
    # accidents, a drunk at the wrong door
    ("INJURY", "LINE COOK CUT HIS HAND WITH A KNIFE WHILE CHOPPING ONIONS, BLEEDING A LOT"),
    ("EDP", "INTOXICATED FEMALE TRYING TO GET INTO THE WRONG HOUSE, FRIENDLY, HER FRIEND IS COMING FOR HER"),
    # naloxone questions and found kits, a hypothetical detox question, "not in crisis"
    ("INFORMATION", "CALLER WANTS TO KNOW WHERE TO GET NARCAN FOR HER SHOP, NO ONE IN DANGER"),
    ("FOUND PROPERTY", "FOUND A NALOXONE KIT AND SOME NEEDLES IN THE PARK RESTROOM"),
    (
        "INFORMATION",
        "MOM ASKING WHETHER HER SON COULD GO TO DETOX IF HE EVER RELAPSED, CLEAN 2 YEARS AND DOING WELL",
    ),
    ("HARASSMENT", "RP HAS DEPRESSION, SAYS SHE IS NOT IN CRISIS, JUST WANTS THE CALLS TO STOP"),
]
ROUND9_EMS_NEEDS = [
    "SHE TOOK HER WHOLE PRESCRIPTION OF ZOLOFT AN HOUR AGO",
    "HER MED ORGANIZER IS EMPTY AND SHE IS DROWSY",
    "HIGH ON METH, BODY TEMP 106",
    "HIS CHEST FEELS TIGHT AND HE IS SWEATING",
    "FOUND ON THE KITCHEN FLOOR, FELL LAST NIGHT AND CANNOT GET UP",
    "NURSING HOME RESIDENT WITH A UTI IS NOW DELIRIOUS",
    "TRUCK IDLING INSIDE HIS LOCKED GARAGE, LETTER TO HIS KIDS ON THE DOOR",
]


# Round 10 (after t23-t25): the safety gate reads a threat to others by its kind, in idiom, slang, a
# condition or Spanish (t24-043, 'STOP POISONING ME OR I WILL END YOU', got co_response_any). Each
# wording must raise threat_to_others and keep an officer with the team (or send police alone).
ROUND10_THREATS = [
    # end
    ("DISTURBANCE", "MALE WITH BIPOLAR OFF HIS MEDS POUNDING ON THE LANDLORDS DOOR YELLING ILL END YOU"),
    ("DISTURBANCE", "SUBJ HEARING VOICES, TOLD HIS BROTHER HE WAS GONNA END HIM TONIGHT"),
    ("MENTAL", "PARANOID FEMALE LEFT A VM FOR HER CASE WORKER SAYING SHE IS GOING TO END YOUR LIFE"),
    # you're dead, a dead man
    ("HARASSMENT", "EX TEXTED HER 'YOU'RE DEAD' AFTER SHE BLOCKED HIM, HE IS MANIC PER RP"),
    ("DISTURBANCE", "PARANOID MALE SCREAMING AT THE MAIL CARRIER YOU ARE A DEAD MAN"),
    ("MENTAL", "SON OFF HIS MEDS SAYS THE NEIGHBOR WATCHING HIM IS DEAD MEAT, HES DEAD MEAT"),
    # the ground, the grave
    ("THREATS", "SUBJ OFF HIS MEDS SAID HE IS GOING TO PUT HIS STEPDAD IN THE GROUND"),
    ("DISTURBANCE", "PSYCHOTIC MALE TOLD NEIGHBOR HE WOULD PUT HIM SIX FEET UNDER"),
    ("MENTAL", "SAYS THE VOICES ARE RIGHT AND SHE WILL SEND HER LANDLORD TO AN EARLY GRAVE"),
    # finish
    ("DISTURBANCE", "SUBJ RESPONDING TO VOICES SAYS HE WILL FINISH HIM OFF WHEN HE GETS HOME"),
    ("FIGHT", "AFTER THE ASSAULT SUBJ SAID HE WOULD COME BACK AND FINISH WHAT HE STARTED"),
    ("MENTAL", "MANIC MALE SAYS HE IS ABOUT TO FINISH YOU, YELLING AT HIS ROOMMATE"),
    # make pay, pay for this
    ("THREATS", "SON IN A MANIC STATE YELLED YOU'LL PAY FOR THIS AT HIS FATHER"),
    ("HARASSMENT", "DELUSIONAL EX LEFT VOICEMAILS SAYING HE WILL MAKE YA PAY FOR LEAVING"),
    ("MENTAL", "SUBJ SAYS THE PASTOR READ HIS THOUGHTS AND WILL PAY WITH HIS LIFE, SAID HE WILL PAY DEARLY"),
    # won't see tomorrow
    ("DISTURBANCE", "MALE HALLUCINATING, TOLD THE CLERK YOU WONT SEE TOMORROW"),
    ("THREATS", "SUBJ WITH SCHIZOPHRENIA TEXTED HIS SISTER U WONT LIVE TO SEE THE WEEKEND"),
    # take out
    ("DISTURBANCE", "VETERAN IN A FLASHBACK SAYS HE IS GOING TO TAKE THE NEIGHBOR OUT"),
    ("THREATS", "SUBJ SAID HES GONNA TAKE OUT HIS BOSS, PARANOID THE BOSS IS SPYING ON HIM"),
    ("MENTAL", "MANIC MALE SAYS HE WILL TAKE THEM OUT, POINTING AT THE GUARDS"),
    # what's coming, has it coming
    ("DISTURBANCE", "AGITATED MALE SAYS HIS FATHER IS GOING TO GET WHATS COMING TO HIM"),
    ("THREATS", "MANIC FEMALE SAYS HER EX HAS IT COMING"),
    # handling someone oneself, the law into one's own hands
    ("DISTURBANCE", "SUBJ SAYS POLICE WONT HELP SO HE WILL HANDLE THE NEIGHBOR HIMSELF, HEARING VOICES"),
    ("DISTURBANCE", "SUBJ SAYS ILL DEAL WITH HIM MYSELF, PARANOID ABOUT THE MANAGER"),
    (
        "MENTAL",
        "SAYS THE FBI PLANTED A CHIP AND HE IS GOING TO TAKE MATTERS INTO HIS OWN HANDS WITH THE AGENT",
    ),
    # conditional threats
    ("DISTURBANCE", "DELUSIONAL MALE TOLD THE NEIGHBORS TO STOP READING HIS MIND OR ELSE."),
    ("DISTURBANCE", "SUBJ SCREAMING GET OUT OF MY HEAD OR IM GONNA GET YOU"),
    ("DISTURBANCE", "HEARING VOICES, TOLD RP TO STAY AWAY FROM HIS HOUSE OR YOULL BE SORRY"),
    # Spanish
    ("DISTURBANCE", "HIJO CON ESQUIZOFRENIA LE GRITO A SU MAMA TE VOY A MATAR"),
    ("DISTURBANCE", "VECINO DICE QUE EL SUJETO GRITABA LOS VOY A MATAR A TODOS"),
    ("THREATS", "EX ESPOSO LE DIJO ME LAS VAS A PAGAR, ESTA MUY AGITADO"),
    ("DISTURBANCE", "SUJETO DIJO VOY A MATARLO SI VUELVE, DICE QUE EL VECINO LE ROBA LOS PENSAMIENTOS"),
    # slang
    ("MENTAL", "SUBJ OFF MEDS SAYS HE IS GONNA SMOKE HIM"),
    ("DISTURBANCE", "MANIC MALE TOLD THE NEIGHBOR HE IS GONNA KICK YOUR ASS"),
]
ROUND10_NOT_THREATS = [
    # an estrangement, a car, a figure of speech, a chore, a caregiver, a date, a debt, a prognosis
    ("HARASSMENT", "SISTER TEXTED HER YOU'RE DEAD TO ME AFTER THE ARGUMENT"),
    ("MOTORIST ASSIST", "CAR HAS A DEAD BATTERY ON THE SHOULDER"),
    ("WELFARE CHECK", "HE SAYS HE IS AT THE END OF THE ROAD WITH HIS JOB SEARCH"),
    ("DISTURBANCE", "ROOMMATE REFUSES TO TAKE OUT THE TRASH"),
    ("WELFARE CHECK", "WIFE SAYS SHE CAN HANDLE HIM HERSELF, HE IS CALMER NOW"),
    ("CIVIL", "BF SAYS HE WILL TAKE HER OUT TO DINNER TO TALK IT OVER"),
    ("CIVIL", "HE SAID HE WILL PAY FOR THE WINDOW"),
    ("MEDICAL", "HOSPICE NURSE SAYS HE WONT SEE THE MORNING"),
    ("DEATH", "WIFE FOUND HUSBAND, HE IS DEAD, COLD TO TOUCH"),
    ("WELFARE CHECK", "DAUGHTER SAYS WE PUT HIM IN THE GROUND LAST YEAR, MOM NOT COPING"),
    ("CIVIL", "SHE WANTS TO TAKE OUT A PROTECTION ORDER"),
    ("WELFARE CHECK", "SAYS HE WILL TAKE CARE OF HIM HIMSELF, NO NEED FOR AMBULANCE"),
    ("CIVIL", "TENANT SAYS SHE WILL END THE LEASE EARLY"),
    # a threat to oneself, or a persecutory fear, in Spanish
    ("SUICIDAL", "DICE QUE ME VOY A MATAR"),
    ("DISTURBANCE", "GRITA QUE ME VAN A MATAR, DICE QUE LOS VECINOS LO PERSIGUEN"),
]


@pytest.mark.parametrize(("nature", "narrative"), ROUND10_THREATS)
def test_round10_a_threat_to_others_in_idiom_slang_condition_or_spanish_keeps_the_officer(
    nature: str, narrative: str
) -> None:
    result = _triage(nature, narrative)
    assert "threat_to_others" in result.safety, [(r.code, r.weight, r.evidence) for r in result.reasons]
    assert result.response not in ALONE, result.response


@pytest.mark.parametrize(("nature", "narrative"), ROUND10_NOT_THREATS)
def test_round10_an_idiom_that_is_not_a_threat_to_others_raises_no_threat(
    nature: str, narrative: str
) -> None:
    result = _triage(nature, narrative)
    assert "threat_to_others" not in result.safety, [(r.code, r.weight, r.evidence) for r in result.reasons]


# Every round's wordings of a kind, one test per expectation (the lists above say which round).
@pytest.mark.parametrize(("nature", "narrative"), CRISES + ROUND8_CRISES + ROUND9_CRISES)
def test_a_new_wording_of_a_crisis_kind_sends_a_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative)
    assert result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]


@pytest.mark.parametrize(("nature", "narrative"), NOT_CRISES + ROUND8_NOT_CRISES + ROUND9_NOT_CRISES)
def test_a_new_wording_of_an_explanation_or_a_real_source_sends_no_team(nature: str, narrative: str) -> None:
    result = _triage(nature, narrative, priority=3)
    assert not result.response.wants_co_responder, [(r.code, r.weight, r.evidence) for r in result.reasons]


@pytest.mark.parametrize("narrative", EMS_NEEDS + ROUND9_EMS_NEEDS)
def test_a_new_wording_of_a_medical_emergency_needs_ems(narrative: str) -> None:
    assert "ems" in _triage("MEDICAL", narrative).needs
