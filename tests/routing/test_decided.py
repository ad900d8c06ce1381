"""The decision JSON the epoch writes directly is byte for byte what the contract's model writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from routing.decided import DecidedCall
from routing.epoch import decide_encoded
from routing.region import RegionState, apply_event
from schemas.decisions import Decision
from schemas.events import EVENT_ADAPTER
from simulator import FeedConfig, SyntheticFeed, demo_roster
from tests.builders import core_policy


def _decided_over_a_feed(start: datetime, seed: int) -> list[DecidedCall]:
    config = FeedConfig(seed=seed, late_share=0.05)
    roster = demo_roster(config, start)
    state, policy = RegionState("larimer"), core_policy()
    for event in roster:
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))
    decided: list[DecidedCall] = []
    for i, (offset, event) in enumerate(SyntheticFeed(config, start, roster).events(2.0, call_limit=200)):
        if start.utcoffset() != timedelta(0):
            # The same instant written in the start's own zone: a CAD that does not write UTC.
            moment = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
            event["occurred_at"] = moment.astimezone(start.tzinfo).isoformat()
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))
        if i % 7 == 6:
            decided.extend(decide_encoded(state, start + timedelta(seconds=offset, microseconds=i), policy))
    decided.extend(decide_encoded(state, start + timedelta(hours=2), policy))
    return decided


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 11, 28, 21, 0, tzinfo=UTC),
        datetime(2026, 7, 4, 3, 30, 15, 250_000, tzinfo=timezone(timedelta(hours=-6))),
    ],
)
def test_every_decision_is_encoded_as_the_model_would_encode_it(start: datetime) -> None:
    decided = _decided_over_a_feed(start, seed=21)
    assert len(decided) > 400
    assert {d.status for d in decided} >= {"recommended", "queued", "none"}
    for one in decided:
        model = Decision.model_validate_json(one.encoded)
        assert model.model_dump_json().encode() == one.encoded
        assert (one.call_id, one.region, one.revision, one.call_status) == (
            model.call_id,
            model.region,
            model.revision,
            model.call_status,
        )
        assert (one.status, one.unit_id, one.fixed, one.method) == (
            model.assignment.status,
            model.assignment.unit_id,
            model.assignment.fixed,
            model.assignment.method,
        )
        assert DecidedCall.of(model) == one
