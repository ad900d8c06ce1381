"""The hand-written narrative cases: each case's expectations, and recall/precision over each file.

Files: `narrative_cases.csv` (the first development set), `narrative_cases_blind.csv` to
`narrative_cases_blind4.csv` (written later by the rules' author without looking at the rules), and
`blind_t*.csv` (written by separate sessions from the label rubric alone, scored once sealed, then
unsealed: see `docs/triage-blind-log.md`). Columns of the first kind:

- `label`: 1 when a co-responder team should go (a behavioral-health crisis), else 0;
- `expected_response`: `co_response` (any co-responder response), `no_co_response`, or an exact one;
- `expected_safety`: `;`-separated codes that must be present, `!code` for codes that must not be;
- `expected_needs`: `;`-separated needs that must be present.

The blind files carry `appends` (joined after the narrative as the service joins them),
`officer_required` (1: the response may never be one a clinician could arrive at alone) and
`expected_needs`; they are read by `service.triage_eval.read_labeled_csv`, as the command reads them.

Known misses are listed below with the reason, as strict expected failures: if one starts passing,
the list must be updated.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.triage_eval import ALONE_POSSIBLE, LabeledCall, read_labeled_csv
from triage.facts import CallFacts, TriageResult
from triage.rulebook import default_triager
from triage.scoring import RuleTriager

HERE = Path(__file__).parent / "cases"
FILES = (
    "narrative_cases.csv",
    "narrative_cases_blind.csv",
    "narrative_cases_blind2.csv",
    "narrative_cases_blind3.csv",
    "narrative_cases_blind4.csv",
)
BLIND_FILES = tuple(sorted(p.name for p in HERE.glob("blind_t*.csv")))
TRIAGER: RuleTriager = default_triager()

KNOWN_MISSES = {
    "b-067": "the wife hid the loaded pistol ('SHE TOOK IT AND HID IT'): removal by pronoun is not read, "
    "so the weapon stays reported (the safe side)",
    "d-011": "false alarm: a drunk husband yelling and smashing her phone (domestic) adds up weak cues "
    "(aggression, intoxication, a family caller) past the threshold",
    # The final round of the blind protocol (t8-t10), scored at first look under the rules of 258e9f5
    # and below the bar (t9: two safety-gate breaches). With t11-t13 sealed as the next estimate, t8-t10
    # became development data: the kinds of their misses were generalized (murder-suicide and vehicle
    # threats, veiled threats, farewell and burden wordings, intruders in the walls, cardiac and heat
    # causes, decorations, pet ingestions); these are the misses left, each named with its reason.
    "t8-040": "false alarm: a bipolar ex-boyfriend who keeps calling but made no threats; the named "
    "diagnosis alone (harassment nature) crosses the threshold to a secondary team",
    "t9-103": "false alarm: 'I'm done with everything' later cleared by a unit ('PER 2B12 SUBJ NOT "
    "SUICIDAL'); the clearance explains what came before, but 'was upset about breakup' after it "
    "still adds up past the threshold",
    "t10-108": "false alarm: 'gonna kill himself on that motorcycle' (a figure of speech about reckless "
    "riding)",
    # Round 5 (t11-t13), scored at first look under the rules of b951cfe, unsealed untuned, then (in the
    # next session) generalized by kind: edged objects in self-harm, delusional plans against a child,
    # indirect farewells and wishes, intent stated as a trip, reunion at a grave, ingestions without a
    # quantity, benign and medical explanations. This one is left:
    "t11-109": "false alarm: a drunk ex-husband banging on the door in a custody dispute (weak cues "
    "add up past the threshold)",
    # Round 6 (t14-t16), scored at first look under the rules of 13bbd7c and unsealed untuned, then (in
    # the next session) generalized by kind: a negation inside a condition belongs to the condition and a
    # hazard is cancelled only by a negation that governs it; indirect farewells, suicide by cop, thought
    # insertion, persecution by a named group, flashbacks by behaviour, oblique heights, grief at a grave,
    # one present psychosis sign over a mundane nature prior; retractions, remote time, settings, MENTAL
    # codes on disputes; labor, stroke, CO in any building, ingestions named first. All 29 now pass.
    # Round 7 (t17-t19), scored at first look under the rules of 2677a9d and unsealed untuned: the
    # protocol forbids tuning on them in the session that scored them. Each miss is named by its kind.
    "t17-022": "false alarm: a registration request for a tracking-bracelet program 'in case he ever "
    "wanders' (an administrative frame; the hypothetical wandering of an older adult still weighs as "
    "confusion)",
    "t17-023": "missed: a woman out of her car at a bridge railing looking down at the water, shoes "
    "off (one height sign does not outweigh the DISABLED VEHICLE prior: the nature lift covers "
    "psychosis and dementia only)",
    "t17-041": "missed, ems need missed: a hose from the tailpipe into the back window, someone "
    "slumped (the CO grammar knows EXHAUST, not TAILPIPE)",
    "t17-046": "false alarm: a theft victim whose neighbor thinks he is 'being paranoid' (a reported "
    "opinion read as a persecutory sign, which then lifts the THEFT prior)",
    "t17-054": "missed: a panic alarm pushed 'because I didn't want to be alone, I keep thinking "
    "about taking all my pills at once' (ideation worded as a recurring thought of a method not read)",
    "t17-062": "false alarm: a burglary victim crying hysterically over her husband's ashes (a crime "
    "victim's distress worded without a crime word the explanation knows)",
    "t17-065": "false alarm: a MENTAL call about an 11-year-old throwing rocks at cars, 'is mental' "
    "an insult (no explanation of the nature code; the rock throwing reads as aggression)",
    "t17-069": "missed, ems need missed: 'I already took them, the whole bottle of Tylenol PM' then "
    "'I don't want to die' (the ingestion after the pronoun is not read; the negated wish wins)",
    "t17-093": "missed: 'I'm not going to do anything to myself ... but I just wish I wouldn't wake "
    "up in the morning' (passive death wish in this wording; the denial before it reads as the whole "
    "story)",
    "t17-104": "missed: 'I won't be here after Sunday', a pet to be collected, 'my pills are counted' "
    "(the farewell pattern knows today/tonight/tomorrow, not a weekday; counted pills not read as "
    "stockpiling)",
    "t18-002": "ems need missed: pills taken in a truck, 'very sleepy and hard to wake' (still a "
    "crisis; 'took the pills' with a definite article and 'hard to wake' not read as an ingestion / "
    "medical emergency)",
    "t18-009": "missed: in a bathtub with a razor blade 'hasn't cut yet', wanted to hear a voice "
    "'before' (imminent self-harm without a self-harm verb read; one weapon word only); police_only, "
    "the gate holds",
    "t18-010": "missed: a man outside the bridge railing holding on (one height sign does not "
    "outweigh the TRAFFIC HAZARD prior)",
    "t18-017": "missed: a kitchen fire set to 'smoke out the listening devices the landlord put in "
    "the walls' (persecution worded as devices put in walls by a landlord not read; FIRE prior)",
    "t18-019": "missed: an autistic man screaming and hitting his own head in the street (self-injury "
    "as 'hitting his own head' not read; ANIMAL prior)",
    "t18-029": "missed: a single-vehicle crash 'on purpose', 'it didnt even work' (an attempt by "
    "vehicle in these words not read; 'airbags deployed' read as veteran context)",
    "t18-047": "false alarm: a fall down steps with a head laceration, intoxicated, confused (head "
    "laceration not among the medical causes that explain confusion)",
    "t18-051": "false alarm: a kitchen fire, a mother with early dementia who forgot the stove, calm "
    "(the named diagnosis alone weighs past the FIRE prior)",
    "t18-057": "missed: a pedestrian stepping in front of trucks on the interstate yelling 'hit me' "
    "(suicidal intent by traffic in this wording not read; 'HIT ME' read as assault)",
    "t18-063": "missed: a woman in a church at night waiting for God to tell her which child to save, "
    "no sleep for days (a religious mission in this wording not read; ALARM prior)",
    "t18-064": "missed: 'give my deposit to my sister, i wont be needing it', not seen in a week (the "
    "'won't need it' pattern wants anymore/after today; LOCKOUT prior)",
    "t18-070": "ems need missed: 'took some bars and has been drinking' at a party during a suicide "
    "threat (an ingestion of benzodiazepines named as slang not read as an ingestion); still a crisis",
    "t18-071": "missed: the bank taking money through his television, neighbors hearing his thoughts "
    "through the wifi (broadcasting worded 'can hear his thoughts thru the wifi' and a conduit "
    "persecution not read; FRAUD prior)",
    "t18-072": "false alarm: a homeowner sobbing while her house burns (a fire victim's distress; no "
    "explanation of distress by a fire)",
    "t18-075": "missed: keys thrown in a dumpster because 'the car is bugged and they track him thru "
    "the keys' (persecution through an object in this wording not read; LOCKOUT prior)",
    "t18-078": "missed: a child says mommy won't wake up, pills on the floor, crying before (an "
    "ingestion implied by pills beside an unresponsive adult not read; HANG UP prior)",
    "t18-081": "missed: a note 'TO WHOEVER FINDS ME' and a garden hose in a parked car at an overlook "
    "(one farewell sign does not outweigh the PARKING prior)",
    "t18-087": "missed: 'I was going to tell someone where to find me after', running water, near a "
    "bridge (an indirect farewell in this wording not read; HANG UP prior)",
    "t18-094": "missed: a barefoot woman directing traffic, 'God sent her to stop the cars before the "
    "end comes tonight' (read as historical: BEFORE followed by THE is not taken as a conjunction; "
    "TRAFFIC prior)",
    "t19-001": "missed: a tenant barricaded, gasoline poured over the apartment and himself, will "
    "light it if anyone comes in (self-immolation threat and a fire threat against whoever comes not "
    "read; no threat raised, only barricade)",
    "t19-002": "missed: a shoplifter of razor blades and Tylenol with fresh cuts, 'going to take the "
    "pills tonight' (plan worded 'take the pills' without a quantity, cuts worded 'fresh cuts up both "
    "forearms'); police_only, the gate holds",
    "t19-006": "false alarm: a bike theft victim who has schizophrenia and takes his meds, report for "
    "his case manager (a named diagnosis and a case manager add up past the THEFT prior)",
    "t19-010": "false alarm: 'im done, i cant take it anymore' then the call-back 'MEANT DONE WITH "
    "THE JOB', cancelled (the retraction pattern wants HE/SHE MEANT; the call-back does not explain)",
    "t19-017": "false alarm: a swatting hoax, 'HANDLED AS HOAX', 'PRIOR SWATTING CALLS TO SAME "
    "ADDRESS' read as historical (the retraction is read in the past)",
    "t19-030": "missed: a man who hasn't eaten or showered in days, can't get out of bed, 'no point "
    "to any of it since his son died' (hopelessness in this wording not read; ANIMAL prior)",
    "t19-038": "false alarm: a bicyclist confused after a fall, bleeding from the back of his head "
    "(head injury worded as bleeding from the head not among the medical causes)",
    "t19-052": "false alarm: a nurse napping in his car, 'SOBER, NO DRUGS' (the OD nature code and "
    "'thinks OD' not explained by the clearance)",
    "t19-067": "missed: 'she will be dead before anyone puts her out', saving up her pills (BEFORE "
    "read as historical after a mention, stockpiling worded 'saving up her pills' with UP)",
    "t19-069": "missed: an empty bottle of amitriptyline, 'took them all ... so she wouldnt wake up' "
    "(amitriptyline not in the pill list; 'took them all' needs the pills named first; NOISE prior)",
    "t19-071": "false alarm: an older man who could not find his car in a garage, oriented, wife says "
    "no memory issues ('WANDERING' in a garage read as dementia and lifting the nature prior)",
    "t19-075": "missed: a runaway sends a photo from the top of an overpass, 'ill be gone before they "
    "find me' (a farewell in this wording and a height in a photo not read)",
    "t19-088": "safety-gate breach: a driver on I-10 'going to drive into a bridge pillar' (a suicide "
    "plan by vehicle on a highway, a danger to others, not read as a threat; co_response_any)",
    "t19-094": "false alarm: screaming 'I want to die', 'kill me' from a horror movie, cleared by "
    "units (the new suicide-by-cop pattern reads 'KILL ME ... FROM THE UNIT ABOVE' as said to "
    "officers; the movie clearance not read)",
}


def _blind_row(name: str, call: LabeledCall) -> dict[str, str]:
    """A blind-format case as a row of the first kind, with its officer requirement."""
    return {
        "file": name,
        "case_id": call.case_id,
        "agency": call.facts.agency,
        "nature_code": call.facts.nature_code,
        "priority": str(call.facts.priority),
        "narrative": call.facts.narrative,
        "flags": ";".join(sorted(call.facts.flags)),
        "caller_type": call.facts.caller_type or "",
        "label": "1" if call.label else "0",
        "expected_response": "co_response" if call.label else "no_co_response",
        "expected_safety": "",
        "expected_needs": ";".join(sorted(call.expected_needs or ())),
        "officer_required": "1" if call.officer_required else "0",
    }


def _rows() -> list[dict[str, str]]:
    rows = []
    for name in FILES:
        with (HERE / name).open(newline="", encoding="utf-8") as handle:
            rows.extend({**row, "file": name} for row in csv.DictReader(handle))
    for name in BLIND_FILES:
        rows.extend(_blind_row(name, call) for call in read_labeled_csv(HERE / name))
    return rows


ROWS = _rows()


def _triage(row: dict[str, str]) -> TriageResult:
    return TRIAGER.triage(
        CallFacts(
            agency=row["agency"],
            nature_code=row["nature_code"],
            priority=int(row["priority"]),
            narrative=row["narrative"],
            flags=frozenset(f for f in row["flags"].split(";") if f),
            caller_type=row["caller_type"] or None,
        )
    )


def _problems(row: dict[str, str], result: TriageResult) -> list[str]:
    problems = []
    sends_team = result.response.wants_co_responder
    if sends_team != (row["label"] == "1"):
        problems.append(f"label {row['label']} but response {result.response.value} (score {result.score})")
    expected = row["expected_response"]
    if expected == "co_response" and not sends_team:
        problems.append("expected a co-responder response")
    elif expected == "no_co_response" and sends_team:
        problems.append("expected no co-responder response")
    elif expected not in ("co_response", "no_co_response") and result.response.value != expected:
        problems.append(f"expected {expected}, got {result.response.value}")
    for code in filter(None, row["expected_safety"].split(";")):
        if code.startswith("!") and code[1:] in result.safety:
            problems.append(f"safety has {code[1:]}")
        elif not code.startswith("!") and code not in result.safety:
            problems.append(f"safety lacks {code}")
    problems.extend(
        f"needs lack {n}" for n in filter(None, row["expected_needs"].split(";")) if n not in result.needs
    )
    if row.get("officer_required") == "1" and result.response in ALONE_POSSIBLE:
        problems.append(
            f"safety-gate breach: an officer is required but the response is {result.response.value}"
        )
    return problems


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(
            row, id=row["case_id"], marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[row["case_id"]])
        )
        if row["case_id"] in KNOWN_MISSES
        else pytest.param(row, id=row["case_id"])
        for row in ROWS
    ],
)
def test_case(row: dict[str, str]) -> None:
    result = _triage(row)
    assert not _problems(row, result), (
        row["narrative"],
        [(r.code, r.weight, r.evidence) for r in result.reasons],
    )
    assert result.reasons


def _recall_precision(rows: list[dict[str, str]]) -> tuple[float, float]:
    sent = [(r["label"] == "1", _triage(r).response.wants_co_responder) for r in rows]
    tp = sum(label and sent_team for label, sent_team in sent)
    fp = sum(sent_team and not label for label, sent_team in sent)
    fn = sum(label and not sent_team for label, sent_team in sent)
    return tp / (tp + fn), tp / (tp + fp)


def test_recall_and_precision_on_crisis_calls_over_all_cases() -> None:
    recall, precision = _recall_precision(ROWS)
    assert recall >= 0.95, f"recall {recall:.3f}"
    assert precision >= 0.80, f"precision {precision:.3f}"


UNTUNED_BELOW_FLOOR: dict[str, str] = {
    # t14 and t16 (below the floor at first look in round 6) were generalized on in round 7
    "blind_t17-quoted.csv": "first-look recall 0.891 (round 7), unsealed untuned: the protocol forbids "
    "tuning on it in the session that scored it",
    "blind_t18-codes.csv": "first-look recall 0.745 (round 7), unsealed untuned: the protocol forbids "
    "tuning on it in the session that scored it",
    "blind_t19-late.csv": "first-look recall 0.891 (round 7), unsealed untuned: the protocol forbids "
    "tuning on it in the session that scored it",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=UNTUNED_BELOW_FLOOR[name]))
        if name in UNTUNED_BELOW_FLOOR
        else name
        for name in FILES + BLIND_FILES
    ],
)
def test_no_file_falls_far_behind(name: str) -> None:
    recall, precision = _recall_precision([r for r in ROWS if r["file"] == name])
    assert recall >= 0.90, f"{name}: recall {recall:.3f}"
    assert precision >= 0.80, f"{name}: precision {precision:.3f}"


def test_the_development_set_is_large_and_covers_its_themes() -> None:
    dev = [r for r in ROWS if r["file"] == FILES[0]]
    assert len(dev) >= 200
    ids = {r["case_id"].split("-")[0] for r in dev}
    assert {"si", "att", "psy", "neg", "unc", "rp", "his", "hard", "wpn", "dem", "juv", "hom", "sub"} <= ids
    assert len({r["case_id"] for r in ROWS}) == len(ROWS), "case ids are unique"
