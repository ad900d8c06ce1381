"""Drain mode: preload a backlog of events, then start a pipeline and measure how fast it catches up.

The backlog (roster, events, sentinel) is written to a fresh topic before the pipeline's process
starts, so the pipeline begins with all of it waiting. The catch-up rate is

    events in the backlog / (sentinel's output read back - first output read back)

Counting from the first output leaves process start and the consumer group join out (they are
reported apart, as `startup_s`), and leaves in everything after the first batch; with a backlog of
many batches the first batch's share of the time is small.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from benchmarks.e2e_latency import Arrivals, new_load_producer, new_output_reader, read_outputs
from benchmarks.load_generator import LoadPlan, preload
from benchmarks.processes import RunningProcess

__all__ = ["DrainResult", "measure_drain"]


@dataclass(frozen=True, slots=True)
class DrainResult:
    events: int
    preload_s: float
    startup_s: float | None
    """From starting the process to its first output read back (process start, group join, first batch)."""
    drain_s: float | None
    events_per_s: float | None
    outputs: int
    completed: bool


async def measure_drain(
    bootstrap: str,
    events_topic: str,
    outputs_topic: str,
    plan: LoadPlan,
    *,
    id_field: str,
    start_pipeline: Callable[[], AbstractAsyncContextManager[RunningProcess]],
    timeout_s: float = 300.0,
) -> DrainResult:
    """Preload `plan` onto `events_topic` (which must exist), start the pipeline, time its catch-up."""
    producer = new_load_producer(bootstrap)
    await producer.start()
    began = time.perf_counter()
    try:
        await preload(producer, events_topic, [*plan.roster, *plan.events])
    finally:
        await producer.stop()
    preload_s = time.perf_counter() - began
    sentinel_id = plan.sentinel.event_id
    arrivals = Arrivals()
    reader = await new_output_reader(bootstrap, outputs_topic)
    task = asyncio.create_task(
        read_outputs(reader, arrivals, id_field, sentinel_id), name="bench-drain-reader"
    )
    try:
        starting = time.perf_counter()
        async with start_pipeline():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await arrivals.sentinel_seen.wait()
        if task.done():
            task.result()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await reader.stop()
    events = len(plan.events)
    done = arrivals.first_seen.get(sentinel_id)
    first = arrivals.first_output_at
    drain_s = None if done is None or first is None else done - first
    return DrainResult(
        events=events,
        preload_s=preload_s,
        startup_s=None if first is None else first - starting,
        drain_s=drain_s,
        events_per_s=None if not drain_s else events / drain_s,
        outputs=arrivals.outputs,
        completed=done is not None,
    )
