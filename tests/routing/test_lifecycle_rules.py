"""Lifecycle rules of the region state: served calls, cancelled dispatches, closes, stubs, off-duty."""

from __future__ import annotations

from routing.region import Applied, RegionState
from schemas.decisions import AssignmentStatus
from tests.routing.conftest import CadScript


def test_a_unit_cancelled_before_arrival_puts_the_call_back_in_the_plan(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"))
    cad.decide(region, at=1)
    cad.feed(region, cad.unit_status("LCSO-CR1", "en_route", "C1", at=10))
    assert cad.decide(region, at=11)[0].assignment.fixed
    cad.feed(region, cad.unit_status("LCSO-CR1", "available", at=20))
    (decision,) = cad.decide(region, at=21)
    assert region.calls["C1"].served_by is None
    assert decision.assignment.status is AssignmentStatus.RECOMMENDED
    assert not decision.assignment.fixed


def test_a_served_call_says_who_served_it(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"))
    cad.feed(region, cad.unit_status("LCSO-CR1", "on_scene", "C1", at=10))
    cad.decide(region, at=11)
    cad.feed(region, cad.unit_status("LCSO-CR1", "transporting", "C1", at=20))
    assert cad.decide(region, at=21) == [], "transporting from the same scene is still the same call"
    cad.feed(region, cad.unit_status("LCSO-CR1", "available", at=30))
    (decision,) = cad.decide(region, at=31)
    assert decision.assignment.status is AssignmentStatus.NONE
    assert decision.assignment.reason == "served"
    assert decision.assignment.unit_id == "LCSO-CR1"


def test_a_unit_leaving_one_scene_for_another_call_has_served_the_first(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1", capacity=2), cad.call_created("C1"), cad.call_created("C2"))
    cad.feed(region, cad.unit_status("LCSO-CR1", "on_scene", "C1", at=10))
    cad.feed(region, cad.unit_status("LCSO-CR1", "en_route", "C2", at=20))
    cad.decide(region, at=21)
    assert region.calls["C1"].served_by == "LCSO-CR1"
    assert region.calls["C2"].fixed_unit == "LCSO-CR1"


def test_a_create_resent_after_the_close_changes_nothing(cad: CadScript, region: RegionState) -> None:
    created = cad.call_created("C1", nature_code="WELFARE CHECK")
    cad.feed(region, created, cad.call_closed("C1", at=5))
    resent = cad.call_created("C1", nature_code="SUICIDAL", at=6)
    assert cad.feed(region, resent) == [Applied.STALE]
    assert region.calls["C1"].nature_code == "WELFARE CHECK"


def test_stubs_waiting_for_their_create_are_bounded(cad: CadScript) -> None:
    region = RegionState("larimer", stub_memory=3)
    cad.feed(region, *(cad.call_closed(f"JUNK-{n}", at=n) for n in range(5)))
    assert sorted(region.calls) == ["JUNK-2", "JUNK-3", "JUNK-4"]
    assert list(region.stubs) == ["JUNK-2", "JUNK-3", "JUNK-4"]


def test_a_call_queued_while_its_units_are_off_duty_says_so(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LCSO-CR1", status="out_of_service"),
        cad.unit_upsert("LCSO-CR2", shift_hours=(-10.0, -1.0)),
        cad.call_created("C1"),
    )
    (decision,) = cad.decide(region, at=1)
    assert decision.assignment.status is AssignmentStatus.QUEUED
    assert decision.assignment.reason == "no_unit_on_duty"


def test_an_equally_urgent_newcomer_does_not_push_a_recommended_call_back_into_the_queue(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"))
    (first,) = cad.decide(region, at=1)
    assert first.assignment.unit_id == "LCSO-CR1"
    cad.feed(region, cad.call_created("C2", at=60))
    (second,) = cad.decide(region, at=61)
    assert second.call_id == "C2"
    assert second.assignment.status is AssignmentStatus.QUEUED
    assert region.calls["C1"].placement is not None
    assert region.calls["C1"].placement.unit_id == "LCSO-CR1"
