"""The broker-side fetch wait, raised while records wait on the broker and none arrive.

A fetch asks the broker to hold the request up to `fetch_max_wait_ms` for data. Kafka answers as
soon as data is there, so a short wait only costs empty round trips. The embedded Tansu broker
(memory storage) differs in two ways, measured with aiokafka 0.14 against Tansu 0.6.0:

- it holds every fetch for a share of the wait even when data is there (a caught-up consumer saw
  p50 4 ms at a 10 ms wait, 27 ms at 100 ms, 126 ms at 500 ms), so a short wait is worth having;
- the time it takes to find a fetch's offset grows with the number of record batches in the
  partition, and when that time exceeds the wait it answers with *no records at all*, every time: a
  consumer then never advances while the high watermark says records are waiting. With single-record
  batches, a 1 ms wait starves at 4,000 batches in the partition, 10 ms at 20,000-40,000 (the lost
  long chaos run), while 100-500 ms still reads thousands of records per fetch at 40,000.

So the wait starts at the configured value (low latency) and doubles, up to a ceiling, each time
records are known or suspected to be waiting and none arrived for a grace period that grows with
the wait. It does not shrink while the partitions it was learned on live (they only grow; the
consumer resets it when the broker comes back without them), and against Kafka it never rises in
the first place. `next_fetch_wait` is the pure rule; `FetchWaitTuner` applies it to
an aiokafka consumer, whose fetcher has no public setter for the wait (see `_set_fetch_wait`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

__all__ = [
    "FetchWait",
    "FetchWaitTuner",
    "behind_highwater",
    "next_fetch_wait",
    "position_now",
    "starvation_grace_s",
]

_POSITION_WAIT_S = 0.5
"""How long a lag check waits for a partition's position before calling it unknown."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FetchWait:
    ms: int
    since_s: float
    """Monotonic time of the last record read, of the last moment nothing waited, or of the last raise."""


def starvation_grace_s(wait_ms: int) -> float:
    """How long records may wait unread at `wait_ms` before the wait is raised: a few fetches' worth."""
    return 0.25 + 4 * wait_ms / 1000.0


def next_fetch_wait(
    state: FetchWait, *, now_s: float, progressed: bool, records_waiting: bool, ceiling_ms: int
) -> FetchWait:
    """The wait after one poll: kept while records arrive or none wait, doubled after a starved grace."""
    if progressed or not records_waiting:
        return FetchWait(state.ms, now_s)
    if state.ms >= ceiling_ms or now_s - state.since_s <= starvation_grace_s(state.ms):
        return state
    return FetchWait(min(ceiling_ms, state.ms * 2), now_s)


class FetchWaitTuner:
    """Holds one consumer's fetch wait and sets it on the consumer after each poll."""

    def __init__(self, floor_ms: int, ceiling_ms: int, *, name: str) -> None:
        self._floor_ms = floor_ms
        self._ceiling_ms = max(floor_ms, ceiling_ms)
        self._state = FetchWait(floor_ms, time.monotonic())
        self._name = name

    @property
    def ms(self) -> int:
        return self._state.ms

    def restart(self) -> None:
        """A new poll loop begins (a new consumer): its grace period starts now, at the wait learned."""
        self._state = FetchWait(self._state.ms, time.monotonic())

    def reset(self) -> None:
        """The partitions start over (a broker that came back empty): back to the starting wait."""
        self._state = FetchWait(self._floor_ms, time.monotonic())

    def observe(self, consumer: AIOKafkaConsumer, *, progressed: bool, records_waiting: bool) -> None:
        before = self._state.ms
        self._state = next_fetch_wait(
            self._state,
            now_s=time.monotonic(),
            progressed=progressed,
            records_waiting=records_waiting,
            ceiling_ms=self._ceiling_ms,
        )
        if self._state.ms != before:
            log.warning(
                "%s: records wait on the broker but none arrive at a %d ms fetch wait; raising it to %d ms",
                self._name,
                before,
                self._state.ms,
            )
        _set_fetch_wait(consumer, self._state.ms)


def _set_fetch_wait(consumer: AIOKafkaConsumer, wait_ms: int) -> None:
    """aiokafka reads `Fetcher._fetch_max_wait_ms` for each fetch request it builds; it has no public
    setter. A test pins this (tests/integration/test_fetch_wait.py), so an aiokafka that renames it
    fails CI instead of silently keeping the starting wait."""
    fetcher = getattr(consumer, "_fetcher", None)
    if fetcher is None:
        return  # not started yet: it builds its fetcher with the configured wait
    if not hasattr(fetcher, "_fetch_max_wait_ms"):
        log.error("this aiokafka has no Fetcher._fetch_max_wait_ms; the fetch wait cannot be raised")
        return
    fetcher._fetch_max_wait_ms = wait_ms


async def position_now(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The partition's next offset, or None while it has none: aiokafka's `position()` waits for one
    without end (a broker that came back empty never gives one), which would block the caller's loop."""
    try:
        async with asyncio.timeout(_POSITION_WAIT_S):
            position: int = await consumer.position(tp)
    except TimeoutError:
        return None
    return position


async def behind_highwater(consumer: AIOKafkaConsumer) -> bool:
    """Records may wait for this consumer: some assigned partition's end is ahead of, or not yet
    known beside, its position."""
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        position = await position_now(consumer, tp)
        if highwater is None or position is None or position < highwater:
            return True
    return False
