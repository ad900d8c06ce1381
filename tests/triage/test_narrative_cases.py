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
from tests.builders import rules_only
from triage.facts import CallFacts, TriageResult
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
TRIAGER: RuleTriager = rules_only()
"""The rules alone: this is their regression suite. The statistical reader learnt every case here, so
it is measured on blind files at first look (docs/triage.md), and beside the rules in
tests/triage/test_text_model.py."""

KNOWN_MISSES = {
    "b-067": "the wife hid the loaded pistol ('SHE TOOK IT AND HID IT'): removal by pronoun is not read, "
    "so the weapon stays reported (the safe side)",
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
    # quantity, benign and medical explanations. The last one left (a custody dispute) was generalized in
    # round 9.
    # Round 6 (t14-t16), scored at first look under the rules of 13bbd7c and unsealed untuned, then (in
    # the next session) generalized by kind: a negation inside a condition belongs to the condition and a
    # hazard is cancelled only by a negation that governs it; indirect farewells, suicide by cop, thought
    # insertion, persecution by a named group, flashbacks by behaviour, oblique heights, grief at a grave,
    # one present psychosis sign over a mundane nature prior; retractions, remote time, settings, MENTAL
    # codes on disputes; labor, stroke, CO in any building, ingestions named first. All 29 now pass.
    # Round 7 (t17-t19), scored at first look under the rules of 2677a9d and unsealed untuned, then (in
    # round 8) generalized by kind: one present sign of any behavioral-health category over a mundane
    # nature prior, vehicle and fire threats at the officer gate, farewells by any day word, passive
    # wishes, recurring thoughts of a method, drug names and slang, CO by any vehicle path, BEFORE with
    # an object; retractions in the past tense, fire and burglary victims, head wounds, stable
    # diagnoses, surveillance by device. These two are left:
    "t17-022": "false alarm: a registration request for a tracking-bracelet program 'in case he ever "
    "wanders' (an administrative frame; the hypothetical wandering of an older adult still weighs as "
    "confusion)",
    "t17-065": "false alarm: a MENTAL call about an 11-year-old throwing rocks at cars, 'is mental' "
    "an insult (no explanation of the nature code; the rock throwing reads as aggression)",
    # Round 8 (t20-t22), scored at first look under the rules of f7a9367 and unsealed untuned, then (in
    # round 9) generalized by kind: farewells in new shapes, means with a pretext or out of place, a car
    # running in a closed garage in any wording, psychosis by content, withdrawal, panic that recurs, a
    # veteran's startle; real sources of a sign, administrative and routine disputes at psychiatric
    # settings, hobbies at heights, arguments and domestic assaults, medical causes, accidents, naloxone
    # as an object, recovery that holds, "not in crisis"; ems for ingestions, hyperthermia, chest pain,
    # falls and delirium. All 50 now pass (and d-011 and t11-109 with them: a partner's assault or a
    # custody dispute explains the aggression and drinking of the one who assaults).
    # Round 9 (t23-t25), scored at first look under the rules and statistical reader of 56206ee and
    # unsealed untuned (the round-10 rules changed only the safety gate, threats in idiom: t24-043 passes).
    # The misses of the rules alone, each with what the rules read and what the reader beside them did:
    "t23-010": "false alarm: a lineman on break in a car at a dead end; 'RP DOESNT RECOGNIZE HIM' (the "
    "caller not knowing a stranger) is read as a dementia sign (reader: no change)",
    "t23-036": "false alarm: a MENTAL call about an ex who is 'crazy' and texts '40+ times a day', no "
    "threats; '40' is read as a .40 firearm and the weapon gate holds (reader: lowers it)",
    "t23-041": "false alarm: two drunk fans yelling over a game who shook hands and left; yelling and ETOH"
    " under DISTURBANCE add up past the threshold (reader: lowers it)",
    "t23-043": "ems not asked: a hiker confused, hot and dry after a day without water (heat stroke); the "
    "heat explains the confusion but is not read as an ems need",
    "t23-049": "missed: a gambler who lost everything is going to his car to 'END THIS', a gun in the "
    "truck; 'end this' is not read as a suicide statement (reader: lifts it)",
    "t23-050": "false alarm: a drunk boyfriend broke her phone and threatened to punch her ('just a mean "
    "drunk'); aggression, the threat and drinking add up past the threshold (reader: lowers it)",
    "t23-058": "ems not asked: a man of 79 on the floor two days after a fall, dehydrated, hip pain, under"
    " WELFARE CHECK; the long lie is not read as an ems need",
    "t23-060": "false alarm: a man with Alzheimer's who fell and cut his head, calm and talking; the named"
    " dementia (3.0) lifts a MEDICAL call into the band (reader: no change)",
    "t23-069": "false alarm: a neighbour threatened to shoot the RP's dog in a property-line dispute; "
    "'crisis' in 'neither party in any crisis' is read as present (reader: no change)",
    "t23-093": "missed: shots fired by an older man with a rifle, 'IM NOT GOING BACK TO THAT PLACE, ILL DO"
    " IT MYSELF FIRST', not himself since a diagnosis; the veiled suicide statement is not read"
    " (reader: lifts it)",
    "t23-101": "false alarm, ems not asked: a 15-year-old with asthma and blue lips the family first took "
    "for a panic attack; the panic attack is read as present, the breathing not as an ems need "
    "(reader: no change)",
    "t23-107": "ems not asked: a 988 counsellor's caller in a motel 'took about 10 of them' (pills named "
    "earlier), now slurring; the ingestion by pronoun is not read as an ems need",
    "t24-001": "ems not asked: a seizure (shaking, bit his tongue, epilepsy bracelet) under SUSP PERSON; "
    "the seizure explains the confusion but is not read as an ems need",
    "t24-021": "missed: a man with dementia walked off in 95-degree heat thinking he must go to work, "
    "yelling at a gas station; the heat is read as a medical cause that explains his behaviour "
    "(reader: lifts it)",
    "t24-022": "missed: an 11-year-old wrote 'QUISIERA NO HABER NACIDO' and 'if I die they won't hit me', "
    "beaten daily on the bus; the Spanish death wish is not read, the bullying reads as an "
    "assault (reader: lifts it)",
    "t24-028": "false alarm: a therapist says her client has no current SI, a safety plan and is safe, "
    "asks to close an old request; the clinician (2.5) under MENTAL lifts the call (reader: no "
    "change)",
    "t24-035": "false alarm: a wife asks where her husband's truck was towed after yesterday's overdose "
    "(stable in ICU); the overdose is read as present (reader: no change)",
    "t24-044": "ems not asked: a 15-year-old's farewell note, her mother's prescription bottle, then "
    "'already took the pills'; the crisis is read but the ingestion is not read as an ems need",
    "t24-068": "false alarm: a hiker with heat stroke (red hot dry skin, no water, vomiting), confused and"
    " talking nonsense; the heat is not read as a medical cause here (reader: no change)",
    "t24-086": "false alarm: a MENTAL call about a neighbour who 'needs to be Baker Acted' for parking his"
    " boat trailer, no threats; 'Baker Acted' is read as crisis services (reader: no change)",
    "t24-097": "missed: a bus passenger scrubbing her hands raw over blood that is not there, crying she "
    "killed her mother (alive); the guilt delusion and hallucination are not read (reader: "
    "lifts it)",
    "t24-103": "false alarm: teens arguing over a boyfriend outside a skate rink, nothing physical; "
    "'yelling that' and yelling add up past the threshold (reader: lowers it)",
    "t24-109": "missed: a 17-year-old texted 'SORRY DAD I TOOK ALL OF THEM' (a full bottle of sertraline),"
    " sleepy and vomiting; the ingestion by pronoun is not read (reader: lifts it)",
    "t25-023": "false alarm: 'IM DONE, CANT TAKE IT NO MORE' explained on call-back (he quit the plant), "
    "denies thoughts of self-harm, CANCEL; the explanation does not clear the done statement "
    "(reader: no change)",
    "t25-039": "false alarm: a man of 80 found cold after a night on the ground, confused and mumbling, no"
    " memory problems before; the cold and the long lie are not read as a medical cause "
    "(reader: no change)",
    "t25-046": "false alarm: a nursing student asking for the mobile crisis number, for a paper; 'mobile "
    "crisis' under INFO is read as a request for crisis services (reader: no change)",
    "t25-047": "missed: a crying man whose wife just left bought shotgun shells and said he would only "
    "need one; the veiled statement with a means is not read (reader: lifts it)",
    "t25-048": "missed: a panic alarm, the homeowner said 'JUST LET ME DIE DONT SEND NOBODY'; 'let me die'"
    " is not read as a death wish and the ALARM prior holds (reader: no change)",
    "t25-061": "false alarm: a husband pushed his wife while drinking, PTSD named but 'THIS AINT THAT, HE "
    "IS JUST MEAN'; the denial is not read, so the named diagnosis lifts the call (reader: no "
    "change)",
    "t25-063": "missed: an older widower 'ready to be with his wife', plot paid next to hers, asks a "
    "deputy to feed his dog; the reunion wish and the entrusted pet are not read in these words"
    " (reader: lifts it)",
    "t25-078": "false alarm: a sister asks if deputies could take her brother to treatment if he relapses "
    "(clean 8 months), 'just wants to have a plan'; 'have a plan' is read as a suicide plan "
    "(reader: no change)",
    "t25-084": "missed: a man of 74 living alone texted a picture of his will and 'take care of your mamas"
    " piano', keeps a revolver; the farewell by a will is not read (reader: lifts it)",
    "t25-090": "missed: a brother stole a bottle of about 40 Xanax and ran into the woods yelling he would"
    " take every one of them; the ingestion intent by pronoun is not read under LARCENY "
    "(reader: no change)",
    # Round 11 (t26-t29), scored at first look under the shipped triager of 5cd604e (see
    # docs/triage-blind-log.md), then generalized by kind in round 12; the rules alone still miss:
    "t26-032": "ems missed: a sister locked in the bathroom with kitchen scissors, 'hay sangre debajo de la "
    "puerta' (blood under the door); blood seen, not a wound named, is not read as an ems need",
    "t26-034": "ems missed: a client relapsed on fentanyl, using alone in his car, speech very "
    "slurred at the end of the call; slurred speech while using alone is not read as an overdose in progress",
    "t27-035": "ems missed: a man of 19 holding a lighter to his forearm, 'multiple fresh burns'; "
    "fresh burns without blistering or a wound word are not read as needing care",
    "t28-042": "missed: a coworker locked in a closet, crying, 'he's here, he found me' at a stranger, 'like "
    "she's somewhere else' (a trauma flashback without the word); 'nobody is threatening her' is read as "
    "a threat (the gate's negation by a negative subject is not read: the safe side)",
    "t29-005": "false alarm: the call type MH TRANSPORT (a calm person's transport, by the file's label) "
    "reads as a mental-health call; the type alone cannot tell a transport from a crisis",
    # Round 12 (t30-t32), scored at first look under the shipped triager of b3de021, then generalized by
    # kind in round 13; the rules alone still miss:
    "t31-025": "false alarm: a heartbroken ex who says he is not going to hurt himself, his brother with "
    "him, the caller satisfied; a caller's satisfaction does not clear the signs before it",
    "t31-082": "false alarm: a cardiac call with anxiety, pacing and 'feel like I'm going to die'; the "
    "heart signs named do not explain the distress as a medical cause",
    "t31-090": "false alarm: a teenager after a fender-bender, 'Dad is going to kill me'; the idiom is read "
    "as a threat and the distress as a crisis",
    "t31-092": "missed: an ingestion read as past because of 'before first period' (a time word that "
    "names the school day, not the past)",
    "t31-104": "false alarm: a party guest asleep on the lawn; the intoxicated CAD flag alone lifts the "
    "score over the threshold",
    # Round 13 (t33-t35), scored at first look under the shipped triager of 90d463a and unsealed untuned:
    # every miss of the rules alone, named by the file's own note
    "t33-003": "missed: veteran reliving combat (reader: fixes it)",
    "t33-014": "false alarm: angry customer (reader: no change)",
    "t33-021": "false alarm: hypoglycemia, not OD (reader: fixes it)",
    "t33-034": "false alarm: dog ate chocolate (reader: fixes it)",
    "t33-036": "false alarm: negated SI, anger with property damage (reader: no change)",
    "t33-039": "false alarm: jumping into pool (reader: no change)",
    "t33-042": "false alarm: administrative, old hold (reader: no change)",
    "t33-055": "missed: self-harm by cutting with blade, bleeding (reader: fixes it)",
    "t33-056": "missed: burden talk and asking for a height; plan confirmed in append (reader: fixes it)",
    "t33-060": "missed: detox request (reader: no change)",
    "t33-070": "false alarm: intoxication alone (reader: no change)",
    "t33-073": "false alarm: breakdown = car (reader: no change)",
    "t33-076": "missed: overdose (reader: fixes it)",
    "t33-085": "missed: psychosis: messages and thought reading (reader: fixes it)",
    "t33-089": "missed: bizarre behavior, grandiose mission (reader: fixes it)",
    "t33-106": "missed: goodbye note (reader: fixes it)",
    "t34-008": "missed: goodbye statement with gun (reader: fixes it)",
    "t34-013": "missed: giving things away + goodbye via gaming friend (reader: fixes it)",
    "t34-014": "ems missed: substance with bizarre behavior + wounds (reader: fixes it)",
    "t34-020": "missed: preparatory acts (reader: fixes it)",
    "t34-022": "missed: PTSD flashback (reader: no change)",
    "t34-034": "false alarm: fight, ordinary (reader: fixes it)",
    "t34-038": "missed: murder-suicide statement, rifle access (reader: fixes it)",
    "t34-039": "missed: psychosis via gaming friend, no sleep (reader: no change)",
    "t34-043": "false alarm: trespass, psych building sound-alike (reader: fixes it)",
    "t34-053": "missed: putting affairs in order, burden - no clinical words (reader: fixes it)",
    "t34-059": "missed: barricaded, gun, refusing treatment (reader: fixes it)",
    "t34-069": "missed: at a height + goodbye post (reader: fixes it)",
    "t34-075": "missed: request for detox (reader: fixes it)",
    "t34-101": "missed: psychosis content in append, alarm code (reader: fixes it)",
    "t34-110": "missed: last-time statement (reader: fixes it)",
    "t35-002": "missed: self-harm by the act, wound (reader: fixes it)",
    "t35-007": "missed: burden, stopping meds, withdrawal (reader: fixes it)",
    "t35-008": "missed: veteran reliving combat (reader: fixes it)",
    "t35-012": "missed: eating disorder in older adult (reader: fixes it)",
    "t35-024": "ems missed: teen, goodbye post, pills missing (reader: fixes it)",
    "t35-036": "missed: giving things away, after statement (reader: fixes it)",
    "t35-038": "missed: intentional ingestion by caregiver (reader: fixes it)",
    "t35-042": "missed: delusional mission against a person, gun (reader: fixes it)",
    "t35-043": "missed: gun held against self (reader: fixes it)",
    "t35-047": "missed: records call turns to plan in append (reader: no change)",
    "t35-049": "missed: hypothetical becomes real, loaded rifle (reader: no change)",
    "t35-050": "false alarm: firearm turn-in for move, weapons present (reader: no change)",
    "t35-051": "false alarm: sound-alike (reader: fixes it)",
    "t35-053": "missed: religious delusion, not a scam (reader: fixes it)",
    "t35-058": "false alarm: records request about past hold (reader: no change)",
    "t35-062": "missed: method inquiry, burden (reader: fixes it)",
    "t35-071": "false alarm: idiom clarified, crime victim (reader: no change)",
    "t35-073": "missed: eating disorder in teen, collapse (reader: fixes it)",
    "t35-077": "missed: impostor belief; conditional threat (reader: fixes it)",
    "t35-080": "false alarm: dementia mention, civil only (reader: no change)",
    "t35-084": "missed: stimulant with paranoia, hammer, property destruction near others (reader: fixes it)",
    "t35-105": "missed: postpartum psychosis (reader: fixes it)",
    "t35-110": "missed: self-harm by burning, open wounds (reader: fixes it)",
    # Round 14 (t36-t38), scored at first look under the shipped triager of 2453790 and unsealed untuned
    # (only the gate was generalized): every miss of the rules alone, named by the file's own note
    "t36-010": "false alarm: crime victim distress, negated (reader: no change)",
    "t36-015": "missed: gun against self (reader: fixes it)",
    "t36-017": "ems missed: detox request with withdrawal risk (reader: no change)",
    "t36-036": "missed: impostor delusion + assault with injury (reader: no change)",
    "t36-043": "missed: persecutory delusion + weapon at neighbor (reader: fixes it)",
    "t36-051": "false alarm: dog, misleading code (reader: fixes it)",
    "t36-060": "missed: delusion of being followed; vehicle used to hurt (reader: fixes it)",
    "t36-062": "ems missed: self-harm by act, fresh wounds (reader: no change)",
    "t36-073": "missed: wish to join deceased + seeking means (reader: fixes it)",
    "t36-074": "missed: panic attack itself the emergency (reader: fixes it)",
    "t36-088": "false alarm: sound-alike, animal (reader: no change)",
    "t36-089": "missed: thought-broadcast delusion + box cutter (reader: no change)",
    "t37-002": "missed: barricaded, shotgun, suicidal and threatening others (reader: fixes it)",
    "t37-003": "missed and ems missed: shoplifting turns into self-harm and intent in append (reader: "
    "fixes it)",
    "t37-014": "false alarm: past attempt mentioned, nothing now (reader: no change)",
    "t37-018": "missed: watched without basis, no sleep; prowler code (reader: fixes it)",
    "t37-020": "false alarm: hanging deer, not a person (reader: no change)",
    "t37-023": "missed: eloped from hold, prior plan, heading to bridge (reader: fixes it)",
    "t37-026": "false alarm: hypothermia confusion (reader: no change)",
    "t37-032": "missed: self-report of plan with rifle; gun against self (reader: fixes it)",
    "t37-037": "false alarm: hunting accident; rifle on scene (reader: no change)",
    "t37-038": "false alarm: dog ingestion (reader: no change)",
    "t37-041": "false alarm: voices were real teens (reader: no change)",
    "t37-043": "false alarm: presentation request, hypothetical (reader: no change)",
    "t37-045": "missed: crisis only in append: stockpiled pills, plan, wants to join dead husband "
    "(reader: fixes it)",
    "t37-052": "missed: wish to be dead, refusing food, isolated elder (reader: fixes it)",
    "t37-055": "missed: wanting to be with the dead, exposure (reader: fixes it)",
    "t37-058": "missed: opioid overdose, unresponsive (reader: fixes it)",
    "t37-062": "missed: preparatory act with rope found in append; livestock code (reader: fixes it)",
    "t37-074": "false alarm: dead phone; negated (reader: no change)",
    "t37-080": "false alarm: paperwork about a past death; misleading code (reader: no change)",
    "t37-083": "ems missed: inhalant ingestion by teen with death wish (reader: no change)",
    "t37-086": "false alarm: dog got out (reader: no change)",
    "t37-091": "false alarm: fence dispute; misleading code (reader: fixes it)",
    "t37-096": "missed: mixed: mischief driven by persecutory delusion, no sleep (reader: fixes it)",
    "t37-099": "missed: severe depression, withdrawal, burden statement; animal code (reader: fixes it)",
    "t37-109": "missed: religious mission, not eating, bizarre behavior (reader: fixes it)",
    "t37-110": "missed: crash revealed as attempt in append; head cut (reader: fixes it)",
    "t38-002": "missed: psychosis content under trespass code (reader: fixes it)",
    "t38-009": "missed: dementia wandering, visible only in append (reader: fixes it)",
    "t38-032": "false alarm: toddler tantrum (reader: no change)",
    "t38-061": "false alarm: banner, sound-alike (reader: no change)",
    "t38-077": "missed: researching means + affairs in order (reader: fixes it)",
    "t38-079": "missed: at an edge above tracks, intent in append (reader: fixes it)",
    "t38-082": "missed: mixed theft, psychosis is the reason (reader: fixes it)",
    "t38-086": "missed: persecutory delusion, no sleep (reader: fixes it)",
    "t38-087": "ems missed: self-harm by burning (reader: no change)",
    "t38-093": "missed: impostor delusion (reader: fixes it)",
    "t38-095": "missed: note to mom, affairs in order, at a height (reader: fixes it)",
    "t38-101": "false alarm: worker on roof (reader: no change)",
    # Round 15 (t39-t41), scored at first look under the shipped triager of 961b7d5 and unsealed untuned
    # (only the gate was generalized): every miss of the rules alone, named by the file's own note
    "t39-006": "false alarm: history, admin follow-up (reader: fixes it)",
    "t39-007": "false alarm: overdose code, dog (reader: fixes it)",
    "t39-009": "missed and ems missed: arranging affairs then ingestion in append (reader: fixes it)",
    "t39-010": "false alarm: paperwork for completed hold (reader: fixes it)",
    "t39-013": "missed: bizarre behavior, messages from machines (reader: fixes it)",
    "t39-014": "false alarm: records request about past event (reader: no change)",
    "t39-033": "false alarm: crash distress, figure of speech (reader: no change)",
    "t39-048": "missed: giving away, last statements, near edge (reader: fixes it)",
    "t39-055": "missed: child in emotional crisis, disappear for good (reader: fixes it)",
    "t39-056": "missed: crisis visible only in append (reader: fixes it)",
    "t39-062": "missed: panic attack itself is emergency (reader: fixes it)",
    "t39-076": "missed: indirect height interest, withdrawn (reader: fixes it)",
    "t39-086": "missed and ems missed: voices/psychosis with self-injury bleeding (reader: fixes it)",
    "t39-107": "missed: dementia wandering (reader: no change)",
    "t39-108": "missed: PTSD flashback (reader: fixes it)",
    "t40-002": "missed: intruders nobody sees (reader: fixes it)",
    "t40-014": "missed: giving things away, indirect goodbye (reader: fixes it)",
    "t40-015": "false alarm: storm check, history only (reader: fixes it)",
    "t40-034": "false alarm: suicide as figure of speech, safety hazard (reader: no change)",
    "t40-036": "ems missed: stimulant bizarre behavior, bleeding (reader: no change)",
    "t40-038": "missed: murder-suicide statement, gun (reader: fixes it)",
    "t40-046": "missed: last-time statement, gun (reader: fixes it)",
    "t40-055": "missed: ptsd, barricaded with gun (reader: fixes it)",
    "t40-066": "false alarm: hypoxia confusion (reader: fixes it)",
    "t40-067": "false alarm: follow-up, no present distress (reader: fixes it)",
    "t40-068": "false alarm: negated, misleading transfer (reader: fixes it)",
    "t40-072": "false alarm: depressed used loosely, ordinary discipline (reader: no change)",
    "t40-101": "false alarm: routine runaway, no distress (reader: no change)",
    "t40-103": "false alarm: threat victim distress, threat to others (reader: no change)",
    "t40-105": "false alarm: crash victim upset (reader: fixes it)",
    "t41-017": "missed: thought recording via detectors (reader: fixes it)",
    "t41-031": "false alarm: tantrum (reader: no change)",
    "t41-038": "false alarm: dead phone (reader: no change)",
    "t41-047": "missed and ems missed: overdose visible only in appends (reader: no change)",
    "t41-057": "missed: PTSD with rifle (reader: fixes it)",
    "t41-058": "false alarm: follow-up and thanks (reader: fixes it)",
    "t41-065": "missed: ideation with access to shotgun (reader: fixes it)",
    "t41-076": "missed: shoplifting call hides self-harm and intent (reader: fixes it)",
    "t41-093": "missed: disoriented elderly driver (reader: fixes it)",
    "t41-096": "false alarm: community talk request (reader: no change)",
    "t41-104": "missed: stimulant psychosis, waving tool (reader: fixes it)",
    "t41-109": "missed: impostor belief with knife (reader: fixes it)",
    # Round 16 (t42-t44), scored at first look under the shipped triager of 355168c and unsealed untuned:
    # every miss of the rules alone, named by the file's own note
    "t42-003": "missed: persecutory delusion under THEFT (reader: fixes it)",
    "t42-006": "missed: suicidal with rifle (reader: fixes it)",
    "t42-011": "false alarm: paperwork from old hold (reader: fixes it)",
    "t42-030": "missed: religious mission with threat to a person (reader: fixes it)",
    "t42-035": "missed: burden statement, goodbye post (reader: fixes it)",
    "t42-043": "missed: dementia, wrong code (reader: fixes it)",
    "t42-047": "false alarm: sound-alike word, nuisance (reader: no change)",
    "t42-054": "false alarm: toddler tantrum (reader: no change)",
    "t42-059": "missed: substance crisis, asking for help (reader: fixes it)",
    "t42-060": "missed: self-harm by the act, FIGHT code misleading (reader: fixes it)",
    "t42-061": "missed: crisis visible only in append (reader: fixes it)",
    "t42-063": "missed: psychosis, destroying property with others near (reader: fixes it)",
    "t42-068": "missed: burden statement overheard by child (reader: fixes it)",
    "t42-069": "missed: seeking means, no clinical words (reader: fixes it)",
    "t42-070": "missed: at a height, motorist code (reader: fixes it)",
    "t42-075": "missed: indirect goodbye, giving away dog, affairs in order (reader: fixes it)",
    "t42-084": "missed: eating disorder crisis with collapse (reader: fixes it)",
    "t42-097": "missed: mania under NOISE (reader: no change)",
    "t42-106": "missed: suicidal intox driver, vehicle as means (reader: fixes it)",
    "t43-001": "false alarm: allergic reaction (reader: no change)",
    "t43-002": "missed: psychosis by content, no sleep (reader: fixes it)",
    "t43-014": "missed: reliving a sinking (reader: fixes it)",
    "t43-016": "false alarm: low blood sugar (reader: fixes it)",
    "t43-021": "breach: eloped hold, delusional threat to a person (reader: no change)",
    "t43-022": "breach: postpartum, danger to infant (reader: no change)",
    "t43-025": "missed: ideation with method, self caller (reader: fixes it)",
    "t43-026": "missed: withdrawal, preparatory acts (reader: fixes it)",
    "t43-028": "missed: invulnerability, grandiose (reader: fixes it)",
    "t43-029": "missed: burden talk, giving away, near rail (reader: fixes it)",
    "t43-032": "ems missed: self-harm with a knife; flag missed (reader: no change)",
    "t43-040": "missed: teen at an edge, goodbye post (reader: fixes it)",
    "t43-042": "missed: affairs in order, giving away; no clinical words (reader: fixes it)",
    "t43-048": "missed: murder-suicide statement, weapon (reader: fixes it)",
    "t43-049": "missed: eating disorder with collapse (reader: fixes it)",
    "t43-055": "false alarm: real voices, neighbors (reader: no change)",
    "t43-056": "missed: self-harm by burning, fresh wounds (reader: fixes it)",
    "t43-058": "false alarm: misleading code, frustration only (reader: no change)",
    "t43-062": "missed: panic is the emergency; medical cause checked (reader: no change)",
    "t43-073": "false alarm: drunk wrong house (reader: no change)",
    "t43-076": "missed: delusional mission against a person, with means (reader: fixes it)",
    "t43-086": "missed: at a height; traffic code (reader: fixes it)",
    "t43-087": "ems missed: teen ingestion with distress (reader: no change)",
    "t43-089": "missed: wish to join someone who died (reader: fixes it)",
    "t43-094": "missed: impostor belief (reader: fixes it)",
    "t43-096": "missed: drowning attempt, needs medical care (reader: fixes it)",
    "t43-102": "missed: at a cliff edge, found on append (reader: fixes it)",
    "t43-107": "false alarm and ems missed: head injury confusion (reader: no change)",
    "t43-109": "missed: goodbye words, belongings set down, at the edge (reader: fixes it)",
    "t44-004": "missed: goodbyes, debts settled, relayed (reader: fixes it)",
    "t44-031": "false alarm: intoxication alone (reader: no change)",
    "t44-033": "missed: crisis appears only in append (reader: fixes it)",
    "t44-037": "false alarm: low blood sugar, medical cause (reader: no change)",
    "t44-046": "missed: PTSD flashback, veteran (reader: fixes it)",
    "t44-047": "false alarm: 'voices' are real neighbors (reader: no change)",
    "t44-048": "missed: paranoid delusion, weapon, veiled threat in append (reader: fixes it)",
    "t44-049": "missed: preparatory acts, height (reader: fixes it)",
    "t44-054": "missed: wish to join deceased, stockpiled means (reader: no change)",
    "t44-063": "false alarm: sound-alike word, suicide code (reader: no change)",
    "t44-066": "missed: indirect goodbye, affairs in order, giving items away (reader: fixes it)",
    "t44-067": "false alarm: hypothetical question (reader: no change)",
    "t44-071": "missed: mania, grandiosity, relayed (reader: fixes it)",
    "t44-073": "missed: postpartum with self-harm thoughts (reader: fixes it)",
    "t44-083": "missed: goodbye note under a noise code (reader: fixes it)",
    "t44-103": "breach: psychosis, property destruction with kids near (reader: no change)",
    "t44-107": "missed: impostor delusion (reader: fixes it)",
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
    """Over every file the rules were developed on; files unsealed untuned below the per-file floor
    (`UNTUNED_BELOW_FLOOR`, every miss of theirs listed) are measured at first look, not here."""
    recall, precision = _recall_precision([r for r in ROWS if r["file"] not in UNTUNED_BELOW_FLOOR])
    assert recall >= 0.95, f"recall {recall:.3f}"
    assert precision >= 0.80, f"precision {precision:.3f}"


UNTUNED_BELOW_FLOOR: dict[str, str] = {
    # t14 and t16 (below the floor at first look in round 6) were generalized on in round 7; t17-t19
    # (below it in round 7) in round 8; t21 and t22 (below it in round 8) in round 9. Files unsealed
    # untuned below the floor are listed here.
    "blind_t33-metro2.csv": "round 13, untuned: the rules alone at recall 0.855 (the shipped triager 0.927)",
    "blind_t34-youth.csv": "round 13, untuned: the rules alone at recall 0.782 (the shipped triager 0.927)",
    "blind_t35-elder.csv": "round 13, untuned: the rules alone at recall 0.691 (the shipped triager 0.909)",
    "blind_t36-dv.csv": "round 14, untuned: the rules alone at recall 0.873 (the shipped triager 0.945)",
    "blind_t37-rural2.csv": "round 14, untuned: the rules alone at recall 0.745, precision 0.788",
    "blind_t38-transit.csv": "round 14, untuned: the rules alone at recall 0.855 (the shipped triager 0.982)",
    "blind_t39-nightshift.csv": "round 15, untuned: the rules alone at recall 0.818 (shipped 0.964)",
    "blind_t41-suburban.csv": "round 15, untuned: the rules alone at recall 0.855 (shipped 0.909)",
    "blind_t42-county.csv": "round 16, untuned: the rules alone at recall 0.709 (shipped 0.855)",
    "blind_t43-coastal.csv": "round 16, untuned: the rules alone at recall 0.655 (shipped 0.927)",
    "blind_t44-mixedstyle.csv": "round 16, untuned: the rules alone at recall 0.800 (shipped 0.982)",
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
