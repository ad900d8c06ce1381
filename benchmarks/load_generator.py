"""The load generator: a synthetic Northern Colorado CAD stream, scheduled in advance and sent open loop.

`build_plan` turns `simulator.feed.SyntheticFeed` into a `LoadPlan`: a unit roster sent before the
clock starts, then events at a fixed rate, each with the offset at which it must be sent, then one
sentinel call. Because every send time is fixed before the run, a slow service cannot slow the
sender down and hide its own latency (no coordinated omission): latency is always measured from the
scheduled time. The sentinel is a new call in the same region (so the same partition, after every
other event): its decision read back proves that everything before it was processed.

`send_open_loop` paces a plan onto a topic; `preload` writes one as fast as the broker takes it
(the drain mode's backlog).
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from simulator import FeedConfig, SyntheticFeed, county_roster

__all__ = [
    "LoadPlan",
    "ScheduledEvent",
    "SendReport",
    "build_plan",
    "due_until",
    "preload",
    "send_open_loop",
]


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    at_s: float
    """Offset from the start of the run at which the event must be sent."""
    event_id: str
    kind: str
    key: bytes
    value: bytes


@dataclass(frozen=True, slots=True)
class LoadPlan:
    rate_per_s: float
    seconds: float
    roster: list[ScheduledEvent]
    """unit.upsert events, sent and acknowledged before the clock starts; not measured."""
    events: list[ScheduledEvent]
    """The timed stream, sorted by `at_s`; the last one is the sentinel."""
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def sentinel(self) -> ScheduledEvent:
        return self.events[-1]


def _scheduled(at_s: float, event: dict[str, Any]) -> ScheduledEvent:
    return ScheduledEvent(
        at_s=at_s,
        event_id=event["event_id"],
        kind=event["type"],
        key=event["region"].encode(),
        value=orjson.dumps(event),
    )


def sentinel_event(config: FeedConfig, at: datetime) -> dict[str, Any]:
    """A low-priority, non-behavioral new call whose decision marks the end of a run."""
    call_id = f"SENTINEL-{config.run_id}-{config.seed}"
    return {
        "event_id": f"{config.region}-{config.run_id}-{config.seed}-sentinel",
        "type": "call.created",
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "region": config.region,
        "call": {
            "call_id": call_id,
            "agency": "LCSO",
            "nature_code": "ALARM",
            "priority": 4,
            "location": {"lat": 40.5853, "lon": -105.0844, "address": "100 BLOCK N COLLEGE AVE"},
            "narrative": "BENCHMARK SENTINEL, RESIDENTIAL ALARM",
            "flags": [],
        },
    }


def build_plan(
    config: FeedConfig,
    start: datetime,
    *,
    rate_per_s: float,
    seconds: float,
    roster_size: int,
    only_creates: bool = False,
) -> LoadPlan:
    """The roster, `rate_per_s * seconds` timed events, and the sentinel one step after the last.

    `only_creates` keeps only call.created events (the memory probe's open calls that never close),
    still at the same fixed rate.
    """
    if rate_per_s <= 0 or seconds <= 0:
        raise ValueError("rate_per_s and seconds must be positive")
    if only_creates:
        config = replace(config, avl_interval_s=0.0, max_open_calls=10**12)
    roster_events = county_roster(config, start, roster_size)
    roster = [_scheduled(0.0, e) for e in roster_events]
    feed = SyntheticFeed(config, start, roster_events)
    count = round(rate_per_s * seconds)
    step = 1.0 / rate_per_s
    events: list[ScheduledEvent] = []
    kinds: Counter[str] = Counter()
    stream = feed.events(rate_per_s)
    while len(events) < count:
        _, event = next(stream)
        if only_creates and event["type"] != "call.created":
            continue
        at_s = (len(events) + 1) * step
        event["occurred_at"] = (start + timedelta(seconds=at_s)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        kinds[event["type"]] += 1
        events.append(_scheduled(at_s, event))
    end_s = (count + 1) * step
    events.append(_scheduled(end_s, sentinel_event(config, start + timedelta(seconds=end_s))))
    return LoadPlan(rate_per_s, seconds, roster, events, kinds)


def due_until(send_times: Sequence[float], first: int, elapsed_s: float) -> int:
    """Index one past the last event at or after `first` whose send time has come."""
    return max(first, bisect.bisect_right(send_times, elapsed_s, lo=first))


@dataclass(slots=True)
class SendReport:
    began: float
    """time.perf_counter() at offset 0 of the plan."""
    sent: int = 0
    lag_ms: list[float] = field(default_factory=list)
    """Actual send time minus scheduled send time, per event: how well the generator kept up."""
    finished: float = 0.0


async def send_open_loop(
    producer: AIOKafkaProducer,
    topic: str,
    plan: LoadPlan,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> SendReport:
    """Send each event at its scheduled offset; late events go at once, never pushing the rest back."""
    events = plan.events
    send_times = [e.at_s for e in events]
    report = SendReport(began=time.perf_counter())
    index = 0
    while index < len(events):
        now = time.perf_counter()
        end = due_until(send_times, index, now - report.began)
        if end == index:
            await asyncio.sleep(max(0.0, report.began + send_times[index] - now))
            continue
        for event in events[index:end]:
            await producer.send(topic, event.value, key=event.key)
            report.lag_ms.append((time.perf_counter() - report.began - event.at_s) * 1000.0)
        if on_progress is not None:
            on_progress(end - index)
        report.sent += end - index
        index = end
        # Yield to the reader between bursts even when behind schedule.
        await asyncio.sleep(0)
    await producer.flush()
    report.finished = time.perf_counter()
    return report


async def preload(producer: AIOKafkaProducer, topic: str, events: Sequence[ScheduledEvent]) -> None:
    """Write events as fast as the broker acknowledges them, in order."""
    pending = [await producer.send(topic, e.value, key=e.key) for e in events]
    await asyncio.gather(*pending)
