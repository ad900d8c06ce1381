"""WebSocket fan-out: how long one decision frame takes to reach every one of N connected consoles.

N WebSocket clients connect to the running service's /ws/decisions. Each is the `websockets`
library's own protocol implementation (`ClientProtocol`: RFC 6455 handshake, framing, ping/pong,
close) driven by a bare asyncio `Protocol`, so that a client costs this process a few microseconds
per frame rather than the tens of the library's asyncio client (task wakeup, message assembly):
with 1,000 clients in one process, the clients' own cost would otherwise be a large part of what
is measured. Each client timestamps a frame when its bytes arrive and keeps the text; parsing
waits until the run is over.

New calls are then sent open loop, far enough apart that frames do not overlap. Per input event,
over the clients:

    fanout_ms = last client's arrival - first client's arrival   (the spread the hub adds)
    last_ms   = last client's arrival - scheduled send time      (event -> decision on every console)

The spread still contains this process's time to read N sockets. To tell the two apart, the CPU
time both processes spend while the frames are sent is reported per frame: the service's (from
/proc/PID/stat: hub, per-client send, framing) and this process's (the N clients, plus the sends).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

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
    clients_with_every_frame: int
    """Clients that received a frame for every input event (a dropped or lagging client shows here)."""
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


class _FrameRecorder(asyncio.Protocol):
    """One WebSocket client: the `websockets` sans-I/O protocol over an asyncio transport."""

    def __init__(self, url: str) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=None)
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.received: list[tuple[float, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if not self.opened.done():
                    if event.status_code == 101:
                        self.opened.set_result(None)
                    else:
                        self.opened.set_exception(RuntimeError(f"handshake refused: {event.status_code}"))
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self.received.append((at, bytes(event.data)))
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))

    def close(self) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.protocol.send_close()
        self._flush()
        self.transport.close()

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.protocol.data_to_send():
            if chunk:
                self.transport.write(chunk)


def _first_arrivals(received: list[tuple[float, bytes]]) -> dict[str, float]:
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
    uri = parse_uri(ws_url)
    loop = asyncio.get_running_loop()

    async def open_one() -> _FrameRecorder:
        async with gate:
            _, client = await loop.create_connection(lambda: _FrameRecorder(ws_url), uri.host, uri.port)
            async with asyncio.timeout(60):
                await client.opened
            return client

    clients_open = await asyncio.gather(*(open_one() for _ in range(clients)))
    connect_s = time.perf_counter() - began
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
            if all(any(sentinel.encode() in m for _, m in c.received[-5:]) for c in clients_open):
                break
            await asyncio.sleep(0.05)
        client_cpu = time.process_time() - client_cpu
        if service_pid is not None and service_cpu is not None:
            service_cpu = cpu_seconds(service_pid) - service_cpu
    finally:
        await producer.stop()
        for client in clients_open:
            client.close()
    scheduled = {e.event_id: send.began + e.at_s for e in plan.events}
    arrivals = [_first_arrivals(c.received) for c in clients_open]
    spreads, firsts, lasts, complete = frame_spreads(arrivals, scheduled)
    with_every = sum(1 for got in arrivals if all(event_id in got for event_id in scheduled))
    return FanoutResult(
        clients=clients,
        frames_sent=len(plan.events),
        fanout=summarize(spreads),
        last_client=summarize(lasts),
        first_client=summarize(firsts),
        complete_frames=complete,
        connect_s=connect_s,
        clients_with_every_frame=with_every,
        service_cpu_ms_per_frame=None if service_cpu is None else service_cpu * 1000 / len(plan.events),
        client_cpu_ms_per_frame=client_cpu * 1000 / len(plan.events),
    )
