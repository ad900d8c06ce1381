"""Memory per 10,000 tracked calls, measured two ways.

1. **Service process RSS** (`measure_service_memory`): a fresh service gets a roster and a warm-up
   batch of new calls (so imports, caches and first solves are paid), then two equal steps of new
   calls that never close. After each step the probe waits until the step's sentinel decision is
   read back (everything before it was applied and published), checks the service's
   `corespond_open_calls` gauge, and reads VmRSS from /proc/PID/status. Per 10,000 calls =
   RSS growth over a step / calls in the step * 10,000. It includes everything the process holds
   for those calls: region state, the decision store and allocator overhead; RSS is what an operator
   sizes a pod by. The WebSocket replay ring is bounded (`CORESPOND_WS_RING_SIZE` frames, 20,000 by
   default): a fixed cost, not one per call, so the service runs with a ring the warm-up fills
   (`ring_frames`, one frame per warm-up call) and the ring's fixed cost is reported beside, from
   (2): bytes per frame x the default ring size.
2. **Live state by component** (`measure_live_state`): the same events applied in this process to
   the service's own `RegionHost`, `DecisionStore` and `DecisionHub` under `tracemalloc`, so the
   growth can be split between region state (routing core), the decision store and the hub's ring.
   Python objects only (what `tracemalloc` sees), no allocator slack: the floor of (1).
"""

from __future__ import annotations

import asyncio
import gc
import re
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from benchmarks.e2e_latency import measure_open_loop
from benchmarks.load_generator import LoadPlan
from benchmarks.processes import RunningProcess, rss_bytes
from service.bootstrap import region_host
from service.records import InputRecord
from service.settings import Settings
from service.store import DecisionStore, StoredDecision
from service.ws.hub import DecisionHub

__all__ = ["LiveStateResult", "MemoryStep", "ServiceMemoryResult", "measure_live_state", "per_10k_calls"]

_OPEN_CALLS = re.compile(rb"^corespond_open_calls (\S+)$", re.MULTILINE)


def per_10k_calls(grown_bytes: float, calls: int) -> float:
    """Megabytes (10^6 bytes) per 10,000 calls."""
    if calls <= 0:
        raise ValueError("calls must be positive")
    return grown_bytes / calls * 10_000 / 1e6


@dataclass(frozen=True, slots=True)
class MemoryStep:
    open_calls: int
    """The service's own count of open calls after the step (its corespond_open_calls gauge)."""
    rss_bytes: int
    added_calls: int
    mb_per_10k_calls: float | None
    """RSS growth of this step per 10,000 calls; None for the baseline."""


@dataclass(frozen=True, slots=True)
class ServiceMemoryResult:
    baseline: MemoryStep
    steps: list[MemoryStep]
    mb_per_10k_calls: float | None
    """The mean over the steps."""


async def _open_calls(client: httpx.AsyncClient) -> int:
    found = _OPEN_CALLS.search((await client.get("/metrics")).content)
    return 0 if found is None else round(float(found.group(1)))


async def measure_service_memory(
    bootstrap: str, events_topic: str, outputs_topic: str, service: RunningProcess, plans: list[LoadPlan]
) -> ServiceMemoryResult:
    """`plans[0]` is the warm-up (baseline after it), each later plan one measured step of new calls."""
    assert service.base_url is not None
    measured: list[MemoryStep] = []
    async with httpx.AsyncClient(base_url=service.base_url, timeout=10.0) as client:
        for index, plan in enumerate(plans):
            run = await measure_open_loop(
                bootstrap,
                events_topic,
                outputs_topic,
                plan if index == 0 else _without_roster(plan),
                id_field="source_event_id",
                settle_timeout_s=120.0,
            )
            if not run.sentinel_read:
                raise RuntimeError("memory probe: the service did not decide every call of a step in time")
            await asyncio.sleep(0.5)  # let the event loop finish the WebSocket/metrics bookkeeping
            rss = rss_bytes(service.pid)
            calls = len(plan.events)
            grown = None if not measured else per_10k_calls(rss - measured[-1].rss_bytes, calls)
            measured.append(MemoryStep(await _open_calls(client), rss, calls, grown))
    steps = measured[1:]
    figures = [s.mb_per_10k_calls for s in steps if s.mb_per_10k_calls is not None]
    return ServiceMemoryResult(measured[0], steps, sum(figures) / len(figures) if figures else None)


def _without_roster(plan: LoadPlan) -> LoadPlan:
    return LoadPlan(plan.rate_per_s, plan.seconds, [], plan.events, plan.kinds)


@dataclass(frozen=True, slots=True)
class LiveStateResult:
    calls: int
    region_state_mb_per_10k: float
    decision_store_mb_per_10k: float
    ws_ring_mb_per_10k: float
    total_mb_per_10k: float
    ws_ring_frames: int
    ws_default_ring_mb: float
    """The fixed cost of a full ring of the default size (`CORESPOND_WS_RING_SIZE`), from the bytes
    per frame the ring held here."""
    open_calls: int


class _PlanClock:
    def __init__(self, start: datetime) -> None:
        self.start = start
        self.offset_s = 0.0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset_s)


def measure_live_state(
    warmup: LoadPlan, step: LoadPlan, start: datetime, batch: int = 500, *, ring_frames: int
) -> LiveStateResult:
    """Apply `warmup` then `step` (new calls only) to the service's state objects in this process.

    The store's share is the traced bytes retained across `store.put` (its compact records; the JSON
    it serves is the bytes the core encoded once and the call state keeps too), the
    hub's across `hub.publish` (its ring of frames); the region state's share is the rest of the
    step's growth (apply and decide: call state, triage, placement and the published JSON).
    """
    settings = Settings()
    clock = _PlanClock(start)
    host = region_host(settings, clock)
    store = DecisionStore(settings.decision_store_closed)
    hub = DecisionHub(ring_frames, settings.ws_client_queue, first_seq=1)
    offset = 0

    def feed(plan: LoadPlan) -> tuple[int, int]:
        nonlocal offset
        events = [*plan.roster, *plan.events]
        store_grown, hub_grown = 0, 0
        for first in range(0, len(events), batch):
            chunk = events[first : first + batch]
            now_ms = int(time.time() * 1000)
            records = [
                InputRecord("bench", 0, offset + i, e.key, e.value, now_ms) for i, e in enumerate(chunk)
            ]
            offset += len(chunk)
            clock.offset_s = chunk[-1].at_s
            outcome = host.process(records)
            before = tracemalloc.get_traced_memory()[0]
            for decided in outcome.decisions:
                store.put(StoredDecision.parse(decided.encoded))
            after_store = tracemalloc.get_traced_memory()[0]
            for n, decided in enumerate(outcome.decisions):
                hub.publish(decided.region, 0, offset + n, decided.encoded)
            store_grown += after_store - before
            hub_grown += tracemalloc.get_traced_memory()[0] - after_store
            # Free this batch's decisions here, not when the next batch rebinds the name inside a
            # measured window (which made the store's share come out negative).
            del outcome
        return store_grown, hub_grown

    feed(warmup)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        store_grown, hub_grown = feed(step)
        gc.collect()
        total = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    calls = len(step.events)
    return LiveStateResult(
        calls=calls,
        region_state_mb_per_10k=per_10k_calls(total - store_grown - hub_grown, calls),
        decision_store_mb_per_10k=per_10k_calls(store_grown, calls),
        ws_ring_mb_per_10k=per_10k_calls(hub_grown, calls),
        total_mb_per_10k=per_10k_calls(total, calls),
        ws_ring_frames=min(ring_frames, hub.last_seq),
        ws_default_ring_mb=hub.ring_text_bytes()
        / max(1, min(ring_frames, hub.last_seq))
        * settings.ws_ring_size
        / 1e6,
        open_calls=len(store),
    )
