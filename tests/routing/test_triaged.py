"""What an open call keeps of its triage: the reasons' JSON, held in an allocation of its own size."""

from __future__ import annotations

import tracemalloc

import orjson

from routing.triaged import Triaged, exact_bytes
from schemas.decisions import Band, Response
from triage.facts import Reason, TriageResult


def _result() -> TriageResult:
    return TriageResult(
        score=0.82,
        band=Band.HIGH,
        response=Response.CO_RESPONSE_ANY,
        reasons=(Reason("SUICIDE_IDEATION", 2.5, "WANTS TO END IT"),),
        safety=(),
    )


def test_the_reasons_are_kept_as_the_decisions_json() -> None:
    triaged = Triaged.of(_result())

    assert orjson.loads(triaged.reasons_json) == [
        {"code": "SUICIDE_IDEATION", "weight": 2.5, "evidence": "WANTS TO END IT"}
    ]
    assert triaged.reason_codes == ("SUICIDE_IDEATION",)


def test_a_kept_triage_holds_bytes_of_its_size_not_orjsons_4_kib_buffer() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [Triaged.of(_result()) for _ in range(200)]
        held = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()

    assert held < 1_000, f"{held:.0f} bytes per triage"


def test_exact_bytes_copies_only_what_it_is_given() -> None:
    data = orjson.dumps({"a": 1})
    assert exact_bytes(data) == data
