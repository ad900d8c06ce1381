"""The ledger's read model in process: memory per entry, read rate, GET /stats figures and a page.

`python -m benchmarks.ledger_store_bench [--entries N]` builds N synthetic ledger entries (half served,
half unserved, three agencies, one every five minutes), reads them into a `LedgerStore` as the read
side does, and reports: bytes per entry held (tracemalloc: the JSON and the index and facts beside
it), CPU per entry read, and the medians of 7 runs of the work behind GET /stats (selecting, then
`routing.outcomes.outcome_stats`) over a county-year's worth of entries and over all N, and of a
500-entry page newest first. In process, no server: what a request costs beyond HTTP.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson

from routing.outcomes import outcome_stats
from routing.triaged import exact_bytes
from service.ledger_store import LedgerFilter, LedgerStore

__all__ = ["main", "synthetic_entry"]

T0 = datetime(2026, 1, 1, tzinfo=UTC)
COUNTY_YEAR = 3_245
"""Eligible calls of the synthetic Larimer County year (see the README's what-if)."""


def synthetic_entry(index: int) -> bytes:
    at = T0 + timedelta(minutes=index * 5)
    body: dict[str, object] = {
        "call_id": f"LPD-26-{index:06d}",
        "region": "larimer",
        "agency": ("LPD", "LCSO", "EPPD")[index % 3],
        "nature_code": "WELFARE CHECK",
        "priority": 2,
        "response": "co_response_any",
        "received_at": at.isoformat(),
        "eligible_at": at.isoformat(),
        "closed_at": (at + timedelta(hours=1)).isoformat(),
        "disposition": "resolved_on_scene",
    }
    if index % 2 == 0:
        body |= {
            "outcome": "served",
            "unit_id": "LCSO-CR1",
            "model": "primary",
            "assigned_at": (at + timedelta(minutes=3)).isoformat(),
            "on_scene_at": (at + timedelta(minutes=15)).isoformat(),
            "minutes_to_assignment": 3.0,
            "minutes_to_scene": 15.0,
        }
    else:
        body |= {
            "outcome": "unserved",
            "reason": "all_teams_busy",
            "would_have_gone": {"unit_id": "LCSO-CR1", "eta_s": 812},
        }
    # Copied (see `exact_bytes`): a record read from Kafka is exact, orjson's own bytes are not.
    return exact_bytes(orjson.dumps(body))


def _median_ms(run: object, repeats: int = 7) -> float:
    assert callable(run)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args(argv)
    records = [synthetic_entry(index) for index in range(args.entries)]
    store = LedgerStore(lambda _agency, _nature: False)
    started = time.process_time()
    for record in records:
        store.put(record)
    cpu = time.process_time() - started
    del store, records
    store = LedgerStore(lambda _agency, _nature: False)
    tracemalloc.start()  # a second store, traced: tracemalloc slows what it traces
    held_before = tracemalloc.get_traced_memory()[0]
    for index in range(args.entries):
        store.put(synthetic_entry(index))
    held = tracemalloc.get_traced_memory()[0] - held_before
    tracemalloc.stop()
    json_bytes = statistics.mean(len(synthetic_entry(i)) for i in range(100))
    print(
        f"{args.entries:,} entries of ~{json_bytes:.0f} B JSON: {held / args.entries:,.0f} B held per entry, "
        f"{cpu / args.entries * 1e6:.0f} us CPU per entry read"
    )
    zone = ZoneInfo("America/Denver")
    everything = LedgerFilter()
    for count in (min(COUNTY_YEAR, args.entries), args.entries):
        end = LedgerFilter(end_us=int((T0 + timedelta(minutes=count * 5)).timestamp()) * 1_000_000)

        def figures(wanted: LedgerFilter = end) -> None:
            outcome_stats([s.facts for s in store.matching(wanted)], timezone=zone)

        print(f"GET /stats work over {count:,} entries: median {_median_ms(figures):.0f} ms")
    page = _median_ms(lambda: store.page(everything, after=None, limit=500, descending=True))
    print(f"a page of 500, newest first, over {args.entries:,}: median {page:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
