"""The running service's adapters around the core, started and stopped for the app's lifetime.

`Runtime` holds what `service.bootstrap.bootstrap` built from one `Settings`: the Kafka producer, the
consumer, the region host, the read model, the read side's tail and the metrics. It supervises the
consumer and the tail (each restarted with backoff), probes the broker for readiness and appends
events to the log. HTTP handlers reach it
through the app's typed lifespan state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.structs import RecordMetadata

from service.clock import Clock
from service.kafka.changelog import ChangelogWriter
from service.kafka.consumer import BrokerLostLog, DecisionConsumer
from service.kafka.log_tail import LogTail, TopicNotThere
from service.kafka.publisher import stop_producer
from service.kafka.topics import TopicLayoutError, ensure_topics
from service.metrics import Metrics
from service.read_model import ReadModel
from service.records import StateRecord
from service.regions import RegionHost
from service.settings import Settings

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Runtime:
    settings: Settings
    clock: Clock
    metrics: Metrics
    host: RegionHost
    read_model: ReadModel
    producer: AIOKafkaProducer
    changelog: ChangelogWriter
    consumer: DecisionConsumer
    tail: LogTail
    _tail_task: asyncio.Task[None] | None = field(default=None, init=False)
    _consumer_task: asyncio.Task[None] | None = field(default=None, init=False)
    _probe_task: asyncio.Task[None] | None = field(default=None, init=False)
    _stopping: bool = field(default=False, init=False)
    _producer_started: bool = field(default=False, init=False)
    broker_reachable: bool = field(default=False, init=False)
    topics_present: bool = field(default=False, init=False)
    """The events topic exists on the broker (it vanishes when a broker with memory storage restarts)."""

    async def start(self) -> None:
        """Start the pipeline in the background: the API serves (not ready) even while Kafka is down."""
        self._consumer_task = asyncio.create_task(self._supervise(), name="corespond-consumer")
        self._probe_task = asyncio.create_task(self._probe_broker(), name="corespond-broker-probe")
        self._tail_task = asyncio.create_task(self._supervise_tail(), name="corespond-read-side")

    def drain(self) -> None:
        """Hand the regions over now (finish the batch, commit, leave the group); reads go on serving."""
        self._stopping = True
        self.consumer.stop()

    async def stop(self) -> None:
        self.drain()
        for task in (self._probe_task, self._tail_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._consumer_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer_task
        await stop_producer(self.producer, self.settings.producer_close_timeout_s, name="decisions producer")

    async def _probe_broker(self, every_s: float = 1.0) -> None:
        """Ask the cluster for its metadata every second; readiness follows the answer."""
        while True:
            try:
                topics = await self._cluster_topics(timeout_s=max(2.0, every_s))
            except Exception as error:  # noqa: BLE001 - the probe must outlive any client error
                if self.broker_reachable:
                    log.warning("broker %s unreachable (%r)", self.settings.kafka_bootstrap, error)
                self.broker_reachable = False
                self.topics_present = False
            else:
                present = self.settings.topic_events in topics
                if not self.broker_reachable:
                    log.info(
                        "broker %s reachable, events topic present: %s",
                        self.settings.kafka_bootstrap,
                        present,
                    )
                self.broker_reachable = True
                self.topics_present = present
                if self.consumer.running and not self.topics_present:
                    log.error("the broker lost the events topic; re-seeding it from memory")
                    self.consumer.request_reseed()
            await asyncio.sleep(every_s)

    async def _cluster_topics(self, timeout_s: float) -> set[str]:
        if not self._producer_started:
            raise KafkaConnectionError("the producer has not connected yet")
        async with asyncio.timeout(timeout_s):
            cluster = await self.producer.client.fetch_all_metadata()
        topics: set[str] = cluster.topics()
        return topics

    async def _supervise(self) -> None:
        """Connect, then keep the consumer running; on failure retry with capped exponential backoff.

        A failed batch leaves the in-memory state ahead of what is durable, so every restart of the
        consumer drops the regions and restores them from the changelog on assignment.
        """
        backoff = 0.5
        reseed: list[StateRecord] = []
        while not self._stopping:
            try:
                if self.settings.create_topics:
                    await ensure_topics(self.settings)
                    self.topics_present = True
                if reseed:
                    await self.changelog.write(reseed)
                    log.warning("changelog re-seeded with %d region snapshots", len(reseed))
                    reseed = []
                if not self._producer_started:
                    await self.producer.start()
                    self._producer_started = True
                await self.consumer.run()
            except BrokerLostLog as lost:
                # Only our memory holds the state now: it goes back before consuming again. The read
                # side starts its topics over too: offsets of the new log say nothing of the old one.
                self.metrics.consumer_restarts.inc()
                reseed = lost.snapshots
                self.tail.start_over()
            except (KafkaError, OSError, TimeoutError, TopicLayoutError) as error:
                self.metrics.consumer_restarts.inc()
                log.warning("pipeline failed (%r); restarting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            else:
                backoff = 0.5

    async def _supervise_tail(self) -> None:
        """Keep the read side's tail running; after a failure start it again, where it stopped."""
        backoff = 0.5
        while True:
            try:
                await self.tail.run()
            except TopicNotThere as missing:
                # The consumer's supervisor creates the topics; until then there is nothing to read.
                log.info("read side waits: %s", missing)
                await asyncio.sleep(0.2)
            except (KafkaError, OSError, TimeoutError) as error:
                self.metrics.read_side_restarts.inc()
                log.warning("read side failed (%r); restarting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def append_event(self, region: str, raw: bytes) -> RecordMetadata:
        """Append raw event bytes to the events topic, keyed by region; return once the broker has them."""
        if not (self._producer_started and self.topics_present):
            # Producing to a missing topic would let the broker auto-create it with the wrong layout.
            raise KafkaConnectionError(
                f"the events topic on {self.settings.kafka_bootstrap} is not available"
            )
        async with asyncio.timeout(self.settings.append_timeout_s):
            metadata: RecordMetadata = await self.producer.send_and_wait(
                self.settings.topic_events, raw, key=region.encode()
            )
        return metadata

    @property
    def ready(self) -> bool:
        task = self._consumer_task
        return (
            task is not None
            and not task.done()
            and self.broker_reachable
            and self.topics_present
            and self.consumer.caught_up
            and self.tail.caught_up
        )
