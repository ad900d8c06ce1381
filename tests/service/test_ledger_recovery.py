"""Ledger entries across restarts, on the real broker: never lost, never two different entries of one
call, and each shown once by GET /ledger whatever the topic holds twice."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner

from routing.epoch import decide
from routing.region import RegionState, apply_event
from routing.snapshot import encode_parts, take_delta
from schemas.events import EVENT_ADAPTER
from service.broker import EmbeddedBroker
from service.kafka.topics import ensure_topics
from service.settings import Settings
from tests.builders import call_closed, call_created, core_policy, next_id, unit_upsert
from tests.conftest import eventually, read_topic, start_service, stop_service, unique_settings, until_ready


async def _post(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    for event in events:
        response = await client.post("/events", content=orjson.dumps(event))
        assert response.status_code == 202, response.text


async def _ledger_ids(client: httpx.AsyncClient, count: int) -> list[str]:
    async def probe() -> dict[str, Any]:
        body: dict[str, Any] = (await client.get("/ledger")).json()
        return body

    body = await eventually(probe, lambda b: b["total"] >= count, timeout=20.0)
    assert body["total"] == count, body
    return [e["call_id"] for e in body["entries"]]


async def _copies(settings: Settings, keys: set[str], at_least: int = 1) -> dict[str, set[bytes]]:
    """Every value the ledger topic holds for each key, once each key has `at_least` records."""

    def enough(records: list[Any]) -> bool:
        counts: dict[str, int] = defaultdict(int)
        for r in records:
            counts[r.key.decode()] += 1
        return all(counts[k] >= at_least for k in keys)

    records = await read_topic(settings.kafka_bootstrap, settings.topic_ledger, enough, timeout=20.0)
    values: dict[str, set[bytes]] = defaultdict(set)
    for record in records:
        values[record.key.decode()].add(record.value)
    return values


def _sum(metrics: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines() if line.startswith(name + "{"))


def _at(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(hours=2) + timedelta(minutes=minutes)).isoformat()


async def test_a_restart_neither_loses_nor_doubles_an_entry(broker: EmbeddedBroker) -> None:
    settings = unique_settings(broker.bootstrap)
    region = next_id("region")
    first, second, third = next_id("C"), next_id("C"), next_id("C")

    service, task = await start_service(settings)
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
        await until_ready(client)
        await _post(
            client,
            unit_upsert(next_id("CR"), region=region, occurred_at=_at(0)),
            call_created(first, region=region, occurred_at=_at(1)),
            call_created(second, region=region, occurred_at=_at(2)),
            call_created(third, region=region, occurred_at=_at(3)),
            call_closed(first, region=region, occurred_at=_at(30)),
        )
        await _ledger_ids(client, 1)
        await _post(client, call_closed(second, region=region, occurred_at=_at(31)))
        assert await _ledger_ids(client, 2) == [first, second]
    await stop_service(service, task)

    service, task = await start_service(settings)
    try:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
            await until_ready(client)
            # The last batch's entry was published again on restore: the topic holds it twice.
            copies = await _copies(settings, {second}, at_least=2)
            assert await _ledger_ids(client, 2) == [first, second], "each entry once, none lost"
            await _post(client, call_closed(third, region=region, occurred_at=_at(32)))
            assert await _ledger_ids(client, 3) == [first, second, third]
            metrics = (await client.get("/metrics")).text
    finally:
        await stop_service(service, task)
    assert all(len(values) == 1 for values in copies.values()), "never two different entries of one call"
    assert _sum(metrics, "corespond_ledger_read_entries") == 3.0, "its read model holds each entry once"
    # Counted by the batch that wrote it: the restarted instance counts only the entry it wrote itself.
    assert _sum(metrics, "corespond_ledger_entries_total") == 1.0


async def test_an_entry_that_reached_the_changelog_but_not_the_topic_is_published_on_restore(
    broker: EmbeddedBroker,
) -> None:
    """A crash after a batch's changelog record was durable and before its entries were published:
    the changelog record is written here by the core itself, as the crashed instance would have."""
    settings = unique_settings(broker.bootstrap)
    await ensure_topics(settings)
    region, call_id = next_id("region"), next_id("C")
    events = [
        unit_upsert(next_id("CR"), region=region, occurred_at=_at(0)),
        call_created(call_id, region=region, occurred_at=_at(1)),
    ]
    close = call_closed(call_id, region=region, occurred_at=_at(20), disposition="referred")
    state = RegionState(region)
    policy = core_policy()
    records = []
    for batch in (events, [close]):
        for raw in batch:
            apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(raw)))
        decide(state, datetime.now(UTC), policy)
        written = list(state.journal.ledger)
        delta = take_delta(state)
        assert delta is not None
        records.extend(encode_parts(delta, settings.max_state_record_bytes))
    assert [e.call_id for e in written] == [call_id], "the close's batch wrote the entry"

    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        partitions = sorted(await producer.partitions_for(settings.topic_events))
        partition = DefaultPartitioner()(region.encode(), partitions, partitions)
        for payload in records:
            await producer.send_and_wait(
                settings.topic_changelog, payload, key=region.encode(), partition=partition
            )
        # The close was never committed: it is read again (same event id), and once more as a CAD resend.
        for event in (close, {**close, "event_id": next_id("e-close")}):
            await producer.send_and_wait(settings.topic_events, orjson.dumps(event), key=region.encode())
    finally:
        await producer.stop()

    service, task = await start_service(settings)
    try:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
            await until_ready(client)
            assert await _ledger_ids(client, 1) == [call_id]
            later = next_id("C")
            await _post(
                client,
                call_created(later, region=region, occurred_at=_at(40)),
                call_closed(later, region=region, occurred_at=_at(50)),
            )
            assert await _ledger_ids(client, 2) == [call_id, later], "the close read again wrote nothing"
            entry = (await client.get("/ledger", params={"limit": 1})).json()["entries"][0]
    finally:
        await stop_service(service, task)
    copies = await _copies(settings, {call_id, later})
    assert copies[call_id] == {written[0].model_dump_json().encode()}, "the entry the core wrote, unchanged"
    assert entry["disposition"] == "referred"
