"""Three instances on one broker: failover after kill -9 and after SIGTERM, and the read side's delay.

Runs `corespond serve` three times against one broker (one consumer group, each instance with its
own `CORESPOND_INSTANCE_ID`), sends a synthetic CAD stream over several regions open loop, and:

- kills one instance with SIGKILL, then (once it is back) stops another with SIGTERM, and measures
  from the signal to the first decision, made by another instance, of a region the stopped one
  owned for an event sent after the signal: its regions restored and deciding again;
- reads every decision on a WebSocket of every instance and measures, per frame, from the
  decision's Kafka timestamp (its owner appending it) to its arrival: the read side's delay, the
  time until every instance shows a decision of any region;
- checks, at the end, that every instance's `GET /calls` holds the same open calls, and the whole
  history (`benchmarks.history`): no call lost, no `(call_id, revision)` with two contents.

    python -m benchmarks.failover                         # embedded broker, 200 ev/s, 8 regions
    python -m benchmarks.failover --session-timeout-ms 3000 --json benchmarks/results/failover.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from benchmarks.chaos import ServiceProcess, read_topic_to_end
from benchmarks.history import HistoryReport, check_history
from service.broker import EmbeddedBroker, free_port
from service.kafka.topics import ensure_topics
from service.settings import Settings
from simulator import FeedConfig, SyntheticFeed, demo_roster

__all__ = ["FailoverResult", "run_failover"]


@dataclass(slots=True)
class FailoverResult:
    instances: int
    regions: int
    rate: float
    session_timeout_ms: int
    heartbeat_interval_ms: int
    kill_failover_s: float | None = None
    """From SIGKILL to the first decision of one of its regions made by another instance."""
    term_failover_s: float | None = None
    """From SIGTERM to the same."""
    term_exit_s: float | None = None
    """From SIGTERM to the process having exited (its drain, against the grace period)."""
    read_delay_ms: list[float] = field(default_factory=list)
    """Per WebSocket frame on every instance: arrival - the decision's Kafka timestamp."""
    calls_everywhere: bool = False
    """At the end, every instance's GET /calls held the same open calls."""
    events_sent: int = 0
    report: HistoryReport = field(default_factory=HistoryReport)

    def summary(self) -> dict[str, Any]:
        delays = sorted(self.read_delay_ms)
        return {
            "instances": self.instances,
            "regions": self.regions,
            "rate": self.rate,
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": self.heartbeat_interval_ms,
            "kill_failover_s": self.kill_failover_s,
            "term_failover_s": self.term_failover_s,
            "term_exit_s": self.term_exit_s,
            "read_delay_frames": len(delays),
            "read_delay_p50_ms": statistics.median(delays) if delays else None,
            "read_delay_p99_ms": delays[min(len(delays) - 1, int(len(delays) * 0.99))] if delays else None,
            "read_delay_max_ms": delays[-1] if delays else None,
            "calls_everywhere": self.calls_everywhere,
            "events_sent": self.events_sent,
            "load_average": os.getloadavg()[0],
            **self.report.summary(),
        }


def region_names(count: int) -> list[str]:
    return [f"psap-{n:02d}" for n in range(count)]


def _stream(tag: str, regions: list[str], rate: float, start: datetime) -> Iterator[tuple[float, str, bytes]]:
    """(offset_s, region, event JSON) of one synthetic feed per region, merged; unit ids made unique
    per region (the demo roster uses the same ids in every region)."""
    feeds = []
    for n, region in enumerate(regions):
        config = FeedConfig(region=region, seed=n, run_id=f"{tag}{n}")
        roster = demo_roster(config, start)
        feeds.append((region, roster, SyntheticFeed(config, start, roster).events(rate / len(regions))))
    for region, roster, _ in feeds:
        for event in roster:
            yield 0.0, region, _renamed(event, region)
    pending = {region: next(events) for region, _, events in feeds}
    streams = {region: events for region, _, events in feeds}
    while True:
        region = min(pending, key=lambda r: pending[r][0])
        offset, event = pending[region]
        yield offset, region, _renamed(event, region)
        pending[region] = next(streams[region])


def _renamed(event: Any, region: str) -> bytes:
    body: dict[str, Any] = orjson.loads(orjson.dumps(event))
    unit = body.get("unit")
    if isinstance(unit, dict) and "unit_id" in unit:
        unit["unit_id"] = f"{region}-{unit['unit_id']}"
    return orjson.dumps(body)


class _Watch:
    """What the run observes: when each event was sent, and each decision read back from Kafka."""

    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.decided: list[tuple[float, str, str]] = []
        """(arrival time, region, source event id) of every decision on the decisions topic."""
        self.changed = asyncio.Event()

    def first_decision_after(self, regions: set[str], since: float) -> float | None:
        for arrived, region, source in self.decided:
            if region in regions and self.sent_at.get(source, 0.0) > since:
                return arrived - since
        return None


async def _produce(
    bootstrap: str, topic: str, stream: Iterator[tuple[float, str, bytes]], watch: _Watch, stop: asyncio.Event
) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2)
    await producer.start()
    sent = 0
    try:
        began = time.monotonic()
        for offset, region, raw in stream:
            if stop.is_set():
                break
            delay = began + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            watch.sent_at[orjson.loads(raw)["event_id"]] = time.time()
            await producer.send(topic, raw, key=region.encode())
            sent += 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _read_decisions(bootstrap: str, topic: str, watch: _Watch) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for records in batch.values():
                for record in records:
                    decision = orjson.loads(record.value)
                    watch.decided.append((now, decision["region"], decision["source_event_id"]))
            if batch:
                watch.changed.set()
    finally:
        await consumer.stop()


async def _read_frames(url: str, frames: list[tuple[float, str, int]]) -> None:
    """Every frame of one instance's WebSocket, with its arrival time."""
    with contextlib.suppress(websockets.ConnectionClosed, OSError):
        async with websockets.connect(url, max_size=None) as ws:
            async for text in ws:
                arrived = time.time()
                frame = orjson.loads(text)
                if "call_id" in frame:
                    frames.append((arrived, frame["call_id"], frame["revision"]))


async def _until(probe: Any, what: str, timeout_s: float, state: Any = None) -> None:
    """Wait for `probe()` with a deadline; on timeout, say what `state()` shows (readiness, owners)."""
    deadline = time.monotonic() + timeout_s
    while not await probe():
        if time.monotonic() > deadline:
            shown = f"; {await state()}" if state is not None else ""
            raise TimeoutError(f"{what} not within {timeout_s:.0f}s{shown}")
        await asyncio.sleep(0.1)


async def _ownership(client: httpx.AsyncClient, services: list[ServiceProcess]) -> str:
    """Each instance's readiness and regions, for a timeout's message (its log path beside it)."""
    parts = []
    for service in services:
        body = await _ready(client, service)
        shown = "not ready" if body is None else f"regions {sorted(body['regions'])}"
        parts.append(f"port {service.port}: {shown} (log {service.log_path})")
    return "; ".join(parts)


async def _ready(client: httpx.AsyncClient, service: ServiceProcess) -> dict[str, Any] | None:
    with contextlib.suppress(httpx.HTTPError):
        response = await client.get(f"http://127.0.0.1:{service.port}/ready")
        if response.status_code == 200:
            body: dict[str, Any] = response.json()
            return body
    return None


async def _all_ready(client: httpx.AsyncClient, services: list[ServiceProcess]) -> bool:
    return all([await _ready(client, s) is not None for s in services])


async def _settled(client: httpx.AsyncClient, services: list[ServiceProcess], regions: list[str]) -> bool:
    """Every instance ready, and every region owned by exactly one of them."""
    owned: list[str] = []
    for service in services:
        body = await _ready(client, service)
        if body is None:
            return False
        owned.extend(body["regions"])
    return sorted(owned) == sorted(regions)


@contextlib.asynccontextmanager
async def _broker(bootstrap: str | None) -> AsyncIterator[str]:
    if bootstrap is not None:
        yield bootstrap
        return
    with EmbeddedBroker() as broker:
        yield broker.bootstrap


async def run_failover(
    bootstrap: str,
    *,
    workdir: Path,
    instances: int = 3,
    regions: int = 8,
    rate: float = 200.0,
    partitions: int = 6,
    session_timeout_ms: int = 6000,
    heartbeat_interval_ms: int = 500,
    settle_s: float = 90.0,
    sigterm: bool = True,
) -> FailoverResult:
    tag = uuid.uuid4().hex[:8]
    names = region_names(regions)
    settings = Settings(
        kafka_bootstrap=bootstrap,
        topic_events=f"fo.events.{tag}",
        topic_decisions=f"fo.decisions.{tag}",
        topic_dlq=f"fo.dlq.{tag}",
        topic_changelog=f"fo.changelog.{tag}",
        topic_unit_views=f"fo.units.{tag}",
        topic_ledger=f"fo.ledger.{tag}",
        topic_partitions=partitions,
    )
    await ensure_topics(settings)
    env = {
        **os.environ,
        "CORESPOND_KAFKA_BOOTSTRAP": bootstrap,
        "CORESPOND_TOPIC_EVENTS": settings.topic_events,
        "CORESPOND_TOPIC_DECISIONS": settings.topic_decisions,
        "CORESPOND_TOPIC_DLQ": settings.topic_dlq,
        "CORESPOND_TOPIC_CHANGELOG": settings.topic_changelog,
        "CORESPOND_TOPIC_UNIT_VIEWS": settings.topic_unit_views,
        "CORESPOND_TOPIC_LEDGER": settings.topic_ledger,
        "CORESPOND_CONSUMER_GROUP": f"fo-{tag}",
        "CORESPOND_SESSION_TIMEOUT_MS": str(session_timeout_ms),
        "CORESPOND_HEARTBEAT_INTERVAL_MS": str(heartbeat_interval_ms),
        "CORESPOND_LOG_LEVEL": os.environ.get("CORESPOND_LOG_LEVEL", "INFO"),
    }
    services = [
        ServiceProcess(
            {**env, "CORESPOND_INSTANCE_ID": f"corespond-{n}"},
            free_port(),
            workdir / f"failover-{tag}-{n}.log",
        )
        for n in range(instances)
    ]
    result = FailoverResult(instances, regions, rate, session_timeout_ms, heartbeat_interval_ms)
    watch = _Watch()
    stop = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []
    async with httpx.AsyncClient(timeout=5) as client:
        ownership = functools.partial(_ownership, client, services)
        try:
            await asyncio.gather(*(s.start() for s in services))
            await _until(lambda: _all_ready(client, services), "every instance ready", settle_s, ownership)
            tasks.append(asyncio.create_task(_read_decisions(bootstrap, settings.topic_decisions, watch)))
            frames: list[tuple[float, str, int]] = []
            tasks.extend(
                asyncio.create_task(_read_frames(f"ws://127.0.0.1:{s.port}/ws/decisions", frames))
                for s in services
            )
            stream = _stream(tag, names, rate, datetime.now(UTC))
            producing = asyncio.create_task(_produce(bootstrap, settings.topic_events, stream, watch, stop))
            tasks.append(producing)
            await _until(lambda: _settled(client, services, names), "every region owned", settle_s, ownership)

            victim = services[0]
            result.kill_failover_s = await _stop_one(client, victim, watch, signal.SIGKILL)
            await victim.start()
            await _until(
                lambda: _settled(client, services, names), "settled after the restart", settle_s, ownership
            )
            if sigterm:
                leaver = services[1]
                assert leaver.process is not None
                exited = asyncio.create_task(_exit_time(leaver.process))
                started = time.time()
                result.term_failover_s = await _stop_one(client, leaver, watch, signal.SIGTERM)
                result.term_exit_s = await asyncio.wait_for(exited, 60) - started
                await leaver.start()
                await _until(
                    lambda: _settled(client, services, names), "settled after SIGTERM", settle_s, ownership
                )
            stop.set()
            result.events_sent = await producing
            await _until(
                lambda: _all_ready(client, services), "every instance ready at the end", settle_s, ownership
            )
            result.report = await _settled_history(settings)
            result.calls_everywhere = await _same_calls(client, services)
            result.read_delay_ms = await _read_delays(settings, frames)
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await asyncio.gather(*(_terminate(s) for s in services))
    return result


async def _stop_one(
    client: httpx.AsyncClient,
    victim: ServiceProcess,
    watch: _Watch,
    sig: signal.Signals,
) -> float:
    """Signal `victim`; return the seconds until another instance decided one of its regions again."""
    body = await _ready(client, victim)
    if body is None or not body["regions"]:
        raise RuntimeError("the instance to stop is not ready or owns no region")
    owned = set(body["regions"])
    assert victim.process is not None
    signalled = time.time()
    victim.process.send_signal(sig)
    deadline = time.monotonic() + 120
    while (elapsed := watch.first_decision_after(owned, signalled)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"regions {sorted(owned)} not decided again within 120 s of {sig.name}")
        watch.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(watch.changed.wait(), 1.0)
    print(f"{sig.name}: regions {sorted(owned)} decided again after {elapsed:.2f}s", file=sys.stderr)
    if sig is signal.SIGKILL:
        await victim.process.wait()
    return elapsed


async def _exit_time(process: asyncio.subprocess.Process) -> float:
    await process.wait()
    return time.time()


async def _terminate(service: ServiceProcess) -> None:
    process = service.process
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        process.kill()
        await process.wait()


async def _settled_history(settings: Settings) -> HistoryReport:
    deadline = time.monotonic() + 30
    while True:
        report = check_history(
            await read_topic_to_end(settings.kafka_bootstrap, settings.topic_events),
            await read_topic_to_end(settings.kafka_bootstrap, settings.topic_decisions),
            await read_topic_to_end(settings.kafka_bootstrap, settings.topic_dlq),
            set(),
        )
        if report.ok or time.monotonic() > deadline:
            return report
        await asyncio.sleep(0.5)


async def _same_calls(client: httpx.AsyncClient, services: list[ServiceProcess]) -> bool:
    """Every instance's GET /calls holds the same calls at the same revisions (within 30 s: a
    convergence check, not a latency figure; the read delay is measured on its own)."""
    deadline = time.monotonic() + 30
    while True:
        views = []
        for service in services:
            calls = (await client.get(f"http://127.0.0.1:{service.port}/calls")).json()
            views.append(sorted((c["call_id"], c["revision"]) for c in calls))
        if all(v == views[0] for v in views) and views[0]:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)


async def _read_delays(settings: Settings, frames: list[tuple[float, str, int]]) -> list[float]:
    """Each WebSocket frame's arrival minus its decision's Kafka timestamp, in ms."""
    stamps: dict[tuple[str, int], int] = {}
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        topic = settings.topic_decisions
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    decision = orjson.loads(record.value)
                    stamps.setdefault((decision["call_id"], decision["revision"]), record.timestamp)
    finally:
        await consumer.stop()
    return [
        arrived * 1000.0 - stamps[(call_id, revision)]
        for arrived, call_id, revision in frames
        if (call_id, revision) in stamps
    ]


async def _main(args: argparse.Namespace) -> FailoverResult:
    async with _broker(args.bootstrap) as bootstrap:
        return await run_failover(
            bootstrap,
            workdir=args.workdir,
            instances=args.instances,
            regions=args.regions,
            rate=args.rate,
            partitions=args.partitions,
            session_timeout_ms=args.session_timeout_ms,
            heartbeat_interval_ms=args.heartbeat_interval_ms,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description="failover and read-side delay of several instances")
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--regions", type=int, default=8)
    parser.add_argument("--rate", type=float, default=200.0, help="events per second, all regions")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--session-timeout-ms", type=int, default=6000)
    parser.add_argument("--heartbeat-interval-ms", type=int, default=500)
    parser.add_argument("--bootstrap", help="a running broker (default: an embedded one)")
    parser.add_argument("--workdir", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--json", type=Path, help="write the summary here too")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    summary = asyncio.run(_main(args)).summary()
    print(json.dumps(summary, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    sys.exit(0 if summary["ok"] and summary["calls_everywhere"] else 1)


if __name__ == "__main__":
    main()
