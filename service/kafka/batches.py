"""Sending a micro-batch's records as closed record batches, one or more per partition.

The service waits for the broker's acknowledgement of everything a micro-batch writes (changelog,
then decisions and unit views) before it goes on, so a record batch gains nothing by lingering:
each batch is closed before it is handed to the producer, which sends it at once instead of waiting
`linger_ms` for more records. Records keyed for a topic are partitioned by aiokafka's
`DefaultPartitioner`, the partitioner `send()` uses for a producer built by `new_producer`, so a
key lands on the same partition either way. One `send()` per record cost about twice the CPU per
record and twice the time until acknowledged (measured: 2,000 decisions of 700 bytes, 30 vs 17 us
of CPU per record, 165 vs 93 ms to all acks, embedded broker, 2-core machine).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

__all__ = ["BatchSender"]


class BatchSender:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        self._partitioner = DefaultPartitioner()

    async def send_keyed(
        self, topic: str, records: Iterable[tuple[bytes, bytes]]
    ) -> list[asyncio.Future[Any]]:
        """(key, value) records, each on its key's partition; the futures of their batches."""
        partitions = sorted(await self._producer.partitions_for(topic))
        return await self.send_to_partitions(
            topic, ((self._partitioner(key, partitions, partitions), key, value) for key, value in records)
        )

    async def send_to_partitions(
        self, topic: str, records: Iterable[tuple[int, bytes, bytes]]
    ) -> list[asyncio.Future[Any]]:
        """(partition, key, value) records, in order per partition; the futures of their batches."""
        open_batches: dict[int, Any] = {}  # partition -> aiokafka BatchBuilder (untyped library)
        sent: list[asyncio.Future[Any]] = []
        for partition, key, value in records:
            batch = open_batches.get(partition)
            if batch is None:
                batch = open_batches[partition] = self._producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: send it, open another
                sent.append(await self._send(batch, topic, partition))
                batch = open_batches[partition] = self._producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)  # an empty batch takes any first record
        for partition, batch in open_batches.items():
            sent.append(await self._send(batch, topic, partition))
        return sent

    async def _send(self, batch: Any, topic: str, partition: int) -> asyncio.Future[Any]:
        batch.close()  # ready now: nothing more is coming for it, so it must not linger
        future: asyncio.Future[Any] = await self._producer.send_batch(batch, topic, partition=partition)
        return future
