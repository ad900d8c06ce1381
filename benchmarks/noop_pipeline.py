"""The no-op pipeline: consume -> parse -> produce, the physical ceiling the service is compared with.

It runs as its own process (`python -m benchmarks.noop_pipeline`), configured by the same
`CORESPOND_*` variables as the service, and talks to the same broker with the same client settings:
the producer is the service's own `new_producer(settings)` (acks, linger, idempotence, request
size), and the consumer is built with the same options as `service.kafka.consumer` (consumer group,
manual commits, earliest reset, `fetch_max_wait_ms`, partition fetch size, isolation level, batch
size). Per record it parses the JSON with orjson and writes it back to the decisions topic, keyed by
its event id; offsets are committed after the broker acknowledged every output of the batch, as the
service does. No validation, no state, no decision: what remains is the cost of moving the bytes.

It prints `noop started` once its consumer runs and `noop ready` once it owns partitions and has
caught up, then runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from service.kafka.fetch_wait import FetchWaitTuner, behind_highwater
from service.kafka.publisher import new_producer
from service.kafka.topics import ensure_topics
from service.settings import Settings

__all__ = ["new_noop_consumer", "run_noop"]


def new_noop_consumer(settings: Settings) -> AIOKafkaConsumer:
    """The options of `service.kafka.consumer.DecisionConsumer._new_consumer`, kept in step by hand."""
    return AIOKafkaConsumer(
        settings.topic_events,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.consumer_group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        max_partition_fetch_bytes=max(1_048_576, settings.max_event_bytes * 4),
        isolation_level="read_committed",
    )


async def _forward(
    consumer: AIOKafkaConsumer,
    producer: AIOKafkaProducer,
    topic: str,
    batch: dict[TopicPartition, list[object]],
) -> None:
    pending = []
    for records in batch.values():
        for record in records:
            event = orjson.loads(record.value)  # type: ignore[attr-defined]
            pending.append(
                await producer.send(topic, orjson.dumps(event), key=str(event["event_id"]).encode())
            )
    await asyncio.gather(*pending)
    await consumer.commit({tp: records[-1].offset + 1 for tp, records in batch.items()})  # type: ignore[attr-defined]


async def run_noop(settings: Settings, stop: asyncio.Event) -> None:
    if settings.create_topics:
        await ensure_topics(settings)
    producer = new_producer(settings)
    consumer = new_noop_consumer(settings)
    await producer.start()
    await consumer.start()
    print("noop started", flush=True)
    ready = False
    fetch_wait = FetchWaitTuner(settings.fetch_max_wait_ms, settings.fetch_max_wait_ceiling_ms, name="noop")
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100, max_records=settings.max_batch_records)
            if batch:
                await _forward(consumer, producer, settings.topic_decisions, batch)
            waiting = await behind_highwater(consumer)
            fetch_wait.observe(consumer, progressed=bool(batch), records_waiting=waiting)
            if not ready and consumer.assignment() and not waiting:
                ready = True
                print("noop ready", flush=True)
    finally:
        with contextlib.suppress(KafkaError):
            await consumer.stop()
        await producer.stop()


async def _main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_noop(Settings(), stop)


if __name__ == "__main__":
    try:
        asyncio.run(_main())
    except KeyboardInterrupt:
        sys.exit(130)
