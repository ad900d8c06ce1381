"""Faults against the real broker: kill -9 under load, a hung broker, a broker restarted empty.

Each ends with what users see: nothing lost, nothing decided twice differently, the service ready.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from benchmarks.chaos import read_topic_to_end, run_chaos
from benchmarks.history import check_history
from service.broker import EmbeddedBroker, free_port
from tests.builders import call_closed, call_created, next_id, unit_upsert
from tests.conftest import eventually, latest_decision, start_service, stop_service, unique_settings


async def test_kill_9_under_load_loses_nothing_and_decides_nothing_twice(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    result = await run_chaos(broker.bootstrap, kills=3, rate=120, seconds=30, seed=7, workdir=tmp_path)
    summary = result.report.summary()
    assert result.kills == 3, summary
    assert result.report.ok, summary
    assert result.report.calls > 200, summary
    assert result.report.poison_sent > 0, summary


@pytest.fixture
def own_broker() -> Iterator[EmbeddedBroker]:
    """A broker of the test's own, since the test stops it."""
    with EmbeddedBroker() as running:
        yield running


async def _status(client: httpx.AsyncClient, path: str) -> int:
    try:
        return (await client.get(path)).status_code
    except httpx.HTTPError:
        return 0


async def _post(client: httpx.AsyncClient, event: dict[str, Any]) -> int:
    return (await client.post("/events", content=orjson.dumps(event))).status_code


async def test_a_hung_broker_makes_the_service_unready_then_it_catches_up(own_broker: EmbeddedBroker) -> None:
    settings = unique_settings(own_broker.bootstrap, append_timeout_s=1.5, stall_timeout_s=10)
    region, unit_id = next_id("region"), next_id("LCSO-CR")
    first, second = next_id("LPD-26"), next_id("LPD-26")
    service, task = await start_service(settings)
    try:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as client:
            await eventually(lambda: _status(client, "/ready"), lambda code: code == 200, timeout=30)
            assert await _post(client, unit_upsert(unit_id, region=region, capacity=2)) == 202
            assert await _post(client, call_created(first, region=region)) == 202
            before = await latest_decision(client, first)

            assert own_broker.pid is not None
            os.kill(own_broker.pid, signal.SIGSTOP)
            try:
                await eventually(lambda: _status(client, "/ready"), lambda code: code == 503, timeout=10)
                assert await _status(client, "/health") == 200, "the service stays up"
                during = call_created(second, region=region)
                refused = await client.post("/events", content=orjson.dumps(during))
                assert refused.status_code == 503
                assert refused.json()["error"] == "event_log_unavailable"
            finally:
                os.kill(own_broker.pid, signal.SIGCONT)

            await eventually(lambda: _status(client, "/ready"), lambda code: code == 200, timeout=60)
            assert await _post(client, during) == 202, "resending with the same event id is safe"
            assert await _post(client, call_closed(first, region=region)) == 202
            assert (await latest_decision(client, second))["assignment"]["unit_id"] == unit_id
            assert (await latest_decision(client, first, revision=2))["call_status"] == "closed"
            assert (await client.get(f"/calls/{first}")).json()["revision"] == before["revision"] + 1
    finally:
        await stop_service(service, task)
    report = check_history(
        await read_topic_to_end(settings.kafka_bootstrap, settings.topic_events),
        await read_topic_to_end(settings.kafka_bootstrap, settings.topic_decisions),
        [],
        set(),
    )
    assert report.ok, report.summary()


async def test_a_broker_restarted_empty_gets_the_state_back_and_the_stream_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service")
    port = free_port()
    region, unit_id = next_id("region"), next_id("LCSO-CR")
    first, second = next_id("LPD-26"), next_id("LPD-26")
    broker_log = tmp_path / "broker.log"
    broker = EmbeddedBroker(port=port, log_path=broker_log)
    broker.start()
    settings = unique_settings(broker.bootstrap, append_timeout_s=2, stall_timeout_s=10)
    service, task = await start_service(settings)
    try:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=10) as client:
            await eventually(lambda: _status(client, "/ready"), lambda code: code == 200, timeout=30)
            assert await _post(client, unit_upsert(unit_id, region=region, capacity=1)) == 202
            assert await _post(client, call_created(first, region=region)) == 202
            assert (await latest_decision(client, first))["assignment"]["unit_id"] == unit_id

            broker.stop()
            await eventually(lambda: _status(client, "/ready"), lambda code: code == 503, timeout=10)
            broker = EmbeddedBroker(port=port, log_path=broker_log)
            broker.start()

            try:
                await eventually(lambda: _status(client, "/ready"), lambda code: code == 200, timeout=90)
            except BaseException:
                alive = "running" if broker.running else "exited"
                print(f"broker {alive}; its log ends:\n{broker_log.read_text()[-3000:]}")  # noqa: T201
                raise
            units = (await client.get("/units", params={"region": region})).json()
            assert [u["unit_id"] for u in units] == [unit_id], "the state came back from memory"
            assert await _post(client, call_created(second, region=region)) == 202
            queued = await latest_decision(client, second)
            assert queued["assignment"]["status"] == "queued", "the unit still holds the first call"
            assert await _post(client, call_closed(first, region=region)) == 202
            assert (await latest_decision(client, second, revision=2))["assignment"]["unit_id"] == unit_id
    finally:
        await stop_service(service, task)
        broker.stop()
