"""The read side's tail: every partition of the topics the read model is built from, outside the group.

`LogTail.run()` assigns itself all partitions of each `TailedTopic` (no consumer group, no commits:
every instance reads everything), seeks each partition to where the topic says reading starts (the
beginning of a compacted topic; for the decisions topic, the first record of the last
`read_side_lookback_s`), and hands every record to the topic's `apply` on the event loop, in each
partition's order. It is caught up once every partition has been read to the end it had when the
tail started; `/ready` waits for that. After a failure `run()` raises and is started again by the
runtime, resuming where it stopped (a partition that went back, because the broker lost its log, is
read again from its beginning). When the write side finds that the broker lost its log, the runtime
calls `start_over()`: every topic is read again from the new log's start, since the new log grows
back over offsets the tail had already read in the old one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from service.kafka.fetch_wait import FetchWaitTuner, position_now
from service.metrics import Metrics
from service.read_model import TailedRecord, TailedTopic
from service.settings import Settings

__all__ = ["LogTail", "TopicNotThere"]

log = logging.getLogger(__name__)


class TopicNotThere(KafkaError):  # type: ignore[misc]
    """A tailed topic does not exist (yet): the runtime retries once the topics are created."""


class LogTail:
    def __init__(self, settings: Settings, topics: Sequence[TailedTopic], metrics: Metrics) -> None:
        self._settings = settings
        self._topics = {t.topic: t for t in topics}
        self._metrics = metrics
        self._positions: dict[TopicPartition, int] = {}
        """Next offset to read, per partition; kept across restarts of `run()`."""
        self._targets: dict[TopicPartition, int] = {}
        """Each partition's end when this run started: caught up once every position reaches it."""
        self.caught_up = False
        self._start_over = False
        self._fetch_wait = FetchWaitTuner(
            settings.fetch_max_wait_ms, settings.fetch_max_wait_ceiling_ms, name="read side"
        )

    async def run(self) -> None:
        """Read until cancelled; raise on a failure the caller answers by running it again."""
        self.caught_up = False
        s = self._settings
        consumer = AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap,
            client_id=f"corespond-read-{s.instance_id or 'side'}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._fetch_wait.ms,
            max_partition_fetch_bytes=max(1_048_576, s.max_event_bytes * 4),
        )
        await consumer.start()
        try:
            await self._assign(consumer)
            self._fetch_wait.restart()
            while True:
                if self._start_over:
                    self._start_over = False
                    self._positions.clear()
                    await self._assign(consumer)
                batch = await consumer.getmany(timeout_ms=200, max_records=5000)
                now_ms = time.time() * 1000.0
                for tp, messages in batch.items():
                    apply = self._topics[tp.topic].apply
                    for m in messages:
                        apply(TailedRecord(m.partition, m.offset, m.key, m.value, m.timestamp))
                        self._metrics.read_side_delay.observe(max(0.0, (now_ms - m.timestamp) / 1000.0))
                    self._positions[tp] = messages[-1].offset + 1
                lag = await self._lag(consumer)
                self._fetch_wait.observe(consumer, progressed=bool(batch), records_waiting=lag > 0)
        finally:
            self.caught_up = False
            await consumer.stop()

    def start_over(self) -> None:
        """The broker lost its log (it came back without our topics): read every topic from its new
        start. Positions in the old log mean nothing in the new one, which grows back over the same
        offsets, so a reader that kept them would skip the new log's first records."""
        log.warning("read side: the broker lost its log; reading every topic from its new start")
        self._start_over = True

    async def _assign(self, consumer: AIOKafkaConsumer) -> None:
        """Every partition of every tailed topic, each at its start (or where the last run stopped)."""
        await consumer._client.force_metadata_update()
        tps: list[TopicPartition] = []
        for name in self._topics:
            partitions = consumer.partitions_for_topic(name)
            if not partitions:
                raise TopicNotThere(f"topic {name} does not exist yet")
            tps.extend(TopicPartition(name, p) for p in sorted(partitions))
        consumer.assign(tps)
        beginnings = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        self._targets = dict(ends)
        starts = await self._lookback_starts(consumer, [tp for tp in tps if tp not in self._positions], ends)
        for tp in tps:
            topic = self._topics[tp.topic]
            start = self._positions.get(tp, starts.get(tp, beginnings[tp]))
            if start > ends[tp]:
                log.warning(
                    "%s/%d ends at %d, before the %d read already: the broker lost its log; reading it again",
                    tp.topic,
                    tp.partition,
                    ends[tp],
                    start,
                )
                start = beginnings[tp]
            start = max(start, beginnings[tp])
            consumer.seek(tp, start)
            self._positions[tp] = start
            if topic.started is not None:
                topic.started(tp.partition, start)
        log.info("read side: reading %d partitions of %s", len(tps), ", ".join(self._topics))

    async def _lookback_starts(
        self, consumer: AIOKafkaConsumer, tps: list[TopicPartition], ends: dict[TopicPartition, int]
    ) -> dict[TopicPartition, int]:
        """Where partitions of topics read with a lookback start: their first record of that window."""
        since = {
            tp: int((time.time() - lookback) * 1000)
            for tp in tps
            if (lookback := self._topics[tp.topic].lookback_s) is not None
        }
        if not since:
            return {}
        found = await consumer.offsets_for_times(since)
        starts: dict[TopicPartition, int] = {}
        for tp in since:
            hit = found.get(tp)
            # None (Kafka) or a timestamp of -1 (Tansu): no record that recent, so start at the end.
            starts[tp] = ends[tp] if hit is None or hit.timestamp < 0 else hit.offset
        return starts

    async def _lag(self, consumer: AIOKafkaConsumer) -> int:
        """Records waiting in all tailed partitions; marks the tail caught up once it reached its targets.

        The consumer's position, not the last record's offset + 1, since a compacted partition's end
        may lie past its last record."""
        lag = 0
        caught_up = True
        for tp in list(self._positions):
            position = await position_now(consumer, tp)
            if position is None:
                caught_up = False
                continue
            self._positions[tp] = position
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lag += max(0, highwater - position)
            caught_up = caught_up and position >= self._targets.get(tp, 0)
        self._metrics.read_side_lag.set(lag)
        if caught_up and not self.caught_up:
            log.info("read side caught up")
        self.caught_up = self.caught_up or caught_up
        return lag
