"""The synthetic CAD stream: deterministic, contract-valid, bounded, and consistent with its roster."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import orjson
import pytest

from schemas.events import EVENT_ADAPTER
from service.synthetic import FeedConfig, SyntheticFeed, county_roster, demo_roster

START = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)


def _stream(config: FeedConfig, count: int) -> list[dict[str, object]]:
    roster = demo_roster(config, START)
    feed = SyntheticFeed(config, START, roster)
    return roster + [event for _, event in itertools.islice(feed.events(50.0), count)]


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    assert _stream(FeedConfig(seed=3), 500) == _stream(FeedConfig(seed=3), 500)
    assert _stream(FeedConfig(seed=3), 500) != _stream(FeedConfig(seed=4), 500)


def test_every_event_is_valid_under_the_strict_contract() -> None:
    for event in _stream(FeedConfig(), 5_000):
        EVENT_ADAPTER.validate_json(orjson.dumps(event))


def test_a_large_roster_is_valid_and_has_unique_units() -> None:
    roster = county_roster(FeedConfig(), START, 2_000)
    ids = [e["unit"]["unit_id"] for e in roster]  # type: ignore[index]
    assert len(set(ids)) == 2_000
    for event in roster:
        EVENT_ADAPTER.validate_json(orjson.dumps(event))


def test_event_ids_are_unique_and_runs_do_not_share_ids() -> None:
    first = _stream(FeedConfig(run_id="a"), 3_000)
    second = _stream(FeedConfig(run_id="b"), 3_000)
    first_ids = [e["event_id"] for e in first]
    assert len(set(first_ids)) == len(first_ids)
    assert not set(first_ids) & {e["event_id"] for e in second}


@pytest.mark.parametrize("share", [0.1, 0.3, 0.6])
def test_behavioral_share_is_respected(share: float) -> None:
    created = [e for e in _stream(FeedConfig(bh_share=share, seed=11), 20_000) if e["type"] == "call.created"]
    behavioral = {"SUICIDAL", "SUICIDE ATTEMPT", "WELFARE CHECK", "MENTAL", "DISTURBANCE", "OVERDOSE"}
    behavioral.add("INTOXICATED PERSON")
    observed = sum(e["call"]["nature_code"] in behavioral for e in created) / len(created)  # type: ignore[index]
    assert abs(observed - share) < 0.04


def test_open_calls_stay_bounded_and_calls_close() -> None:
    events = _stream(FeedConfig(max_open_calls=40), 20_000)
    open_calls: set[str] = set()
    peak = 0
    for event in events:
        if event["type"] == "call.created":
            open_calls.add(event["call"]["call_id"])  # type: ignore[index]
        elif event["type"] == "call.closed":
            open_calls.discard(event["call"]["call_id"])  # type: ignore[index]
        peak = max(peak, len(open_calls))
    assert peak <= 80
    counts = Counter(e["type"] for e in events)
    assert counts["call.closed"] > 0.9 * counts["call.created"]


def test_units_are_upserted_before_anything_refers_to_them_and_calls_exist_before_updates() -> None:
    known_units: set[str] = set()
    known_calls: set[str] = set()
    for event in _stream(FeedConfig(), 10_000):
        kind = event["type"]
        body = event.get("unit") or event.get("call")
        assert isinstance(body, dict)
        if kind == "unit.upsert":
            known_units.add(body["unit_id"])
        elif kind.startswith("unit."):
            assert body["unit_id"] in known_units
            if "call_id" in body:
                assert body["call_id"] in known_calls
        elif kind == "call.created":
            known_calls.add(body["call_id"])
        else:
            assert body["call_id"] in known_calls


def test_occurred_at_follows_the_schedule() -> None:
    feed = SyntheticFeed(FeedConfig(), START, demo_roster(FeedConfig(), START))
    offsets = [(offset, event) for offset, event in itertools.islice(feed.events(4.0), 8)]
    assert [round(o, 6) for o, _ in offsets] == [0.25 * k for k in range(1, 9)]
    assert offsets[3][1]["occurred_at"] == "2026-11-28T20:00:01.000Z"
