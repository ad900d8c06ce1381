"""Latency of `GET /calls/{call_id}` while the service is under load, measured open loop.

A console asks for one call at a time while decisions stream in; that read must not wait for the
batch being decided. `probe_reads` requests calls of the running load plan at a fixed rate, each
request's send time fixed in advance (a slow answer cannot delay the next request and hide its own
latency), and times each request from its scheduled send to the end of its response:

    latency = (response fully read) - (scheduled send time)

The calls asked for are ones the plan created at least `lag_s` earlier, so most already have a
decision (a 404 for a call not decided yet is timed too: the handler's work is the same lookup).
The probe shares this process's event loop with the load generator and the output readers, so its
figures include their scheduling delay: an upper bound of what a console would see.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
import orjson

from benchmarks.load_generator import LoadPlan

__all__ = ["ReadProbe", "probe_reads"]


@dataclass(slots=True)
class ReadProbe:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0


def _created_calls(plan: LoadPlan) -> list[tuple[float, str]]:
    """(scheduled offset, call id) of every call the plan creates, in schedule order."""
    calls = []
    for event in plan.events:
        body = orjson.loads(event.value)
        if body.get("type") == "call.created":
            calls.append((event.at_s, body["call"]["call_id"]))
    return calls


async def probe_reads(
    base_url: str,
    plan: LoadPlan,
    *,
    rate_per_s: float = 20.0,
    lag_s: float = 1.0,
    stop: asyncio.Event,
) -> ReadProbe:
    """Read calls of `plan` from now (when its send starts) until `stop` is set."""
    began = time.perf_counter()
    calls = _created_calls(plan)
    probe = ReadProbe()
    if not calls:
        return probe
    async with httpx.AsyncClient(base_url=base_url, timeout=5.0) as client:
        pending: set[asyncio.Task[None]] = set()

        async def read(call_id: str, scheduled: float) -> None:
            try:
                response = await client.get(f"/calls/{call_id}")
                await response.aread()
            except httpx.HTTPError:
                probe.errors += 1
                return
            probe.latencies_ms.append((time.perf_counter() - scheduled) * 1000.0)
            probe.statuses[response.status_code] = probe.statuses.get(response.status_code, 0) + 1

        index, picked = 0, 0
        while not stop.is_set():
            scheduled = began + lag_s + index / rate_per_s
            index += 1
            delay = scheduled - time.perf_counter()
            if delay > 0:
                try:
                    async with asyncio.timeout(delay):
                        await stop.wait()
                    break
                except TimeoutError:
                    pass
            elapsed = scheduled - began
            while picked + 1 < len(calls) and calls[picked + 1][0] <= elapsed - lag_s:
                picked += 1
            task = asyncio.create_task(read(calls[picked][1], scheduled))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.gather(*pending)
    return probe
