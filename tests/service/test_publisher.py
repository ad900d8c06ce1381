"""The publisher's record batches: every decision acknowledged, on the partition `send()` would pick."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from routing.decided import DecidedCall
from schemas.decisions import Assignment, AssignmentStatus, Band, Decision, Response, Triage
from service.broker import EmbeddedBroker
from service.kafka.publisher import Publisher, new_producer
from service.kafka.topics import ensure_topics
from tests.conftest import read_topic, unique_settings


def _decision(call_id: str) -> Decision:
    return Decision(
        decision_id=f"larimer/{call_id}/1",
        call_id=call_id,
        region="larimer",
        revision=1,
        decided_at=datetime(2026, 11, 28, 21, 0, tzinfo=UTC),
        source_event_id=f"e-{call_id}",
        triage=Triage(score=0.1, band=Band.NONE, response=Response.NOT_BEHAVIORAL, reasons=[], safety=[]),
        assignment=Assignment(status=AssignmentStatus.NONE, reason="not_behavioral"),
        alternatives=[],
        queue_position=None,
    )


async def test_decisions_land_where_send_puts_their_key_even_across_full_batches(
    broker: EmbeddedBroker,
) -> None:
    settings = unique_settings(broker.bootstrap, topic_partitions=4)
    await ensure_topics(settings)
    producer: AIOKafkaProducer = new_producer(settings)
    await producer.start()
    try:
        # 600 decisions of ~500 bytes overflow the 16 KB default batch of every partition several times.
        decisions = [_decision(f"LPD-26-{i:06d}") for i in range(600)]
        encoded = [
            replace(DecidedCall.of(d), encoded=d.model_dump_json().encode() + b" " * 200) for d in decisions
        ]
        await Publisher(producer, settings).publish(encoded, [], [])
        by_send = {}
        for decision in decisions[:50]:
            metadata = await producer.send_and_wait(settings.topic_dlq, b"x", key=decision.call_id.encode())
            by_send[decision.call_id] = metadata.partition
    finally:
        await producer.stop()
    records = await read_topic(broker.bootstrap, settings.topic_decisions, lambda got: len(got) >= 600)
    assert sorted(r.key.decode() for r in records) == sorted(d.call_id for d in decisions)
    placed = {r.key.decode(): r.partition for r in records}
    assert {call_id: placed[call_id] for call_id in by_send} == by_send
    assert len(set(placed.values())) == 4
