"""`corespond train-text-model`: the shipped model is what the command makes from the development
files it names, the runtime reader reproduces the trainer, and bad input is refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main
from service.text_model_training import train_files
from triage.rulebook import packaged_rules_path
from triage.text_model import TextModel

CASES = Path(__file__).parents[1] / "triage" / "cases"
SHIPPED = packaged_rules_path().parent / "text_model.json"


def test_the_shipped_model_is_what_training_on_its_files_makes(tmp_path: Path) -> None:
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    files = [CASES / name for name in shipped["trained_on"]["files"]]
    retrained = train_files(files, tmp_path / "model.json", shipped["learner"]["C"])
    assert retrained["trained_on"] == shipped["trained_on"]
    assert retrained["terms"].keys() == shipped["terms"].keys()
    assert retrained["intercept"] == pytest.approx(shipped["intercept"], abs=1e-4)
    worst = max(abs(retrained["terms"][term][0] - pair[0]) for term, pair in shipped["terms"].items())
    assert worst < 1e-3, f"a coefficient moved by {worst}"


def test_a_trained_model_reads_back_and_reproduces_its_checks(tmp_path: Path) -> None:
    out = tmp_path / "small.json"
    assert (
        main(
            [
                "train-text-model",
                str(CASES / "blind_t1-terse.csv"),
                str(CASES / "blind_t2-longform.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["trained_on"]["files"] == ["blind_t1-terse.csv", "blind_t2-longform.csv"]
    assert document["trained_on"]["cases"] == 220
    model = TextModel.from_json(document)
    for check in document["checks"]:
        assert model.probability(check["text"]) == pytest.approx(check["probability"], abs=1e-6)


def test_a_file_with_one_label_only_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_label = tmp_path / "crises.csv"
    one_label.write_text("nature_code,narrative,label\nSUICIDAL,WANTS TO DIE,1\nMENTAL,HEARS VOICES,1\n")
    assert main(["train-text-model", str(one_label), "--out", str(tmp_path / "m.json")]) == 2
    assert "both crisis" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train-text-model", str(tmp_path / "absent.csv"), "--out", str(tmp_path / "m.json")]) == 2
    assert "absent.csv" in capsys.readouterr().err
