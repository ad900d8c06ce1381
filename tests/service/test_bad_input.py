"""Bad input never stalls: HTTP answers 4xx with a reason; Kafka records go to the dead-letter topic."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer

from benchmarks.chaos import POISON
from service.codec import decode_event, duplicate_key
from tests.builders import call_created, next_id, unit_upsert
from tests.conftest import LiveService, eventually, read_topic


async def _chunks(body: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_an_oversized_chunked_body_is_cut_off_with_413(live_service: LiveService) -> None:
    body = b'{"pad": "' + b"x" * 200_000 + b'"}'
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        chunked = await client.post("/events", content=_chunks(body, 8192))
        declared = await client.post("/events", content=body)
    assert chunked.status_code == 413
    assert declared.status_code == 413
    assert chunked.json()["error"] == declared.json()["error"] == "oversized"


async def test_an_oversized_ack_is_refused_with_413_and_the_spec_says_so(live_service: LiveService) -> None:
    """Found by schemathesis from a stored example: the ack's 413 was not in the OpenAPI document."""
    body = orjson.dumps({"action": "accept", "reason": "\U000e3db4" * 2000})
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        refused = await client.post("/calls/ANY-1/ack", content=body)
        spec = (await client.get("/openapi.json")).json()
    assert refused.status_code == 413
    assert refused.json()["error"] == "oversized"
    for path in ("/events", "/calls/{call_id}/ack"):
        assert "413" in spec["paths"][path]["post"]["responses"], path


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (orjson.dumps(call_created("C-DUP"))[:-1] + b', "region": "elsewhere"}', "appears twice"),
        (orjson.dumps(call_created("C-NAN")).replace(b'"lat":40.3978', b'"lat":NaN'), "lat"),
        (orjson.dumps(call_created("C-LAT")).replace(b'"lat":40.3978', b'"lat":91.0'), "lat"),
        (orjson.dumps(call_created("C-PRI")).replace(b'"priority":1', b'"priority":"1"'), "priority"),
        (orjson.dumps(call_created("C-TZ")).replace(b"21:04:05Z", b"21:04:05"), "occurred_at"),
    ],
)
async def test_bad_events_over_http_get_422_naming_the_problem(
    live_service: LiveService, body: bytes, fragment: str
) -> None:
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:
        response = await client.post("/events", content=body)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_duplicate_keys_are_found_in_nested_objects_and_not_inside_strings() -> None:
    assert duplicate_key(b'{"a": {"b": 1, "b" : 2}}') == "b"
    assert duplicate_key(b'{"a": "he said \\"b\\": no", "b": 1}') is None
    assert duplicate_key(b'{"a": [{"x": 1}, {"x": 2}]}') is None
    rejected = decode_event(orjson.dumps(call_created("C-1"))[:-1] + b', "type": "call.created"}', 65536)
    assert getattr(rejected, "reason", None) == "duplicate_key"


async def test_a_burst_of_poison_is_dead_lettered_and_the_next_call_is_still_decided(
    live_service: LiveService,
) -> None:
    settings = live_service.settings
    region, call_id = next_id("region"), next_id("LPD-26")
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    skewed = call_created(next_id("LPD-26"), region=region) | {"occurred_at": future}
    poison = [p.replace(b'"p-', f'"p{n}-'.encode()) for n in range(60) for p in POISON]
    poison.append(orjson.dumps(skewed))
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, max_request_size=1_048_576)
    await producer.start()
    try:
        for raw in poison:
            await producer.send(settings.topic_events, raw, key=region.encode())
        for event in (unit_upsert(next_id("LCSO-CR"), region=region), call_created(call_id, region=region)):
            await producer.send(settings.topic_events, orjson.dumps(event), key=region.encode())
        await producer.flush()
    finally:
        await producer.stop()
    async with httpx.AsyncClient(base_url=live_service.base_url) as client:

        async def decided() -> int:
            return (await client.get(f"/calls/{call_id}")).status_code

        await eventually(decided, lambda code: code == 200, timeout=15)
    letters = await read_topic(
        settings.kafka_bootstrap,
        settings.topic_dlq,
        lambda rs: set(poison) <= {r.value for r in rs},
        timeout=15,
    )
    reasons = {dict(r.headers)["dlq.reason"].decode() for r in letters if r.value in set(poison)}
    assert {
        "invalid_json",
        "unknown_type",
        "missing_field",
        "unknown_unit",
        "oversized",
        "clock_skew",
    } <= reasons
    assert all(dict(r.headers)["dlq.source"].startswith(settings.topic_events.encode()) for r in letters)
