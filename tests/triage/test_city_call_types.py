"""Real call types of five US cities (their open-data call-type fields with the published volumes): the
nature code alone must send a co-responder to the behavioral-health types and to nothing else.

The file and its sources are described in `tests/triage/cases/README.md`; the figures are printed by
`corespond triage-eval tests/triage/cases/city_call_types.csv`.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from service.triage_eval import evaluate, read_labeled_csv
from tests.builders import default_rules
from triage.facts import CallFacts

CASES = Path(__file__).parent / "cases"
CITY_TYPES = CASES / "city_call_types.csv"
COLUMNS = ["city", "source", "field", "nature_code", "volume", "label", "note"]


def _rows() -> list[dict[str, str]]:
    with CITY_TYPES.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_every_row_names_a_documented_source_and_a_published_volume() -> None:
    readme = (CASES / "README.md").read_text(encoding="utf-8")
    rows = _rows()
    assert len({r["city"] for r in rows}) >= 5
    for row in rows:
        assert f"`{row['source']}`" in readme, f"source {row['source']!r} is not described in the README"
        assert row["label"] in {"0", "1"}
        assert row["volume"].isdigit(), "these five cities publish their volumes: none is invented"
    types = [(r["city"], r["nature_code"]) for r in rows]
    assert len(types) == len(set(types)), "one row per call type and city"


def test_the_nature_code_alone_finds_the_behavioral_types_of_every_city() -> None:
    report = evaluate(str(CITY_TYPES), read_labeled_csv(CITY_TYPES), default_rules(), 0.40)
    assert report.volume is not None
    for city in report.volume.cities:
        assert city.published
        assert city.decision.recall >= 0.95, city
        assert city.decision.precision >= 0.90, city
    assert report.volume.pooled is not None
    assert report.volume.pooled.recall >= 0.95
    assert report.volume.pooled.precision >= 0.90


@pytest.mark.parametrize(
    "nature_code",
    ["INDECENT BEHAVIOR", "08 - INTOXICATED PERSON", "SERVICE - WELFARE CHECK", "ONE DOWN OR OVER THE WHEEL"],
)
def test_types_that_do_not_name_a_crisis_leave_it_to_the_narrative(nature_code: str) -> None:
    result = default_rules().triage(CallFacts(agency="", nature_code=nature_code, priority=3))
    assert not result.response.wants_co_responder
    hearing = CallFacts(agency="", nature_code=nature_code, priority=3, narrative="SAYS HE HEARS VOICES")
    assert default_rules().triage(hearing).response.wants_co_responder
