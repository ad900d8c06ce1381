"""The decision store keeps every decision's JSON deflated and serves it back byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import orjson
import pytest

from routing.epoch import decide_encoded
from routing.region import RegionState, apply_event
from schemas.events import EVENT_ADAPTER
from service.store import DecisionStore, StoredDecision
from simulator import FeedConfig, SyntheticFeed, demo_roster
from tests.builders import core_policy


def test_every_decision_comes_back_as_published_and_packed_smaller() -> None:
    start = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
    config = FeedConfig(seed=5)
    roster = demo_roster(config, start)
    state, policy = RegionState("larimer"), core_policy()
    for event in roster:
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))
    published = []
    for i, (offset, event) in enumerate(SyntheticFeed(config, start, roster).events(2.0, call_limit=150)):
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))
        if i % 5 == 4:
            published.extend(decide_encoded(state, start + timedelta(seconds=offset), policy))
    store = DecisionStore(closed_capacity=10_000)
    for decided in published:
        entry = StoredDecision.parse(decided.encoded)
        assert entry.encoded == decided.encoded
        store.put(entry)
    assert all(store.get(d.call_id) is not None for d in published)
    packed = sum(len(StoredDecision.parse(d.encoded).packed) for d in published)
    assert packed < 0.4 * sum(len(d.encoded) for d in published)


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"call_id": 1}', b'{"call_id": "a", "region": "r"}'])
def test_what_is_not_a_decision_is_refused(raw: bytes) -> None:
    with pytest.raises((ValueError, TypeError)):
        StoredDecision.parse(raw)
