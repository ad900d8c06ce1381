"""Triage through the public API equals triage by the core: labeled calls sent as CAD events
(created, appends, close) through `POST /events` to a real uvicorn server on the real broker, their
decisions read back from `GET /calls/{id}` (`benchmarks.triage_through_api`)."""

from __future__ import annotations

from pathlib import Path

import httpx

from benchmarks.triage_through_api import cad_events, measure, render
from service.triage_eval import read_labeled_csv
from tests.conftest import LiveService

CASES = Path(__file__).resolve().parents[1] / "triage" / "cases"
WITH_APPENDS = CASES / "blind_t3-appends.csv"


def test_a_call_becomes_created_then_one_update_per_append_then_closed() -> None:
    call = next(c for c in read_labeled_csv(WITH_APPENDS) if c.appends >= 1)
    events = cad_events(call, call_id="X-1", region="r1", index=3)
    kinds = [e["type"] for e in events]
    assert kinds == ["call.created"] + ["call.updated"] * call.appends + ["call.closed"]
    assert [e["call"].get("narrative_append") for e in events[1:-1]] == list(call.narrative_parts[1:])
    assert events[0]["call"]["narrative"] == call.narrative_parts[0]
    stamps = [e["occurred_at"] for e in events]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


async def test_decisions_read_through_the_api_are_the_cores(live_service: LiveService) -> None:
    async with httpx.AsyncClient(base_url=live_service.base_url, timeout=30) as client:
        result = await measure(client, WITH_APPENDS, live_service.settings, limit=40, timeout_s=60)
    report = render(result)
    assert result.calls == 40
    assert not result.disagreements, report
    assert result.api.decision == result.core.decision, report
    assert result.api.safety == result.core.safety, report
