"""Restart recovery against the real broker: a restarted service resumes without losing or re-deciding."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from service.broker import EmbeddedBroker
from tests.builders import call_closed, call_created, next_id, unit_upsert
from tests.conftest import (
    latest_decision,
    read_topic,
    start_service,
    stop_service,
    unique_settings,
    until_ready,
)


async def _post(client: httpx.AsyncClient, *events: dict[str, Any]) -> None:
    for event in events:
        response = await client.post("/events", content=orjson.dumps(event))
        assert response.status_code == 202, response.text


async def test_a_restarted_service_restores_state_and_continues_revisions(broker: EmbeddedBroker) -> None:
    settings = unique_settings(broker.bootstrap)
    region, unit_id = next_id("region"), next_id("LCSO-CR")
    first, second, third = next_id("LPD-26"), next_id("LPD-26"), next_id("LPD-26")

    service, task = await start_service(settings)
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        await until_ready(client)
        await _post(
            client,
            unit_upsert(unit_id, region=region, capacity=1),
            call_created(first, region=region),
            call_created(second, region=region, priority=2),
        )
        before_first = await latest_decision(client, first, 1)
        before_second = await latest_decision(client, second, 1)
    await stop_service(service, task)
    assert before_first["assignment"]["unit_id"] == unit_id
    assert before_second["assignment"]["status"] == "queued"

    service, task = await start_service(settings)
    try:
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            await until_ready(client)
            assert (await latest_decision(client, first, 1)) == before_first, "the read model is restored"
            units = (await client.get("/units", params={"region": region})).json()
            assert [u["unit_id"] for u in units] == [unit_id]
            await _post(
                client, call_closed(first, region=region), call_created(third, region=region, priority=3)
            )
            closed = await latest_decision(client, first, 2)
            promoted = await latest_decision(client, second, 2)
            newcomer = await latest_decision(client, third, 1)
    finally:
        await stop_service(service, task)
    assert closed["revision"] == 2
    assert closed["call_status"] == "closed"
    assert promoted["assignment"]["unit_id"] == unit_id, "the restored unit and its freed slot are used"
    assert newcomer["assignment"]["status"] == "queued"

    records = await read_topic(
        settings.kafka_bootstrap,
        settings.topic_decisions,
        lambda rs: len({(r.key, r.value) for r in rs}) >= 5,
    )
    by_revision: dict[tuple[str, int], set[bytes]] = {}
    for record in records:
        decision = orjson.loads(record.value)
        by_revision.setdefault((decision["call_id"], decision["revision"]), set()).add(record.value)
    assert all(len(copies) == 1 for copies in by_revision.values()), "no (call_id, revision) has two versions"
    assert sorted(by_revision) == sorted([(first, 1), (first, 2), (second, 1), (second, 2), (third, 1)]), (
        "no decision is lost or re-decided"
    )
