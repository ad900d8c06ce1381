"""Writing decisions, unit views, ledger entries and dead letters to Kafka, waiting until the broker has them.

Decisions (keyed by call id), unit views (the units a batch changed, keyed by unit id, to a
compacted topic that every instance's read side reads) and ledger entries (keyed by call id, to a
compacted topic read the same way) go out as closed record batches per partition
(`service.kafka.batches`): sent at once, no linger. Dead letters are rare and carry headers: they
keep `send()`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer

from routing.decided import DecidedCall
from schemas.ledger import LedgerEntry
from service.kafka.batches import BatchSender
from service.records import RejectedRecord
from service.settings import Settings
from service.views import UnitView

__all__ = ["Publisher", "new_producer", "stop_producer"]

log = logging.getLogger(__name__)


def new_producer(settings: Settings) -> AIOKafkaProducer:
    # Idempotence is off: the dev broker (Tansu) refuses InitProducerId. Delivery is at-least-once
    # and consumers dedupe decisions by (call_id, revision).
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        linger_ms=settings.producer_linger_ms,
        enable_idempotence=False,
        # Changelog parts are split under max_state_record_bytes; the last one also lists decided calls.
        max_request_size=max(
            1_048_576, settings.max_event_bytes * 2, settings.max_state_record_bytes + 262_144
        ),
    )


async def stop_producer(producer: AIOKafkaProducer, timeout_s: float, *, name: str) -> None:
    """Stop `producer`, giving up on records the broker has not taken within `timeout_s`.

    aiokafka's `stop()` flushes first and retries unsent records without end, so a broker that is
    gone (stopped, crashed or unreachable) would hold the shutdown for ever."""
    try:
        async with asyncio.timeout(timeout_s):
            await producer.stop()
    except TimeoutError:
        log.warning(
            "%s: the broker did not take the last records within %.0fs; stopping without them",
            name,
            timeout_s,
        )


class Publisher:
    def __init__(self, producer: AIOKafkaProducer, settings: Settings) -> None:
        self._producer = producer
        self._decisions = settings.topic_decisions
        self._dlq = settings.topic_dlq
        self._unit_views = settings.topic_unit_views
        self._ledger = settings.topic_ledger
        self._batches = BatchSender(producer)

    async def publish(
        self,
        decisions: Sequence[DecidedCall],
        units: Sequence[UnitView],
        rejected: Sequence[RejectedRecord],
        ledger: Sequence[tuple[LedgerEntry, bytes]] = (),
    ) -> None:
        """Send every decision, unit view, ledger entry and dead letter; return once the broker
        acknowledged all of them."""
        pending: list[asyncio.Future[Any]] = []
        if decisions:
            pending.extend(
                await self._batches.send_keyed(
                    self._decisions, ((d.call_id.encode(), d.encoded) for d in decisions)
                )
            )
        if units:
            pending.extend(
                await self._batches.send_keyed(
                    self._unit_views, ((view.unit_id.encode(), view.encoded) for view in units)
                )
            )
        if ledger:
            pending.extend(
                await self._batches.send_keyed(
                    self._ledger, ((entry.call_id.encode(), encoded) for entry, encoded in ledger)
                )
            )
        for item in rejected:
            record, rejection = item.record, item.rejection
            headers = [
                ("dlq.reason", rejection.reason.encode()),
                ("dlq.detail", rejection.detail.encode()),
                ("dlq.source", f"{record.topic}/{record.partition}/{record.offset}".encode()),
            ]
            pending.append(
                await self._producer.send(self._dlq, value=record.value, key=record.key, headers=headers)
            )
        if pending:
            await asyncio.gather(*pending)
