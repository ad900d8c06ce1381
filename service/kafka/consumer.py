"""The consumer loop: fetch a micro-batch from cad.events, decide it, persist, publish, then commit.

Per batch, in this order: apply + decide (off the event loop); write the regions' changelog records
and wait for the broker; publish decisions and dead letters and wait; commit the input offsets. The
commit runs while the next batch is fetched and decided (commits stay in order, and a rebalance or a
stop waits for the one in flight), so its round trip is not on the path of any decision. A
crash at any point loses nothing: on restart the changelog brings the state back exactly as of the
last durable record, the decisions of that last record are published again (duplicates of the same
`(call_id, revision)`, never conflicts), and consumption resumes from the committed offset, where
events already applied are recognized by their id (see `service.kafka.changelog`).

Auto-commit is off and a new group starts from the earliest offset, so no event is skipped. A
rebalance waits for the batch in flight before partitions are handed over; newly assigned
partitions are restored from the changelog before their first record is processed, and their units'
views and last decisions are published again (the read side of every instance is built from the
log: this consumer never writes a read model).

On `stop()` the loop finishes its batch, commits, and leaves the group with an explicit LeaveGroup
before closing: aiokafka sends none for a static member (Kafka's protocol), and with a dynamic member
closing the consumer did not make the embedded broker rebalance before the session timeout either
(measured: the others waited 6.3 s at a 6 s session), so without it a SIGTERM would hand over no
faster than a kill -9.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.protocol.group import LeaveGroupRequest

from routing.decided import DecidedCall
from service.kafka.changelog import ChangelogWriter, restore_partition
from service.kafka.fetch_wait import FetchWaitTuner, position_now
from service.kafka.publisher import Publisher
from service.metrics import Metrics
from service.records import BatchOutcome, InputRecord, RejectedRecord, StateRecord
from service.regions import RegionHost
from service.settings import Settings
from service.views import UnitView

__all__ = ["BrokerLostLog", "ConsumerStalled", "DecisionConsumer"]

log = logging.getLogger(__name__)

COMMIT_WAIT_S = 5.0
"""How long a rebalance, a stop or a restart waits for the offset commit in flight."""
SLOW_BATCH_S = 0.25
"""A batch slower than this from decide to published is logged with where its time went."""


class ConsumerStalled(KafkaError):  # type: ignore[misc]
    """Records are waiting but none arrived for too long (aiokafka #703 after a broker restart)."""


class BrokerLostLog(KafkaError):  # type: ignore[misc]
    """The broker came back without our topics (a broker with in-memory storage restarted).

    Carries full snapshots of the state held in memory, the only copy left, to re-seed the changelog.
    """

    def __init__(self, snapshots: list[StateRecord]) -> None:
        super().__init__(f"the events topic is gone; re-seeding {len(snapshots)} regions")
        self.snapshots = snapshots


class _Handover(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: DecisionConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._owner.hand_over(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        # aiokafka only logs what a listener raises; the owner keeps it and fails its loop instead,
        # so no record is processed against a state that was not restored.
        try:
            await self._owner.take_over(assigned)
        except (KafkaError, OSError, TimeoutError, ValueError) as error:
            self._owner.takeover_failed(error)


class DecisionConsumer:
    def __init__(
        self,
        settings: Settings,
        host: RegionHost,
        *,
        publisher: Publisher,
        changelog: ChangelogWriter,
        metrics: Metrics,
    ) -> None:
        self._settings = settings
        self._host = host
        self._publisher = publisher
        self._changelog = changelog
        self._metrics = metrics
        self._consumer: AIOKafkaConsumer | None = None
        self._batch_lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._last_progress = time.monotonic()
        self._takeover_failed: BaseException | None = None
        self._reseed = False
        self._lost_log: list[StateRecord] | None = None
        """The state as it was when a rebalance found the broker without our topic (restarted empty)."""
        self._owned: set[int] = set()
        """Partitions whose state is restored here; records of any other partition are not processed."""
        self._committing: asyncio.Task[None] | None = None
        """The offset commit of the last batch, running while the next one is fetched and decided."""
        self.caught_up = False
        self._fetch_wait = FetchWaitTuner(
            settings.fetch_max_wait_ms, settings.fetch_max_wait_ceiling_ms, name="events consumer"
        )
        """Learned across consumer restarts (the events partitions only grow); reset when the broker
        comes back without them."""

    def _new_consumer(self) -> AIOKafkaConsumer:
        s = self._settings
        return AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap,
            group_id=s.consumer_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._fetch_wait.ms,
            max_partition_fetch_bytes=max(1_048_576, s.max_event_bytes * 4),
            isolation_level="read_committed",
            client_id=f"corespond-{s.instance_id or 'decide'}",
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=s.heartbeat_interval_ms,
            group_instance_id=s.instance_id if s.static_membership else None,
        )

    async def run(self) -> None:
        """Consume until `stop()`; raise on a failure the caller should answer by restarting."""
        self._host.reset()
        self._owned.clear()
        self._reseed = False
        self._lost_log = None
        self._takeover_failed = None
        consumer = self._consumer = self._new_consumer()
        consumer.subscribe([self._settings.topic_events], listener=_Handover(self))
        await consumer.start()
        self._last_progress = time.monotonic()
        self._fetch_wait.restart()
        try:
            while not self._stopping.is_set():
                batch = await self._micro_batch(consumer)
                if self._takeover_failed is not None:
                    raise ConsumerStalled("partitions were assigned but their state was not restored")
                if self._lost_log is not None:
                    self._fetch_wait.reset()
                    raise BrokerLostLog(self._lost_log)
                if self._reseed:
                    self._fetch_wait.reset()
                    async with self._batch_lock:
                        raise BrokerLostLog(self._host.snapshot_all())
                if batch:
                    async with self._batch_lock:
                        await self._handle(consumer, batch)
                    self._last_progress = time.monotonic()
                if self._committing is not None and self._committing.done():
                    await self._commits_done()  # raises a commit's failure here, in the loop
                records_waiting = await self._watch(consumer)
                self._fetch_wait.observe(consumer, progressed=bool(batch), records_waiting=records_waiting)
        finally:
            self.caught_up = False
            self._consumer = None
            with contextlib.suppress(KafkaError):
                await self._commits_done()
            if self._stopping.is_set():
                await self._leave_group(consumer)
            with contextlib.suppress(KafkaError):
                await consumer.stop()

    async def _leave_group(self, consumer: AIOKafkaConsumer) -> None:
        """Tell the coordinator this member is gone, so the others take its regions over at once."""
        coordinator = consumer._coordinator
        if coordinator is None or coordinator.generation <= 0:
            return
        started = time.monotonic()
        try:
            async with asyncio.timeout(2.0):
                await coordinator._stop_heartbeat_task()
                await coordinator._send_req(LeaveGroupRequest(coordinator.group_id, coordinator.member_id))
        except (KafkaError, OSError, TimeoutError) as error:
            log.warning("leaving the group failed (%r): the others wait for the session timeout", error)
            return
        # Generation reset: aiokafka's own close must not send a second LeaveGroup for a member now gone.
        coordinator.reset_generation()
        log.info("left the consumer group in %.3fs", time.monotonic() - started)

    async def _micro_batch(self, consumer: AIOKafkaConsumer) -> dict[TopicPartition, list[object]]:
        """What arrives within `batch_window_ms` of the first record, decided together in one solve."""
        limit = self._settings.max_batch_records
        batch: dict[TopicPartition, list[object]] = await consumer.getmany(timeout_ms=100, max_records=limit)
        window_end = time.monotonic() + self._settings.batch_window_ms / 1000.0
        count = sum(len(records) for records in batch.values())
        while batch and count < limit and (left_ms := (window_end - time.monotonic()) * 1000.0) >= 1.0:
            more = await consumer.getmany(timeout_ms=int(left_ms), max_records=limit - count)
            for tp, records in more.items():
                batch.setdefault(tp, []).extend(records)
                count += len(records)
        return batch

    def stop(self) -> None:
        """Ask the loop to finish its batch in flight and leave the group."""
        self._stopping.set()

    def request_reseed(self) -> None:
        """The broker lost its log: stop after the batch in flight, carrying the state out."""
        self._reseed = True

    @property
    def running(self) -> bool:
        return self._consumer is not None

    def takeover_failed(self, error: BaseException) -> None:
        log.error("restoring assigned partitions failed: %r", error)
        self._takeover_failed = error

    async def hand_over(self, revoked: set[TopicPartition]) -> None:
        log.info("partitions revoked: %s", sorted(tp.partition for tp in revoked))
        lost = bool(revoked) and self._lost_log is None and await self._broker_lost_topic()
        async with self._batch_lock:
            with contextlib.suppress(KafkaError):
                await self._commits_done()  # the offsets of revoked partitions go in before they move
            if lost:
                # The group rejoins a broker that restarted empty: only this memory holds the state.
                log.error("the broker lost the events topic; keeping the state to re-seed it")
                self._lost_log = self._host.snapshot_all()
            self._owned.difference_update(tp.partition for tp in revoked)
            dropped = self._host.drop_partitions(tp.partition for tp in revoked)
        self.caught_up = False
        if dropped:
            log.info("handed over regions %s", ", ".join(dropped))

    async def _broker_lost_topic(self) -> bool:
        """The broker answers and has no events topic (never auto-created: see `no_auto_create`)."""
        consumer = self._consumer
        if consumer is None:
            return False
        try:
            async with asyncio.timeout(5.0):
                topics: set[str] = await consumer.topics()
        except (KafkaError, OSError, TimeoutError):
            return False
        return self._settings.topic_events not in topics

    async def take_over(self, assigned: set[TopicPartition]) -> None:
        """Restore each new partition's regions from the changelog and resume right after them."""
        consumer = self._consumer
        if consumer is None or self._lost_log is not None:
            # The run has ended (aiokafka can finish a join while the consumer stops), or the loop
            # re-seeds the changelog from `_lost_log` and starts again: nothing to restore here.
            return
        # Partitions are read in parallel (one reader each): a failover's time is the longest
        # partition's restore, not their sum. Each is installed as soon as it is read.
        await asyncio.gather(
            *(self._restore(tp.partition) for tp in sorted(assigned, key=lambda t: t.partition))
        )
        self._last_progress = time.monotonic()

    async def _restore(self, partition: int) -> None:
        s = self._settings
        started = time.monotonic()
        restored = await restore_partition(
            s.kafka_bootstrap,
            s.topic_changelog,
            partition,
            fetch_wait=FetchWaitTuner(
                s.fetch_max_wait_ms, s.fetch_max_wait_ceiling_ms, name=f"changelog restore {partition}"
            ),
            timeout_s=120.0,
        )
        async with self._batch_lock:
            units = self._host.install(restored)
            self._owned.add(partition)
            # The last batch before a crash may have reached the changelog and not the topics the
            # read side is built from: its decisions and every unit view go out again (duplicates
            # at worst; the read side keeps the newest revision and the last view).
            await self._publish([DecidedCall.of(d) for d in restored.republish], units, [])
        log.info(
            "partition %d: %d regions restored from %d changelog records in %.2fs, %d decisions re-published",
            partition,
            len(restored.states),
            restored.records,
            time.monotonic() - started,
            len(restored.republish),
        )

    async def _handle(self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[object]]) -> None:
        # A batch fetched before a rebalance may hold records of partitions revoked since, or not yet
        # restored: leave them uncommitted for whoever owns the partition once its state is back.
        for tp in [tp for tp in batch if tp.partition not in self._owned]:
            skipped = batch.pop(tp)
            if tp in consumer.assignment():
                consumer.seek(tp, skipped[0].offset)  # type: ignore[attr-defined]
        if not batch:
            return
        records = [
            InputRecord(m.topic, m.partition, m.offset, m.key, m.value, m.timestamp)  # type: ignore[attr-defined]
            for tp in sorted(batch, key=lambda t: t.partition)
            for m in batch[tp]
        ]
        started = time.perf_counter()
        outcome = await asyncio.to_thread(self._host.process, records)
        decided = time.perf_counter()
        self._metrics.batch_seconds.observe(decided - started)
        self._metrics.batch_size.observe(len(records))
        await self._changelog.write(outcome.state_records)
        persisted = time.perf_counter()
        await self._publish(outcome.decisions, outcome.unit_views, outcome.rejected)
        published = time.perf_counter()
        if published - started > SLOW_BATCH_S:
            log.warning(
                "slow batch of %d records: decide %.0f ms, changelog %.0f ms, publish %.0f ms",
                len(records),
                (decided - started) * 1000,
                (persisted - decided) * 1000,
                (published - persisted) * 1000,
            )
        durable_ms = time.time() * 1000.0
        for record in records:
            self._metrics.event_to_decision.observe(max(0.0, (durable_ms - record.timestamp_ms) / 1000.0))
        self._count(outcome)
        # The commit runs while the next batch is fetched and decided: its round trip is off the
        # path of every decision. Commits stay in batch order (each waits for the one before).
        offsets = {tp: msgs[-1].offset + 1 for tp, msgs in batch.items()}  # type: ignore[attr-defined]
        self._committing = asyncio.create_task(
            self._commit_after(consumer, offsets, self._committing), name="corespond-commit"
        )

    async def _commit_after(
        self,
        consumer: AIOKafkaConsumer,
        offsets: dict[TopicPartition, int],
        previous: asyncio.Task[None] | None,
    ) -> None:
        if previous is not None:
            await previous
        try:
            await consumer.commit(offsets)
        except CommitFailedError:
            # The group rebalanced under us: the new owner restores from the changelog, which already
            # covers these records, so nothing is decided twice.
            log.warning("offset commit failed after a rebalance; the changelog covers the batch")

    async def _commits_done(self) -> None:
        """Wait for the commits in flight; raise the first failure (the loop restarts on it).

        A commit still unanswered after `COMMIT_WAIT_S` (a broker that went away) is abandoned: the
        changelog covers its batch, whose records are read again and recognized by their event ids."""
        committing, self._committing = self._committing, None
        if committing is None:
            return
        try:
            async with asyncio.timeout(COMMIT_WAIT_S):
                await asyncio.shield(committing)
        except TimeoutError:
            committing.cancel()
            log.warning("an offset commit got no answer in %.0fs; abandoned", COMMIT_WAIT_S)

    async def _publish(
        self,
        decided: list[DecidedCall],
        units: Sequence[UnitView],
        rejected: Sequence[RejectedRecord],
    ) -> None:
        await self._publisher.publish(decided, units, rejected)
        self._metrics.decisions.inc(len(decided))
        for decision in decided:
            self._metrics.decisions_by_method.labels(decision.method.value).inc()

    def _count(self, outcome: BatchOutcome) -> None:
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

    async def _watch(self, consumer: AIOKafkaConsumer) -> bool:
        """Track the lag for readiness; raise `ConsumerStalled` when records wait but never arrive.

        Returns whether records may be waiting in owned partitions (a lag, or a lag not yet known)."""
        assigned = consumer.assignment()
        lag, known = 0, bool(assigned)
        restoring = any(tp.partition not in self._owned for tp in assigned)
        for tp in assigned:
            if tp.partition not in self._owned:
                known = False
                continue
            highwater = consumer.highwater(tp)
            position = await position_now(consumer, tp)
            if highwater is None or position is None:
                known = False
                continue
            lag += max(0, highwater - position)
        self._metrics.consumer_lag.set(lag)
        self.caught_up = known and lag <= self._settings.ready_max_lag
        if (known and lag == 0) or restoring or not assigned:
            # Nothing waits that could be consumed: caught up, a partition's state is still being
            # restored (the rebalance listener runs beside this loop), or an idle group member.
            self._last_progress = time.monotonic()
        elif time.monotonic() - self._last_progress > self._settings.stall_timeout_s:
            waiting = f"{lag} records waiting" if known else "the partitions' positions or ends unknown"
            raise ConsumerStalled(f"{waiting}, none consumed for {self._settings.stall_timeout_s}s")
        return not restoring and bool(assigned) and not (known and lag == 0)
