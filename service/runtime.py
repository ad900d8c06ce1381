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
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.structs import RecordMetadata

from routing.epoch import Policy
from routing.plan import AssignmentOptions
from routing.travel import HaversineTravel, TravelModel
from schemas.decisions import Decision
from service.clock import Clock, SystemClock
from service.kafka.changelog import ChangelogWriter
from service.kafka.consumer import BrokerLostLog, DecisionConsumer
from service.kafka.no_auto_create import forbid_topic_auto_creation
from service.kafka.publisher import Publisher, new_producer, stop_producer
from service.kafka.topics import TopicLayoutError, ensure_topics
from service.metrics import Metrics
from service.records import StateRecord
from service.regions import RegionHost
from service.settings import Settings, TravelProfile
from service.store import DecisionStore
from service.ws.hub import DecisionHub
from triage.facts import BandThresholds
from triage.rulebook import load_triager
from triage.scoring import RuleTriager

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


def region_host_from(settings: Settings, clock: Clock) -> RegionHost:
    """The regions' state holder as `settings` configure it, reading time from `clock`."""
    return RegionHost(
        policy_from(settings),
        clock,
        max_event_bytes=settings.max_event_bytes,
        max_future_skew_s=settings.max_future_skew_s,
        snapshot_every=settings.snapshot_every_events,
        max_state_record_bytes=settings.max_state_record_bytes,
    )


def policy_from(settings: Settings) -> Policy:
    """The decision policy of every region: min-cost-flow assignment (the default planner) and its knobs."""
    return Policy(
        travel=_travel(settings.travel),
        regional_travel={region: _travel(p) for region, p in sorted(settings.travel_regions.items())},
        min_busy_s=settings.min_busy_s,
        triager=triager_from(settings),
        options=AssignmentOptions(
            on_scene_s=settings.on_scene_s,
            shift_buffer_s=settings.shift_buffer_s,
            hysteresis_s=settings.hysteresis_s,
            alternatives=settings.alternatives,
            unplaced_s=settings.unplaced_s,
            model_mismatch_s=settings.model_mismatch_s,
            no_transport_s=settings.no_transport_s,
            missing_skill_s=settings.missing_skill_s,
            caseload_s=settings.caseload_s,
            k_nearest=settings.k_nearest or None,
            solver_budget_ms=settings.solver_budget_ms,
            pricing_rounds=settings.pricing_rounds,
        ),
    )


def _travel(profile: TravelProfile) -> TravelModel:
    return HaversineTravel(
        circuity=profile.circuity, speed_mps=profile.speed_mps, startup_s=profile.startup_s
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
        forbid_topic_auto_creation()
        self.host = region_host_from(settings, self.clock)
        self.producer: AIOKafkaProducer = new_producer(settings)
        self.changelog = ChangelogWriter(self.producer, settings.topic_changelog)
        self.consumer = DecisionConsumer(
            settings,
            self.host,
            publisher=Publisher(self.producer, settings),
            changelog=self.changelog,
            metrics=self.metrics,
            on_delivered=self._delivered,
            on_restored=self._restored,
        )
        self._consumer_task: asyncio.Task[None] | None = None
        self._probe_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._producer_started = False
        self.broker_reachable = False
        self.topics_present = False
        """The events topic exists on the broker (it vanishes when a broker with memory storage restarts)."""

    async def start(self) -> None:
        """Start the pipeline in the background: the API serves (not ready) even while Kafka is down."""
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
                # Only our memory holds the state now: it goes back before consuming again.
                self.metrics.consumer_restarts.inc()
                reseed = lost.snapshots
            except (KafkaError, OSError, TimeoutError, TopicLayoutError) as error:
                self.metrics.consumer_restarts.inc()
                log.warning("pipeline failed (%r); restarting in %.1fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
            else:
                backoff = 0.5

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
        )

    def _restored(self, decisions: list[tuple[Decision, bytes]]) -> None:
        """Latest decisions of restored open calls feed the read model (they were published before)."""
        for decision, encoded in decisions:
            self.store.put(decision, encoded)
        self.metrics.open_calls.set(len(self.store))

    def _delivered(self, decisions: list[tuple[Decision, bytes]]) -> None:
        for decision, encoded in decisions:
            self.store.put(decision, encoded)
            self.hub.publish(decision.region, encoded)
        self.metrics.open_calls.set(len(self.store))
