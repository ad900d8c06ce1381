"""How one CAD event changes a region's state: dedupe, field-wise newest-wins, stubs, closure, rejections."""

from __future__ import annotations

import pytest

from routing.errors import EventRejected
from routing.region import Applied, RegionState
from schemas.units import UnitStatus
from tests.routing.conftest import LOVELAND, T0, CadScript


def test_an_event_seen_twice_is_applied_once(cad: CadScript, region: RegionState) -> None:
    append = cad.call_updated("C1", at=10, narrative_append="SUBJ LOCKED IN BATHROOM")
    outcomes = cad.feed(region, cad.call_created("C1", narrative="RP STATES SON SUICIDAL"), append, append)

    assert outcomes == [Applied.APPLIED, Applied.APPLIED, Applied.DUPLICATE]
    assert region.calls["C1"].facts().narrative == "RP STATES SON SUICIDAL SUBJ LOCKED IN BATHROOM"


def test_the_dedupe_window_is_bounded(cad: CadScript) -> None:
    state = RegionState("larimer", dedupe_window=2)
    first = cad.call_created("C1")
    cad.feed(state, first, cad.call_created("C2"), cad.call_created("C3"))

    assert list(state.seen) == ["e-000002", "e-000003"]
    assert cad.feed(state, first) == [Applied.APPLIED], "an id older than the window is not recognised"


def test_the_newest_occurred_at_wins_per_field(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.call_created("C1", at=0, priority=3, nature_code="WELFARE CHECK"))
    cad.feed(region, cad.call_updated("C1", at=20, priority=1))
    late = cad.call_updated("C1", at=10, priority=4, nature_code="MENTAL")

    assert cad.feed(region, late) == [Applied.APPLIED]
    call = region.calls["C1"]
    assert call.priority == 1, "an older priority must not overwrite a newer one"
    assert call.nature_code == "MENTAL", "the same late event still carries the newest nature code"


def test_an_update_older_than_every_field_it_carries_is_stale(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.call_created("C1", at=30, priority=3))

    assert cad.feed(region, cad.call_updated("C1", at=5, priority=5)) == [Applied.STALE]
    assert region.calls["C1"].priority == 3
    assert "C1" in region.touched  # from the create; the stale update added nothing


def test_an_update_before_its_create_opens_a_stub_the_create_completes(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.call_updated("C1", at=30, priority=1, narrative_append="NOW HAS A KNIFE"))
    stub = region.calls["C1"]
    assert not stub.created

    cad.feed(region, cad.call_created("C1", at=0, priority=3, nature_code="SUICIDAL", narrative="RP STATES"))

    call = region.calls["C1"]
    assert call.created
    assert call.priority == 1, "the update is newer than the create"
    assert call.nature_code == "SUICIDAL"
    assert call.opened_at == T0
    assert call.facts().narrative == "RP STATES NOW HAS A KNIFE"


def test_narrative_appends_are_kept_in_occurred_at_order(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.call_created("C1", narrative="RP STATES"),
        cad.call_updated("C1", at=20, narrative_append="SECOND"),
        cad.call_updated("C1", at=10, narrative_append="FIRST"),
    )

    assert region.calls["C1"].facts().narrative == "RP STATES FIRST SECOND"


def test_a_closed_call_stays_closed(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.call_created("C1", priority=2), cad.call_closed("C1", at=60))

    assert cad.feed(region, cad.call_updated("C1", at=90, priority=1)) == [Applied.STALE]
    assert cad.feed(region, cad.call_closed("C1", at=95, disposition="er")) == [Applied.STALE]
    assert region.calls["C1"].priority == 2
    assert region.calls["C1"].disposition == "resolved_on_scene"

    cad.decide(region, at=100)  # publishes the final decision and forgets the call

    assert "C1" not in region.calls
    assert cad.feed(region, cad.call_created("C1", at=120)) == [Applied.STALE]
    assert "C1" not in region.calls


@pytest.mark.parametrize("kind", ["status", "location"])
def test_an_event_for_an_unknown_unit_is_rejected_and_not_remembered(
    cad: CadScript, region: RegionState, kind: str
) -> None:
    event = (
        cad.unit_status("LCSO-CR9", "available", at=5)
        if kind == "status"
        else cad.unit_location("LCSO-CR9", LOVELAND, at=5)
    )

    with pytest.raises(EventRejected) as rejected:
        cad.feed(region, event)

    assert rejected.value.reason == "unknown_unit"
    assert event.event_id not in region.seen, "a rejected event must be retried once the unit exists"
    cad.feed(region, cad.unit_upsert("LCSO-CR9", at=0))
    assert cad.feed(region, event) == [Applied.APPLIED]


def test_a_status_tied_to_a_call_fixes_the_unit_and_available_releases_it(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"))
    cad.feed(region, cad.unit_status("LCSO-CR1", "en_route", "C1", at=30))

    assert region.calls["C1"].fixed_unit == "LCSO-CR1"
    assert region.units["LCSO-CR1"].calls == {"C1"}

    cad.feed(region, cad.unit_status("LCSO-CR1", "available", at=900))

    assert region.calls["C1"].fixed_unit is None
    assert region.units["LCSO-CR1"].calls == set()


def test_closing_a_call_frees_its_unit(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"))
    cad.feed(region, cad.unit_status("LCSO-CR1", "on_scene", "C1", at=30), cad.call_closed("C1", at=60))

    assert region.units["LCSO-CR1"].calls == set()


def test_an_older_unit_status_is_stale(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.unit_status("LCSO-CR1", "out_of_service", at=50))

    assert cad.feed(region, cad.unit_status("LCSO-CR1", "available", at=40)) == [Applied.STALE]
    assert region.units["LCSO-CR1"].status is UnitStatus.OUT_OF_SERVICE


def test_an_older_upsert_keeps_the_newer_position_and_roster(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1", at=100, capacity=2, location=LOVELAND))
    cad.feed(region, cad.unit_upsert("LCSO-CR1", at=50, capacity=1))

    unit = region.units["LCSO-CR1"]
    assert (unit.capacity, (unit.lat, unit.lon)) == (2, LOVELAND)


def test_an_ack_for_a_call_that_is_not_open_is_rejected(cad: CadScript, region: RegionState) -> None:
    with pytest.raises(EventRejected) as rejected:
        cad.feed(region, cad.ack("C404", "accept", at=5))

    assert rejected.value.reason == "unknown_call"


def test_a_rejected_ack_leaves_the_call_untouched(cad: CadScript, region: RegionState) -> None:
    created = cad.call_created("C1")
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), created)
    cad.decide(region, at=5)

    with pytest.raises(EventRejected):
        cad.feed(region, cad.ack("C1", "accept", at=10, revision=9))

    assert region.calls["C1"].last_event_id == created.event_id
    assert "C1" not in region.touched


def test_a_dispatch_that_arrives_before_its_call_still_fixes_the_unit(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"))
    cad.feed(region, cad.unit_status("LCSO-CR1", "dispatched", "C1", at=20))
    cad.feed(region, cad.call_created("C1", at=0))

    assert region.calls["C1"].fixed_unit == "LCSO-CR1"
