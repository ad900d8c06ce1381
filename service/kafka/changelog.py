"""The changelog: region state records written beside the input partition, and restored from it.

Every micro-batch writes one record per region it changed (a delta, or a full snapshot now and then)
to the changelog topic, in the same partition number as the input events of that region, keyed by
region. The broker must have acknowledged these records before the batch's decisions are published,
so a decision never exists without the state that made it, and the input offsets are committed only
after both. Restoring a partition replays its changelog from the beginning, so the state comes back
exactly as of its last durable record, and the decisions of each region's last record are published
again (a duplicate at worst, never a conflict). Consumption then resumes from the committed offset:
events of the interrupted batch that a region had already applied are recognized by their event id
(the dedupe window is part of the state) and skipped; the others are applied for the first time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from routing.snapshot import Rebuilder
from service.kafka.batches import BatchSender
from service.kafka.fetch_wait import FetchWaitTuner
from service.records import RestoredPartition, StateRecord

__all__ = ["ChangelogWriter", "restore_partition"]


class ChangelogWriter:
    def __init__(self, producer: AIOKafkaProducer, topic: str) -> None:
        self._batches = BatchSender(producer)
        self._topic = topic

    async def write(self, records: Sequence[StateRecord]) -> None:
        """Send every record, in order per partition; return once the broker acknowledged all of them."""
        pending = await self._batches.send_to_partitions(
            self._topic, ((r.partition, r.region.encode(), r.payload) for r in records)
        )
        if pending:
            await asyncio.gather(*pending)


async def restore_partition(
    bootstrap: str, topic: str, partition: int, *, fetch_wait: FetchWaitTuner, timeout_s: float
) -> RestoredPartition:
    """Read one changelog partition from its beginning to its high watermark and rebuild its regions."""
    restored = RestoredPartition(partition)
    tp = TopicPartition(topic, partition)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        fetch_max_wait_ms=fetch_wait.ms,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.seek_to_beginning(tp)
        rebuilder = Rebuilder()
        deadline = time.monotonic() + timeout_s
        while True:
            batch = await consumer.getmany(tp, timeout_ms=100, max_records=2000)
            for message in batch.get(tp, []):
                rebuilder.add(message.value)
                restored.records += 1
            highwater = consumer.highwater(tp)
            if highwater is not None and await consumer.position(tp) >= highwater:
                break
            fetch_wait.observe(consumer, progressed=bool(batch), records_waiting=True)
            if time.monotonic() > deadline:
                raise TimeoutError(f"changelog {topic}/{partition} not read to its end within {timeout_s}s")
        restored.states = rebuilder.finish()
        restored.republish = rebuilder.republish()
    finally:
        await consumer.stop()
    return restored
