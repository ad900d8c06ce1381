"""The unserved-call ledger: one entry per eligible call when it closes, served or with one reason."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from routing.epoch import Policy, decide
from routing.ledger import LEDGER_REASON
from routing.plan import QUEUE_REASONS
from routing.region import RegionState
from routing.snapshot import Rebuilder, encode_parts, take_delta
from schemas.decisions import Response
from schemas.events import CadEvent
from schemas.ledger import LedgerEntry, LedgerOutcome, UnservedReason
from tests.builders import default_rules
from tests.routing.conftest import FORT_COLLINS, CadScript
from triage.facts import CallFacts, TriageResult


def _run(cad: CadScript, region: RegionState, *steps: tuple[float, list[CadEvent]]) -> list[LedgerEntry]:
    """Feed each batch and decide at its time; return the ledger entries written, in order."""
    written: list[LedgerEntry] = []
    for at, events in steps:
        cad.feed(region, *events)
        cad.decide(region, at=at)
        written.extend(region.journal.ledger)
        region.journal.clear()
    return written


def test_every_queue_reason_maps_into_the_closed_set() -> None:
    assert set(LEDGER_REASON) == set(QUEUE_REASONS)
    assert set(LEDGER_REASON.values()) <= set(UnservedReason)


def test_a_call_dispatched_by_cad_status_is_served_with_its_minutes(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (61, [cad.unit_status("LCSO-CR1", "dispatched", "C1", at=60)]),
        (601, [cad.unit_status("LCSO-CR1", "on_scene", "C1", at=600)]),
        (3001, [cad.unit_status("LCSO-CR1", "available", at=3000), cad.call_closed("C1", at=3000)]),
    )
    assert entry.outcome is LedgerOutcome.SERVED
    assert (entry.unit_id, entry.model) == ("LCSO-CR1", "primary")
    assert (entry.minutes_to_assignment, entry.minutes_to_scene) == (1.0, 10.0)
    assert entry.assigned_at == cad.at(60)
    assert entry.on_scene_at == cad.at(600)
    assert entry.closed_at == cad.at(3000)
    assert entry.disposition == "resolved_on_scene"
    assert entry.reason is None
    assert entry.would_have_gone is None


def test_a_dispatcher_accept_serves_the_call_even_if_it_closes_before_the_team_arrives(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (31, [cad.ack("C1", "accept", at=30)]),
        (301, [cad.call_closed("C1", at=300, disposition="cancelled")]),
    )
    assert entry.outcome is LedgerOutcome.SERVED
    assert entry.assigned_at == cad.at(30)
    assert entry.minutes_to_assignment == 0.5
    assert entry.on_scene_at is None
    assert entry.minutes_to_scene is None


def test_a_team_diverted_before_it_arrives_does_not_serve_the_call(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (11, [cad.unit_status("LCSO-CR1", "en_route", "C1", at=10)]),
        (21, [cad.unit_status("LCSO-CR1", "out_of_service", at=20)]),
        (901, [cad.call_closed("C1", at=900)]),
    )
    assert entry.outcome is LedgerOutcome.UNSERVED
    assert entry.reason is UnservedReason.ALL_TEAMS_BUSY, "its only team is on shift but out of service"


def test_a_call_with_no_team_on_shift_names_the_team_that_would_have_gone(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1", shift_hours=(-10.0, -1.0)), cad.call_created("C1")]),
        (1801, [cad.call_closed("C1", at=1800)]),
    )
    assert entry.outcome is LedgerOutcome.UNSERVED
    assert entry.reason is UnservedReason.NO_TEAM_ON_SHIFT
    assert entry.would_have_gone is not None
    assert entry.would_have_gone.unit_id == "LCSO-CR1"
    assert 60 < entry.would_have_gone.eta_s < 600, "a few km from Fort Collins to north Fort Collins"
    assert entry.unit_id is None


def test_a_shift_ending_before_the_call_would_be_done_is_no_team_on_shift(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1", shift_hours=(-8.0, 0.5)), cad.call_created("C1")]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.reason is UnservedReason.NO_TEAM_ON_SHIFT


def test_a_call_waiting_behind_a_busy_team_is_all_teams_busy(cad: CadScript, region: RegionState) -> None:
    entries = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (11, [cad.unit_status("LCSO-CR1", "en_route", "C1", at=10)]),
        (21, [cad.call_created("C2", at=20)]),
        (1201, [cad.call_closed("C2", at=1200)]),
    )
    (entry,) = entries
    assert entry.call_id == "C2"
    assert entry.reason is UnservedReason.ALL_TEAMS_BUSY
    assert entry.would_have_gone is not None
    assert entry.would_have_gone.unit_id == "LCSO-CR1"


def test_a_call_no_team_may_serve_is_out_of_jurisdiction(cad: CadScript, region: RegionState) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1", jurisdictions=("LCSO",)), cad.call_created("C1", agency="LPD")]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.reason is UnservedReason.OUT_OF_JURISDICTION
    assert entry.would_have_gone is None, "no team serves the agency, busy or not"


def test_an_armed_call_with_only_secondary_teams_is_no_compatible_team(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (
            1,
            [
                cad.unit_upsert("LPD-CR1", model="secondary", can_transport=True, location=FORT_COLLINS),
                cad.call_created("C1", flags=["weapon"], narrative="HAS A KNIFE"),
            ],
        ),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.response is Response.CO_RESPONSE_PRIMARY
    assert entry.reason is UnservedReason.NO_COMPATIBLE_TEAM
    assert entry.would_have_gone is None, "a secondary team never goes to an armed call"


def test_a_declined_call_keeps_the_dispatchers_reason(cad: CadScript, region: RegionState) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (31, [cad.ack("C1", "decline", at=30, reason="patrol already on scene, subject calm")]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.reason is UnservedReason.DECLINED
    assert entry.declined_reason == "patrol already on scene, subject calm"
    assert entry.would_have_gone is not None


def test_a_decline_reversed_by_an_accept_is_served(cad: CadScript, region: RegionState) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (31, [cad.ack("C1", "decline", at=30)]),
        (61, [cad.ack("C1", "override", unit_id="LCSO-CR1", at=60)]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.outcome is LedgerOutcome.SERVED
    assert entry.declined_reason is None


def test_a_recommendation_nobody_dispatched_closes_while_queued(cad: CadScript, region: RegionState) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.reason is UnservedReason.CLOSED_WHILE_QUEUED
    assert entry.would_have_gone is not None
    assert entry.would_have_gone.unit_id == "LCSO-CR1"


def test_a_call_created_and_closed_in_one_batch_closes_while_queued(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"), cad.call_closed("C1", at=0.5)]),
    )
    assert entry.reason is UnservedReason.CLOSED_WHILE_QUEUED


def test_a_call_made_eligible_by_an_append_in_the_closing_batch_is_in_the_ledger(
    cad: CadScript, region: RegionState
) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1", nature_code="ALARM", narrative="ALARM")]),
        (
            31,
            [
                cad.call_updated("C1", at=30, narrative_append="RP STS HER SON IS SUICIDAL AND HAS A ROPE"),
                cad.call_closed("C1", at=30.5),
            ],
        ),
    )
    assert entry.call_id == "C1"
    assert entry.reason is UnservedReason.CLOSED_WHILE_QUEUED


def test_the_last_plan_gives_the_reason(cad: CadScript, region: RegionState) -> None:
    """Queued with no team on shift, then behind a busy team once the shift began: busy at the close."""
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1", shift_hours=(-10.0, -1.0)), cad.call_created("C1")]),
        (
            61,
            [
                cad.unit_upsert("LCSO-CR1", at=60, shift_hours=(0.0, 10.0)),
                cad.call_created("C0", at=60, priority=1),
                cad.unit_status("LCSO-CR1", "en_route", "C0", at=60),
            ],
        ),
        (1801, [cad.call_closed("C1", at=1800)]),
    )
    assert entry.call_id == "C1"
    assert entry.reason is UnservedReason.ALL_TEAMS_BUSY


def test_a_call_never_eligible_has_no_entry(cad: CadScript, region: RegionState) -> None:
    entries = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1", nature_code="TRAFFIC STOP", priority=5)]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entries == []


def test_a_close_sent_again_writes_no_second_entry(cad: CadScript, region: RegionState) -> None:
    close = cad.call_closed("C1", at=600)
    entries = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1"), cad.call_created("C1")]),
        (601, [close]),
        (602, [close, cad.call_closed("C1", at=601)]),
    )
    assert [e.call_id for e in entries] == ["C1"]


@dataclass(frozen=True, slots=True)
class _WithdrawingTriager:
    """The default rules, except that a narrative saying POLICE ONLY makes the call police-only."""

    def triage(self, facts: CallFacts) -> TriageResult:
        result = default_rules().triage(facts)
        if "POLICE ONLY" in facts.narrative:
            return replace(result, response=Response.POLICE_ONLY)
        return result


def test_a_request_triage_withdrew_is_no_compatible_team(region: RegionState) -> None:
    cad = CadScript()
    cad.policy = Policy(triager=_WithdrawingTriager())
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1", status="out_of_service"), cad.call_created("C1")]),
        (61, [cad.call_updated("C1", at=60, narrative_append="POLICE ONLY")]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert entry.response is Response.POLICE_ONLY
    assert entry.eligible_at == cad.at(0)
    assert entry.reason is UnservedReason.NO_COMPATIBLE_TEAM
    assert entry.would_have_gone is None


def test_entries_are_contract_valid_json(cad: CadScript, region: RegionState) -> None:
    (entry,) = _run(
        cad,
        region,
        (1, [cad.unit_upsert("LCSO-CR1", shift_hours=(-10.0, -1.0)), cad.call_created("C1")]),
        (601, [cad.call_closed("C1", at=600)]),
    )
    assert LedgerEntry.model_validate_json(entry.model_dump_json()) == entry


@pytest.mark.parametrize(
    ("outcome", "fields", "message"),
    [
        (LedgerOutcome.SERVED, {}, "names its unit"),
        (LedgerOutcome.UNSERVED, {}, "exactly one reason"),
        (
            LedgerOutcome.UNSERVED,
            {"reason": "all_teams_busy", "declined_reason": "x"},
            "belongs to a declined",
        ),
        (
            LedgerOutcome.SERVED,
            {"unit_id": "U1", "assigned_at": "2026-11-28T21:00:00Z", "reason": "declined"},
            "exactly one reason",
        ),
    ],
)
def test_an_entry_with_a_mixed_outcome_is_refused(
    outcome: LedgerOutcome, fields: dict[str, str], message: str
) -> None:
    body = {
        "call_id": "C1",
        "region": "larimer",
        "agency": "LCSO",
        "nature_code": "SUICIDAL",
        "priority": 2,
        "response": "co_response_any",
        "received_at": "2026-11-28T21:00:00Z",
        "eligible_at": "2026-11-28T21:00:00Z",
        "closed_at": "2026-11-28T22:00:00Z",
        "outcome": outcome.value,
        **fields,
    }
    with pytest.raises(ValueError, match=message):
        LedgerEntry.model_validate(body, strict=False)


def test_decide_still_returns_only_decisions(cad: CadScript, region: RegionState) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"), cad.call_closed("C1", at=1))
    decisions = decide(region, cad.at(2), cad.policy)
    assert [d.call_id for d in decisions] == ["C1"]
    assert [e.call_id for e in region.journal.ledger] == ["C1"]


def test_a_record_carries_its_entries_for_publishing_again_after_a_restart(
    cad: CadScript, region: RegionState
) -> None:
    cad.feed(region, cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"), cad.call_created("C2"))
    cad.decide(region, at=1)
    take_delta(region)
    cad.feed(region, cad.call_closed("C1", at=60), cad.call_closed("C2", at=60))
    cad.decide(region, at=61)
    written = list(region.journal.ledger)
    record = take_delta(region)
    assert record is not None
    assert record.ledger == written
    assert region.journal.ledger == [], "taken with the delta"
    rebuilder = Rebuilder()
    for raw in encode_parts(record, 2_000):
        rebuilder.add(raw)
    assert rebuilder.republish_ledger() == written
