"""What the simulated calls say: call kinds by nature code with their narratives (behavioral-health
crises and routine calls), the people a caller talks about, weapons notes, narrative updates and
dispositions. All text is invented: no real people, no real addresses.

A narrative template is (text, flags it implies, caller_type). Slots: {rel} the person of concern as
the caller names them, {subj}/{poss}/{refl}/{obj} their pronouns, {weapons} a weapons note.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from simulator.geography import TOWNS

__all__ = ["BEHAVIORAL", "ROUTINE", "CallKind"]


@dataclass(frozen=True, slots=True)
class CallKind:
    nature: str
    weight: float
    priorities: tuple[int, ...]
    narratives: tuple[tuple[str, tuple[str, ...], str], ...]


BEHAVIORAL: tuple[CallKind, ...] = (
    CallKind(
        "SUICIDAL",
        3.0,
        (1, 1, 2),
        (
            ("RP STATES {rel} THREATENING TO HURT {refl}, {weapons}", (), "family"),
            (
                "{rel} SENT TEXT SAYING {subj} WANTS TO END {poss} LIFE, RP UNABLE TO REACH {obj}",
                (),
                "family",
            ),
            ("CALLER REPORTS SUICIDAL THOUGHTS, ALONE AT RESIDENCE, REQ SOMEONE TO TALK TO", (), "self"),
            (
                "RP ADV {rel} MADE SUICIDAL STATEMENTS AFTER BREAKUP, HAS BEEN DRINKING",
                ("intoxicated",),
                "family",
            ),
            ("3RD PARTY REPORTS {rel} POSTED GOODBYE MESSAGES ONLINE, {weapons}", (), "third_party"),
        ),
    ),
    CallKind(
        "SUICIDE ATTEMPT",
        0.8,
        (1,),
        (
            ("RP FOUND {rel} WITH CUTS ON WRISTS, CONSCIOUS AND BREATHING", ("medical",), "family"),
            ("{rel} TOOK UNK AMOUNT OF PILLS 20 MIN AGO, ALERT AND TALKING", ("medical",), "family"),
        ),
    ),
    CallKind(
        "MENTAL",
        3.0,
        (2, 2, 3),
        (
            ("{rel} HEARING VOICES, HAS NOT SLEPT IN 3 DAYS, NOT VIOLENT", (), "family"),
            ("RP STATES {rel} OFF {poss} MEDS, ACTING PARANOID, YELLING AT NEIGHBORS", (), "family"),
            ("SUBJ STANDING IN ROADWAY TALKING TO {refl}, APPEARS CONFUSED", (), "third_party"),
            ("{rel} DELUSIONAL, BELIEVES SOMEONE IS LIVING IN THE ATTIC, {weapons}", (), "family"),
            (
                "JUVENILE IN CRISIS AT SCHOOL, THREATENING SELF HARM, COUNSELOR WITH {obj}",
                ("juvenile",),
                "other",
            ),
        ),
    ),
    CallKind(
        "WELFARE CHECK",
        2.0,
        (2, 3, 3),
        (
            ("RP REQ WELFARE CHECK ON {rel}, NOT TAKING {poss} MEDS, HEARING VOICES", (), "family"),
            ("RP CONCERNED FOR {rel}, RECENT SUICIDE ATTEMPT, NOT ANSWERING PHONE", (), "family"),
            ("DENIES SI, WANTS WELFARE CHECK ON NEIGHBOR WHO HAS BEEN ACTING ERRATIC", (), "third_party"),
        ),
    ),
    CallKind(
        "OVERDOSE",
        1.0,
        (1, 1, 2),
        (
            (
                "{rel} UNRESPONSIVE, POSS FENTANYL, NARCAN GIVEN, BREATHING NOW",
                ("medical", "intoxicated"),
                "family",
            ),
            ("RP STATES {rel} TOOK TOO MANY PILLS ON PURPOSE, CONSCIOUS", ("medical",), "family"),
        ),
    ),
    CallKind(
        "DISTURBANCE",
        1.0,
        (2, 3),
        (
            ("SUBJ SCREAMING IN PARKING LOT, APPEARS TO BE HALLUCINATING", (), "third_party"),
            ("MALE YELLING AT CARS, STATES HE IS BEING FOLLOWED, POSS PSYCHOTIC", (), "third_party"),
            ("RP STATES {rel} BREAKING THINGS IN HOUSE, OFF {poss} MEDS", ("violence",), "family"),
        ),
    ),
    CallKind(
        "SUSPICIOUS PERSON",
        0.5,
        (3,),
        (("SUBJ PACING OUTSIDE BUSINESS TALKING TO {refl}, POSS HALLUCINATING", (), "third_party"),),
    ),
    CallKind(
        "TRESPASS",
        0.5,
        (3, 4),
        (("MALE REFUSING TO LEAVE LOBBY, RAMBLING, RP THINKS HE IS OFF HIS MEDS", (), "third_party"),),
    ),
    CallKind(
        "INTOXICATED PERSON",
        0.5,
        (3,),
        (("RP STATES {rel} DRUNK AND THREATENING TO KILL {refl}", ("intoxicated",), "family"),),
    ),
)

ROUTINE: tuple[CallKind, ...] = (
    CallKind(
        "TRAFFIC STOP",
        3.0,
        (4, 5),
        (
            ("TS BLK SEDAN NB, 2 OCCUPANTS", (), "officer"),
            ("TS WHI PICKUP, EXPIRED TAGS", (), "officer"),
            ("TS SPEED 52 IN A 35", (), "officer"),
        ),
    ),
    CallKind(
        "THEFT",
        2.0,
        (3, 4, 5),
        (
            ("RP STATES BIKE STOLEN FROM GARAGE OVERNIGHT, NO SUSP INFO", (), "third_party"),
            ("SHOPLIFTER DETAINED BY LOSS PREVENTION, COOPERATIVE", (), "other"),
            ("CATALYTIC CONVERTER CUT FROM VEH IN LOT", (), "third_party"),
        ),
    ),
    CallKind(
        "ALARM",
        2.0,
        (3, 4),
        (
            ("COMMERCIAL BURGLARY ALARM, REAR DOOR ZONE, NO KEYHOLDER", (), "other"),
            ("RESIDENTIAL ALARM, MOTION LIVING ROOM, NO ANSWER ON CALLBACK", (), "other"),
        ),
    ),
    CallKind(
        "ACCIDENT",
        2.0,
        (2, 3, 4),
        (
            ("2 VEH NON INJURY", (), "third_party"),
            ("2 VEH NON INJURY, BLOCKING LANE", (), "third_party"),
            ("1 VEH ROLLOVER, UNK INJURIES", ("medical",), "third_party"),
            ("VEH VS DEER, NON INJURY", (), "other"),
        ),
    ),
    CallKind(
        "TRESPASS",
        1.0,
        (4,),
        (
            ("SUBJS IN CLOSED PARK AFTER HOURS", (), "third_party"),
            ("RP REQ TRESPASS ADVISEMENT FOR FORMER TENANT", (), "third_party"),
        ),
    ),
    CallKind(
        "SUSPICIOUS PERSON",
        1.5,
        (3, 4),
        (
            ("MALE LOOKING INTO VEH WINDOWS, DARK HOODIE, LAST SEEN EB", (), "third_party"),
            ("SUBJ LOITERING NEAR ATM FOR 30 MIN", (), "third_party"),
        ),
    ),
    CallKind(
        "DOMESTIC",
        1.5,
        (1, 2),
        (
            ("RP HEARS YELLING NEXT DOOR, POSS PHYSICAL", ("violence",), "third_party"),
            ("FEMALE STATES BOYFRIEND PUSHED HER, HE LEFT IN BLU PICKUP", ("violence",), "self"),
            ("VERBAL ONLY BETWEEN ROOMMATES, NO WEAPONS", (), "third_party"),
        ),
    ),
    CallKind(
        "DISTURBANCE",
        1.5,
        (3, 4),
        (
            ("LOUD PARTY, MUSIC AND YELLING", (), "third_party"),
            ("VERBAL ARGUMENT BETWEEN 2 MALES IN PARKING LOT", (), "third_party"),
            ("INTOX MALE REFUSING TO LEAVE BAR", ("intoxicated",), "other"),
        ),
    ),
    CallKind(
        "WELFARE CHECK",
        1.0,
        (3, 4),
        (
            ("ELDERLY NEIGHBOR NOT SEEN IN 2 DAYS, MAIL PILING UP", (), "third_party"),
            ("VEH PARKED W/ ENGINE RUNNING, SUBJ ASLEEP INSIDE", (), "third_party"),
        ),
    ),
)

PEOPLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("SON", "HE", "HIS", "HIMSELF", "HIM"),
    ("DAUGHTER", "SHE", "HER", "HERSELF", "HER"),
    ("HUSBAND", "HE", "HIS", "HIMSELF", "HIM"),
    ("WIFE", "SHE", "HER", "HERSELF", "HER"),
    ("BROTHER", "HE", "HIS", "HIMSELF", "HIM"),
    ("MOTHER", "SHE", "HER", "HERSELF", "HER"),
    ("FATHER", "HE", "HIS", "HIMSELF", "HIM"),
    ("ROOMMATE", "THEY", "THEIR", "THEMSELVES", "THEM"),
)
MINORS = frozenset({"SON", "DAUGHTER"})

WEAPON_NOTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NO WEAPONS SEEN", ()),
    ("NEG WEAPONS PER RP", ()),
    ("NO WEAPONS IN THE HOME", ()),
    ("UNK IF ARMED", ()),
    ("HAS A KITCHEN KNIFE", ("weapon",)),
    ("HANDGUN IN THE HOME", ("weapon",)),
)

# (text appended to the narrative, flags it adds, priority change: negative is more urgent)
BEHAVIORAL_UPDATES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("SUBJ NOW LOCKED IN BATHROOM, RP CAN HEAR CRYING", (), 0),
    ("RP ADV SUBJ HAS CALMED DOWN, AGREES TO TALK TO CLINICIAN", (), 1),
    ("PER RP SUBJ NOW HAS A KNIFE", ("weapon",), -2),
    ("SUBJ LEFT ON FOOT NB, RP FOLLOWING AT A DISTANCE", (), 0),
    ("SUBJ HAS BEEN DRINKING SINCE NOON", ("intoxicated",), 0),
    ("SUBJ REQUESTING RIDE TO CRISIS CENTER", ("transport_needed",), 0),
    ("SUBJ NOW STATES {subj} WANTS TO KILL {refl}", (), -1),
)
ROUTINE_UPDATES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("RP CALLED BACK, ALL QUIET NOW", (), 1),
    ("2ND RP ADV SAME", (), 0),
    ("RP REQ PHONE CONTACT ONLY", (), 0),
    ("RP NOW STATES IT GOT PHYSICAL", ("violence",), -1),
)

BEHAVIORAL_CUM = tuple(itertools.accumulate(k.weight for k in BEHAVIORAL))
ROUTINE_CUM = tuple(itertools.accumulate(k.weight for k in ROUTINE))
TOWN_CUM = tuple(itertools.accumulate(t.weight for t in TOWNS))
UPDATE_COUNTS = (0, 1, 2, 3)
BEHAVIORAL_UPDATES_CUM = tuple(itertools.accumulate((35, 35, 20, 10)))
"""How many updates a call gets: crises evolve while a team is on the way, routine calls rarely do."""
ROUTINE_UPDATES_CUM = tuple(itertools.accumulate((70, 30, 0, 0)))

BEHAVIORAL_DISPOSITIONS = (
    "resolved_on_scene",
    "resolved_on_scene",
    "referred",
    "referred",
    "transported_voluntary",
    "emergency_hold",
    "er",
    "cancelled",
)
ROUTINE_DISPOSITIONS = (
    "resolved_on_scene",
    "resolved_on_scene",
    "arrest",
    "cancelled",
    "unfounded",
    "referred",
)
