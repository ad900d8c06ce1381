"""The open-loop schedule: fixed spacing decided in advance, a roster first, a sentinel last."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from benchmarks.load_generator import build_plan, due_until
from schemas.events import EVENT_ADAPTER
from simulator import FeedConfig

START = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)


def test_events_are_spaced_at_the_fixed_rate_and_end_with_the_sentinel() -> None:
    plan = build_plan(FeedConfig(run_id="t"), START, rate_per_s=200.0, seconds=2.0, roster_size=8)
    assert len(plan.roster) == 8
    assert len(plan.events) == 401
    gaps = {round(b.at_s - a.at_s, 9) for a, b in zip(plan.events, plan.events[1:], strict=False)}
    assert gaps == {0.005}
    assert plan.events[0].at_s == pytest.approx(0.005)
    assert plan.sentinel.kind == "call.created"
    assert plan.sentinel.event_id.endswith("-sentinel")
    assert sum(plan.kinds.values()) == 400


def test_every_event_is_contract_valid_keyed_by_region_and_stamped_at_its_send_time() -> None:
    plan = build_plan(FeedConfig(run_id="t"), START, rate_per_s=100.0, seconds=3.0, roster_size=5)
    for event in [*plan.roster, *plan.events]:
        decoded = EVENT_ADAPTER.validate_json(event.value)
        assert event.key == decoded.region.encode()
        assert decoded.event_id == event.event_id
    tenth = orjson.loads(plan.events[9].value)
    assert tenth["occurred_at"] == "2026-11-28T20:00:00.100Z"


def test_event_ids_are_unique_and_the_plan_is_reproducible() -> None:
    first = build_plan(FeedConfig(run_id="t"), START, rate_per_s=500.0, seconds=2.0, roster_size=5)
    again = build_plan(FeedConfig(run_id="t"), START, rate_per_s=500.0, seconds=2.0, roster_size=5)
    ids = [e.event_id for e in first.events]
    assert len(set(ids)) == len(ids)
    assert [e.value for e in first.events] == [e.value for e in again.events]


def test_only_creates_gives_new_calls_that_never_close() -> None:
    plan = build_plan(
        FeedConfig(run_id="m"), START, rate_per_s=1000.0, seconds=1.0, roster_size=3, only_creates=True
    )
    assert set(plan.kinds) == {"call.created"}
    calls = {orjson.loads(e.value)["call"]["call_id"] for e in plan.events}
    assert len(calls) == len(plan.events)


def test_refuses_a_plan_without_rate_or_duration() -> None:
    with pytest.raises(ValueError, match="positive"):
        build_plan(FeedConfig(), START, rate_per_s=0.0, seconds=1.0, roster_size=1)


def test_due_until_sends_everything_late_at_once_and_nothing_early() -> None:
    times = [0.1, 0.2, 0.3, 0.4]
    assert due_until(times, 0, 0.05) == 0
    assert due_until(times, 0, 0.2) == 2
    assert due_until(times, 2, 0.25) == 2
    assert due_until(times, 1, 9.0) == 4
    assert due_until(times, 3, 0.0) == 3
