"""Shared fixtures: one real embedded Kafka broker for the session, real services on free ports.

Tests never sleep to wait: `eventually` polls a condition until a deadline and fails with the last
value seen.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer

from service.app import create_app
from service.broker import EmbeddedBroker
from service.server import ManagedServer
from service.settings import Settings

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]], until: Callable[[T], bool], timeout: float = 10.0, every: float = 0.02
) -> T:
    """Call `probe` until `until(result)` holds; fail with the last result after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    result = await probe()
    while not until(result):
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s; last value: {result!r}")
        await asyncio.sleep(every)
        result = await probe()
    return result


async def until_ready(client: httpx.AsyncClient, timeout: float = 30.0) -> None:
    """Wait until the service behind `client` answers GET /ready with 200."""

    async def status() -> int:
        try:
            return (await client.get("/ready")).status_code
        except httpx.HTTPError:
            return 0

    await eventually(status, lambda code: code == 200, timeout=timeout)


async def latest_decision(
    client: httpx.AsyncClient, call_id: str, revision: int = 1, timeout: float = 20.0
) -> dict[str, Any]:
    """GET /calls/{call_id} once it shows at least `revision`."""

    async def probe() -> httpx.Response:
        return await client.get(f"/calls/{call_id}")

    response = await eventually(
        probe, lambda r: r.status_code == 200 and r.json()["revision"] >= revision, timeout=timeout
    )
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as running:
        yield running


def unique_settings(bootstrap: str, **overrides: Any) -> Settings:
    """Settings with topics and a consumer group of their own, so tests never see each other's data."""
    tag = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "topic_events": f"cad.events.{tag}",
        "topic_decisions": f"triage.decisions.{tag}",
        "topic_dlq": f"cad.events.dlq.{tag}",
        "topic_changelog": f"corespond.changelog.{tag}",
        "topic_unit_views": f"corespond.units.{tag}",
        "consumer_group": f"corespond-{tag}",
        "topic_partitions": 2,
        "port": 0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class LiveService:
    settings: Settings
    server: uvicorn.Server
    base_url: str
    ws_url: str


async def start_service(settings: Settings) -> tuple[LiveService, asyncio.Task[None]]:
    server = ManagedServer(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=0, log_config=None, ws="websockets-sansio"
        )
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start within 30s")
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return LiveService(settings, server, f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"), task


async def stop_service(service: LiveService, task: asyncio.Task[None]) -> None:
    service.server.should_exit = True
    await asyncio.wait_for(task, timeout=30)


@pytest.fixture(scope="module")
async def live_service(broker: EmbeddedBroker) -> AsyncIterator[LiveService]:
    """A real uvicorn server running the whole app against the session broker, ready to serve."""
    service, task = await start_service(unique_settings(broker.bootstrap))
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        await until_ready(client)
    yield service
    await stop_service(service, task)


async def read_topic(
    bootstrap: str, topic: str, until: Callable[[list[Any]], bool], timeout: float = 10.0
) -> list[Any]:
    """Every record of `topic` from the beginning, read until `until(records)` holds or time runs out."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        while not until(records):
            if time.monotonic() > deadline:
                pytest.fail(f"{topic}: condition not met within {timeout}s; {len(records)} records read")
            batch = await consumer.getmany(timeout_ms=100)
            for messages in batch.values():
                records.extend(messages)
    finally:
        await consumer.stop()
    return records


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--console-screenshot",
        default=None,
        metavar="PNG",
        help="also write the console screenshot taken by tests/console to this path (docs/console.png)",
    )
