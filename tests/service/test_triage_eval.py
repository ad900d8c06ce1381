"""`corespond triage-eval` and the triage settings: reading labeled CSVs, the report, start-up errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.decisions import Band, Response
from service.cli import main
from service.settings import Settings
from service.triage_eval import (
    SafetyFigures,
    TriageEvalError,
    as_json,
    evaluate,
    read_labeled_csv,
    render,
)
from triage.facts import CallFacts, TriageResult
from triage.rulebook import load_triager

SEATTLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "seattle_calls_dev.csv"

HEADER = (
    "call_id,nature_code,priority,origin,narrative,agency,flags,caller_type,final_call_type,clearance,label"
)
CSV = f"""{HEADER}
1,SUICIDAL,1,911,,LPD,,,CRISIS COMPLAINT - GENERAL,X,1
2,THEFT,4,ONVIEW,,LPD,,,THEFT,X,0
3,DISTURBANCE,2,911,SON IS HEARING VOICES,LPD,weapon;juvenile,family,CRISIS COMPLAINT - GENERAL,X,1
4,PARKING,5,,,,,,CRISIS COMPLAINT - GENERAL,X,0
5,WELFARE CHECK,,,,,,,,,true
"""


def _write(tmp_path: Path, text: str, name: str = "calls.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reading_a_labeled_csv(tmp_path: Path) -> None:
    calls = read_labeled_csv(_write(tmp_path, CSV))
    assert [c.case_id for c in calls] == ["1", "2", "3", "4", "5"]
    assert [c.label for c in calls] == [True, False, True, False, True]
    third = calls[2].facts
    assert third.flags == frozenset({"weapon", "juvenile"})
    assert third.caller_type == "family"
    assert third.origin == "911"
    assert calls[4].facts.priority == 3, "a missing priority is read as 3"


def test_outcome_columns_are_never_read(tmp_path: Path) -> None:
    with_outcome = read_labeled_csv(_write(tmp_path, CSV))
    outcome_columns = (8, 9)
    stripped = "\n".join(
        ",".join(cell for i, cell in enumerate(line.split(",")) if i not in outcome_columns)
        for line in CSV.splitlines()
    )
    without = read_labeled_csv(_write(tmp_path, stripped + "\n", "stripped.csv"))
    assert [c.facts for c in with_outcome] == [c.facts for c in without]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nature_code,priority\nX,1\n", "missing required column"),
        ("nature_code,label\nX,maybe\n", "calls.csv:2: label must be 1 or 0"),
        ("nature_code,label,priority\nX,1,high\n", "calls.csv:2: priority"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TriageEvalError, match=message):
        read_labeled_csv(_write(tmp_path, text))


def test_the_command_prints_the_scorer_beside_the_baseline_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "metrics.json"
    assert main(["triage-eval", str(_write(tmp_path, CSV)), "--threshold", "0.5", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for part in ("score >= 0.50", "naive baseline", "precision-recall curve", "calibration", "AP"):
        assert part in printed
    metrics = json.loads(out.read_text())
    assert metrics["rows"] == 5
    assert metrics["positives"] == 3
    assert metrics["baseline"]["name"].startswith("naive baseline")
    assert {"precision", "recall", "f1", "average_precision", "confusion"} <= set(metrics["scorer"])
    assert metrics["curve"]
    assert metrics["calibration"]


def test_a_missing_file_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["triage-eval", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err


def test_a_bad_rule_file_stops_the_command_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = _write(tmp_path, 'version = 1\nagency = "LPD"\n[aliases\n', "lpd.toml")
    monkeypatch.setenv("CORESPOND_TRIAGE_AGENCY_RULES", json.dumps({"LPD": str(rules)}))
    assert main(["triage-eval", str(_write(tmp_path, CSV))]) == 2
    assert f"{rules}:3" in capsys.readouterr().err


def test_settings_refuse_half_set_bands_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="medium"):
        Settings(triage_bands={"high": 0.8})
    with pytest.raises(ValidationError, match="must rise"):
        Settings(triage_bands={"high": 0.3, "medium": 0.5, "low": 0.1})
    with pytest.raises(ValidationError, match="CORESPOND_TRIAGE_RULES: no such file"):
        Settings(triage_rules=tmp_path / "nope.toml")
    with pytest.raises(ValidationError, match="CORESPOND_TRIAGE_AGENCY_RULES"):
        Settings(triage_agency_rules={"LPD": tmp_path / "nope.toml"})
    assert Settings().triage_agency_rules == {}, "no agency file unless one is configured"


@pytest.mark.skipif(not SEATTLE.exists(), reason="../shared/data is not beside this checkout")
def test_seattle_calls_are_read_as_they_are_and_ranked_better_than_the_baseline() -> None:
    calls = read_labeled_csv(SEATTLE)
    assert len(calls) == 4337
    assert sum(c.label for c in calls) == 129
    report = evaluate(str(SEATTLE), calls, load_triager(), 0.40)
    baseline = report.baseline.confusion
    assert round(baseline.precision, 2) == 0.59
    assert round(baseline.recall, 2) == 0.40
    assert report.scorer.average_precision > report.baseline.average_precision


BLIND_HEADER = (
    "case_id,agency,nature_code,priority,caller_type,flags,narrative,appends,label,officer_required,"
    "expected_needs,note"
)
BLIND = f"""{BLIND_HEADER}
x-001,SPD,WELFARE CHECK,2,family,,SON IS HEARING VOICES,NOW STS HE HAS A KNIFE || KNIFE SECURED,1,0,,
x-002,SPD,DISTURBANCE,2,family,,SON IS HEARING VOICES AND SAYS GOD WANTS HIM TO PUNISH HIS SISTER,,1,1,,
x-003,SPD,WELFARE CHECK,2,third_party,,NEIGHBOR SAYS SHE WANTS TO DIE,SHE TOOK A BOTTLE OF PILLS,1,0,ems,
x-004,SPD,MEDICAL,2,self,,MALE NOT BREATHING AFTER A FALL,,0,0,ems,medical
x-005,SPD,THEFT,4,self,,BIKE STOLEN FROM GARAGE,,0,0,,routine
x-006,SPD,PARKING,5,self,,CAR BLOCKING DRIVEWAY,,0,0,ems,labels need not be sensible here
"""


def test_appends_are_joined_as_the_service_joins_narrative_appends(tmp_path: Path) -> None:
    from datetime import UTC, datetime  # noqa: PLC0415

    from routing.region import CallState  # noqa: PLC0415

    calls = read_labeled_csv(_write(tmp_path, BLIND))
    first = calls[0]
    assert first.appends == 2
    state = CallState(call_id="x-001", narrative="SON IS HEARING VOICES")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    state.appends = [(at, "e1", "NOW STS HE HAS A KNIFE"), (at, "e2", "KNIFE SECURED")]
    assert first.facts.narrative == state.facts().narrative
    assert first.officer_required is False
    assert calls[2].expected_needs == frozenset({"ems"})
    assert calls[4].facts.narrative == "BIKE STOLEN FROM GARAGE", "no appends: the narrative as it is"


class _FixedTriager:
    """A hand-written triager: each narrative's response and needs are given, so the counts are known."""

    def __init__(self, answers: dict[str, tuple[Response, frozenset[str]]]) -> None:
        self.answers = answers

    def triage(self, facts: CallFacts) -> TriageResult:
        response, needs = self.answers[facts.narrative.split()[0]]
        sent = response.wants_co_responder
        return TriageResult(0.9 if sent else 0.1, Band.HIGH if sent else Band.NONE, response, (), (), needs)


def test_breaches_and_ems_misses_are_counted_from_the_blind_columns(tmp_path: Path) -> None:
    calls = read_labeled_csv(_write(tmp_path, BLIND))
    ems = frozenset({"ems"})
    triager = _FixedTriager(
        {
            "SON": (Response.CO_RESPONSE_ANY, frozenset()),  # x-001 (no officer needed), x-002: a breach
            "NEIGHBOR": (Response.CO_RESPONSE_SECONDARY, ems),
            "MALE": (Response.NOT_BEHAVIORAL, frozenset()),  # ems missed
            "BIKE": (Response.NOT_BEHAVIORAL, frozenset()),
            "CAR": (Response.CO_RESPONSE_PRIMARY, frozenset()),  # ems missed
        }
    )
    report = evaluate("blind.csv", calls, triager, 0.40)
    assert report.safety == SafetyFigures(officer_required=1, breaches=1, ems_expected=3, ems_missed=2)
    assert [(m.kind, m.case_id) for m in report.misses] == [
        ("breach", "x-002"),
        ("ems_missed", "x-004"),
        ("false_alarm", "x-006"),
        ("ems_missed", "x-006"),
    ]
    assert (report.decision.tp, report.decision.fp, report.decision.fn) == (3, 1, 0)
    primary = _FixedTriager(dict.fromkeys(triager.answers, (Response.CO_RESPONSE_PRIMARY, ems)))
    assert evaluate("blind.csv", calls, primary, 0.40).safety.breaches == 0


def test_files_without_the_blind_columns_count_no_breaches(tmp_path: Path) -> None:
    report = evaluate("calls.csv", read_labeled_csv(_write(tmp_path, CSV)), load_triager(), 0.40)
    assert report.safety.breaches is None
    assert report.safety.ems_missed is None


def test_by_default_only_figures_are_printed_never_case_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, BLIND)
    assert main(["triage-eval", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "safety-gate breaches:" in printed
    assert "ems needs missed:" in printed
    assert "decision (co-responder response): recall" in printed
    for secret in ("x-00", "HEARING VOICES", "BIKE", "DRIVEWAY", "GARAGE"):
        assert secret not in printed
    assert main(["triage-eval", str(path), "--show-misses"]) == 0
    shown = capsys.readouterr().out
    assert "x-006" in shown, "an ems need missed, whatever the rules"
    assert "CAR BLOCKING DRIVEWAY" in shown
    assert "missed crises" in shown
    assert "ems needs missed" in shown


CITY_TYPES = """city,source,field,nature_code,volume,label,note
Alpha,x,Type,SUICIDE,300,1,
Alpha,x,Type,DISTURBANCE,600,0,
Alpha,x,Type,MENTAL,100,1,
Beta,y,Type,OD,,1,volumes not published
Beta,y,Type,THEFT,,0,
Beta,y,Type,WELFARE CHECK,,1,
"""


def test_call_types_are_weighed_by_their_published_volume(tmp_path: Path) -> None:
    calls = read_labeled_csv(_write(tmp_path, CITY_TYPES))
    assert [(c.city, c.volume) for c in calls][:2] == [("Alpha", 300.0), ("Alpha", 600.0)]
    assert calls[3].volume is None
    assert calls[3].weighted
    sent = {"SUICIDE": True, "DISTURBANCE": True, "MENTAL": False, "OD": True, "THEFT": False}
    triager = _NatureTriager(sent)
    report = evaluate("types.csv", calls, triager, 0.40)
    assert report.volume is not None
    alpha, beta = report.volume.cities
    assert (alpha.city, alpha.call_types, alpha.published) == ("Alpha", 3, True)
    assert alpha.decision.recall == pytest.approx(300 / 400)
    assert alpha.decision.precision == pytest.approx(300 / 900)
    assert not beta.published, "no volumes published: each type weighs 1"
    assert beta.decision.recall == pytest.approx(1 / 2)
    assert beta.decision.precision == pytest.approx(1.0)
    assert report.volume.pooled is None, "volumes and ones are not added together"
    equal = report.volume.cities_equal
    assert equal.tp == pytest.approx(3 / 10 + 1 / 3)
    assert equal.fn == pytest.approx(1 / 10 + 1 / 3)
    assert equal.fp == pytest.approx(6 / 10)
    text = render(report)
    assert "decision weighted by call volume" in text
    assert "unpublished" in text
    assert as_json(report)["volume"]["cities"][0]["recall"] == pytest.approx(0.75)


def test_pooled_volumes_when_every_city_publishes_them(tmp_path: Path) -> None:
    published = CITY_TYPES.replace("OD,,1", "OD,50,1").replace("THEFT,,0", "THEFT,50,0")
    published = published.replace("WELFARE CHECK,,1", "WELFARE CHECK,0,1")
    calls = read_labeled_csv(_write(tmp_path, published))
    sent = {"SUICIDE": True, "DISTURBANCE": False, "MENTAL": True, "OD": True, "THEFT": False}
    report = evaluate("types.csv", calls, _NatureTriager(sent), 0.40)
    assert report.volume is not None
    assert report.volume.pooled is not None
    assert report.volume.pooled.recall == pytest.approx(1.0)
    assert report.volume.pooled.tp == pytest.approx(450.0)
    assert report.volume.pooled.tn == pytest.approx(650.0)


def test_files_without_volumes_have_no_volume_figures(tmp_path: Path) -> None:
    report = evaluate("calls.csv", read_labeled_csv(_write(tmp_path, CSV)), load_triager(), 0.40)
    assert report.volume is None
    assert "weighted by call volume" not in render(report)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("OD,,1", "OD,7,1"), "city 'Beta' has a volume on some rows and none on others"),
        (("SUICIDE,300,1", "SUICIDE,-3,1"), r"types.csv:2: volume must be a number of calls"),
        (("MENTAL,100,1", "MENTAL,lots,1"), r"types.csv:4: volume must be a number of calls"),
    ],
)
def test_bad_volumes_name_the_problem(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(TriageEvalError, match=message):
        read_labeled_csv(_write(tmp_path, CITY_TYPES.replace(*change), "types.csv"))


class _NatureTriager:
    """Sends a co-responder for the nature codes marked True, so the weighted figures are known."""

    def __init__(self, sent: dict[str, bool]) -> None:
        self.sent = sent

    def triage(self, facts: CallFacts) -> TriageResult:
        yes = self.sent.get(facts.nature_code, False)
        response = Response.CO_RESPONSE_PRIMARY if yes else Response.NOT_BEHAVIORAL
        return TriageResult(0.9 if yes else 0.1, Band.HIGH if yes else Band.NONE, response, (), ())


def test_a_bad_officer_required_value_names_its_line(tmp_path: Path) -> None:
    text = BLIND_HEADER + "\nx-1,SPD,MENTAL,2,,,TEXT,,1,maybe,,\n"
    with pytest.raises(TriageEvalError, match=r"calls.csv:2: officer_required must be 1 or 0"):
        read_labeled_csv(_write(tmp_path, text))
