"""WebSocket fan-out: how long one decision frame takes to reach every one of N connected consoles.

N real WebSocket clients (the `websockets` library) connect to the running service's
/ws/decisions. New calls are then sent open loop, far enough apart that frames do not overlap, and
every client timestamps each frame as it arrives (the client only stores the text and the time;
parsing waits until the run is over, to keep the clients' own cost per frame small). Per input
event, over the clients:

    fanout_ms = last client's arrival - first client's arrival   (the spread the hub adds)
    last_ms   = last client's arrival - scheduled send time      (event -> decision on every console)

All clients run in this one process, so the spread also contains this process's own time to read
N sockets. To tell the two apart, the CPU time both processes spend while the frames are sent is
reported per frame: the service's (from /proc/PID/stat: hub, per-client send, framing) and this
process's (the N clients receiving, plus the few sends).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from benchmarks.e2e_latency import new_load_producer
from benchmarks.load_generator import LoadPlan, send_open_loop
from benchmarks.processes import cpu_seconds
from benchmarks.stats import LatencySummary, summarize

__all__ = ["FanoutResult", "frame_spreads", "measure_fanout"]

_CONNECT_CONCURRENCY = 50


@dataclass(frozen=True, slots=True)
class FanoutResult:
    clients: int
    frames_sent: int
    fanout: LatencySummary
    last_client: LatencySummary
    first_client: LatencySummary
    complete_frames: int
    """Input events whose frame reached every client."""
    connect_s: float
    service_cpu_ms_per_frame: float | None
    client_cpu_ms_per_frame: float


def frame_spreads(
    arrivals: list[dict[str, float]], scheduled: dict[str, float]
) -> tuple[list[float], list[float], list[float], int]:
    """(fan-out spread, first-client latency, last-client latency) in ms per event, and complete count.

    `arrivals[i]` maps event id -> arrival time at client i; `scheduled` maps event id -> its
    scheduled send time on the same clock. Events some client never received are not measured.
    """
    spreads, firsts, lasts, complete = [], [], [], 0
    for event_id, sent_at in scheduled.items():
        times = [client[event_id] for client in arrivals if event_id in client]
        if not times or len(times) < len(arrivals):
            continue
        complete += 1
        first, last = min(times), max(times)
        spreads.append((last - first) * 1000.0)
        firsts.append((first - sent_at) * 1000.0)
        lasts.append((last - sent_at) * 1000.0)
    return spreads, firsts, lasts, complete


async def _listen(ws: ClientConnection, received: list[tuple[float, str | bytes]]) -> None:
    with contextlib.suppress(ConnectionClosed):  # a closed connection ends the client; gaps are counted
        async for message in ws:
            received.append((time.perf_counter(), message))  # noqa: PERF401 - timestamp on arrival


def _first_arrivals(received: list[tuple[float, str | bytes]]) -> dict[str, float]:
    first: dict[str, float] = {}
    for at, message in received:
        source = orjson.loads(message).get("source_event_id")
        if isinstance(source, str):
            first.setdefault(source, at)
    return first


async def measure_fanout(
    bootstrap: str,
    events_topic: str,
    ws_url: str,
    clients: int,
    plan: LoadPlan,
    *,
    service_pid: int | None = None,
    settle_timeout_s: float = 30.0,
    on_progress: Callable[[int], None] | None = None,
) -> FanoutResult:
    began = time.perf_counter()
    gate = asyncio.Semaphore(_CONNECT_CONCURRENCY)

    async def open_one() -> ClientConnection:
        async with gate:
            return await connect(ws_url, max_size=None, compression=None, ping_interval=None, open_timeout=60)

    connections = await asyncio.gather(*(open_one() for _ in range(clients)))
    connect_s = time.perf_counter() - began
    received: list[list[tuple[float, str | bytes]]] = [[] for _ in connections]
    listeners = [asyncio.create_task(_listen(ws, got)) for ws, got in zip(connections, received, strict=True)]
    producer = new_load_producer(bootstrap)
    await producer.start()
    try:
        roster = [await producer.send(events_topic, e.value, key=e.key) for e in plan.roster]
        await asyncio.gather(*roster)
        service_cpu = None if service_pid is None else cpu_seconds(service_pid)
        client_cpu = time.process_time()
        send = await send_open_loop(producer, events_topic, plan, on_progress=on_progress)
        sentinel = plan.sentinel.event_id
        deadline = time.monotonic() + settle_timeout_s
        while time.monotonic() < deadline:
            if all(any(sentinel in str(m) for _, m in got[-5:]) for got in received):
                break
            await asyncio.sleep(0.05)
        client_cpu = time.process_time() - client_cpu
        if service_pid is not None and service_cpu is not None:
            service_cpu = cpu_seconds(service_pid) - service_cpu
    finally:
        await producer.stop()
        for ws in connections:
            await ws.close()
        for task in listeners:
            task.cancel()
        for task in listeners:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    scheduled = {e.event_id: send.began + e.at_s for e in plan.events}
    spreads, firsts, lasts, complete = frame_spreads([_first_arrivals(r) for r in received], scheduled)
    return FanoutResult(
        clients=clients,
        frames_sent=len(plan.events),
        fanout=summarize(spreads),
        last_client=summarize(lasts),
        first_client=summarize(firsts),
        complete_frames=complete,
        connect_s=connect_s,
        service_cpu_ms_per_frame=None if service_cpu is None else service_cpu * 1000 / len(plan.events),
        client_cpu_ms_per_frame=client_cpu * 1000 / len(plan.events),
    )
