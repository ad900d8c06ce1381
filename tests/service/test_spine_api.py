"""The spine through a real uvicorn server and the real broker: events in, decisions out everywhere."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson
import pytest
import websockets
from aiokafka import AIOKafkaProducer

from tests.builders import FORT_COLLINS, LOVELAND, call_closed, call_created, next_id, unit_upsert
from tests.conftest import LiveService, eventually, latest_decision, read_topic


async def _post_all(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    for event in events:
        response = await client.post("/events", content=orjson.dumps(event))
        assert response.status_code == 202, response.text


async def test_suicidal_call_posted_over_http_reaches_rest_websocket_and_kafka(
    live_service: LiveService,
) -> None:
    region = next_id("region")
    units = [next_id("LCSO-CR"), next_id("LPD-CR"), next_id("EPPD-CR")]
    call_id = next_id("LPD-26")
    async with (
        httpx.AsyncClient(base_url=live_service.base_url) as client,
        websockets.connect(f"{live_service.ws_url}/ws/decisions?region={region}") as ws,
    ):
        await _post_all(
            client,
            [
                unit_upsert(units[0], region=region, at=FORT_COLLINS),
                unit_upsert(units[1], region=region, agency="LPD", model="secondary", at=LOVELAND),
                unit_upsert(units[2], region=region, agency="EPPD", at=(40.3772, -105.5217)),
                call_created(call_id, region=region, narrative="RP STATES SON SAYS HE WANTS TO KILL HIMSELF"),
            ],
        )
        decision = await latest_decision(client, call_id)
        frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=5))

    assert decision["triage"]["response"].startswith("co_response")
    assert decision["assignment"]["status"] == "recommended"
    assert decision["assignment"]["unit_id"] in units
    assert decision["triage"]["reasons"], "every decision explains itself"
    assert frame.pop("seq") > 0
    assert frame.pop("cursor")
    assert frame == decision

    records = await read_topic(
        live_service.settings.kafka_bootstrap,
        live_service.settings.topic_decisions,
        lambda rs: any(r.key == call_id.encode() for r in rs),
    )
    on_kafka = [orjson.loads(r.value) for r in records if r.key == call_id.encode()]
    assert on_kafka[-1] == decision


async def test_event_produced_to_kafka_is_decided(live_service: LiveService) -> None:
    region = next_id("region")
    unit_id, call_id = next_id("LPD-CR"), next_id("LPD-26")
    producer = AIOKafkaProducer(bootstrap_servers=live_service.settings.kafka_bootstrap)
    await producer.start()
    try:
        for event in (
            unit_upsert(unit_id, region=region, agency="LPD", model="secondary", can_transport=True),
            call_created(call_id, region=region, nature_code="WELFARE CHECK", narrative="HEARING VOICES"),
        ):
            await producer.send_and_wait(
                live_service.settings.topic_events, orjson.dumps(event), key=region.encode()
            )
    finally:
        await producer.stop()
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        decision = await latest_decision(client, call_id)
    assert decision["region"] == region
    assert decision["assignment"]["unit_id"] == unit_id


async def test_non_behavioral_call_gets_a_decision_without_a_unit(live_service: LiveService) -> None:
    region, call_id = next_id("region"), next_id("LPD-26")
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        await _post_all(
            client,
            [
                unit_upsert(next_id("LPD-CR"), region=region),
                call_created(call_id, region=region, nature_code="TRAFFIC STOP", priority=4),
            ],
        )
        decision = await latest_decision(client, call_id)
    assert decision["triage"]["response"] == "not_behavioral"
    assert decision["assignment"] == {
        "status": "none",
        "unit_id": None,
        "model": None,
        "eta_s": None,
        "method": "not_routed",
        "optimal": None,
        "fixed": False,
        "reason": "not_behavioral",
    }


async def test_closing_a_call_publishes_its_final_revision_and_frees_the_unit(
    live_service: LiveService,
) -> None:
    region, unit_id = next_id("region"), next_id("LCSO-CR")
    first, second = next_id("LPD-26"), next_id("LPD-26")
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        await _post_all(
            client,
            [
                unit_upsert(unit_id, region=region, capacity=1),
                call_created(first, region=region),
                call_created(second, region=region, priority=2, occurred_at="2026-11-28T21:05:00Z"),
            ],
        )
        assert (await latest_decision(client, first))["assignment"]["unit_id"] == unit_id
        queued = await latest_decision(client, second)
        assert queued["assignment"]["status"] == "queued"
        assert queued["queue_position"] == 1
        assert queued["assignment"]["reason"]

        await _post_all(client, [call_closed(first, region=region)])
        closed = await latest_decision(client, first, revision=2)
        promoted = await latest_decision(client, second, revision=2)
    assert closed["call_status"] == "closed"
    assert closed["assignment"]["status"] == "none"
    assert promoted["assignment"]["unit_id"] == unit_id


async def test_ack_fixes_the_unit_in_a_new_revision(live_service: LiveService) -> None:
    region, unit_id, call_id = next_id("region"), next_id("LCSO-CR"), next_id("LPD-26")
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        await _post_all(client, [unit_upsert(unit_id, region=region), call_created(call_id, region=region)])
        first = await latest_decision(client, call_id)
        response = await client.post(f"/calls/{call_id}/ack", json={"action": "accept", "revision": 1})
        assert response.status_code == 202, response.text
        fixed = await latest_decision(client, call_id, revision=2)
        stale = await client.post(f"/calls/{call_id}/ack", json={"action": "accept", "revision": 1})
    assert first["assignment"]["fixed"] is False
    assert fixed["assignment"]["fixed"] is True
    assert fixed["assignment"]["unit_id"] == unit_id
    assert stale.status_code == 409
    assert stale.json()["error"] == "stale_revision"


async def test_websocket_resumes_after_a_disconnect_without_missing_alatest_decision(
    live_service: LiveService,
) -> None:
    region, unit_id = next_id("region"), next_id("LCSO-CR")
    calls = [next_id("LPD-26") for _ in range(4)]
    url = f"{live_service.ws_url}/ws/decisions?region={region}"
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        async with websockets.connect(url) as ws:
            await _post_all(
                client,
                [unit_upsert(unit_id, region=region, capacity=4), call_created(calls[0], region=region)],
            )
            last_seq = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=5))["seq"]
        await _post_all(client, [call_created(c, region=region) for c in calls[1:]])
        for call_id in calls[1:]:
            await latest_decision(client, call_id)
        async with websockets.connect(f"{url}&after={last_seq}") as ws:
            frames = [orjson.loads(await asyncio.wait_for(ws.recv(), timeout=5)) for _ in calls[1:]]
    # Decisions of different calls lie on different partitions of the decisions topic, which the read
    # side interleaves as they come: every frame is there once, in no promised order across calls.
    assert sorted(f["call_id"] for f in frames) == sorted(calls[1:])
    assert all(f["seq"] > last_seq for f in frames)
    assert [f["seq"] for f in frames] == sorted(f["seq"] for f in frames)


async def test_units_are_listed_and_looked_up(live_service: LiveService) -> None:
    region, unit_id = next_id("region"), next_id("EPPD-CR")
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        await _post_all(client, [unit_upsert(unit_id, region=region, agency="EPPD", capacity=2)])

        async def probe() -> httpx.Response:
            return await client.get(f"/units/{unit_id}")

        unit = (await eventually(probe, lambda r: r.status_code == 200, timeout=5)).json()
        listed = (await client.get("/units", params={"region": region})).json()
        missing = await client.get("/units/NO-SUCH-UNIT")
    assert unit["region"] == region
    assert unit["capacity"] == 2
    assert [u["unit_id"] for u in listed] == [unit_id]
    assert missing.status_code == 404
    assert missing.json()["error"] == "unknown_unit"


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 422, "invalid_event"),
        (orjson.dumps({"event_id": "x", "type": "call.teleported"}), 422, "invalid_event"),
        (orjson.dumps(call_created("C-1") | {"extra": 1}), 422, "invalid_event"),
        (b'{"pad": "' + b"x" * 70_000 + b'"}', 413, "oversized"),
    ],
)
async def test_bad_events_are_refused_with_a_reason(
    live_service: LiveService, body: bytes, status: int, error: str
) -> None:
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        response = await client.post("/events", content=body)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["detail"]


async def test_unknown_call_is_404(live_service: LiveService) -> None:
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        response = await client.get("/calls/NO-SUCH-CALL")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_call"


async def test_poison_record_goes_to_the_dead_letter_topic_and_the_stream_goes_on(
    live_service: LiveService,
) -> None:
    settings = live_service.settings
    region, call_id = next_id("region"), next_id("LPD-26")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_events, b"\x00garbage", key=region.encode())
        await producer.send_and_wait(
            settings.topic_events, orjson.dumps(call_created(call_id, region=region)), key=region.encode()
        )
    finally:
        await producer.stop()
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        await latest_decision(client, call_id)
        metrics = (await client.get("/metrics")).text
    dead = await read_topic(settings.kafka_bootstrap, settings.topic_dlq, lambda rs: len(rs) >= 1)
    poison = next(r for r in dead if r.value == b"\x00garbage")
    assert dict(poison.headers)["dlq.reason"] == b"invalid_json"
    assert 'corespond_dead_letters_total{reason="invalid_json"}' in metrics


async def test_openapi_documents_the_contract_routes(live_service: LiveService) -> None:
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        spec = (await client.get("/openapi.json")).json()
    for path in (
        "/health",
        "/ready",
        "/events",
        "/calls",
        "/calls/{call_id}",
        "/calls/{call_id}/ack",
        "/units",
        "/units/{unit_id}",
        "/metrics",
    ):
        assert path in spec["paths"], path
    assert "CadEvent" in spec["components"]["schemas"]
