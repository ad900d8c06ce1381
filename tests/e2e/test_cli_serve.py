"""`corespond serve --embedded-broker` and `corespond broker` as an operator runs them: decisions within
2 s, a broker other instances can share, no orphan broker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import websockets
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from service.broker import free_port
from tests.builders import FORT_COLLINS, LOVELAND, call_created, next_id, unit_upsert
from tests.conftest import eventually, read_topic, until_ready


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_serve_with_embedded_broker_decides_a_suicidal_call_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    port = free_port()
    with (
        (tmp_path / "serve.log").open("wb") as log,
        subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--embedded-broker", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=log,
            env={**os.environ, "CORESPOND_LOG_LEVEL": "WARNING"},
        ) as process,
    ):
        code, brokers = await _scenario(process, port, tmp_path)
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert not [pid for pid in brokers if _alive(pid)], "the broker outlived the service"


async def _scenario(process: subprocess.Popen[bytes], port: int, tmp_path: Path) -> tuple[int, list[int]]:
    brokers: list[int] = []
    try:
        assert process.stdout is not None
        banner = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=30)
        assert b"corespond ready" in banner, (tmp_path / "serve.log").read_text()
        bootstrap = banner.decode().rsplit("broker ", 1)[1].strip()
        brokers = _children(process.pid)
        assert brokers, "the embedded broker runs as a child of the service"
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as client:
            await until_ready(client)
            units = ["LCSO-CR1", "LPD-CR1", "EPPD-CR1"]
            call_id = next_id("LPD-26")
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/decisions") as ws:
                for event in (
                    unit_upsert(units[0], at=FORT_COLLINS),
                    unit_upsert(units[1], agency="LPD", model="secondary", can_transport=True, at=LOVELAND),
                    unit_upsert(units[2], agency="EPPD", at=(40.3772, -105.5217)),
                    call_created(call_id, nature_code="SUICIDAL"),
                ):
                    assert (await client.post("/events", content=orjson.dumps(event))).status_code == 202

                async def latest() -> httpx.Response:
                    return await client.get(f"/calls/{call_id}")

                response = await eventually(latest, lambda r: r.status_code == 200, timeout=2)
                frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=2))
        decision = response.json()
        assert decision["triage"]["response"].startswith("co_response")
        assert decision["assignment"]["unit_id"] in units
        assert frame["call_id"] == call_id
        assert {k: v for k, v in frame.items() if k not in {"seq", "cursor"}} == decision
        records = await read_topic(bootstrap, "triage.decisions", lambda rs: len(rs) >= 1)
        assert orjson.loads(records[-1].value) == decision
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 30)
    return code, brokers


async def test_sigusr1_dumps_the_tasks_and_kill_9_takes_the_broker_down_too(tmp_path: Path) -> None:
    with (
        (tmp_path / "serve.log").open("wb") as log,
        subprocess.Popen(
            [sys.executable, "-m", "service", "serve", "--embedded-broker", "--port", str(free_port())],
            stdout=subprocess.PIPE,
            stderr=log,
        ) as process,
    ):
        assert process.stdout is not None
        banner = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=30)
        assert b"corespond ready" in banner
        brokers = _children(process.pid)
        assert brokers

        async def diagnostics() -> str:
            return (tmp_path / "serve.log").read_text()

        process.send_signal(signal.SIGUSR1)  # an operator asks a (stuck) service where it waits
        dump = await eventually(diagnostics, lambda text: "task corespond-consumer:" in text, timeout=5)
        assert "service/kafka/consumer.py" in dump.split("task corespond-consumer:", 1)[1]
        process.kill()
        await asyncio.to_thread(process.wait, 30)

    async def survivors() -> list[int]:
        return [pid for pid in brokers if _alive(pid)]

    await eventually(survivors, lambda alive: not alive, timeout=5)


async def test_corespond_broker_serves_other_instances_and_stops_on_sigterm() -> None:
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "service", "broker", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as process:
        try:
            assert process.stdout is not None
            banner = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), timeout=30)
            assert f"corespond broker ready: 127.0.0.1:{port}".encode() in banner
            brokers = _children(process.pid)
            assert brokers, "the broker runs as a child of the command"
            admin = AIOKafkaAdminClient(bootstrap_servers=f"127.0.0.1:{port}")
            await admin.start()
            try:
                await admin.create_topics(
                    [NewTopic("cli.broker.check", num_partitions=2, replication_factor=1)]
                )
                assert "cli.broker.check" in await admin.list_topics()
            finally:
                await admin.close()
        finally:
            process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(process.wait, 30)
    assert code == 0
    assert not [pid for pid in brokers if _alive(pid)], "the broker outlived the command"
