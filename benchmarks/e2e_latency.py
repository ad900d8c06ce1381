"""Event -> decision latency of a running pipeline, measured open loop over the real broker.

`measure_open_loop` sends a `LoadPlan` at its fixed rate (send times scheduled in advance, so a slow
pipeline cannot hide its latency), reads the outputs back from the output topic with a plain
consumer and, for the service, from a real WebSocket client on /ws/decisions, and returns one
latency sample per input event that produced an output:

    latency = (time the first output naming the event is read back) - (the event's scheduled send time)

An output names its event by `source_event_id` (a decision) or `event_id` (the no-op pipeline's
copy of the event). The run ends when the sentinel's output is read back (everything sent before it
was processed) or after `settle_timeout_s`. Sender, reader and WebSocket client share one clock
(`time.perf_counter`) in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from websockets.asyncio.client import connect

from benchmarks.load_generator import LoadPlan, SendReport, send_open_loop
from service.kafka.fetch_wait import FetchWaitTuner, behind_highwater

__all__ = ["Arrivals", "OpenLoopRun", "measure_open_loop", "new_load_producer", "read_outputs"]

READ_FETCH_MAX_WAIT_MS = 10
"""The reader's own fetch wait, the service's default: it adds to every sample, the same for every
pipeline. Shorter waits make the embedded broker poll more and slow down as the topic grows."""
READ_FETCH_MAX_WAIT_CEILING_MS = 5000
"""How far the reader raises its wait while outputs wait unread (`service.kafka.fetch_wait`)."""


def new_load_producer(bootstrap: str) -> AIOKafkaProducer:
    """The generator's producer: sends promptly (1 ms linger) and needs only the leader's ack."""
    return AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1, acks=1, enable_idempotence=False)


@dataclass(slots=True)
class Arrivals:
    """First read-back time (perf_counter) of the output naming each input event id."""

    first_seen: dict[str, float] = field(default_factory=dict)
    outputs: int = 0
    sentinel_seen: asyncio.Event = field(default_factory=asyncio.Event)
    first_output_at: float | None = None

    def record(self, event_id: str | None, at: float, sentinel_id: str) -> None:
        self.outputs += 1
        if self.first_output_at is None:
            self.first_output_at = at
        if event_id is None:
            return
        self.first_seen.setdefault(event_id, at)
        if event_id == sentinel_id:
            self.sentinel_seen.set()


def _source_id(value: bytes | str, id_field: str) -> str | None:
    try:
        found = orjson.loads(value).get(id_field)
    except (orjson.JSONDecodeError, AttributeError):
        return None
    return found if isinstance(found, str) else None


async def new_output_reader(bootstrap: str, topic: str) -> AIOKafkaConsumer:
    """A group-less consumer of every partition of `topic` from the beginning, started and assigned."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=READ_FETCH_MAX_WAIT_MS,
    )
    await consumer.start()
    return consumer


async def read_outputs(
    consumer: AIOKafkaConsumer, arrivals: Arrivals, id_field: str, sentinel_id: str
) -> None:
    fetch_wait = FetchWaitTuner(READ_FETCH_MAX_WAIT_MS, READ_FETCH_MAX_WAIT_CEILING_MS, name="output reader")
    while True:
        batch = await consumer.getmany(timeout_ms=50)
        now = time.perf_counter()
        for records in batch.values():
            for record in records:
                arrivals.record(_source_id(record.value, id_field), now, sentinel_id)
        waiting = await behind_highwater(consumer)
        fetch_wait.observe(consumer, progressed=bool(batch), records_waiting=waiting)


async def read_websocket(url: str, arrivals: Arrivals, sentinel_id: str, connected: asyncio.Event) -> None:
    async with connect(url, max_size=None, compression=None) as ws:
        connected.set()
        async for message in ws:
            arrivals.record(_source_id(message, "source_event_id"), time.perf_counter(), sentinel_id)


@dataclass(slots=True)
class OpenLoopRun:
    send: SendReport
    kafka: Arrivals
    websocket: Arrivals | None
    sentinel_read: bool
    settled_at: float
    """perf_counter when the sentinel was read back (or the settle timeout ran out)."""

    def samples(self, plan: LoadPlan, arrivals: Arrivals, warmup_s: float) -> tuple[list[float], list[float]]:
        """(scheduled offset, latency ms) of every timed event with an output, after the warm-up."""
        at_s, latency_ms = [], []
        for event in plan.events:
            seen = arrivals.first_seen.get(event.event_id)
            if seen is None or event.at_s < warmup_s:
                continue
            at_s.append(event.at_s)
            latency_ms.append((seen - (self.send.began + event.at_s)) * 1000.0)
        return at_s, latency_ms


async def measure_open_loop(
    bootstrap: str,
    events_topic: str,
    outputs_topic: str,
    plan: LoadPlan,
    *,
    id_field: str,
    ws_url: str | None = None,
    settle_timeout_s: float = 30.0,
    on_progress: Callable[[int], None] | None = None,
) -> OpenLoopRun:
    sentinel_id = plan.sentinel.event_id
    kafka = Arrivals()
    websocket = Arrivals() if ws_url is not None else None
    producer = new_load_producer(bootstrap)
    await producer.start()
    reader = await new_output_reader(bootstrap, outputs_topic)
    tasks: list[asyncio.Task[None]] = [
        asyncio.create_task(read_outputs(reader, kafka, id_field, sentinel_id), name="bench-kafka-reader")
    ]
    try:
        if ws_url is not None and websocket is not None:
            connected = asyncio.Event()
            tasks.append(
                asyncio.create_task(
                    read_websocket(ws_url, websocket, sentinel_id, connected), name="bench-ws-reader"
                )
            )
            async with asyncio.timeout(30):
                await connected.wait()
        roster = [await producer.send(events_topic, e.value, key=e.key) for e in plan.roster]
        await asyncio.gather(*roster)
        send = await send_open_loop(producer, events_topic, plan, on_progress=on_progress)
        waits = [kafka.sentinel_seen.wait()]
        if websocket is not None:
            waits.append(websocket.sentinel_seen.wait())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(settle_timeout_s):
                await asyncio.gather(*waits)
        for task in tasks:
            if task.done():
                task.result()  # a reader that failed fails the run loudly
        return OpenLoopRun(
            send=send,
            kafka=kafka,
            websocket=websocket,
            sentinel_read=kafka.sentinel_seen.is_set(),
            settled_at=time.perf_counter(),
        )
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await reader.stop()
        await producer.stop()
