"""The consumer loop: fetch a micro-batch from cad.events, decide it, publish, then commit.

Offsets are committed only after every decision and dead letter of the batch is acknowledged by
the broker (at-least-once). Auto-commit is off and a new group starts from the earliest offset, so
no event is skipped. A rebalance waits for the batch in flight to finish and commit before the
partitions are handed over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from schemas.decisions import Decision
from service.kafka.codec import encode_decision
from service.kafka.publisher import Publisher
from service.metrics import Metrics
from service.regions import InputRecord, RegionHost
from service.settings import Settings

__all__ = ["DecisionConsumer"]

log = logging.getLogger(__name__)

DecisionsDelivered = Callable[[list[tuple[Decision, bytes]]], None]


class _Handover(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: DecisionConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._owner.hand_over(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("assigned partitions %s", sorted(tp.partition for tp in assigned))


class DecisionConsumer:
    def __init__(
        self,
        settings: Settings,
        host: RegionHost,
        publisher: Publisher,
        metrics: Metrics,
        on_delivered: DecisionsDelivered,
    ) -> None:
        self._settings = settings
        self._host = host
        self._publisher = publisher
        self._metrics = metrics
        self._on_delivered = on_delivered
        self._consumer: AIOKafkaConsumer | None = None
        self._batch_lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self.caught_up = False

    def _new_consumer(self) -> AIOKafkaConsumer:
        s = self._settings
        return AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap,
            group_id=s.consumer_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=s.fetch_max_wait_ms,
            max_partition_fetch_bytes=max(1_048_576, s.max_event_bytes * 4),
            isolation_level="read_committed",
        )

    async def run(self, started: Callable[[], Awaitable[None]] | None = None) -> None:
        consumer = self._consumer = self._new_consumer()
        consumer.subscribe([self._settings.topic_events], listener=_Handover(self))
        await consumer.start()
        if started is not None:
            await started()
        try:
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=100, max_records=self._settings.max_batch_records)
                if batch:
                    async with self._batch_lock:
                        await self._handle(consumer, batch)
                await self._update_lag(consumer)
        finally:
            with contextlib.suppress(KafkaError):
                await consumer.stop()
            self._consumer = None
            self.caught_up = False

    def stop(self) -> None:
        """Ask the loop to finish its batch in flight and leave the group."""
        self._stopping.set()

    async def hand_over(self, revoked: set[TopicPartition]) -> None:
        async with self._batch_lock:
            dropped = self._host.drop_partitions(tp.partition for tp in revoked)
        self.caught_up = False
        if dropped:
            log.info("handed over regions %s", ", ".join(dropped))

    async def _handle(self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[object]]) -> None:
        records = [
            InputRecord(m.topic, m.partition, m.offset, m.key, m.value, m.timestamp)  # type: ignore[attr-defined]
            for tp in sorted(batch, key=lambda t: t.partition)
            for m in batch[tp]
        ]
        started = time.perf_counter()
        outcome = await asyncio.to_thread(self._host.process, records)
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        self._metrics.batch_size.observe(len(records))
        encoded = [(d, encode_decision(d)) for d in outcome.decisions]
        await self._publisher.publish(encoded, outcome.rejected)
        self._on_delivered(encoded)
        offsets = {tp: msgs[-1].offset + 1 for tp, msgs in batch.items()}  # type: ignore[attr-defined]
        try:
            await consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced under us: the new owner replays these records, and the
            # decisions already published carry (call_id, revision) for downstream dedupe.
            log.warning("offset commit failed after a rebalance; records will be replayed")
        durable_ms = time.time() * 1000.0
        for record in records:
            self._metrics.event_to_decision.observe(max(0.0, (durable_ms - record.timestamp_ms) / 1000.0))
        for name, count in outcome.outcomes.items():
            self._metrics.events.labels(name).inc(count)
        for name, count in outcome.event_types.items():
            self._metrics.event_types.labels(name).inc(count)
        for item in outcome.rejected:
            self._metrics.dead_letters.labels(item.rejection.reason).inc()
            log.warning(
                "dead-lettered %s/%d/%d: %s",
                item.record.topic,
                item.record.partition,
                item.record.offset,
                item.rejection.reason,
            )
        self._metrics.decisions.inc(len(encoded))

    async def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        assigned = consumer.assignment()
        lag, known = 0, bool(assigned)
        for tp in assigned:
            highwater = consumer.highwater(tp)
            if highwater is None:
                known = False
                continue
            lag += max(0, highwater - await consumer.position(tp))
        self._metrics.consumer_lag.set(lag)
        self.caught_up = known and lag == 0
