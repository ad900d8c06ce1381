"""Re-triage on call.updated, on plain data: escalation and de-escalation each make a new revision at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from routing.epoch import Policy, decide
from routing.region import RegionState, apply_event
from schemas.decisions import Decision, Response
from schemas.events import EVENT_ADAPTER
from tests.builders import call_created, core_policy, next_id, unit_upsert

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return core_policy()


def _apply(state: RegionState, *events: dict[str, Any]) -> None:
    for event in events:
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))


def _update(call_id: str, occurred_at: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": next_id("e-upd"),
        "type": "call.updated",
        "occurred_at": occurred_at,
        "region": "larimer",
        "call": {"call_id": call_id, **fields},
    }


def _one(decisions: list[Decision], call_id: str) -> Decision:
    (decision,) = [d for d in decisions if d.call_id == call_id]
    return decision


def _region_with_units() -> RegionState:
    state = RegionState("larimer")
    _apply(
        state,
        unit_upsert("LPD-CR1", agency="LPD", model="secondary", can_transport=True),
        unit_upsert("LCSO-CR1", agency="LCSO", model="primary"),
    )
    return state


def test_an_appended_knife_escalates_the_next_decision_at_once(policy: Policy) -> None:
    state = _region_with_units()
    call_id = next_id("LPD-26")
    _apply(
        state,
        call_created(
            call_id,
            nature_code="WELFARE CHECK",
            priority=2,
            narrative="RP STATES SON IS HEARING VOICES. NO WEAPONS",
        ),
    )
    first = _one(decide(state, NOW, policy), call_id)
    assert first.triage.response.wants_co_responder
    assert "weapon_reported" not in first.triage.safety

    _apply(state, _update(call_id, "2026-11-28T21:10:00Z", narrative_append="NOW HAS A KNIFE"))
    second = _one(decide(state, NOW, policy), call_id)
    assert second.revision == first.revision + 1
    assert "weapon_reported" in second.triage.safety
    assert second.triage.response in {Response.CO_RESPONSE_PRIMARY, Response.POLICE_ONLY}
    assert any(r.evidence == "KNIFE" for r in second.triage.reasons)
    if second.assignment.unit_id is not None:
        assert second.assignment.model is not None
        assert second.assignment.model.value == "primary", "no secondary team toward a knife"


def test_a_secured_weapon_de_escalates(policy: Policy) -> None:
    state = _region_with_units()
    call_id = next_id("LPD-26")
    _apply(
        state,
        call_created(
            call_id, nature_code="SUICIDAL", narrative="SUBJ HAS A KNIFE AND IS THREATENING SUICIDE"
        ),
    )
    first = _one(decide(state, NOW, policy), call_id)
    assert first.triage.response is Response.CO_RESPONSE_PRIMARY
    _apply(
        state,
        _update(call_id, "2026-11-28T21:15:00Z", narrative_append="KNIFE SECURED BY OFFICERS. SUBJ CALM"),
    )
    second = _one(decide(state, NOW, policy), call_id)
    assert second.revision == first.revision + 1
    assert "weapon_reported" not in second.triage.safety
    assert second.triage.response.wants_co_responder


def test_a_weapon_flag_added_by_an_update_gates_at_once(policy: Policy) -> None:
    state = _region_with_units()
    call_id = next_id("LPD-26")
    _apply(state, call_created(call_id, nature_code="MENTAL HEALTH", narrative="HEARING VOICES"))
    first = _one(decide(state, NOW, policy), call_id)
    _apply(state, _update(call_id, "2026-11-28T21:05:00Z", flags=["weapon"]))
    second = _one(decide(state, NOW, policy), call_id)
    assert second.revision == first.revision + 1
    assert second.triage.response is Response.CO_RESPONSE_PRIMARY
    assert "weapon_reported" in second.triage.safety


def test_a_late_append_is_read_in_time_order(policy: Policy) -> None:
    """Appends apply in occurred_at order, so the latest statement about a weapon wins even out of order."""
    state = _region_with_units()
    call_id = next_id("LPD-26")
    _apply(
        state,
        call_created(
            call_id, nature_code="SUICIDAL", narrative="SUICIDAL MALE", occurred_at="2026-11-28T21:00:00Z"
        ),
        _update(call_id, "2026-11-28T21:20:00Z", narrative_append="KNIFE SECURED BY OFFICERS"),
        _update(call_id, "2026-11-28T21:10:00Z", narrative_append="HAS A KNIFE"),
    )
    decision = _one(decide(state, NOW, policy), call_id)
    assert "weapon_reported" not in decision.triage.safety


def test_a_de_escalated_narrative_keeps_its_reasons(policy: Policy) -> None:
    state = _region_with_units()
    call_id = next_id("LPD-26")
    _apply(state, call_created(call_id, nature_code="DISTURBANCE", narrative="MALE YELLING"))
    first = _one(decide(state, NOW, policy), call_id)
    assert first.triage.response is Response.NOT_BEHAVIORAL
    assert first.triage.reasons
    _apply(
        state, _update(call_id, "2026-11-28T21:05:00Z", narrative_append="NOW SAYS HE WANTS TO KILL HIMSELF")
    )
    second = _one(decide(state, NOW, policy), call_id)
    assert second.triage.response.wants_co_responder
    assert second.triage.score > first.triage.score
