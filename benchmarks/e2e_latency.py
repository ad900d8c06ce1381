"""Event -> decision latency of a running service, measured open loop over the real broker.

Starts `corespond serve --embedded-broker` (or uses `--bootstrap` and `--url` of a running one),
sends a synthetic CAD stream at a fixed rate with send times scheduled in advance (so a slow
service cannot hide its latency), reads decisions back from the decisions topic, and reports
percentiles of (decision read back) - (scheduled send time) for every call.created event.

    python -m benchmarks.e2e_latency --rate 200 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from service.broker import free_port
from service.synthetic import FeedConfig, SyntheticFeed, demo_roster

RESULTS = Path(__file__).parent / "results"


@contextlib.asynccontextmanager
async def running_service(port: int) -> AsyncIterator[str]:
    """A `corespond serve --embedded-broker` process; yields its broker's bootstrap address."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service",
        "serve",
        "--embedded-broker",
        "--port",
        str(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CORESPOND_LOG_LEVEL": "WARNING"},
    )
    try:
        assert process.stdout is not None
        banner = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        if "corespond ready" not in banner:
            raise RuntimeError(f"service did not start: {banner!r}")
        bootstrap = banner.rsplit("broker ", 1)[1].strip()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            deadline = time.monotonic() + 60
            while (await client.get("/ready")).status_code != 200:
                if time.monotonic() > deadline:
                    raise RuntimeError("service not ready within 60 s")
                await asyncio.sleep(0.1)
        yield bootstrap
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


async def measure(bootstrap: str, rate: float, seconds: float, seed: int) -> dict[str, float]:
    start = datetime.now(UTC)
    config = FeedConfig(seed=seed, run_id=f"b{int(start.timestamp()):x}")
    roster = demo_roster(config, start)
    feed = SyntheticFeed(config, start, roster)
    schedule = []
    for offset, event in feed.events(rate):
        if offset > seconds:
            break
        call_id = event["call"]["call_id"] if event["type"] == "call.created" else None
        schedule.append((offset, call_id, orjson.dumps(event)))
    consumer = AIOKafkaConsumer(
        "triage.decisions", bootstrap_servers=bootstrap, auto_offset_reset="latest", fetch_max_wait_ms=5
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await consumer.start()
    await producer.start()
    arrivals: dict[str, float] = {}
    scheduled: dict[str, float] = {}
    all_decided = asyncio.Event()
    try:
        await consumer.seek_to_end()
        for event in roster:
            await producer.send_and_wait("cad.events", orjson.dumps(event), key=config.region.encode())

        async def read() -> None:
            while True:
                batch = await consumer.getmany(timeout_ms=50)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        arrivals.setdefault(record.key.decode(), now)
                if sending_done.is_set() and all(c in arrivals for c in scheduled):
                    all_decided.set()

        sending_done = asyncio.Event()
        reader = asyncio.create_task(read())
        began = time.perf_counter()
        for offset, call_id, raw in schedule:
            delay = began + offset - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await producer.send("cad.events", raw, key=config.region.encode())
            if call_id is not None:
                scheduled[call_id] = began + offset
        sending_done.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_decided.wait(), timeout=10)
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
    finally:
        await producer.stop()
        await consumer.stop()
    latencies_ms = np.array([(arrivals[c] - t) * 1000 for c, t in scheduled.items() if c in arrivals])
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "calls": len(scheduled),
        "decided": int(latencies_ms.size),
        "p50_ms": float(np.percentile(latencies_ms, 50)),
        "p90_ms": float(np.percentile(latencies_ms, 90)),
        "p99_ms": float(np.percentile(latencies_ms, 99)),
        "max_ms": float(latencies_ms.max()),
    }


async def main_async(args: argparse.Namespace) -> dict[str, float]:
    if args.bootstrap:
        return await measure(args.bootstrap, args.rate, args.seconds, args.seed)
    async with running_service(free_port()) as bootstrap:
        return await measure(bootstrap, args.rate, args.seconds, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="events per second (all types)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bootstrap", help="use this broker and an already running service")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "e2e_latency.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
