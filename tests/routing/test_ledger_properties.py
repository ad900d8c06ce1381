"""Invariants of the ledger over random CAD histories: one entry per eligible call, reasons from the
closed set, and a restart from the persisted records neither loses nor repeats an entry."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from routing.errors import EventRejected
from routing.region import RegionState, apply_event
from routing.snapshot import Rebuilder, RegionRecord, encode_parts, take_delta
from schemas.events import CadEvent
from schemas.ledger import LedgerEntry, LedgerOutcome, UnservedReason
from tests.routing.conftest import BERTHOUD, LOVELAND, CadScript

CALLS = ("C1", "C2", "C3", "C4", "C5")
UNITS = ("U1", "U2", "U3")
NATURES = ("SUICIDAL", "MENTAL", "WELFARE CHECK", "THEFT", "TRAFFIC STOP")
STATUSES = ("dispatched", "en_route", "on_scene", "transporting", "available", "out_of_service")
_RECORD = TypeAdapter(RegionRecord)

create = st.tuples(st.just("create"), st.sampled_from(CALLS), st.sampled_from(NATURES), st.booleans())
status = st.tuples(
    st.just("status"), st.sampled_from(UNITS), st.sampled_from(STATUSES), st.sampled_from(CALLS)
)
ack = st.tuples(st.just("ack"), st.sampled_from(CALLS), st.sampled_from(("accept", "decline", "override")))
close = st.tuples(st.just("close"), st.sampled_from(CALLS))
decide_op = st.tuples(st.just("decide"))
operations = st.lists(st.one_of(create, create, status, ack, close, decide_op, decide_op), max_size=45)


@dataclass(frozen=True, slots=True)
class Step:
    events: list[CadEvent]
    at: float
    """Decide after applying `events`, at this time."""


def _script(ops: list[tuple[object, ...]]) -> list[Step]:
    """Events of a random history cut into batches, ending with every call closed."""
    cad, t = CadScript(), 0.0
    roster = [
        cad.unit_upsert("U1", jurisdictions=("LCSO", "LPD")),
        cad.unit_upsert(
            "U2", model="secondary", can_transport=True, jurisdictions=("LPD",), location=LOVELAND
        ),
        cad.unit_upsert("U3", shift_hours=(-10.0, 0.3), location=BERTHOUD),
    ]
    steps, batch = [], list(roster)
    for op in ops:
        t += 30.0
        match op:
            case ("create", call_id, nature, armed):
                agency = "LPD" if call_id in ("C2", "C4") else "LCSO"
                flags = ["weapon"] if armed else []
                batch.append(
                    cad.call_created(str(call_id), at=t, nature_code=str(nature), agency=agency, flags=flags)
                )
            case ("status", unit_id, state, call_id):
                tied = state not in ("available", "out_of_service")
                batch.append(cad.unit_status(str(unit_id), str(state), str(call_id) if tied else None, at=t))
            case ("ack", call_id, action):
                unit_id = "U1" if action == "override" else None
                batch.append(cad.ack(str(call_id), str(action), at=t, unit_id=unit_id))
            case ("close", call_id):
                batch.append(cad.call_closed(str(call_id), at=t))
            case _:
                steps.append(Step(batch, t))
                batch = []
    t += 30.0
    batch.extend(cad.call_created(c, at=t) for c in CALLS)  # a close before its create is applied too
    steps.append(Step(batch, t))
    steps.append(Step([cad.call_closed(c, at=t + 600) for c in CALLS], t + 601))
    return steps


def _play(
    state: RegionState, steps: list[Step], cad: CadScript
) -> tuple[list[LedgerEntry], set[str], list[bytes]]:
    """Apply and decide each step; return the entries written, the calls ever eligible, the records."""
    entries: list[LedgerEntry] = []
    eligible: set[str] = set()
    records: list[bytes] = []
    for step in steps:
        for event in step.events:
            with contextlib.suppress(EventRejected):  # the service dead-letters it: no change
                apply_event(state, event)
        for decision in cad.decide(state, at=step.at):
            if decision.call is not None and decision.call.eligible_since is not None:
                eligible.add(decision.call_id)
        entries.extend(state.journal.ledger)
        record = take_delta(state)
        if record is not None:
            records.extend(encode_parts(record, 4_000))
    return entries, eligible, records


@settings(max_examples=60, deadline=None)
@given(ops=operations)
def test_every_eligible_call_ends_as_exactly_one_entry_with_one_reason(ops: list[tuple[object, ...]]) -> None:
    cad = CadScript()
    entries, eligible, _ = _play(RegionState("larimer"), _script(ops), cad)
    ids = [e.call_id for e in entries]
    assert len(ids) == len(set(ids)), "one entry per call"
    assert set(ids) == eligible, "an entry for every call triage ever marked, and no other"
    for entry in entries:
        if entry.outcome is LedgerOutcome.SERVED:
            assert entry.unit_id in UNITS
            assert entry.reason is None
            assert entry.minutes_to_assignment is not None
            assert entry.minutes_to_assignment >= 0
        else:
            assert entry.reason in set(UnservedReason)
            assert entry.unit_id is None
        assert entry.received_at <= entry.eligible_at
        assert LedgerEntry.model_validate_json(orjson.dumps(entry.model_dump(mode="json"))) == entry


@settings(max_examples=40, deadline=None)
@given(ops=operations, crash=st.integers(0, 30))
def test_a_restart_from_the_records_neither_loses_nor_repeats_an_entry(
    ops: list[tuple[object, ...]], crash: int
) -> None:
    steps = _script(ops)
    crash = min(crash, len(steps))
    live, _, _ = _play(RegionState("larimer"), steps, CadScript())

    before, _, records = _play(RegionState("larimer"), steps[:crash], CadScript())
    persisted = [e for raw in records for e in _RECORD.validate_json(raw).ledger]
    assert persisted == before, "every entry is in the records of its batch"
    rebuilder = Rebuilder()
    for raw in records:
        rebuilder.add(raw)
    restored = rebuilder.finish().get("larimer", RegionState("larimer"))
    # The service re-reads the events after its last commit: here, the last step's applied events
    # again (those refused went to the dead-letter topic), which the state knows by their ids.
    replayed = [
        Step([e for e in step.events if e.event_id in restored.seen], step.at)
        for step in steps[crash - 1 : crash]
    ]
    again, _, _ = _play(restored, replayed + steps[crash:], CadScript())
    assert before + again == live
