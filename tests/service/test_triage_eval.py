"""`corespond triage-eval` and the triage settings: reading labeled CSVs, the report, start-up errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from service.cli import main
from service.settings import Settings
from service.triage_eval import TriageEvalError, evaluate, read_labeled_csv
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
