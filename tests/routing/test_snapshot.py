"""Region state persistence: deltas and snapshots rebuild exactly the state that produced them."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import replace
from datetime import timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.epoch import Policy, decide
from routing.errors import EventRejected
from routing.region import RegionState, apply_event, reindex
from routing.snapshot import (
    RegionRecord,
    apply_record,
    decided_in,
    decode_record,
    encode_record,
    take_delta,
    take_snapshot,
)
from schemas.events import EVENT_ADAPTER
from service.synthetic import FeedConfig, SyntheticFeed, demo_roster
from tests.routing.conftest import T0, CadScript


def _run(events: int, batch: int, seed: int, snapshot_every: int = 0) -> tuple[RegionState, list[bytes]]:
    """Apply a synthetic stream in micro-batches, keeping the encoded record of every batch."""
    config = FeedConfig(seed=seed, duplicate_share=0.05, late_share=0.05)
    roster = demo_roster(config, T0)
    stream = roster + [e for _, e in itertools.islice(SyntheticFeed(config, T0, roster).events(20.0), events)]
    state, records, policy = RegionState("larimer"), [], Policy()
    for k, start in enumerate(range(0, len(stream), batch)):
        for raw in stream[start : start + batch]:
            with contextlib.suppress(EventRejected):
                apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(raw)))
        decide(state, T0 + timedelta(seconds=start / 20.0), policy)
        if snapshot_every and k % snapshot_every == snapshot_every - 1:
            records.append(encode_record(take_snapshot(state)))
        else:
            delta = take_delta(state)
            if delta is not None:
                records.append(encode_record(delta))
    return state, records


def _restore(records: list[bytes]) -> RegionState:
    states: dict[str, RegionState] = {}
    for raw in records:
        apply_record(states, decode_record(raw))
    state = states["larimer"]
    reindex(state)
    return state


def _without_plan_drift(state: RegionState) -> dict[str, object]:
    """Calls as persisted: a placement is saved with each decision; between decisions only its ETA,
    alternatives and queue position drift, and the next epoch recomputes them before any use."""
    return {
        call_id: replace(call, placement=call.placement and call.placement.unit_id)
        for call_id, call in state.calls.items()
    }


def _same(a: RegionState, b: RegionState) -> None:
    assert _without_plan_drift(a) == _without_plan_drift(b)
    assert a.units == b.units
    assert list(a.seen) == list(b.seen)
    assert list(a.closed_ids) == list(b.closed_ids)
    assert a.stubs == b.stubs
    assert a.early_ties == b.early_ties


@settings(max_examples=6, deadline=None)
@given(batch=st.integers(3, 60), seed=st.integers(0, 10_000), snapshot_every=st.sampled_from([0, 3, 7]))
def test_replaying_the_records_rebuilds_the_state_exactly(batch: int, seed: int, snapshot_every: int) -> None:
    live, records = _run(300, batch, seed, snapshot_every)
    _same(live, _restore(records))


def test_a_restored_state_decides_the_rest_of_the_stream_like_the_live_one() -> None:
    live, records = _run(400, 25, seed=3)
    restored = _restore(records)
    cad, policy = CadScript(), Policy()
    later = [cad.call_created("LATE-1", at=5000), cad.call_closed(next(iter(live.calls)), at=5001)]
    for state in (live, restored):
        for event in later:
            apply_event(state, event)
    assert decide(live, T0 + timedelta(hours=1), policy) == decide(restored, T0 + timedelta(hours=1), policy)


def test_a_snapshot_carries_the_decisions_of_its_batch_for_republishing() -> None:
    cad, state = CadScript(), RegionState("larimer")
    apply_event(state, cad.unit_upsert("LCSO-CR1"))
    apply_event(state, cad.call_created("C1"))
    decisions = cad.decide(state, at=1)
    record = decode_record(encode_record(take_snapshot(state)))
    assert decided_in(record) == decisions


def test_a_call_closed_in_the_batch_keeps_its_final_decision_in_the_delta() -> None:
    cad, state = CadScript(), RegionState("larimer")
    for event in (cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"), cad.call_closed("C1", at=1)):
        apply_event(state, event)
    final = cad.decide(state, at=2)
    record = take_delta(state)
    assert isinstance(record, RegionRecord)
    assert "C1" not in state.calls
    assert decided_in(decode_record(encode_record(record))) == final


def test_nothing_changed_means_no_delta() -> None:
    cad, state = CadScript(), RegionState("larimer")
    apply_event(state, cad.unit_upsert("LCSO-CR1"))
    cad.decide(state, at=1)
    assert take_delta(state) is not None
    cad.decide(state, at=2)
    assert take_delta(state) is None
