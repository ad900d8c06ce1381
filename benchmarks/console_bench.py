"""Console benchmark (issue 13, item 9): a busy night in the browser, measured in the browser.

The real service (its own process, on the embedded broker) holds `--calls` open behavioral calls
and `--units` co-responder teams; the real console (`/console` in Debian's chromium, driven by
Playwright) shows them all. Then, for `--minutes`, CAD events are posted open loop at `--rate`
events per second: each tick closes one open call or creates a new one (alternately, so the number
of open calls stays put), with random priorities, natures and places, so rows are inserted and
removed all over the queue and the planner re-plans. Every decision the service publishes reaches
the console as one WebSocket frame.

Measured per frame, in the browser: **arrival -> DOM updated**, from the moment chromium's network
layer received the WebSocket frame (DevTools protocol `Network.webSocketFrameReceived`, matched to
the page's record by `seq`) to the queue's DOM updated for it (`performance.timeOrigin +
performance.now()` once applied, Performance API; the element's `perf-probe` attribute records it).
This includes any wait on a busy main thread. Also: the handler alone (the message event's
`timeStamp` to applied) and arrival -> the next animation frame (when the browser can paint it).
Every `--heap-every-s`: the JS heap after a forced garbage collection (`HeapProfiler.collectGarbage`,
`Runtime.getHeapUsage`) and the DOM node and listener counts; the heap's trend is the
least-squares slope after the first `--warmup-s`.

    python -m benchmarks.console_bench                    # 500 calls, 50 events/s, 10 min
    python -m benchmarks.console_bench --minutes 0.5      # a quick look

Writes benchmarks/results/console.json and console.md (`--out`). On 2 shared cores the figures are
noisy: the report gives the load average at the start and the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import secrets
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
from playwright.async_api import Page, async_playwright

from benchmarks.processes import PhaseTopics, cpu_seconds, drop_phase_topics, rss_bytes, service_process
from benchmarks.stats import LatencySummary, summarize
from service.broker import EmbeddedBroker

__all__ = ["ConsoleBenchResult", "main", "run"]

RESULTS = Path(__file__).parent / "results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
REGION = "bench"
TARGET_P99_MS = 50.0

_NATURES = [
    ("SUICIDAL", "RP STATES SUBJ WANTS TO KILL HIMSELF"),
    ("WELFARE CHECK", "FAMILY SAYS SUBJ HEARING VOICES, NOT TAKING HIS MEDS"),
    ("DISTURBANCE", "SUBJ ACTING ERRATIC, YELLING AT CARS"),
    ("SUSPICIOUS PERSON", "MALE TALKING TO HIMSELF, CONFUSED"),
    ("MENTAL", "SUBJ PARANOID, THINKS NEIGHBORS ARE WATCHING HIM"),
    ("WELFARE CHECK", "SUBJ DEPRESSED, GAVE AWAY BELONGINGS"),
]
_TOWNS = [(40.5853, -105.0844), (40.3978, -105.0750), (40.4775, -104.9014), (40.3772, -105.5217)]
_AGENCIES = ["LPD", "LCSO", "EPPD"]


@dataclass
class ConsoleBenchResult:
    started_at: str
    options: dict[str, Any]
    load_average_start: tuple[float, float, float]
    load_average_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rows_at_start: int = 0
    open_calls_at_start: int = 0
    events_posted: int = 0
    frames: int = 0
    frames_per_s: float = 0.0
    apply: LatencySummary | None = None
    handler: LatencySummary | None = None
    paint: LatencySummary | None = None
    unmatched_frames: int = 0
    post_failures: int = 0
    sender_late_max_s: float = 0.0
    """How far behind its schedule the sender fell at worst (open loop: it never waits for the service)."""
    frames_over_target: int = 0
    long_tasks: int = 0
    long_task_ms: float = 0.0
    heap_samples: list[dict[str, float]] = field(default_factory=list)
    heap_slope_mb_per_min: float | None = None
    main_thread_s: dict[str, float] = field(default_factory=dict)
    """Renderer main-thread time during the run by kind (DevTools `Performance.getMetrics`)."""
    service_cpu_s: float = 0.0
    service_rss_mb: float = 0.0
    per_minute: list[dict[str, float | int | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Cad:
    """The synthetic CAD side: units, calls, creations and closes, as contract events."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.run = uuid.uuid4().hex[:6]
        self.count = 0
        self.open: list[str] = []

    def _event(self, kind: str, body_key: str, body: dict[str, Any]) -> dict[str, Any]:
        self.count += 1
        return {
            "event_id": f"cb-{self.run}-{self.count}",
            "type": kind,
            "occurred_at": datetime.now(UTC).isoformat(),
            "region": REGION,
            body_key: body,
        }

    def _near(self) -> dict[str, float]:
        lat, lon = self.rng.choice(_TOWNS)
        return {"lat": lat + self.rng.uniform(-0.06, 0.06), "lon": lon + self.rng.uniform(-0.06, 0.06)}

    def units(self, count: int) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        shift = {
            "start": (now - timedelta(hours=2)).isoformat(),
            "end": (now + timedelta(hours=10)).isoformat(),
        }
        return [
            self._event(
                "unit.upsert",
                "unit",
                {
                    "unit_id": f"{_AGENCIES[i % 3]}-CR{i + 1}",
                    "agency": _AGENCIES[i % 3],
                    "model": "primary" if i % 3 else "secondary",
                    "capacity": 2,
                    "can_transport": i % 3 == 0,
                    "jurisdictions": _AGENCIES,
                    "shift": shift,
                    "status": "available",
                    "location": self._near(),
                },
            )
            for i in range(count)
        ]

    def create(self) -> dict[str, Any]:
        nature, narrative = self.rng.choice(_NATURES)
        agency = self.rng.choice(_AGENCIES)
        call_id = f"{agency}-B{self.run}-{self.count:07d}"
        self.open.append(call_id)
        flags = ["weapon"] if self.rng.random() < 0.1 else []
        return self._event(
            "call.created",
            "call",
            {
                "call_id": call_id,
                "agency": agency,
                "nature_code": nature,
                "priority": self.rng.randint(1, 5),
                "location": self._near(),
                "narrative": narrative,
                "flags": flags,
            },
        )

    def close(self) -> dict[str, Any]:
        call_id = self.open.pop(self.rng.randrange(len(self.open)))
        return self._event("call.closed", "call", {"call_id": call_id, "disposition": "resolved_on_scene"})


async def _post(client: httpx.AsyncClient, event: dict[str, Any]) -> None:
    response = await client.post("/events", content=orjson.dumps(event))
    if response.status_code != 202:
        raise RuntimeError(f"POST /events answered {response.status_code}: {response.text}")


class Sender:
    """Posts scheduled events with a few workers, so the HTTP client stays bounded: events wait in
    a queue (in schedule order) when the service is slow, and the lateness is reported."""

    def __init__(self, client: httpx.AsyncClient, workers: int) -> None:
        self.client = client
        self.queue: asyncio.Queue[tuple[dict[str, Any], float] | None] = asyncio.Queue()
        self.sent = 0
        self.late_max_s = 0.0
        self.failures: list[str] = []
        self.workers = [asyncio.create_task(self._work()) for _ in range(workers)]

    def send(self, event: dict[str, Any], due: float) -> None:
        self.queue.put_nowait((event, due))

    async def _work(self) -> None:
        while (item := await self.queue.get()) is not None:
            event, due = item
            self.late_max_s = max(self.late_max_s, time.monotonic() - due)
            try:
                await _post(self.client, event)
                self.sent += 1
            except (httpx.HTTPError, RuntimeError) as error:
                self.failures.append(repr(error))

    async def drain(self) -> None:
        for _ in self.workers:
            self.queue.put_nowait(None)
        await asyncio.wait(self.workers, timeout=60)


async def _preload(client: httpx.AsyncClient, cad: Cad, calls: int, units: int) -> None:
    for event in cad.units(units):
        await _post(client, event)
    batch = [cad.create() for _ in range(calls)]
    for start in range(0, len(batch), 50):
        await asyncio.gather(*(_post(client, e) for e in batch[start : start + 50]))


async def _open_calls(client: httpx.AsyncClient) -> int:
    return len((await client.get("/calls", params={"region": REGION})).json())


async def _until(probe: Any, until: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    value = await probe()
    while not until(value):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not reached within {timeout_s:.0f} s (last: {value!r})")
        await asyncio.sleep(0.5)
        value = await probe()
    return value


_INIT = """
window.__longTasks = {count: 0, ms: 0};
try {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__longTasks.count += 1;
      window.__longTasks.ms += entry.duration;
    }
  }).observe({type: "longtask", buffered: true});
} catch (error) {}
"""


async def _heap(cdp: Any, elapsed_s: float) -> dict[str, float]:
    await cdp.send("HeapProfiler.collectGarbage")
    usage = await cdp.send("Runtime.getHeapUsage")
    counters = await cdp.send("Memory.getDOMCounters")
    return {
        "t_s": round(elapsed_s, 1),
        "heap_mb": usage["usedSize"] / 1e6,
        "dom_nodes": counters["nodes"],
        "listeners": counters["jsEventListeners"],
    }


_MAIN_THREAD = ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")


async def _main_thread(cdp: Any) -> dict[str, float]:
    metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
    return {m["name"]: float(m["value"]) for m in metrics if m["name"] in _MAIN_THREAD}


async def _take(page: Page) -> dict[str, Any]:
    taken: dict[str, Any] = await page.locator("corespond-console").evaluate("element => element.takePerf()")
    return taken


_SEQ = re.compile(r'^\{"seq":(\d+),')


class NetworkArrivals:
    """When chromium's network layer received each WebSocket frame, as epoch ms, by seq."""

    def __init__(self) -> None:
        self.by_seq: dict[int, float] = {}
        self.offset_s: float | None = None
        """wallTime - timestamp of the handshake: maps the protocol's monotonic seconds to epoch."""

    def handshake(self, params: dict[str, Any]) -> None:
        self.offset_s = float(params["wallTime"]) - float(params["timestamp"])

    def frame(self, params: dict[str, Any]) -> None:
        match = _SEQ.match(params["response"]["payloadData"])
        if match is None or self.offset_s is None:
            return
        self.by_seq[int(match.group(1))] = (float(params["timestamp"]) + self.offset_s) * 1000.0


@dataclass
class Timings:
    apply_ms: list[float] = field(default_factory=list)
    handler_ms: list[float] = field(default_factory=list)
    paint_ms: list[float] = field(default_factory=list)
    unmatched: int = 0

    def add(self, taken: dict[str, Any], network: NetworkArrivals) -> list[float]:
        """Add one takePerf() record; returns the arrival -> DOM updated figures it held."""
        added: list[float] = []
        for seq, arrival, applied, applied_epoch, painted in zip(
            taken["seq"],
            taken["arrival"],
            taken["applied"],
            taken["appliedEpoch"],
            taken["painted"],
            strict=True,
        ):
            self.handler_ms.append(applied - arrival)
            received = network.by_seq.pop(int(seq), None)
            if received is None:
                self.unmatched += 1
                continue
            added.append(applied_epoch - received)
            if painted >= applied:
                self.paint_ms.append(painted - applied + applied_epoch - received)
        self.apply_ms.extend(added)
        return added


def _slope_per_min(samples: list[dict[str, float]], warmup_s: float) -> float | None:
    points = [(s["t_s"], s["heap_mb"]) for s in samples if s["t_s"] >= warmup_s]
    if len(points) < 3:
        return None
    t, heap = np.array(points).T
    return float(np.polyfit(t / 60.0, heap, 1)[0])


async def run(args: argparse.Namespace) -> ConsoleBenchResult:
    result = ConsoleBenchResult(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        options={k: v for k, v in vars(args).items() if k != "out"},
        load_average_start=os.getloadavg(),
    )
    token = secrets.token_urlsafe(24)
    writer = secrets.token_urlsafe(24)
    keys = f"dispatcher:{token},integration:{writer}"
    topics = PhaseTopics.for_phase(uuid.uuid4().hex[:8], "console")
    cad = Cad(args.seed)
    with EmbeddedBroker() as broker, tempfile.TemporaryDirectory() as logs:
        async with (
            service_process(
                broker.bootstrap, topics, Path(logs) / "service.log", extra_env={"CORESPOND_API_KEYS": keys}
            ) as service,
            httpx.AsyncClient(
                base_url=service.base_url or "", headers={"Authorization": f"Bearer {writer}"}, timeout=30
            ) as client,
            httpx.AsyncClient(
                base_url=service.base_url or "", headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as reading,
            async_playwright() as playwright,
        ):
            await _preload(client, cad, args.calls, args.units)
            result.open_calls_at_start = await _until(
                lambda: _open_calls(reading), lambda n: n >= args.calls, 120, f"{args.calls} open calls"
            )
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 1400, "height": 900})
            await page.add_init_script(_INIT)
            cdp = await page.context.new_cdp_session(page)
            network = NetworkArrivals()
            cdp.on("Network.webSocketWillSendHandshakeRequest", network.handshake)
            cdp.on("Network.webSocketFrameReceived", network.frame)
            await cdp.send("Network.enable")
            await cdp.send("Performance.enable")
            await page.goto(f"{service.base_url}/console?perf-probe=1&region={REGION}#token={token}")
            rows = page.locator(".row")
            await page.locator("corespond-console[connection=live]").wait_for(timeout=30_000)
            result.rows_at_start = await _until(
                rows.count, lambda n: n >= args.calls * 0.9, 120, "the console's rows"
            )
            await _take(page)
            network.by_seq.clear()
            cpu_before = cpu_seconds(service.pid)
            metrics_before = await _main_thread(cdp)
            timings = Timings()
            sender = Sender(client, workers=args.senders)
            began = time.monotonic()
            duration_s = args.minutes * 60
            result.heap_samples.append(await _heap(cdp, 0.0))
            next_heap = args.heap_every_s
            next_take = 5.0
            minute: dict[str, Any] = {"frames": 0, "applied": []}
            minute_end = 60.0
            tick = 0
            while (elapsed := time.monotonic() - began) < duration_s:
                # Open loop: every event is sent at its scheduled time, whatever the last one took.
                while tick / args.rate <= elapsed:
                    sender.send(
                        cad.close() if tick % 2 and cad.open else cad.create(), began + tick / args.rate
                    )
                    tick += 1
                if elapsed >= next_take:
                    next_take += 5.0
                    taken = await _take(page)
                    added = timings.add(taken, network)
                    minute["frames"] += len(taken["seq"])
                    minute["applied"].extend(added)
                    if taken["overflow"]:
                        result.notes.append(f"perf ring overflowed at {elapsed:.0f} s")
                if elapsed >= minute_end:
                    stats = summarize(minute["applied"])
                    result.per_minute.append(
                        {
                            "minute": len(result.per_minute) + 1,
                            "frames": minute["frames"],
                            "p99_ms": stats.p99_ms,
                        }
                    )
                    minute = {"frames": 0, "applied": []}
                    minute_end += 60.0
                if elapsed >= next_heap:
                    next_heap += args.heap_every_s
                    result.heap_samples.append(await _heap(cdp, elapsed))
                await asyncio.sleep(max(0.0, min(0.01, tick / args.rate - (time.monotonic() - began))))
            await sender.drain()
            result.events_posted = sender.sent
            result.sender_late_max_s = round(sender.late_max_s, 3)
            await asyncio.sleep(2.0)  # the last decisions reach the page
            timings.add(await _take(page), network)
            result.heap_samples.append(await _heap(cdp, time.monotonic() - began))
            long_tasks = await page.evaluate("window.__longTasks")
            result.long_tasks = int(long_tasks["count"])
            result.long_task_ms = float(long_tasks["ms"])
            metrics_after = await _main_thread(cdp)
            result.main_thread_s = {
                k: round(v - metrics_before.get(k, 0.0), 2) for k, v in metrics_after.items()
            }
            result.service_cpu_s = cpu_seconds(service.pid) - cpu_before
            result.service_rss_mb = rss_bytes(service.pid) / 1e6
            result.post_failures = len(sender.failures)
            if sender.failures:
                result.notes.append(f"{len(sender.failures)} posts failed, first: {sender.failures[0]}")
            result.frames = len(timings.handler_ms)
            result.frames_per_s = result.frames / duration_s
            result.apply = summarize(timings.apply_ms)
            result.handler = summarize(timings.handler_ms)
            result.paint = summarize(timings.paint_ms)
            result.unmatched_frames = timings.unmatched
            result.frames_over_target = sum(1 for v in timings.apply_ms if v > TARGET_P99_MS)
            result.heap_slope_mb_per_min = _slope_per_min(result.heap_samples, args.warmup_s)
            await browser.close()
        await drop_phase_topics(broker.bootstrap, topics)
    result.load_average_end = os.getloadavg()
    return result


def render(result: ConsoleBenchResult) -> str:
    apply, handler, paint = result.apply, result.handler, result.paint
    assert apply is not None
    assert handler is not None
    assert paint is not None

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    heap = result.heap_samples
    command = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in result.options.items())
    verdict = "met" if apply.p99_ms is not None and apply.p99_ms <= TARGET_P99_MS else "missed"
    lines = [
        "# Console benchmark",
        "",
        f"`python -m benchmarks.console_bench {command}`,"
        f" started {result.started_at}. Load average (1/5/15 min) at the start "
        f"{'/'.join(f'{v:.2f}' for v in result.load_average_start)}, at the end "
        f"{'/'.join(f'{v:.2f}' for v in result.load_average_end)}: 2 shared cores, other sessions running, "
        "so the figures are noisy.",
        "",
        f"Open calls at the start: {result.open_calls_at_start} "
        f"(rows in the console: {result.rows_at_start}). "
        f"Events posted: {result.events_posted}; frames received and applied by the console: {result.frames} "
        f"({result.frames_per_s:.1f} per second).",
        "",
        "| per frame, measured in the browser | count | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| arrival (network) -> queue DOM updated | {apply.count} | {ms(apply.p50_ms)} | "
        f"{ms(apply.p90_ms)} | "
        f"**{ms(apply.p99_ms)}** | {ms(apply.max_ms)} |",
        f"| handler alone (message event -> DOM updated) | {handler.count} | {ms(handler.p50_ms)} | "
        f"{ms(handler.p90_ms)} | {ms(handler.p99_ms)} | {ms(handler.max_ms)} |",
        f"| arrival (network) -> next animation frame | {paint.count} | {ms(paint.p50_ms)} | "
        f"{ms(paint.p90_ms)} | "
        f"{ms(paint.p99_ms)} | {ms(paint.max_ms)} |",
        "",
        f"Frames not matched to a network arrival (not counted in the first row): {result.unmatched_frames}. "
        f"Failed posts: {result.post_failures}. The sender fell at most {result.sender_late_max_s:.2f} s "
        "behind its schedule.",
        "",
        f"Target p99 <= {TARGET_P99_MS:.0f} ms (arrival -> DOM updated): **{verdict}**. Frames over "
        f"{TARGET_P99_MS:.0f} ms: {result.frames_over_target}. Long tasks (> 50 ms on the main thread): "
        f"{result.long_tasks}, {result.long_task_ms:.0f} ms in all.",
        "",
        f"JS heap after forced GC: {heap[0]['heap_mb']:.1f} MB at the start, "
        f"{heap[-1]['heap_mb']:.1f} MB at the end, "
        f"min {min(s['heap_mb'] for s in heap):.1f}, max {max(s['heap_mb'] for s in heap):.1f}; trend after "
        f"{result.options['warmup_s']:.0f} s: "
        + (
            f"{result.heap_slope_mb_per_min:+.3f} MB per minute."
            if result.heap_slope_mb_per_min is not None
            else "not enough samples."
        )
        + f" DOM nodes {heap[0]['dom_nodes']:.0f} -> {heap[-1]['dom_nodes']:.0f}, listeners "
        f"{heap[0]['listeners']:.0f} -> {heap[-1]['listeners']:.0f}.",
        "",
        "Renderer main thread during the run (DevTools `Performance.getMetrics`, seconds): "
        + ", ".join(f"{k.removesuffix('Duration').lower()} {v:.1f}" for k, v in result.main_thread_s.items())
        + f" (of {result.options['minutes'] * 60:.0f} s).",
        "",
        f"Service process: {result.service_cpu_s:.0f} CPU s during the run, "
        f"RSS {result.service_rss_mb:.0f} MB at the end.",
        "",
        "| minute | frames | p99 ms |",
        "|---:|---:|---:|",
        *(f"| {m['minute']} | {m['frames']} | {ms(m['p99_ms'])} |" for m in result.per_minute),
        "",
        "| t s | heap MB | DOM nodes | listeners |",
        "|---:|---:|---:|---:|",
        *(
            f"| {s['t_s']:.0f} | {s['heap_mb']:.2f} | {s['dom_nodes']:.0f} | {s['listeners']:.0f} |"
            for s in heap
        ),
    ]
    lines.extend(f"- {note}" for note in result.notes)
    return "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.console_bench",
        description="Console benchmark: frame arrival to DOM updated, and the heap, in a real browser.",
    )
    parser.add_argument("--calls", type=int, default=500, help="open behavioral calls held (default 500)")
    parser.add_argument(
        "--units", type=int, default=30, help="co-responder teams, capacity 2 each (default 30)"
    )
    parser.add_argument("--rate", type=float, default=50.0, help="CAD events per second (default 50)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the measured run (default 10)")
    parser.add_argument("--heap-every-s", type=float, default=30.0, help="heap sample interval (default 30)")
    parser.add_argument(
        "--warmup-s", type=float, default=60.0, help="heap trend ignores this start (default 60)"
    )
    parser.add_argument("--senders", type=int, default=8, help="concurrent HTTP posts at most (default 8)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for console.json and console.md")
    return parser


def main() -> int:
    args = build_parser().parse_args()
    result = asyncio.run(run(args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "console.json").write_bytes(
        orjson.dumps(asdict(result), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY, default=str)
    )
    report = render(result)
    (args.out / "console.md").write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(main())
