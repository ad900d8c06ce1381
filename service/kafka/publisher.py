"""Writing decisions and dead letters to Kafka, waiting until the broker has them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from schemas.decisions import Decision
from service.regions import RejectedRecord
from service.settings import Settings

__all__ = ["Publisher", "new_producer"]


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


class Publisher:
    def __init__(self, producer: AIOKafkaProducer, settings: Settings) -> None:
        self._producer = producer
        self._decisions = settings.topic_decisions
        self._dlq = settings.topic_dlq

    async def publish(
        self, decisions: Sequence[tuple[Decision, bytes]], rejected: Sequence[RejectedRecord]
    ) -> None:
        """Send every decision and dead letter; return once the broker acknowledged all of them."""
        pending: list[asyncio.Future[object]] = []
        for decision, encoded in decisions:
            pending.append(
                await self._producer.send(self._decisions, value=encoded, key=decision.call_id.encode())
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
