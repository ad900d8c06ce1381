"""The assignment engine inside a decision epoch: what units offer (busy units depart from their scene),
per-region travel, stable recommendations across epochs, and the service policy using the engine.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from routing.assignment import assign_units
from routing.epoch import decide
from routing.plan import AssignmentOptions
from routing.region import RegionState, apply_event
from routing.travel import HaversineTravel
from schemas.decisions import AssignmentMethod, Decision
from schemas.events import EVENT_ADAPTER
from service.bootstrap import policy_from
from service.settings import Settings
from tests.builders import FORT_COLLINS, LOVELAND, call_created, core_policy, next_id, unit_upsert

NOW = datetime(2026, 11, 28, 21, 5, tzinfo=UTC)
SHIFT = {"start": "2026-11-28T14:00:00Z", "end": "2026-11-29T02:00:00Z"}
TRAVEL = HaversineTravel()


def apply(state: RegionState, *events: dict[str, Any]) -> None:
    for event in events:
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))


def seconds(a: tuple[float, float], b: tuple[float, float], travel: HaversineTravel = TRAVEL) -> float:
    return float(travel.eta_pairs(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))[0])


def status(unit_id: str, value: str, call_id: str | None, occurred_at: str) -> dict[str, Any]:
    return {
        "event_id": next_id("e-status"),
        "type": "unit.status",
        "occurred_at": occurred_at,
        "region": "larimer",
        "unit": {"unit_id": unit_id, "status": value, "call_id": call_id},
    }


def moved(unit_id: str, at: tuple[float, float], occurred_at: str) -> dict[str, Any]:
    return {
        "event_id": next_id("e-loc"),
        "type": "unit.location",
        "occurred_at": occurred_at,
        "region": "larimer",
        "unit": {"unit_id": unit_id, "location": {"lat": at[0], "lon": at[1]}},
    }


def latest(decisions: list[Decision], call_id: str) -> Decision:
    return [d for d in decisions if d.call_id == call_id][-1]


def test_the_service_policy_decides_every_call_with_the_min_cost_flow_engine() -> None:
    policy = policy_from(Settings(travel_regions={"weld": HaversineTravel(speed_mps=20.0)}))
    assert policy.planner is assign_units
    assert core_policy().planner is assign_units
    assert policy.travel_for("weld") == HaversineTravel(speed_mps=20.0)
    state = RegionState("larimer")
    apply(state, unit_upsert("CR1", shift=SHIFT), call_created("A-1"))
    decision = latest(decide(state, NOW, policy), "A-1")
    assert decision.assignment.unit_id == "CR1"
    assert decision.assignment.method is AssignmentMethod.MIN_COST_FLOW
    assert decision.assignment.optimal is True
    assert decision.assignment.eta_s == round(seconds(FORT_COLLINS, LOVELAND))


def test_a_unit_en_route_is_offered_from_its_scene_after_its_drive_and_time_on_scene() -> None:
    policy = core_policy(options=AssignmentOptions(min_busy_s=0.0))
    state = RegionState("larimer")
    first, second = (40.50, -105.08), (40.51, -105.08)
    apply(
        state,
        unit_upsert("CR1", capacity=2, shift=SHIFT, at=FORT_COLLINS),
        call_created("FIRST", at=first),
        status("CR1", "en_route", "FIRST", "2026-11-28T21:04:30Z"),
        call_created("SECOND", at=second, occurred_at="2026-11-28T21:04:50Z"),
    )
    decision = latest(decide(state, NOW, policy), "SECOND")
    expected = seconds(FORT_COLLINS, first) + policy.options.on_scene_s + seconds(first, second)
    assert decision.assignment.unit_id == "CR1"
    assert decision.assignment.eta_s == round(expected)


def test_each_region_drives_at_its_own_speed() -> None:
    rural = HaversineTravel(circuity=1.2, speed_mps=22.0)
    policy = core_policy(regional_travel={"weld": rural})
    etas = {}
    for region in ("larimer", "weld"):
        state = RegionState(region)
        apply(state, unit_upsert("CR1", region=region, shift=SHIFT), call_created("A-1", region=region))
        etas[region] = latest(decide(state, NOW, policy), "A-1").assignment.eta_s
    assert etas["larimer"] == round(seconds(FORT_COLLINS, LOVELAND))
    assert etas["weld"] == round(seconds(FORT_COLLINS, LOVELAND, rural))


def test_a_recommendation_does_not_flicker_when_another_unit_gets_slightly_closer() -> None:
    policy = core_policy()  # hysteresis 120 s of the call's own ETA
    state = RegionState("larimer")
    apply(
        state,
        unit_upsert("CR1", shift=SHIFT, at=(40.45, -105.075)),
        unit_upsert("CR2", shift=SHIFT, at=(40.50, -105.075)),
        call_created("A-1", at=LOVELAND),
    )
    assert latest(decide(state, NOW, policy), "A-1").assignment.unit_id == "CR1"
    # CR2 comes to within ~30 s of CR1's ETA but not 120 s closer: no new revision.
    nearly = (40.4485, -105.075)
    assert seconds(nearly, LOVELAND) < seconds((40.45, -105.075), LOVELAND)
    apply(state, moved("CR2", nearly, "2026-11-28T21:05:10Z"))
    assert decide(state, NOW, policy) == []
    # Once the gain is well over the hysteresis, the recommendation moves.
    apply(state, moved("CR2", (40.41, -105.075), "2026-11-28T21:05:20Z"))
    decision = latest(decide(state, NOW, policy), "A-1")
    assert decision.assignment.unit_id == "CR2"
    assert decision.revision == 2


def test_a_unit_whose_shift_is_ending_is_not_sent_and_the_call_says_why() -> None:
    ending = {"start": "2026-11-28T14:00:00Z", "end": "2026-11-28T21:50:00Z"}  # 45 min left
    state = RegionState("larimer")
    apply(state, unit_upsert("CR1", shift=ending), call_created("A-1"))
    decision = latest(decide(state, NOW, core_policy()), "A-1")
    assert decision.assignment.status == "queued"
    assert decision.assignment.reason == "shift_ends"
    assert decision.queue_position == 1
