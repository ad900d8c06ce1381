"""Process control of the suite: the systems under test run as real processes, one per phase.

- `PhaseTopics`: topic names and a consumer group of one phase, so phases never read each other's
  records and no topic grows across phases (the broker's consume rate falls as a topic grows);
  `drop_phase_topics` deletes them once the phase is over, so every phase starts from a broker
  holding about as much as the one before it did (a later phase, e.g. the service after the no-op,
  is not handicapped by the earlier phases' data).
- `service_process`: `python -m service serve --port P` pointed at the suite's broker through
  `CORESPOND_*` variables, like an operator would run it; yields its pid and URLs once it prints
  its banner (and, unless told otherwise, once `GET /ready` answers 200).
- `noop_process`: `python -m benchmarks.noop_pipeline` with the same variables, once it says ready.
- `rss_bytes(pid)`: resident memory of a process, from /proc/PID/status; `cpu_seconds(pid)`: its
  user + system CPU time so far, from /proc/PID/stat.

Child output goes to log files in a directory the suite names, so a failed phase can be read later.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from service.broker import free_port

__all__ = [
    "CpuMeter",
    "PhaseTopics",
    "RunningProcess",
    "cpu_seconds",
    "drop_phase_topics",
    "noop_process",
    "rss_bytes",
    "service_process",
]

_START_TIMEOUT_S = 90.0


@dataclass(frozen=True, slots=True)
class PhaseTopics:
    events: str
    outputs: str
    dlq: str
    group: str
    changelog: str
    """The service's state topic: each phase its own, or a phase would restore the last one's state."""
    units: str
    """The service's unit-view topic (its read side), each phase its own for the same reason."""

    @classmethod
    def for_phase(cls, run_tag: str, phase: str) -> PhaseTopics:
        base = f"bench.{run_tag}.{phase}"
        names = ("events", "out", "dlq", "group", "changelog", "units")
        return cls(*(f"{base}.{name}" for name in names))

    def env(self, bootstrap: str) -> dict[str, str]:
        return {
            "CORESPOND_KAFKA_BOOTSTRAP": bootstrap,
            "CORESPOND_TOPIC_EVENTS": self.events,
            "CORESPOND_TOPIC_DECISIONS": self.outputs,
            "CORESPOND_TOPIC_DLQ": self.dlq,
            "CORESPOND_TOPIC_CHANGELOG": self.changelog,
            "CORESPOND_TOPIC_UNIT_VIEWS": self.units,
            "CORESPOND_CONSUMER_GROUP": self.group,
        }


async def drop_phase_topics(bootstrap: str, topics: PhaseTopics) -> None:
    """Delete a finished phase's topics; a topic that is already gone is fine."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        phase = (topics.events, topics.outputs, topics.dlq, topics.changelog, topics.units)
        doomed = [t for t in phase if t in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


@dataclass(frozen=True, slots=True)
class RunningProcess:
    pid: int
    base_url: str | None
    """http://127.0.0.1:PORT of the service; None for the no-op pipeline."""
    log_path: Path
    started_at: float
    """time.perf_counter() when the process printed that it was ready."""

    @property
    def ws_url(self) -> str:
        assert self.base_url is not None
        return self.base_url.replace("http://", "ws://", 1) + "/ws/decisions"


def rss_bytes(pid: int) -> int:
    """VmRSS of a live process in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based, man proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(slots=True)
class CpuMeter:
    """CPU cores used by named processes over a stretch of wall time (1.0 = one core busy throughout).

    On a 2-core machine this shows where the cores went during a phase: the pipeline, the broker,
    or the load generator itself (this process: sender, readers, WebSocket clients).
    """

    pids: dict[str, int]
    _cpu: dict[str, float] = field(default_factory=dict)
    _began: float = 0.0

    def start(self) -> None:
        self._began = time.perf_counter()
        self._cpu = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self._began
        if wall <= 0:
            return {}
        used: dict[str, float] = {}
        for name, pid in self.pids.items():
            try:
                used[name] = (cpu_seconds(pid) - self._cpu[name]) / wall
            except (OSError, KeyError):
                continue
        return used


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.asynccontextmanager
async def _child(
    argv: list[str], env: Mapping[str, str], log_path: Path, ready_marker: str
) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
        )
    try:
        assert process.stdout is not None
        try:
            async with asyncio.timeout(_START_TIMEOUT_S):
                while True:
                    line = (await process.stdout.readline()).decode()
                    if not line:
                        raise RuntimeError(
                            f"{argv[2]} exited before it was ready (code {await process.wait()}); "
                            f"log {log_path}:\n{_log_tail(log_path)}"
                        )
                    if ready_marker in line:
                        break
        except TimeoutError as error:
            raise RuntimeError(
                f"{argv[2]} not ready within {_START_TIMEOUT_S:.0f}s; log {log_path}"
            ) from error
        yield process, line
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def service_process(
    bootstrap: str,
    topics: PhaseTopics,
    log_path: Path,
    *,
    wait_ready: bool = True,
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[RunningProcess]:
    """The service as a real process on a free port, consuming `topics.events`."""
    port = free_port()
    env = {**topics.env(bootstrap), "CORESPOND_LOG_LEVEL": "WARNING", **(extra_env or {})}
    argv = [sys.executable, "-m", "service", "serve", "--port", str(port)]
    async with _child(argv, env, log_path, "corespond ready") as (process, _):
        base_url = f"http://127.0.0.1:{port}"
        if wait_ready:
            await _wait_ready(base_url)
        yield RunningProcess(process.pid, base_url, log_path, time.perf_counter())


async def _wait_ready(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=5.0) as client:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while (await client.get("/ready")).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{base_url}/ready did not answer 200 within {_START_TIMEOUT_S:.0f}s")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def noop_process(
    bootstrap: str,
    topics: PhaseTopics,
    log_path: Path,
    *,
    wait_ready: bool = True,
    extra_env: Mapping[str, str] | None = None,
) -> AsyncIterator[RunningProcess]:
    """The no-op pipeline as a real process, consuming `topics.events` and producing `topics.outputs`.

    With `wait_ready` it is yielded once its consumer owns partitions and has caught up (like the
    service's GET /ready); without, as soon as its consumer has started.
    """
    env = {**topics.env(bootstrap), "CORESPOND_LOG_LEVEL": "WARNING", **(extra_env or {})}
    argv = [sys.executable, "-m", "benchmarks.noop_pipeline"]
    marker = "noop ready" if wait_ready else "noop started"
    async with _child(argv, env, log_path, marker) as (process, _):
        yield RunningProcess(process.pid, None, log_path, time.perf_counter())
