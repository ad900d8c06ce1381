"""The narrative reader, table-driven: which rules fire, and negation, uncertainty, time and experiencer."""

from __future__ import annotations

import pytest

from triage.narrative import Modality, NarrativeReader, matching_text
from triage.rulebook import load_triager


@pytest.fixture(scope="module")
def reader() -> NarrativeReader:
    return load_triager().default.reader


def _readings(reader: NarrativeReader, text: str, *, caller_is_subject: bool = False) -> dict[str, Modality]:
    """Rule code -> the strongest reading of that rule in the text."""
    readings: dict[str, Modality] = {}
    for finding in reader.read(text, caller_is_subject=caller_is_subject):
        readings.setdefault(finding.rule.code, finding.modality)
    return readings


@pytest.mark.parametrize(
    ("text", "code", "modality"),
    [
        # negation before and after the mention, NegEx style
        ("RP DENIES SI, WANTS WELFARE CHECK ON NEIGHBOR", "SUICIDAL_IDEATION", Modality.NEGATED),
        ("NO WEAPONS SEEN", "WEAPON_MENTION", Modality.NEGATED),
        ("NEG FOR SI. NEG FOR HI", "SUICIDAL_IDEATION", Modality.NEGATED),
        ("NEG FOR SI. NEG FOR HI", "HOMICIDAL_IDEATION", Modality.NEGATED),
        ("SI NEG, HI NEG, WEAPONS NEG PER OFFICER", "SUICIDAL_IDEATION", Modality.NEGATED),
        ("SI NEG, HI NEG, WEAPONS NEG PER OFFICER", "WEAPON_MENTION", Modality.NEGATED),
        ("BROTHER IS NOT DEPRESSED OR SUICIDAL", "SUICIDAL_IDEATION", Modality.NEGATED),
        ("BROTHER IS NOT DEPRESSED OR SUICIDAL", "DEPRESSION", Modality.NEGATED),
        ("DOESNT HAVE ANY WEAPONS", "WEAPON_MENTION", Modality.NEGATED),
        ("NO ACCESS TO GUNS", "WEAPON_FIREARM", Modality.NEGATED),
        ("NOT ARMED. NOT MAKING THREATS", "THREAT_TO_HARM_OTHERS", Modality.NEGATED),
        # a terminator ends the scope: the second half is affirmed
        ("HAS NEVER BEEN SUICIDAL BUT TONIGHT SAID SHE WANTS TO DIE", "DEATH_WISH", Modality.AFFIRMED),
        (
            "SUBJ DENIES SI BUT RP FOUND SEARCHES ON HOW TO OVERDOSE",
            "MEANS_AND_PLAN",
            Modality.AFFIRMED,
        ),
        ("NOT SUICIDAL BUT HEARING VOICES", "HALLUCINATIONS", Modality.AFFIRMED),
        # the clause ends at a comma: "NO WEAPONS" does not reach the next item
        ("NO WEAPONS, HEARING VOICES", "HALLUCINATIONS", Modality.AFFIRMED),
        # uncertainty: possible and unknown
        ("FRIEND POSS SUICIDAL AFTER LOSING CUSTODY", "SUICIDAL_IDEATION", Modality.POSSIBLE),
        ("SON MAYBE HALLUCINATING", "HALLUCINATIONS", Modality.POSSIBLE),
        ("RP BELIEVES SUBJ MAY HAVE A GUN IN HIS JACKET", "WEAPON_FIREARM", Modality.POSSIBLE),
        ("SCREAMING AND PUNCHING WALLS, UNK IF ARMED", "WEAPON_MENTION", Modality.UNKNOWN),
        ("ACTING ERRATIC, WEAPONS UNK", "WEAPON_MENTION", Modality.UNKNOWN),
        ("UNSURE IF SHE IS TAKING HER MEDS, UNK IF SI", "SUICIDAL_IDEATION", Modality.UNKNOWN),
        # time: history, remote past, hypothetical intent
        ("SON HAS HX OF SI, MISSED HIS THERAPY APPT", "SUICIDAL_IDEATION", Modality.HISTORICAL),
        ("FATHER USED TO CUT HIMSELF AS A TEEN", "SELF_HARM", Modality.REMOTE),
        ("HUSBAND HAD A GUN YEARS AGO BUT SOLD IT", "WEAPON_FIREARM", Modality.REMOTE),
        ("HAS A PLAN TO OD ON HER PILLS", "OVERDOSE", Modality.HYPOTHETICAL),
        # resolution of a hazard
        ("KNIFE SECURED BY OFFICERS", "WEAPON_EDGED", Modality.RESOLVED),
        ("RP HAS REMOVED THE GUNS FROM THE HOUSE", "WEAPON_FIREARM", Modality.RESOLVED),
        ("TWO STUDENTS FIGHTING IN THE HALL. FIGHT IS OVER", "VIOLENCE_FIGHT", Modality.AFFIRMED),
    ],
)
def test_context_of_a_mention(reader: NarrativeReader, text: str, code: str, modality: Modality) -> None:
    assert _readings(reader, text).get(code) is modality


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("OLD LINCOLN WITH SUICIDE DOORS PARKED OUT FRONT", "SUICIDAL_IDEATION"),
        ("THE SUICIDE LANE ON COUNTY ROAD 11", "SUICIDAL_IDEATION"),
        ("SAID HE WAS JUST KILLING TIME", "SELF_KILLING_STATEMENT"),
        ("CRAZY TRAFFIC AT THE INTERSECTION", "BIZARRE_BEHAVIOR"),
        ("RP SAYS THE MUSIC IS DRIVING HER CRAZY", "BIZARRE_BEHAVIOR"),
        ("DRIVING LIKE A MANIAC ON EISENHOWER", "MANIA"),
        ("HIS NAIL GUN WAS STOLEN FROM THE JOB SITE", "WEAPON_FIREARM"),
        ("KIDS SHOOTING HOOPS AFTER DARK", "VIOLENCE_WEAPON_USE"),
        ("BAT FLYING AROUND INSIDE THE VISITOR CENTER", "WEAPON_BLUNT"),
        ("RP IS A NURSE AT THE MENTAL HEALTH CLINIC", "NAMED_DIAGNOSIS"),
        ("RP HEARD LOUD VOICES ARGUING NEXT DOOR", "HALLUCINATIONS"),
        ("SEMI HIGH CENTERED ON THE RAILROAD CROSSING", "INTOXICATION"),
        ("HUSBAND FELL AND HIT HIS HEAD", "SELF_HARM"),
        ("NEIGHBOR THREATENED TO SHOOT HER DOG", "THREAT_TO_HARM_OTHERS"),
    ],
)
def test_hard_negatives_do_not_fire(reader: NarrativeReader, text: str, code: str) -> None:
    assert code not in _readings(reader, text)


@pytest.mark.parametrize(
    ("text", "caller_is_subject", "about_rp"),
    [
        ("RP IS UPSET THAT HER CAR WAS TOWED", False, True),
        ("RP STATES SHE IS SCARED", False, True),
        ("RP STATES SON IS UPSET AND CRYING", False, False),
        ("RP'S WIFE IS UPSET", False, False),
        ("RP IS UPSET", True, False),
    ],
)
def test_who_a_weak_affect_word_is_about(
    reader: NarrativeReader, text: str, caller_is_subject: bool, about_rp: bool
) -> None:
    affect = [
        f for f in reader.read(text, caller_is_subject=caller_is_subject) if f.rule.code == "AFFECT_WORDS"
    ]
    assert affect
    assert affect[0].about_reporting_party is about_rp


def test_evidence_is_the_span_with_its_trigger(reader: NarrativeReader) -> None:
    text = "Caller denies SI, wants welfare check on neighbor"
    (finding,) = [f for f in reader.read(text) if f.rule.code == "SUICIDAL_IDEATION"]
    assert finding.evidence == "denies SI", "evidence is cut from the original text, case kept"
    post = next(f for f in reader.read("SI NEG PER RP") if f.rule.code == "SUICIDAL_IDEATION")
    assert post.evidence == "SI NEG"


def test_aint_reads_as_not_and_evidence_stays_on_the_original_text(reader: NarrativeReader) -> None:
    assert matching_text("She ain't suicidal") == "SHE NOT  SUICIDAL"
    assert matching_text("PAINT AINTREE") == "PAINT AINTREE", "only the word AINT"
    (negated,) = [
        f for f in reader.read("RP says she ain't suicidal, just upset") if f.rule.code == "SUICIDAL_IDEATION"
    ]
    assert negated.modality is Modality.NEGATED
    assert negated.evidence == "ain't suicidal"
    codes = {
        f.rule.code for f in reader.read("DAD AINT EATING SINCE MAMA PASSED, SAYS HE WANTS TO BE WITH HER")
    }
    assert {"DEPRESSION_SIGNS", "REUNION_WITH_DECEASED"} <= codes


def test_every_match_of_a_text_is_found_once_in_text_order(reader: NarrativeReader) -> None:
    findings = reader.read("HEARING VOICES. HAS A KNIFE. HEARING VOICES AGAIN")
    voices = [f.start for f in findings if f.rule.code == "HALLUCINATIONS"]
    assert voices == sorted(voices)
    assert len(voices) == 2
    assert [f.start for f in findings] == sorted(f.start for f in findings)


def test_empty_and_benign_text(reader: NarrativeReader) -> None:
    assert reader.read("") == ()
    assert reader.read("TWO CAR NON INJURY ACCIDENT. VEHICLES BLOCKING LEFT LANE") == ()


def test_anchors_lose_no_match_on_the_hand_written_cases(reader: NarrativeReader) -> None:
    """Trying every rule at every word start finds nothing the anchor-keyed probes miss: each match is
    covered by a probed finding of the same rule (which may start later, at its anchor word, when the
    pattern has an optional lead-in such as `(?:THE\\s+)?TV`)."""
    import re  # noqa: PLC0415 - only this test reads the case files
    from pathlib import Path  # noqa: PLC0415

    from service.triage_eval import read_labeled_csv  # noqa: PLC0415 - the case files, read as the eval reads them

    word_start = re.compile(r"(?<![A-Z0-9'])[A-Z0-9]")
    texts = [
        call.facts.narrative
        for path in sorted((Path(__file__).parent / "cases").glob("*.csv"))
        if "log" not in path.name
        for call in read_labeled_csv(path)
    ]
    for raw in texts:
        text = matching_text(raw)
        probed = [(f.rule.code, f.start, f.end) for f in reader.read(raw) if not f.rule.requires]
        lost = [
            (rule.code, text[m.start() : m.end()])
            for rule in reader.rules
            if not rule.requires
            for p in (w.start() for w in word_start.finditer(text))
            if (m := rule.pattern.match(text, p)) is not None
            and m.end() > m.start()
            and not any(c == rule.code and s < m.end() and m.start() < e for c, s, e in probed)
        ]
        assert not lost, (raw, lost)
