"""Garbage-collector pauses while a region takes 20,000 new calls, with and without `gc.freeze()`.

The service freezes what exists after start-up (modules, routes, rule books, restored state; see
`service/app.py`). This probe shows what that buys: it replays the load suite's create events in
this process through the service's own `RegionHost`, in batches of 200 as the consumer hands them
over, and times every collection through `gc.callbacks`. Run it twice, side by side:

    python -m benchmarks.gc_pause            # no freeze
    python -m benchmarks.gc_pause --freeze   # start-up objects frozen first

Per generation it prints how many collections ran, the longest and their sum (milliseconds). A
full (generation 2) collection holds the GIL, so its longest pause is a latency floor for every
event in flight at that moment. Wall-clock figures: quote them with the load average.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections import defaultdict
from datetime import UTC, datetime

from benchmarks.memory_probe import _PlanClock
from benchmarks.suite import FULL, _plan
from service.bootstrap import region_host
from service.records import InputRecord
from service.settings import Settings

_BATCH = 200


def measure(*, freeze: bool, calls_per_s: float = 1000.0, seconds: float = 20.0) -> dict[int, list[float]]:
    """Pauses in milliseconds by generation while `calls_per_s * seconds` creates are applied."""
    clock = _PlanClock(datetime.now(UTC))
    host = region_host(Settings(), clock)
    if freeze:
        gc.collect()
        gc.freeze()
    plan = _plan(FULL, "gcp", calls_per_s, seconds, only_creates=True)
    events = [*plan.roster, *plan.events]
    pauses: dict[int, list[float]] = defaultdict(list)
    started = 0.0

    def on_collect(phase: str, info: dict[str, int]) -> None:
        nonlocal started
        if phase == "start":
            started = time.perf_counter()
        else:
            pauses[info["generation"]].append((time.perf_counter() - started) * 1000)

    gc.callbacks.append(on_collect)
    try:
        for offset in range(0, len(events), _BATCH):
            batch = events[offset : offset + _BATCH]
            clock.offset_s = batch[-1].at_s
            now_ms = int(time.time() * 1000)
            host.process(
                [InputRecord("bench", 0, offset + i, e.key, e.value, now_ms) for i, e in enumerate(batch)]
            )
    finally:
        gc.callbacks.remove(on_collect)
    return pauses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--freeze", action="store_true", help="freeze start-up objects first, as the service does"
    )
    args = parser.parse_args()
    pauses = measure(freeze=args.freeze)
    print(f"freeze={args.freeze} load average {os.getloadavg()[0]:.1f}")
    for generation in sorted(pauses):
        times = pauses[generation]
        longest, total = max(times), sum(times)
        print(f"gen {generation}: {len(times)} collections, longest {longest:.1f} ms, sum {total:.0f} ms")


if __name__ == "__main__":
    main()
