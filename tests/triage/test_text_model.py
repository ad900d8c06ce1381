"""The statistical reader: the shipped model reproduces its trainer, reads text deterministically, and
moves a call across the co-response line only as the rule file allows, with a reason, never a gate."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.decisions import Band
from service.triage_eval import read_labeled_csv
from tests.builders import default_rules, rules_only
from triage.errors import RulebookError
from triage.facts import CallFacts, TriageResult
from triage.rulebook import (
    load_rule_file,
    load_triager,
    packaged_rules_path,
    parse_rule_file,
)
from triage.rulebook.loader import read_text_model
from triage.scoring import RuleTriager, SecondReader
from triage.text_model import FORMAT, TextModel, TextModelError, call_text

CASES = Path(__file__).parent / "cases"
MODEL_PATH = packaged_rules_path().parent / "text_model.json"
MODEL_DOCUMENT: dict[str, Any] = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
MODEL = read_text_model(MODEL_PATH)
TABLE = load_rule_file(packaged_rules_path()).text_model
RULES_ONLY: RuleTriager = rules_only()


def _with(reader: SecondReader | None) -> RuleTriager:
    return RuleTriager(default=replace(RULES_ONLY.default, second_reader=reader), agencies={})


assert TABLE is not None
SHIPPED = _with(SecondReader(MODEL, TABLE.lift, TABLE.doubt, TABLE.min_words))
TOY = TextModel(intercept=-3.0, terms={"zzcrisis": (20.0, 1.0), "zzcalm": (-20.0, 1.0)})


def test_the_packaged_rules_name_the_shipped_model_and_the_replayed_thresholds() -> None:
    assert TABLE is not None
    assert TABLE.file == MODEL_PATH.name
    assert (TABLE.lift, TABLE.doubt, TABLE.min_words) == (0.70, 0.10, 12)
    assert default_rules().default.second_reader is not None


def test_the_reader_reproduces_the_probabilities_its_trainer_computed() -> None:
    checks = MODEL_DOCUMENT["checks"]
    assert len(checks) >= 20
    for check in checks:
        assert MODEL.probability(check["text"]) == pytest.approx(check["probability"], abs=1e-6)
        assert MODEL.read(check["text"]).probability == pytest.approx(check["probability"], abs=1e-6)


def test_the_model_was_trained_on_development_files_only() -> None:
    files = MODEL_DOCUMENT["trained_on"]["files"]
    assert files, "the model names the files it learnt from"
    for name in files:
        assert (CASES / name).is_file(), f"{name} is not a development file in tests/triage/cases"
    cases = sum(len(read_labeled_csv(CASES / name)) for name in files)
    assert MODEL_DOCUMENT["trained_on"]["cases"] == cases


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "JSON object"),
        ({"format": "other"}, "format"),
        ({"format": FORMAT, "token_pattern": r"\w+"}, "token_pattern"),
        ({"format": FORMAT, "token_pattern": "[a-z0-9']+", "ngram_range": [2, 2]}, "ngram_range"),
        ({"format": FORMAT, "token_pattern": "[a-z0-9']+", "ngram_range": [1, 2], "terms": {}}, "intercept"),
        (
            {
                "format": FORMAT,
                "token_pattern": "[a-z0-9']+",
                "ngram_range": [1, 2],
                "intercept": 0.0,
                "terms": {"word": [1.0, 0.0]},
            },
            "idf > 0",
        ),
    ],
)
def test_a_bad_model_document_is_refused_with_what_is_wrong(document: Any, message: str) -> None:
    with pytest.raises(TextModelError, match=message):
        TextModel.from_json(document)


def test_evidence_names_the_terms_that_weighed_most_each_way() -> None:
    reading = TOY.read("ZZCRISIS then zzcalm, zzcrisis")
    assert reading.for_crisis == ("zzcrisis",)
    assert reading.against_crisis == ("zzcalm",)
    # zzcrisis twice: (1 + ln 2) against 1, L2-normalized
    norm = math.hypot(1 + math.log(2), 1.0)
    assert reading.logit == pytest.approx(-3.0 + 20 * (1 + math.log(2)) / norm - 20 / norm)
    assert TOY.probability("ZZCRISIS then zzcalm, zzcrisis") == pytest.approx(reading.probability)


def test_repeated_terms_count_sublinearly_on_both_paths() -> None:
    for check in MODEL_DOCUMENT["checks"][:10]:
        doubled = check["text"] + " " + check["text"]
        assert MODEL.probability(doubled) == pytest.approx(MODEL.read(doubled).probability, abs=1e-12)


def test_the_passages_are_the_clauses_whose_terms_weighed_most_each_way() -> None:
    reading = TOY.read("RP STS ALL QUIET NOW. THEN HE SAID ZZCRISIS AGAIN || NEIGHBOR SAYS ZZCALM")
    assert reading.passage_for == "THEN HE SAID ZZCRISIS AGAIN"
    assert reading.passage_against == "NEIGHBOR SAYS ZZCALM"
    assert TOY.read("zzcrisis only").passage_against == ""


def test_a_text_with_no_known_term_reads_as_the_intercept() -> None:
    reading = TOY.read("nothing known here")
    assert reading.probability == pytest.approx(1 / (1 + math.exp(3.0)))
    assert reading.for_crisis == reading.against_crisis == ()


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz '.,ABC0123"), max_size=200))
def test_fast_path_and_evidence_path_agree_and_evidence_is_from_the_text(text: str) -> None:
    reading = MODEL.read(text)
    assert MODEL.probability(text) == pytest.approx(reading.probability, abs=1e-12)
    assert 0.0 < reading.probability < 1.0
    tokens = " ".join(text.lower().replace(".", " ").replace(",", " ").split())
    for term in reading.for_crisis + reading.against_crisis:
        assert term in tokens


def _facts(nature_code: str, narrative: str, priority: int = 3) -> CallFacts:
    return CallFacts(agency="", nature_code=nature_code, priority=priority, narrative=narrative)


def _score_from_reasons(result: TriageResult) -> float:
    return 1 / (1 + math.exp(-sum(r.weight for r in result.reasons)))


def test_a_confident_reader_lifts_a_call_the_rules_left_out_with_one_reason() -> None:
    facts = _facts("TRAFFIC HAZARD", "zzcrisis on the shoulder", priority=4)
    before = RULES_ONLY.triage(facts)
    assert not before.response.wants_co_responder
    after = _with(SecondReader(TOY, lift=0.7, doubt=0.1, min_words=1)).triage(facts)
    assert after.response.wants_co_responder
    assert after.band is Band.MEDIUM
    lift = [r for r in after.reasons if r.code == "TEXT_MODEL_LIFT"]
    assert len(lift) == 1
    assert lift[0].evidence == "p=1.00: zzcrisis on the shoulder (zzcrisis)"
    assert _score_from_reasons(after) == pytest.approx(after.score, abs=2e-3)
    assert (after.safety, after.needs) == (before.safety, before.needs)


def test_a_reader_sure_of_the_contrary_lowers_a_medium_call_out_of_the_band() -> None:
    facts = _facts("MENTAL HEALTH", "zzcalm")
    before = RULES_ONLY.triage(facts)
    assert before.band is Band.MEDIUM, "precondition: the rules put this call in the medium band"
    after = _with(SecondReader(TOY, lift=0.7, doubt=0.1, min_words=1)).triage(facts)
    assert after.band is Band.LOW
    assert not after.response.wants_co_responder
    doubt = [r for r in after.reasons if r.code == "TEXT_MODEL_DOUBT"]
    assert len(doubt) == 1
    assert doubt[0].evidence == "p=0.00: zzcalm (zzcalm)"
    assert _score_from_reasons(after) == pytest.approx(after.score, abs=2e-3)


@pytest.mark.parametrize(
    ("lift", "doubt", "nature_code", "narrative"),
    [
        (1.0, 0.1, "TRAFFIC HAZARD", "zzcrisis"),  # lift 1.0: never lifts
        (0.7, 0.0, "MENTAL HEALTH", "zzcalm"),  # doubt 0: never lowers
        (0.7, 0.1, "MENTAL HEALTH", ""),  # no narrative: the nature code is the rules' alone
        (0.7, 0.1, "TRAFFIC HAZARD", "zzcalm"),  # agrees with the rules
    ],
)
def test_the_reader_leaves_the_call_alone_when_it_may_not_or_need_not_move_it(
    lift: float, doubt: float, nature_code: str, narrative: str
) -> None:
    facts = _facts(nature_code, narrative)
    assert _with(SecondReader(TOY, lift=lift, doubt=doubt, min_words=1)).triage(facts) == RULES_ONLY.triage(
        facts
    )


@pytest.mark.parametrize(
    ("nature_code", "narrative"),
    [("TRAFFIC HAZARD", "zzcrisis on the shoulder"), ("MENTAL HEALTH", "zzcalm zzcalm")],
)
def test_a_remark_shorter_than_min_words_is_the_rules_alone(nature_code: str, narrative: str) -> None:
    facts = _facts(nature_code, narrative)
    reader = _with(SecondReader(TOY, lift=0.7, doubt=0.1, min_words=5))
    assert reader.triage(facts) == RULES_ONLY.triage(facts)


@pytest.mark.parametrize(
    ("nature_code", "narrative"),
    [
        ("DISTURBANCE", "MALE YELLING"),
        ("DISTURBANCE", "FEMALE SCREAMING"),
        ("DISTURBANCE", "INTOX MALE YELLING AT CUSTOMERS"),
        ("SUSPICIOUS PERSON", "SUBJ LOITERING NEAR ATM"),
    ],
)
def test_the_shipped_reader_leaves_short_routine_remarks_to_the_rules(
    nature_code: str, narrative: str
) -> None:
    facts = _facts(nature_code, narrative)
    assert SHIPPED.triage(facts) == RULES_ONLY.triage(facts)


def test_a_high_band_call_is_never_lowered() -> None:
    facts = _facts("SUICIDAL SUBJ", "SAYS HE WANTS TO KILL HIMSELF zzcalm zzcalm zzcalm")
    before = RULES_ONLY.triage(facts)
    assert before.band is Band.HIGH
    assert _with(SecondReader(TOY, lift=0.7, doubt=0.1, min_words=1)).triage(facts) == before


_FRAGMENTS = [
    "RP SAYS HER SON HAS A KNIFE",
    "HE IS SWINGING A BAT AT THE DOOR",
    "NOT BREATHING, TOOK A BOTTLE OF PILLS",
    "SAYS GOODBYE TO EVERYONE",
    "HEARING VOICES",
    "VEH BLOCKING DRIVEWAY",
    "NO WEAPONS",
    "FIGHT IN PROGRESS",
    "SHE HAS BEEN GIVING HER THINGS AWAY",
    "UNRESPONSIVE IN THE CAR",
    "LOUD MUSIC",
    "THREATENING TO SHOOT HIS NEIGHBOR",
]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=4),
    st.sampled_from(["WELFARE CHECK", "DISTURBANCE", "TRAFFIC HAZARD", "MENTAL", "THEFT", "SUSP PERSON"]),
)
def test_the_shipped_reader_never_moves_a_safety_gate_or_a_need(
    fragments: list[str], nature_code: str
) -> None:
    facts = _facts(nature_code, ". ".join(fragments))
    rules, both = RULES_ONLY.triage(facts), SHIPPED.triage(facts)
    assert (both.safety, both.needs) == (rules.safety, rules.needs)
    if both.response != rules.response:
        moved = [r for r in both.reasons if r.code.startswith("TEXT_MODEL_")]
        assert len(moved) == 1
        if rules.safety:
            # a gated call keeps its gate: an officer goes whichever way the reader moved it
            assert both.response.value in {"co_response_primary", "police_only"}


def test_over_the_development_cases_the_reader_adds_no_safety_gate_breach() -> None:
    """In-sample (the model learnt these cases): a check of wiring and gates, not of generalization,
    which the blind rounds measure (docs/triage.md, "The statistical reader")."""
    files = sorted(CASES.glob("blind_t*.csv"))
    calls = [call for path in files for call in read_labeled_csv(path)]
    breaches = []
    for call in calls:
        result = SHIPPED.triage(call.facts)
        alone = result.response.value in {"co_response_any", "co_response_secondary"}
        if call.officer_required and alone and not RULES_ONLY.triage(call.facts).response.wants_co_responder:
            breaches.append(call.case_id)
    assert breaches == sorted(KNOWN_READER_BREACHES)


KNOWN_READER_BREACHES = {
    "t33-055": "a man cutting himself in a locked restroom with a box cutter, 'blade secured by officer' at "
    "the end: the rules read no self-harm in 'not done cutting' and the secured blade clears the weapon "
    "(the latest statement wins), so the reader's lift leaves no gate; the file asks for an officer",
    # round 16 (t42-t44), unsealed untuned: first-look breaches the gate does not read, lifted by the reader
    "t42-030": "a self-named prophet who must 'baptize the pastor in the creek tonight ... whether he "
    "wants to or not': a forced act against a person in a religious frame is not read as a threat",
    "t42-063": "a son smashing every mirror in the house, sister and mother hiding in a back bedroom: "
    "smashing mirrors is not read as aggression with people present",
    "t42-106": "a drunk husband leaving to 'put the truck into a tree' after an argument: a suicidal "
    "drive is not a threat to others by the rules, the file asks for an officer (a drunk driver)",
    "t43-076": "a man with a gas can 'chosen to burn the harbormaster's boat' with the harbormaster aboard: "
    "a mission to burn a place with a person in it, by a word order the gate does not read",
}


def test_the_text_the_model_reads_is_the_nature_code_then_the_narrative() -> None:
    assert call_text("WELFARE CHECK", "RP WORRIED") == "WELFARE CHECK . RP WORRIED"


def _rules_naming(tmp_path: Path, table: str) -> Path:
    text = packaged_rules_path().read_text(encoding="utf-8")
    start = text.index("[text_model]")
    end = text.index("\n\n", start)
    rules = tmp_path / "rules.toml"
    rules.write_text(text[:start] + table + text[end:], encoding="utf-8")
    return rules


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the text model"),
        ("{not json", "not valid JSON"),
        ('{"format": "other"}', "not a usable text model: format"),
    ],
)
def test_a_rule_file_naming_a_missing_or_bad_model_is_refused_naming_the_model(
    tmp_path: Path, content: str | None, message: str
) -> None:
    rules = _rules_naming(tmp_path, '[text_model]\nfile = "model.json"')
    if content is not None:
        (tmp_path / "model.json").write_text(content, encoding="utf-8")
    with pytest.raises(RulebookError, match=message) as caught:
        load_triager(rules)
    assert caught.value.source == str(tmp_path / "model.json")


def test_thresholds_out_of_range_are_refused_at_their_line(tmp_path: Path) -> None:
    rules = _rules_naming(tmp_path, '[text_model]\nfile = "text_model.json"\nlift = 1.5')
    with pytest.raises(RulebookError, match="lift") as caught:
        load_rule_file(rules)
    assert caught.value.line is not None


def test_an_agency_file_may_not_change_the_statistical_reader() -> None:
    agency = 'version = 1\nagency = "XPD"\n\n[text_model]\nfile = "other.json"\n'
    with pytest.raises(RulebookError, match=r"\[text_model\]"):
        parse_rule_file(agency, "xpd.toml")


def test_the_reader_does_not_lift_a_call_whose_signs_the_rules_explained_away() -> None:
    facts = _facts(
        "WELFARE CHECK",
        "RP SAYS HER HUSBAND IS CONFUSED AND AGITATED, HE IS A DIABETIC AND HIS SUGAR IS LOW zzcrisis",
    )
    before = RULES_ONLY.triage(facts)
    assert any(r.code.endswith("_EXPLAINED") for r in before.reasons), "precondition: a medical cause"
    assert not before.response.wants_co_responder
    assert _with(SecondReader(TOY, lift=0.7, doubt=0.1, min_words=1)).triage(facts) == before
