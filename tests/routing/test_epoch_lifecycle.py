"""Decision epochs over a call's lifecycle, on plain data: every created call gets decisions, in order."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from routing.epoch import decide
from routing.region import RegionState, apply_event
from schemas.decisions import CallStatus
from schemas.events import EVENT_ADAPTER
from tests.builders import call_closed, call_created, core_policy, unit_upsert

NOW = datetime.now(UTC)


def _apply(state: RegionState, *events: dict[str, object]) -> None:
    for event in events:
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))


def test_a_call_created_and_closed_in_one_batch_gets_its_final_decision() -> None:
    state = RegionState("larimer")
    _apply(state, unit_upsert("U1"), call_created("C1"), call_closed("C1"))
    decisions = decide(state, NOW, core_policy())
    assert [(d.call_id, d.revision, d.call_status) for d in decisions] == [("C1", 1, CallStatus.CLOSED)]
    assert decisions[0].triage.reasons
    assert "C1" not in state.calls


def test_a_close_that_arrives_before_its_create_still_ends_in_one_closed_decision() -> None:
    state = RegionState("larimer")
    _apply(state, call_closed("C2", occurred_at="2026-11-28T22:00:00Z"))
    assert decide(state, NOW, core_policy()) == []
    _apply(state, call_created("C2", occurred_at="2026-11-28T21:00:00Z"))
    decisions = decide(state, NOW, core_policy())
    assert [(d.call_id, d.call_status) for d in decisions] == [("C2", CallStatus.CLOSED)]
    assert decide(state, NOW, core_policy()) == []
