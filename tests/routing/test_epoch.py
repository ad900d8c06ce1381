"""Decision epochs on plain data: who is recommended, when a new revision is published, acks, queueing."""

from __future__ import annotations

import pytest

from routing.errors import EventRejected
from routing.region import RegionState
from schemas.decisions import AssignmentMethod, AssignmentStatus, Band, CallStatus, Decision, Response
from schemas.events import CadEvent
from tests.routing.conftest import (
    BERTHOUD,
    ESTES_PARK,
    FORT_COLLINS,
    LOVELAND,
    NORTH_FORT_COLLINS,
    WELLINGTON,
    CadScript,
)


def three_teams(cad: CadScript) -> list[CadEvent]:
    """A Sheriff's primary team in Fort Collins, a Loveland secondary team, an Estes Park team."""
    return [
        cad.unit_upsert("LCSO-CR1", location=FORT_COLLINS, jurisdictions=("LCSO", "EPPD", "LPD")),
        cad.unit_upsert(
            "LPD-CR1",
            agency="LPD",
            model="secondary",
            can_transport=True,
            jurisdictions=("LPD",),
            location=LOVELAND,
        ),
        cad.unit_upsert("EPPD-CR1", agency="EPPD", jurisdictions=("EPPD", "LCSO"), location=ESTES_PARK),
    ]


def only(decisions: list[Decision], call_id: str) -> Decision:
    matching = [d for d in decisions if d.call_id == call_id]
    assert len(matching) == 1, f"expected one decision for {call_id}, got {decisions}"
    return matching[0]


def test_a_suicidal_call_gets_the_nearest_co_responder_team(cad: CadScript, region: RegionState) -> None:
    created = cad.call_created("C1", nature_code="SUICIDAL", priority=1, location=NORTH_FORT_COLLINS)
    cad.feed(region, *three_teams(cad), created)

    decision = only(cad.decide(region, at=10), "C1")

    assert decision.revision == 1
    assert decision.call_status is CallStatus.OPEN
    assert decision.source_event_id == created.event_id
    assert decision.triage.band is Band.HIGH
    assert decision.triage.response is Response.CO_RESPONSE_ANY
    assignment = decision.assignment
    assert (assignment.status, assignment.unit_id, assignment.model) == (
        AssignmentStatus.RECOMMENDED,
        "LCSO-CR1",
        "primary",
    )
    assert assignment.method is AssignmentMethod.MIN_COST_FLOW
    assert assignment.optimal is True
    assert not assignment.fixed
    assert assignment.eta_s is not None
    assert 200 < assignment.eta_s < 600, "about 3 km of county road"
    assert [a.unit_id for a in decision.alternatives] == ["EPPD-CR1"], "LPD-CR1 serves Loveland only"
    assert decision.queue_position is None


def test_a_call_that_is_not_behavioral_is_published_but_not_routed(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1", nature_code="THEFT", narrative="BIKE STOLEN"))

    decision = only(cad.decide(region, at=10), "C1")

    assert decision.triage.response is Response.NOT_BEHAVIORAL
    assert decision.assignment.status is AssignmentStatus.NONE
    assert decision.assignment.reason == "not_behavioral"
    assert decision.alternatives == []


def test_a_weapon_call_is_never_given_a_secondary_team(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert(
            "LPD-CR2", agency="LPD", model="secondary", jurisdictions=("LCSO",), location=NORTH_FORT_COLLINS
        ),
        cad.unit_upsert("LCSO-CR2", location=WELLINGTON),
        cad.call_created("C1", flags=["weapon"], narrative="SON HAS A KNIFE, THREATENING TO KILL HIMSELF"),
    )

    decision = only(cad.decide(region, at=10), "C1")

    assert "weapon_reported" in decision.triage.safety
    assert decision.triage.response is Response.CO_RESPONSE_PRIMARY
    assert decision.assignment.unit_id == "LCSO-CR2", "the secondary team is closer but not allowed"
    assert "LPD-CR2" not in [a.unit_id for a in decision.alternatives]


def test_a_weapon_call_with_only_secondary_teams_is_queued(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LPD-CR2", agency="LPD", model="secondary", jurisdictions=("LCSO",)),
        cad.call_created("C1", flags=["weapon"]),
    )

    decision = only(cad.decide(region, at=10), "C1")

    assert decision.assignment.status is AssignmentStatus.QUEUED
    assert decision.assignment.reason == "no_compatible_unit"
    assert decision.queue_position == 1


def test_a_weapon_flag_added_later_moves_the_call_off_a_secondary_team(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(
        region,
        cad.unit_upsert(
            "LPD-CR2", agency="LPD", model="secondary", jurisdictions=("LCSO",), location=NORTH_FORT_COLLINS
        ),
        cad.unit_upsert("LCSO-CR2", location=WELLINGTON),
        cad.call_created("C1"),
    )
    assert only(cad.decide(region, at=10), "C1").assignment.unit_id == "LPD-CR2"

    update = cad.call_updated("C1", at=60, flags=["weapon"], narrative_append="PER RP SUBJ NOW HAS A KNIFE")
    cad.feed(region, update)
    decision = only(cad.decide(region, at=70), "C1")

    assert decision.revision == 2
    assert decision.source_event_id == update.event_id
    assert decision.triage.safety == ["weapon_reported"]
    assert decision.assignment.unit_id == "LCSO-CR2"


def test_a_unit_status_tied_to_the_call_fixes_the_assignment(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)

    cad.feed(region, cad.unit_status("EPPD-CR1", "dispatched", "C1", at=30))
    decision = only(cad.decide(region, at=31), "C1")

    assert decision.revision == 2
    assert decision.assignment.unit_id == "EPPD-CR1", "the CAD's dispatch overrides the recommendation"
    assert decision.assignment.fixed
    assert decision.assignment.method is AssignmentMethod.DISPATCHER

    cad.feed(region, cad.unit_location("EPPD-CR1", WELLINGTON, at=60))
    assert cad.decide(region, at=61) == [], "a fixed unit is not re-optimised when it moves"


def test_accepting_the_recommendation_fixes_it(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    first = only(cad.decide(region, at=10), "C1")

    cad.feed(region, cad.ack("C1", "accept", at=20, revision=first.revision))
    decision = only(cad.decide(region, at=21), "C1")

    assert (decision.revision, decision.assignment.unit_id, decision.assignment.fixed) == (
        2,
        "LCSO-CR1",
        True,
    )
    assert region.units["LCSO-CR1"].calls == {"C1"}


def test_an_accept_of_a_stale_revision_is_rejected(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)
    cad.feed(region, cad.call_updated("C1", at=20, narrative_append="HEARING VOICES"))
    assert only(cad.decide(region, at=21), "C1").revision == 2

    with pytest.raises(EventRejected) as rejected:
        cad.feed(region, cad.ack("C1", "accept", at=30, revision=1))

    assert rejected.value.reason == "stale_revision"
    assert region.calls["C1"].fixed_unit is None


def test_an_accept_with_nothing_recommended_is_rejected(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LPD-CR1", agency="LPD", jurisdictions=("LPD",)), cad.call_created("C1"))
    cad.decide(region, at=10)

    with pytest.raises(EventRejected) as rejected:
        cad.feed(region, cad.ack("C1", "accept", at=20))

    assert rejected.value.reason == "nothing_to_accept"


def test_an_override_fixes_the_unit_the_dispatcher_chose(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)

    cad.feed(region, cad.ack("C1", "override", at=20, unit_id="EPPD-CR1"))
    decision = only(cad.decide(region, at=21), "C1")

    assert (decision.assignment.unit_id, decision.assignment.fixed) == ("EPPD-CR1", True)


def test_an_override_naming_an_unknown_unit_is_rejected(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)

    with pytest.raises(EventRejected) as rejected:
        cad.feed(region, cad.ack("C1", "override", at=20, unit_id="LCSO-CR99"))

    assert rejected.value.reason == "unknown_unit"


def test_a_declined_call_is_not_routed_until_accepted(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)

    cad.feed(region, cad.ack("C1", "decline", at=20))
    declined = only(cad.decide(region, at=21), "C1")

    assert declined.assignment.status is AssignmentStatus.NONE
    assert declined.assignment.reason == "declined_by_dispatcher"
    assert region.units["LCSO-CR1"].calls == set()

    cad.feed(region, cad.ack("C1", "override", at=30, unit_id="LCSO-CR1"))
    assert only(cad.decide(region, at=31), "C1").assignment.fixed


def test_an_avl_ping_alone_publishes_no_revision(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)

    cad.feed(region, cad.unit_location("LCSO-CR1", (40.5900, -105.0900), at=60))

    assert cad.decide(region, at=61) == []
    assert region.calls["C1"].published is not None
    assert region.calls["C1"].published.revision == 1


def test_a_narrative_append_that_changes_no_triage_publishes_nothing(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)

    cad.feed(region, cad.call_updated("C1", at=20, narrative_append="RP REQ PHONE CONTACT ONLY"))
    assert cad.decide(region, at=21) == []

    cad.feed(region, cad.call_updated("C1", at=30, narrative_append="SUBJ HEARING VOICES"))
    decision = only(cad.decide(region, at=31), "C1")
    assert decision.revision == 2
    assert any("HEARING VOICES" in r.evidence for r in decision.triage.reasons)


def test_a_unit_moving_much_closer_changes_the_recommendation(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1", location=ESTES_PARK))
    assert only(cad.decide(region, at=10), "C1").assignment.unit_id == "EPPD-CR1"

    cad.feed(
        region,
        cad.unit_location("EPPD-CR1", BERTHOUD, at=50),
        move := cad.unit_location("LCSO-CR1", ESTES_PARK, at=60),
    )
    decision = only(cad.decide(region, at=61), "C1")

    assert (decision.revision, decision.assignment.unit_id) == (2, "LCSO-CR1")
    assert decision.source_event_id == move.event_id, "not the call's event: the region's latest"


def test_jurisdiction_is_respected(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LPD-CR1", agency="LPD", jurisdictions=("LPD",), location=ESTES_PARK),
        cad.unit_upsert("LCSO-CR1", jurisdictions=("LCSO", "EPPD"), location=WELLINGTON),
        cad.call_created("C1", agency="EPPD", location=ESTES_PARK),
        cad.call_created("C2", agency="LPD", location=LOVELAND),
    )

    decisions = cad.decide(region, at=10)

    assert only(decisions, "C1").assignment.unit_id == "LCSO-CR1", (
        "LPD-CR1 is on the spot but serves LPD only"
    )
    assert only(decisions, "C2").assignment.unit_id == "LPD-CR1"


def test_a_call_outside_every_jurisdiction_is_queued_with_its_reason(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LPD-CR1", agency="LPD", jurisdictions=("LPD",)),
        cad.call_created("C1", agency="EPPD", location=ESTES_PARK),
    )

    decision = only(cad.decide(region, at=10), "C1")

    assert decision.assignment.status is AssignmentStatus.QUEUED
    assert decision.assignment.reason == "no_unit_in_jurisdiction"
    assert decision.queue_position == 1


@pytest.mark.parametrize(("capacity", "recommended"), [(1, 1), (2, 2)])
def test_capacity_is_respected(cad: CadScript, region: RegionState, capacity: int, recommended: int) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LCSO-CR1", capacity=capacity),
        cad.call_created("C1", priority=1),
        cad.call_created("C2", priority=2),
    )

    decisions = cad.decide(region, at=10)

    statuses = [d.assignment.status for d in decisions]
    assert statuses.count(AssignmentStatus.RECOMMENDED) == recommended
    if capacity == 1:
        queued = only(decisions, "C2")
        assert queued.assignment.reason == "eligible_units_taken_by_more_urgent_calls"
        assert queued.queue_position == 1
        assert [a.unit_id for a in queued.alternatives] == ["LCSO-CR1"]


def test_a_revision_a_units_status_caused_names_that_event_as_its_source(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.feed(region, cad.call_updated("C1", at=20, narrative_append="SUBJ LEFT ON FOOT NB"))
    cad.decide(region, at=21)

    cad.feed(region, dispatched := cad.unit_status("LCSO-CR1", "dispatched", "C1", at=60))
    decision = only(cad.decide(region, at=61), "C1")

    assert decision.assignment.fixed
    assert decision.source_event_id == dispatched.event_id, "not the call's own older update"

    cad.feed(region, cleared := cad.unit_status("LCSO-CR1", "available", None, at=90))
    released = only(cad.decide(region, at=91), "C1")
    assert not released.assignment.fixed
    assert released.source_event_id == cleared.event_id


def test_a_unit_held_by_a_dispatched_call_has_no_slot_left(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1", capacity=1), cad.call_created("C1"))
    cad.feed(region, cad.unit_status("LCSO-CR1", "on_scene", "C1", at=5), cad.call_created("C2", at=10))

    decision = only(cad.decide(region, at=20), "C2")

    assert decision.assignment.status is AssignmentStatus.QUEUED
    assert decision.assignment.reason == "all_at_capacity"


def test_the_urgent_call_wins_a_scarce_team_even_when_farther(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LCSO-CR1", location=FORT_COLLINS),
        cad.call_created("ROUTINE", priority=5, nature_code="MENTAL", location=FORT_COLLINS),
        cad.call_created("URGENT", priority=1, nature_code="SUICIDAL", location=WELLINGTON),
    )

    decisions = cad.decide(region, at=10)

    assert only(decisions, "URGENT").assignment.unit_id == "LCSO-CR1"
    assert only(decisions, "ROUTINE").assignment.status is AssignmentStatus.QUEUED


def test_queued_calls_carry_a_reason_and_are_ordered_by_priority(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LPD-CR1", agency="LPD", jurisdictions=("LPD",)),
        cad.call_created("C-P3", priority=3),
        cad.call_created("C-P1", priority=1),
        cad.call_created("C-P2", priority=2),
    )

    decisions = cad.decide(region, at=10)

    positions = {d.call_id: d.queue_position for d in decisions}
    assert positions == {"C-P1": 1, "C-P2": 2, "C-P3": 3}
    assert all(d.assignment.reason == "no_unit_in_jurisdiction" for d in decisions)


def test_a_closed_call_gets_a_final_decision_and_is_forgotten(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)
    cad.feed(region, cad.unit_status("LCSO-CR1", "on_scene", "C1", at=300))
    cad.decide(region, at=301)

    closed = cad.call_closed("C1", at=2000, disposition="referred")
    cad.feed(region, closed)
    decision = only(cad.decide(region, at=2001), "C1")

    assert decision.revision == 3
    assert decision.call_status is CallStatus.CLOSED
    assert decision.source_event_id == closed.event_id
    assert (decision.assignment.status, decision.assignment.reason) == (AssignmentStatus.NONE, "call_closed")
    assert "C1" not in region.calls
    assert region.units["LCSO-CR1"].calls == set()
    assert cad.decide(region, at=2002) == []


def test_a_call_created_and_closed_in_one_batch_gets_one_final_decision(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(
        region,
        *three_teams(cad),
        cad.call_created("C1"),
        cad.call_closed("C1", at=5, disposition="cancelled"),
    )

    decisions = cad.decide(region, at=10)

    decision = only(decisions, "C1")
    assert (decision.revision, decision.call_status) == (1, CallStatus.CLOSED)
    assert decision.triage.band is Band.HIGH, "even a final-only decision explains the call"
    assert "C1" not in region.calls


def test_an_append_that_arrives_with_the_close_is_in_the_final_decision(
    cad: CadScript, region: RegionState
) -> None:
    """The close's revision carries the triage of everything sent before it, even in one batch."""
    created = cad.call_created("C1", nature_code="WELFARE CHECK", narrative="CHECK ON RP")
    cad.feed(region, *three_teams(cad), created)
    first = only(cad.decide(region, at=10), "C1")
    assert not first.triage.safety
    cad.feed(
        region,
        cad.call_updated("C1", at=20, narrative_append="SUBJ HAS A KNIFE AND SAYS HE WILL KILL HIS BROTHER"),
        cad.call_closed("C1", at=21),
    )

    final = only(cad.decide(region, at=30), "C1")

    assert final.call_status is CallStatus.CLOSED
    assert "weapon_reported" in final.triage.safety
    assert "threat_to_others" in final.triage.safety


def test_an_off_shift_unit_is_not_recommended(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LCSO-CR1", shift_hours=(-10.0, -1.0)),
        cad.unit_upsert("LCSO-CR2", location=WELLINGTON, shift_hours=(-1.0, 9.0)),
        cad.call_created("C1"),
    )

    assert only(cad.decide(region, at=10), "C1").assignment.unit_id == "LCSO-CR2"


def test_a_unit_whose_shift_has_not_started_is_not_recommended(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LCSO-CR1", shift_hours=(1.0, 11.0)),
        cad.unit_upsert("LCSO-CR2", location=WELLINGTON),
        cad.call_created("C1"),
    )

    assert only(cad.decide(region, at=10), "C1").assignment.unit_id == "LCSO-CR2"


def test_an_out_of_service_unit_is_not_recommended(cad: CadScript, region: RegionState) -> None:
    cad.feed(
        region,
        cad.unit_upsert("LCSO-CR1", status="out_of_service"),
        cad.unit_upsert("LCSO-CR2", location=WELLINGTON),
        cad.call_created("C1"),
    )

    assert only(cad.decide(region, at=10), "C1").assignment.unit_id == "LCSO-CR2"


def scenario(cad: CadScript, *, reverse_roster: bool) -> list[CadEvent]:
    roster = [
        *three_teams(cad),
        cad.unit_upsert("LCSO-CR2", location=WELLINGTON, capacity=2, jurisdictions=("LCSO", "LPD")),
    ]
    if reverse_roster:
        roster.reverse()
    return [
        *roster,
        cad.call_created("C1", at=0, priority=1),
        cad.call_created("C2", at=5, agency="LPD", location=LOVELAND, nature_code="MENTAL"),
        cad.call_created("C3", at=8, flags=["weapon"], location=WELLINGTON),
        cad.call_created("C4", at=9, nature_code="THEFT"),
        cad.call_updated("C2", at=12, narrative_append="OFF HIS MEDS"),
    ]


def run(events: list[CadEvent]) -> list[dict[str, object]]:
    cad, state = CadScript(), RegionState("larimer")
    decisions: list[Decision] = []
    for start in range(0, len(events), 3):
        cad.feed(state, *events[start : start + 3])
        decisions.extend(cad.decide(state, at=start))
    return [d.model_dump() for d in decisions]


def test_decisions_are_deterministic_and_independent_of_roster_order() -> None:
    first = run(scenario(CadScript(), reverse_roster=False))

    assert first == run(scenario(CadScript(), reverse_roster=False))
    assert first == run(scenario(CadScript(), reverse_roster=True))
    assert any(d["assignment"]["status"] == "recommended" for d in first)


def test_a_call_whose_team_has_cleared_is_not_re_recommended(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, *three_teams(cad), cad.call_created("C1"))
    cad.decide(region, at=10)
    cad.feed(region, cad.unit_status("LCSO-CR1", "on_scene", "C1", at=300))
    cad.decide(region, at=301)

    cad.feed(region, cad.unit_status("LCSO-CR1", "available", at=3000))
    decisions = cad.decide(region, at=3001)

    assert all(d.assignment.status is not AssignmentStatus.RECOMMENDED for d in decisions)
