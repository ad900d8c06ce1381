"""Three instances of one consumer group on one real broker, eight regions: any instance answers for all.

Each instance decides only its own regions but reads every region's decisions and units from the log,
so every `GET /calls` is complete, an ack sent to an instance that does not own the call is taken and
its effect shows everywhere, and a WebSocket that moves to another instance resumes from its cursor
without a gap or a duplicate. The kill -9 / SIGTERM failover of real processes under 200 events/s is
`test_failover_of_real_processes_loses_nothing` (via `benchmarks.failover`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import websockets

from benchmarks.failover import run_failover
from service.broker import EmbeddedBroker
from tests.builders import call_created, next_id, unit_upsert
from tests.conftest import (
    LiveService,
    eventually,
    latest_decision,
    start_service,
    stop_service,
    unique_settings,
)

REGIONS = 8


@pytest.fixture(scope="module")
async def three(broker: EmbeddedBroker) -> AsyncIterator[list[LiveService]]:
    base = unique_settings(broker.bootstrap, topic_partitions=6)
    started = [await start_service(base.model_copy(update={"instance_id": f"scale-{n}"})) for n in range(3)]
    services = [service for service, _ in started]
    try:
        await eventually(lambda: _owned(services), lambda owned: owned is not None, timeout=60, every=0.2)
        yield services
    finally:
        for service, task in started:
            await stop_service(service, task)


async def _owned(services: list[LiveService]) -> list[list[str]] | None:
    """Each instance's regions, once all three are ready at once (the group has settled)."""
    owned = []
    async with httpx.AsyncClient(timeout=5) as client:
        for service in services:
            response = await client.get(f"{service.base_url}/ready")
            if response.status_code != 200:
                return None
            owned.append(response.json()["regions"])
    return owned


async def _post(client: httpx.AsyncClient, event: dict[str, Any]) -> None:
    response = await client.post("/events", content=orjson.dumps(event))
    assert response.status_code == 202, response.text


async def _open_calls(service: LiveService) -> list[tuple[str, int]]:
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        return sorted((c["call_id"], c["revision"]) for c in (await client.get("/calls")).json())


async def test_every_instance_answers_for_every_region_and_takes_any_ack(three: list[LiveService]) -> None:
    regions = [next_id("psap") for _ in range(REGIONS)]
    units = {region: next_id(f"{region}-CR") for region in regions}
    calls = {region: next_id("LPD-26") for region in regions}
    async with httpx.AsyncClient(base_url=three[0].base_url) as client:
        for region in regions:
            await _post(client, unit_upsert(units[region], region=region, capacity=2))
            await _post(client, call_created(calls[region], region=region))
        for call_id in calls.values():
            await latest_decision(client, call_id)

    expected = await _open_calls(three[0])
    assert {c for c, _ in expected} >= set(calls.values())
    for service in three[1:]:
        seen = await eventually(lambda s=service: _open_calls(s), lambda got: got == expected, timeout=5)
        assert seen == expected, "every instance shows every region's calls"
    owners = await _owned(three)
    assert owners is not None
    assert sorted(r for owned in owners for r in owned if r in regions) == sorted(regions), (
        "each region is decided by exactly one instance"
    )

    region = next(r for r in regions if r not in owners[2])  # instance 2 does not own it
    call_id = calls[region]
    async with httpx.AsyncClient(base_url=three[2].base_url) as outsider:
        unit = (await outsider.get(f"/units/{units[region]}")).json()
        assert unit["region"] == region, "units of regions decided elsewhere are served too"
        accepted = await outsider.post(f"/calls/{call_id}/ack", json={"action": "accept", "revision": 1})
        assert accepted.status_code == 202, accepted.text
        unknown = await outsider.post(f"/calls/{next_id('NOPE')}/ack", json={"action": "accept"})
    for service in three:
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            fixed = await latest_decision(client, call_id, revision=2, timeout=10)
            stale = await client.post(f"/calls/{call_id}/ack", json={"action": "accept", "revision": 1})
        assert fixed["assignment"]["fixed"] is True, "the ack's effect shows on every instance"
        assert fixed["assignment"]["unit_id"] == units[region]
        assert (stale.status_code, stale.json()["error"]) == (409, "stale_revision"), "same rules everywhere"
    assert unknown.status_code == 404


async def _frames(ws: Any, until: set[tuple[str, int]], seen: list[dict[str, Any]]) -> None:
    while not until <= {(f["call_id"], f["revision"]) for f in seen}:
        seen.append(orjson.loads(await asyncio.wait_for(ws.recv(), timeout=10)))


async def test_a_websocket_moved_to_another_instance_resumes_without_gap_or_duplicate(
    three: list[LiveService],
) -> None:
    region = next_id("psap")
    unit_id = next_id(f"{region}-CR")
    first = [next_id("LPD-26") for _ in range(5)]
    later = [next_id("LPD-26") for _ in range(5)]
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=three[0].base_url) as client:
        async with websockets.connect(f"{three[0].ws_url}/ws/decisions?region={region}") as ws:
            await _post(client, unit_upsert(unit_id, region=region, capacity=1))
            for call_id in first:
                await _post(client, call_created(call_id, region=region))
            await _frames(ws, {(c, 1) for c in first}, before)
        cursor = before[-1]["cursor"]
        # While no console listens, the region moves on: new calls, and the unit handed from call to call.
        for call_id in later:
            await _post(client, call_created(call_id, region=region))
        last = await latest_decision(client, later[-1])
    published = await _published(three[0], region)
    async with websockets.connect(f"{three[1].ws_url}/ws/decisions?region={region}&after={cursor}") as ws:
        await _frames(ws, set(published) - {(f["call_id"], f["revision"]) for f in before}, after)
    got = [(f["call_id"], f["revision"]) for f in before + after]
    assert len(got) == len(set(got)), f"a frame came twice: {got}"
    assert set(got) == set(published), "every decision of the region, on one instance or the other"
    assert last["call_id"] in {c for c, _ in got}
    assert all(f["seq"] > 0 and f["cursor"] for f in after)


async def _published(service: LiveService, region: str) -> list[tuple[str, int]]:
    """Every (call_id, revision) of `region` as the decisions topic has it now, read whole."""
    from benchmarks.chaos import read_topic_to_end  # noqa: PLC0415

    values = await read_topic_to_end(service.settings.kafka_bootstrap, service.settings.topic_decisions)
    decisions = [orjson.loads(v) for v in values]
    return sorted({(d["call_id"], d["revision"]) for d in decisions if d["region"] == region})


async def test_resume_after_an_unknown_cursor_is_refused_with_a_reason(three: list[LiveService]) -> None:
    async with websockets.connect(f"{three[0].ws_url}/ws/decisions?after=yesterday") as ws:
        refusal = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=5)
    assert refusal["error"] == "invalid_after"
    assert "cursor" in refusal["detail"]
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


async def test_failover_of_real_processes_loses_nothing(broker: EmbeddedBroker, tmp_path: Path) -> None:
    """Three `corespond serve` processes, eight regions, 200 events/s: kill -9 one, SIGTERM another."""
    result = await run_failover(
        broker.bootstrap, workdir=tmp_path, rate=200, regions=8, session_timeout_ms=4000
    )
    summary = result.summary()
    assert result.report.ok, summary
    assert result.report.lost_calls == [], summary
    assert result.report.conflicts == [], summary
    assert result.report.calls > 100, summary
    assert result.calls_everywhere, summary
    assert result.kill_failover_s is not None
    assert result.kill_failover_s < 10.0, summary
    assert result.term_failover_s is not None
    assert result.term_failover_s < result.kill_failover_s, summary
    assert summary["read_delay_frames"] > 100, summary
