"""Wiring: builds the adapters around the core from one `Settings` and runs them for the app's lifetime.

`Runtime` owns the Kafka producer, the consumer task, the region host, the decision store, the
WebSocket hub and the metrics. HTTP handlers reach it through the app's typed lifespan state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.structs import RecordMetadata

from routing.assignment import AssignmentOptions
from routing.epoch import Policy
from routing.rule_triager import RuleTriager
from routing.rulebook import load_triager
from routing.triage import BandThresholds
from schemas.decisions import Decision
from service.clock import Clock, SystemClock
from service.kafka.consumer import DecisionConsumer
from service.kafka.publisher import Publisher, new_producer
from service.kafka.topics import ensure_topics
from service.metrics import Metrics
from service.regions import RegionHost
from service.settings import Settings
from service.store import DecisionStore
from service.ws.hub import DecisionHub

__all__ = ["Runtime", "policy_from", "triager_from"]

log = logging.getLogger(__name__)


def triager_from(settings: Settings) -> RuleTriager:
    """The triager the settings describe; raises `RulebookError` (file, line, rule) on a bad rule file."""
    bands = None
    if settings.triage_band_high is not None:
        assert settings.triage_band_medium is not None
        assert settings.triage_band_low is not None
        bands = BandThresholds(
            high=settings.triage_band_high, medium=settings.triage_band_medium, low=settings.triage_band_low
        )
    return load_triager(settings.triage_rules, settings.triage_agency_rules, bands)


def policy_from(settings: Settings) -> Policy:
    return Policy(
        triager=triager_from(settings),
        options=AssignmentOptions(
            on_scene_s=settings.on_scene_s,
            shift_buffer_s=settings.shift_buffer_s,
            hysteresis_s=settings.hysteresis_s,
        ),
    )


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.metrics = Metrics()
        self.store = DecisionStore(settings.decision_store_closed)
        self.hub = DecisionHub(
            settings.ws_ring_size, settings.ws_client_queue, first_seq=time.time_ns() // 1000
        )
        self.host = RegionHost(policy_from(settings), self.clock, settings.max_event_bytes)
        self.producer: AIOKafkaProducer = new_producer(settings)
        self.consumer = DecisionConsumer(
            settings, self.host, Publisher(self.producer, settings), self.metrics, self._delivered
        )
        self._consumer_task: asyncio.Task[None] | None = None
        self._probe_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.broker_reachable = False

    async def start(self) -> None:
        if self.settings.create_topics:
            await ensure_topics(self.settings)
        await self.producer.start()
        self.broker_reachable = True
        self._consumer_task = asyncio.create_task(self._supervise(), name="corespond-consumer")
        self._probe_task = asyncio.create_task(self._probe_broker(), name="corespond-broker-probe")

    async def stop(self) -> None:
        self._stopping = True
        self.consumer.stop()
        if self._probe_task is not None:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task
        if self._consumer_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._consumer_task
        await self.producer.stop()

    async def _probe_broker(self, every_s: float = 1.0) -> None:
        """Ask the cluster for its metadata every second; readiness follows the answer."""
        while True:
            try:
                async with asyncio.timeout(max(2.0, every_s)):
                    await self.producer.client.fetch_all_metadata()
            except (KafkaError, OSError, TimeoutError):
                if self.broker_reachable:
                    log.warning("broker %s unreachable", self.settings.kafka_bootstrap)
                self.broker_reachable = False
            else:
                self.broker_reachable = True
            await asyncio.sleep(every_s)

    async def _supervise(self) -> None:
        """Keep the consumer running: restart it with capped exponential backoff if it fails."""
        backoff = 0.5
        while not self._stopping:
            try:
                await self.consumer.run()
            except (KafkaError, OSError) as error:
                log.warning("consumer failed (%r); restarting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            else:
                backoff = 0.5

    async def append_event(self, region: str, raw: bytes) -> RecordMetadata:
        """Append raw event bytes to the events topic, keyed by region; return once the broker has them."""
        metadata: RecordMetadata = await self.producer.send_and_wait(
            self.settings.topic_events, raw, key=region.encode()
        )
        return metadata

    @property
    def ready(self) -> bool:
        task = self._consumer_task
        return task is not None and not task.done() and self.broker_reachable and self.consumer.caught_up

    def _delivered(self, decisions: list[tuple[Decision, bytes]]) -> None:
        for decision, encoded in decisions:
            self.store.put(decision, encoded)
            self.hub.publish(decision.region, encoded)
        self.metrics.open_calls.set(len(self.store))
