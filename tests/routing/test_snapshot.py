"""Region state persistence: deltas and snapshots rebuild exactly the state that produced them."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import replace
from datetime import timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from routing.epoch import decide
from routing.errors import EventRejected
from routing.region import RegionState, apply_event
from routing.snapshot import Rebuilder, RegionRecord, encode_parts, take_delta, take_snapshot
from schemas.events import EVENT_ADAPTER
from simulator import FeedConfig, SyntheticFeed, demo_roster
from tests.builders import core_policy
from tests.routing.conftest import T0, CadScript

RegionRecordAdapter = TypeAdapter(RegionRecord)


def _run(
    events: int, batch: int, seed: int, snapshot_every: int = 0, max_bytes: int = 1_000_000
) -> tuple[RegionState, list[bytes]]:
    """Apply a synthetic stream in micro-batches, keeping the encoded record of every batch."""
    config = FeedConfig(seed=seed, duplicate_share=0.05, late_share=0.05)
    roster = demo_roster(config, T0)
    stream = roster + [e for _, e in itertools.islice(SyntheticFeed(config, T0, roster).events(20.0), events)]
    state, records, policy = RegionState("larimer"), [], core_policy()
    for k, start in enumerate(range(0, len(stream), batch)):
        for raw in stream[start : start + batch]:
            with contextlib.suppress(EventRejected):
                apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(raw)))
        decide(state, T0 + timedelta(seconds=start / 20.0), policy)
        if snapshot_every and k % snapshot_every == snapshot_every - 1:
            records.extend(encode_parts(take_snapshot(state), max_bytes))
        else:
            delta = take_delta(state)
            if delta is not None:
                records.extend(encode_parts(delta, max_bytes))
    return state, records


def _restore(records: list[bytes]) -> RegionState:
    rebuilder = Rebuilder()
    for raw in records:
        rebuilder.add(raw)
    return rebuilder.finish()["larimer"]


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
@given(
    batch=st.integers(3, 60),
    seed=st.integers(0, 10_000),
    snapshot_every=st.sampled_from([0, 3, 7]),
    max_bytes=st.sampled_from([4_000, 30_000, 1_000_000]),
)
def test_replaying_the_records_rebuilds_the_state_exactly(
    batch: int, seed: int, snapshot_every: int, max_bytes: int
) -> None:
    live, records = _run(300, batch, seed, snapshot_every, max_bytes)
    _same(live, _restore(records))


def test_large_records_are_split_with_every_entity_before_any_id() -> None:
    live, _ = _run(300, 300, seed=5)
    parts = [RegionRecordAdapter.validate_json(raw) for raw in encode_parts(take_snapshot(live), 8_000)]
    assert len(parts) > 3
    assert [p.part for p in parts] == list(range(1, len(parts) + 1))
    assert all(p.parts == len(parts) for p in parts)
    kinds = [
        "ids" if p.event_ids or p.closed_ids else "entities"
        for p in parts
        if p.event_ids or p.calls or p.units
    ]
    assert kinds == sorted(kinds, key=lambda k: k == "ids"), "no id is persisted before the last entity"


def test_an_interrupted_snapshot_is_ignored() -> None:
    live, records = _run(200, 20, seed=9)
    before = _restore(records)
    cad = CadScript()
    apply_event(live, cad.call_created("AFTER-1", at=9000))
    decide(live, T0 + timedelta(hours=3), core_policy())
    parts = encode_parts(take_snapshot(live), 6_000)
    assert len(parts) > 1
    _same(before, _restore(records + parts[:-1]))
    assert "AFTER-1" in _restore(records + parts).calls


def test_a_restored_state_decides_the_rest_of_the_stream_like_the_live_one() -> None:
    live, records = _run(400, 25, seed=3)
    restored = _restore(records)
    cad, policy = CadScript(), core_policy()
    later = [cad.call_created("LATE-1", at=5000), cad.call_closed(next(iter(live.calls)), at=5001)]
    for state in (live, restored):
        for event in later:
            apply_event(state, event)
    assert decide(live, T0 + timedelta(hours=1), policy) == decide(restored, T0 + timedelta(hours=1), policy)


def _republished(records: list[bytes]) -> list[object]:
    rebuilder = Rebuilder()
    for raw in records:
        rebuilder.add(raw)
    return list(rebuilder.republish())


def test_a_snapshot_carries_the_decisions_of_its_batch_for_republishing() -> None:
    cad, state = CadScript(), RegionState("larimer")
    apply_event(state, cad.unit_upsert("LCSO-CR1"))
    apply_event(state, cad.call_created("C1"))
    decisions = cad.decide(state, at=1)
    assert _republished(encode_parts(take_snapshot(state), 1_000_000)) == decisions


def test_a_call_closed_in_the_batch_keeps_its_final_decision_in_the_delta() -> None:
    cad, state = CadScript(), RegionState("larimer")
    for event in (cad.unit_upsert("LCSO-CR1"), cad.call_created("C1"), cad.call_closed("C1", at=1)):
        apply_event(state, event)
    final = cad.decide(state, at=2)
    record = take_delta(state)
    assert isinstance(record, RegionRecord)
    assert "C1" not in state.calls
    assert _republished(encode_parts(record, 1_000_000)) == final


def test_nothing_changed_means_no_delta() -> None:
    cad, state = CadScript(), RegionState("larimer")
    apply_event(state, cad.unit_upsert("LCSO-CR1"))
    cad.decide(state, at=1)
    assert take_delta(state) is not None
    cad.decide(state, at=2)
    assert take_delta(state) is None
