"""A CI-sized schemathesis run against a real server: no 5xx, every response as the spec says."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from benchmarks.fuzz import fuzz_api
from service.broker import EmbeddedBroker
from tests.conftest import start_service, stop_service, unique_settings, until_ready

TOKEN = "fuzz-admin-token-0123456789"


async def test_the_api_survives_fuzzing_from_its_own_spec(broker: EmbeddedBroker, tmp_path: Path) -> None:
    service, task = await start_service(unique_settings(broker.bootstrap, api_keys=f"admin:{TOKEN}"))
    try:
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            await until_ready(client)
        result = await asyncio.to_thread(
            fuzz_api, service.base_url, TOKEN, examples=25, seed=20261128, report_dir=tmp_path
        )
    finally:
        await stop_service(service, task)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "passed" in result.stdout
