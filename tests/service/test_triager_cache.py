"""`service.bootstrap.triager_from`: the rules are compiled once per process for the same files (by
content) and bands, and compiled again when a file's content or the bands change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.bootstrap import triager_from
from service.settings import Settings
from triage.errors import RulebookError
from triage.facts import BandThresholds

AGENCY_FILE = next(iter(sorted((Path(__file__).resolve().parents[2] / "simulator" / "rules").glob("*.toml"))))


def _agency(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("agency"):
            return line.split("=", 1)[1].strip().strip('"')
    raise AssertionError(f"{path} names no agency")


def test_the_same_rules_are_compiled_once() -> None:
    assert triager_from(Settings()) is triager_from(Settings())


def test_other_bands_or_an_edited_file_compile_again(tmp_path: Path) -> None:
    copy = tmp_path / AGENCY_FILE.name
    shutil.copy(AGENCY_FILE, copy)
    settings = Settings(triage_agency_rules={_agency(copy): copy})
    first = triager_from(settings)
    assert triager_from(settings) is first
    copy.write_text(copy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert triager_from(settings) is not first, "a file edited on disk is read again"
    bands = BandThresholds(high=0.8, medium=0.5, low=0.2)
    with_bands = triager_from(Settings(triage_bands=bands))
    assert with_bands is not triager_from(Settings())
    assert with_bands.default.thresholds == bands


def test_a_bad_file_is_never_cached(tmp_path: Path) -> None:
    bad = tmp_path / "lpd.toml"
    bad.write_text('version = 1\nagency = "LPD"\n[aliases\n', encoding="utf-8")
    settings = Settings(triage_agency_rules={"LPD": bad})
    for _ in range(2):
        with pytest.raises(RulebookError, match=r"lpd\.toml"):
            triager_from(settings)
