"""Fault injection under load: kill -9 the service mid-stream, again and again, then check the history.

A synthetic CAD stream (with poison records and re-sent duplicates mixed in) is produced open loop
to a real broker while the service is killed with SIGKILL whenever it has published a random
number of decisions, and restarted at once. When the stream ends and the last incarnation has
caught up, the events, decisions and dead-letter topics are read back whole and handed to
`benchmarks.history.check_history`.

    python -m benchmarks.chaos --kills 20 --rate 500 --seconds 60     # the long version
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from benchmarks.history import HistoryReport, check_history
from service.broker import EmbeddedBroker, free_port
from service.kafka.fetch_wait import FetchWaitTuner
from simulator import FeedConfig, SyntheticFeed, demo_roster

__all__ = ["POISON", "ChaosResult", "ServiceProcess", "read_topic_to_end", "run_chaos"]

_PING = (
    b'{"event_id": "p-ping", "type": "unit.location", "occurred_at": "2026-11-28T21:00:00Z", '
    b'"region": "larimer", "unit": {"unit_id": %s}}'
)
POISON: tuple[bytes, ...] = (
    b"{not json",
    b'{"event_id": "p-1", "type": "call.teleported", "occurred_at": "2026-11-28T21:00:00Z", "region": "x"}',
    b'{"event_id": "p-2", "type": "call.created", "region": "larimer"}',
    _PING % b'"NO-SUCH-UNIT", "location": {"lat": 40.5, "lon": -105.0}',
    _PING % b'"LCSO-CR1", "location": {"lat": NaN, "lon": -105.0}',
    _PING % b'"LCSO-CR1", "location": {"lat": 123.0, "lon": -105.0}',
    b"[]",
    b'"just a string"',
    b'{"pad": "' + b"x" * 70_000 + b'"}',
)
"""Invalid JSON, unknown type, missing fields, unknown unit, NaN, out-of-range, wrong shapes, oversized."""


@dataclass(slots=True)
class ChaosResult:
    kills: int
    events_sent: int
    seconds: float
    restart_s: list[float] = field(default_factory=list)
    """From each kill to the restarted instance being ready again."""
    report: HistoryReport = field(default_factory=HistoryReport)


async def read_topic_to_end(bootstrap: str, topic: str, timeout_s: float = 60.0) -> list[bytes]:
    """Every record value of every partition of `topic`, read up to each partition's high watermark."""
    fetch_wait = FetchWaitTuner(20, 5000, name=f"reading {topic}")
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=fetch_wait.ms
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        while True:
            batch = await consumer.getmany(timeout_ms=100, max_records=5000)
            for records in batch.values():
                values.extend(r.value for r in records if r.value is not None)
            done = True
            for tp in tps:
                highwater = consumer.highwater(tp)
                done = done and highwater is not None and await consumer.position(tp) >= highwater
            if done:
                return values
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic} not read to its end within {timeout_s}s")
            fetch_wait.observe(consumer, progressed=bool(batch), records_waiting=True)
    finally:
        await consumer.stop()


class ServiceProcess:
    """One `corespond serve` process against an external broker, restartable, killable."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self._env = env
        self.port = port
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "service", "serve", "--port", str(self.port),
                stdout=asyncio.subprocess.DEVNULL, stderr=log, env=self._env,
            )  # fmt: skip

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 60)

    async def wait_ready(self, client: httpx.AsyncClient, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{self.port}/ready")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"service not ready within {timeout_s}s; see {self.log_path}")
            await asyncio.sleep(0.1)

    async def decisions_published(self, client: httpx.AsyncClient) -> float:
        with contextlib.suppress(httpx.HTTPError):
            text = (await client.get(f"http://127.0.0.1:{self.port}/metrics")).text
            for line in text.splitlines():
                if line.startswith("corespond_decisions_total "):
                    return float(line.split()[1])
        return 0.0


async def _produce(
    bootstrap: str,
    topic: str,
    rate: float,
    seconds: float,
    seed: int,
    poison_every: int,
    killing_done: asyncio.Event,
) -> tuple[int, set[bytes], float]:
    """Send the stream open loop for at least `seconds` and until every kill is done (so that slow
    restarts cannot leave kills undone); return the records sent, the poison among them and the
    stream's length in seconds."""
    start = datetime.now(UTC)
    config = FeedConfig(seed=seed, run_id=f"c{uuid.uuid4().hex[:6]}")
    roster = demo_roster(config, start)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2, max_request_size=1_048_576)
    await producer.start()
    poison: set[bytes] = set()
    sent = 0
    key = config.region.encode()
    try:
        for event in roster:
            await producer.send(topic, orjson.dumps(event), key=key)
            sent += 1
        began = time.monotonic()
        for n, (offset, event) in enumerate(SyntheticFeed(config, start, roster).events(rate), start=1):
            if offset > seconds and killing_done.is_set():
                break
            delay = began + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            raw = orjson.dumps(event)
            await producer.send(topic, raw, key=key)
            sent += 1
            if n % 53 == 0:  # an upstream retry: the same event again
                await producer.send(topic, raw, key=key)
                sent += 1
            if poison_every and n % poison_every == 0:
                bad = POISON[(n // poison_every) % len(POISON)]
                bad = bad.replace(b'"p-', f'"p{n}-'.encode())
                poison.add(bad)
                await producer.send(topic, bad, key=key)
                sent += 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent, poison, time.monotonic() - began


async def run_chaos(
    bootstrap: str,
    *,
    kills: int,
    rate: float,
    seconds: float,
    seed: int,
    workdir: Path,
    poison_every: int = 41,
) -> ChaosResult:
    tag = uuid.uuid4().hex[:8]
    topics = {
        "CORESPOND_TOPIC_EVENTS": f"chaos.events.{tag}",
        "CORESPOND_TOPIC_DECISIONS": f"chaos.decisions.{tag}",
        "CORESPOND_TOPIC_DLQ": f"chaos.dlq.{tag}",
        "CORESPOND_TOPIC_CHANGELOG": f"chaos.changelog.{tag}",
        "CORESPOND_TOPIC_UNIT_VIEWS": f"chaos.units.{tag}",
        "CORESPOND_TOPIC_LEDGER": f"chaos.ledger.{tag}",
    }
    env = {
        **os.environ,
        **topics,
        "CORESPOND_KAFKA_BOOTSTRAP": bootstrap,
        "CORESPOND_CONSUMER_GROUP": f"chaos-{tag}",
        "CORESPOND_INSTANCE_ID": f"chaos-{tag}-1",
        "CORESPOND_STATIC_MEMBERSHIP": "true",  # one member: a restart takes its partitions straight back
        "CORESPOND_TOPIC_PARTITIONS": "2",
        "CORESPOND_LOG_LEVEL": os.environ.get("CORESPOND_LOG_LEVEL", "WARNING"),
    }
    service = ServiceProcess(env, free_port(), workdir / f"chaos-{tag}.log")
    result = ChaosResult(kills=0, events_sent=0, seconds=seconds)
    async with httpx.AsyncClient(timeout=5) as client:
        await service.start()
        try:
            await service.wait_ready(client)
            killing_done = asyncio.Event()
            producing = asyncio.create_task(
                _produce(
                    bootstrap,
                    topics["CORESPOND_TOPIC_EVENTS"],
                    rate,
                    seconds,
                    seed,
                    poison_every,
                    killing_done,
                )
            )
            try:
                await _kill_repeatedly(service, client, producing, kills, random.Random(seed), result)
            except BaseException:
                producing.cancel()
                raise
            finally:
                killing_done.set()
            result.events_sent, poison, result.seconds = await producing
            await service.wait_ready(client)
            result.report = await _settled_history(bootstrap, topics, poison)
            await service.terminate()
        finally:
            if service.process is not None and service.process.returncode is None:
                service.process.kill()
                await service.process.wait()
    return result


async def _kill_repeatedly(
    service: ServiceProcess,
    client: httpx.AsyncClient,
    producing: asyncio.Task[tuple[int, set[bytes], float]],
    kills: int,
    rng: random.Random,
    result: ChaosResult,
) -> None:
    """SIGKILL the service each time it has published a random number of decisions; restart it."""
    while result.kills < kills and not producing.done():
        target = rng.uniform(20, 120)
        # Polling another process's metrics: there is no event to await across processes.
        while await service.decisions_published(client) < target and not producing.done():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if producing.done():
            return
        killed_at = time.monotonic()
        await service.kill()
        result.kills += 1
        await service.start()
        await service.wait_ready(client)
        result.restart_s.append(time.monotonic() - killed_at)
        print(f"kill {result.kills}/{kills}: ready again in {result.restart_s[-1]:.1f}s", file=sys.stderr)


async def _settled_history(bootstrap: str, topics: dict[str, str], poison: set[bytes]) -> HistoryReport:
    """Check the history once the last decisions have landed (or report what is missing after 30 s)."""
    deadline = time.monotonic() + 30
    while True:
        report = check_history(
            await read_topic_to_end(bootstrap, topics["CORESPOND_TOPIC_EVENTS"]),
            await read_topic_to_end(bootstrap, topics["CORESPOND_TOPIC_DECISIONS"]),
            await read_topic_to_end(bootstrap, topics["CORESPOND_TOPIC_DLQ"]),
            poison,
        )
        if report.ok or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def _broker(bootstrap: str | None) -> AsyncIterator[str]:
    if bootstrap is not None:
        yield bootstrap
        return
    with EmbeddedBroker() as broker:
        yield broker.bootstrap


async def _main(args: argparse.Namespace) -> ChaosResult:
    async with _broker(args.bootstrap) as bootstrap:
        return await run_chaos(
            bootstrap,
            kills=args.kills,
            rate=args.rate,
            seconds=args.seconds,
            seed=args.seed,
            workdir=args.workdir,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="kill -9 the service under load and check the history")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--rate", type=float, default=500.0, help="events per second")
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="minimum length of the stream (it goes on until every kill is done)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bootstrap", help="a running broker (default: an embedded one)")
    parser.add_argument("--workdir", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(_main(args))
    summary = {
        "kills": result.kills,
        "events_sent": result.events_sent,
        "stream_seconds": result.seconds,
        "restart_s_median": sorted(result.restart_s)[len(result.restart_s) // 2]
        if result.restart_s
        else None,
        "restart_s_max": max(result.restart_s, default=None),
        **result.report.summary(),
    }
    (args.workdir / "chaos.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    sys.exit(0 if result.report.ok else 1)


if __name__ == "__main__":
    main()
