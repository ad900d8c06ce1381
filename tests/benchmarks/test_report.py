"""Target checks, the fail-loudly rule and the Markdown report, from a hand-made result."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from benchmarks.report import evaluate_targets, render_markdown, write_outputs
from benchmarks.suite import problems


def _summary(p50: float | None, p99: float | None, count: int = 100) -> dict[str, Any]:
    return {"count": count, "p50_ms": p50, "p90_ms": p99, "p99_ms": p99, "max_ms": p99, "mean_ms": p50}


def _run(
    target: str, rate: float, p99: float, *, burst: bool = False, seconds: float = 20.0
) -> dict[str, Any]:
    return {
        "target": target,
        "rate_per_s": rate,
        "seconds": seconds,
        "burst": burst,
        "sent": int(rate * seconds),
        "outputs": 10,
        "kafka": _summary(p99 / 3, p99),
        "websocket": _summary(p99 / 3, p99) if target == "service" else None,
        "send_lag": _summary(0.1, 1.0),
        "sentinel_read": True,
        "throughput_events_per_s": rate * 0.99,
        "trend_ms_per_s": 0.05,
        "windows": [{"start_s": 0.0, "count": 10, "p50_ms": 5.0, "p99_ms": p99}],
        "cpu_cores": {"pipeline": 0.5, "broker": 0.25, "generator": 0.125},
    }


RESULT: dict[str, Any] = {
    "smoke": False,
    "conditions": {"command": "corespond bench", "cpus": 2},
    "latency": [
        _run("noop", 250.0, 80.0),
        {**_run("service", 250.0, 90.0), "kafka": {**_summary(30.0, 90.0), "max_ms": 300.0}},
        _run("noop", 1000.0, 20.0),
        _run("service", 1000.0, 45.0),
        _run("noop", 2500.0, 100.0),
        {**_run("service", 2500.0, 110.0), "call_reads": _summary(2.0, 12.0)},
        _run("noop", 5000.0, 60.0, burst=True, seconds=60.0),
        _run("service", 5000.0, 180.0, burst=True, seconds=60.0),
    ],
    "drain": {
        "service": {
            "events": 1000,
            "events_per_s": 12_000.0,
            "drain_s": 1.0,
            "startup_s": 5.0,
            "outputs": 300,
            "preload_s": 0.1,
            "completed": True,
        },
        "noop": {
            "events": 1000,
            "events_per_s": 48_000.0,
            "drain_s": 0.2,
            "startup_s": 5.0,
            "outputs": 1000,
            "preload_s": 0.1,
            "completed": True,
        },
        "ratio": 0.25,
    },
    "memory": {
        "service_rss": {
            "baseline": {
                "open_calls": 100,
                "rss_bytes": 90_000_000,
                "added_calls": 100,
                "mb_per_10k_calls": None,
            },
            "steps": [
                {
                    "open_calls": 10_100,
                    "rss_bytes": 94_000_000,
                    "added_calls": 10_000,
                    "mb_per_10k_calls": 4.0,
                }
            ],
            "mb_per_10k_calls": 4.0,
        }
    },
    "fanout": [
        {
            "clients": 1000,
            "frames_sent": 40,
            "complete_frames": 40,
            "connect_s": 2.0,
            "fanout": _summary(30.0, 70.0),
            "last_client": _summary(40.0, 90.0),
            "first_client": _summary(5.0, 9.0),
        }
    ],
    "routing": {"measured": False, "reason": "benchmarks/routing_bench.py is not in this tree yet"},
}


def test_each_target_is_judged_from_its_own_measurement() -> None:
    checks = {c.name: c for c in evaluate_targets(RESULT)}
    assert checks["drain rate"].met is True
    assert checks["drain vs no-op"].met is False
    assert checks["drain vs no-op"].measured == "25.0%"
    assert checks["p99 event->decision at 250 events/s vs the no-op pipeline"].met is True
    assert checks["p99 event->decision at 250 events/s vs the no-op pipeline"].measured.startswith("1.12x")
    assert checks["p99 event->decision at 1,000 events/s vs the no-op pipeline"].met is False
    assert checks["p99 event->decision at 2,500 events/s vs the no-op pipeline"].met is True
    assert checks["max event->decision at 250 events/s"].met is False
    assert checks["p99 of GET /calls/{id} during the highest steady rate"].met is True
    assert checks["p99 in a 60 s burst at 5,000 events/s"].met is False
    assert checks["no growing backlog in the burst"].met is True
    assert checks["memory per 10,000 tracked calls (service RSS)"].met is True
    assert checks["WebSocket fan-out to 1,000 clients, per frame (p99 first->last client)"].met is False


def test_targets_a_run_did_not_measure_are_said_to_be_unmeasured() -> None:
    smoke = copy.deepcopy(RESULT)
    smoke["latency"] = [_run("service", 300.0, 20.0, seconds=4.0)]
    smoke["fanout"] = []
    smoke["memory"] = {}
    checks = {c.name: c for c in evaluate_targets(smoke)}
    for name in (
        "p99 event->decision at 1,000 events/s vs the no-op pipeline",
        "max event->decision at 250 events/s",
        "p99 of GET /calls/{id} during the highest steady rate",
        "p99 in a 60 s burst at 5,000 events/s",
        "no growing backlog in the burst",
        "memory per 10,000 tracked calls (service RSS)",
    ):
        assert checks[name].met is None
        assert checks[name].measured == "not measured"


def test_a_burst_that_builds_a_backlog_misses_the_backlog_target() -> None:
    growing = copy.deepcopy(RESULT)
    growing["latency"][7]["trend_ms_per_s"] = 40.0
    checks = {c.name: c for c in evaluate_targets(growing)}
    assert checks["no growing backlog in the burst"].met is False


def test_a_service_that_decides_nothing_fails_the_run() -> None:
    assert problems(RESULT) == []
    silent = copy.deepcopy(RESULT)
    silent["latency"][3]["kafka"] = _summary(None, None, count=0)
    silent["latency"][3]["websocket"] = _summary(None, None, count=0)
    found = problems(silent)
    assert "service produced no decisions at 1000 events/s" in found
    assert "no decision reached the WebSocket client at 1000 events/s" in found
    stuck = copy.deepcopy(RESULT)
    stuck["drain"]["service"]["completed"] = False
    stuck["latency"][7]["sentinel_read"] = False
    assert problems(stuck) == [], "a full run that falls behind reports a missed target, it does not fail"
    stuck["smoke"] = True
    assert problems(stuck) == [
        "service at 5000 events/s did not process every event in time",
        "service drain did not complete",
    ]


def test_markdown_carries_the_tables_and_says_what_was_not_measured() -> None:
    result = copy.deepcopy(RESULT)
    result["targets"] = [
        {"name": c.name, "target": c.target, "measured": c.measured, "met": c.met}
        for c in evaluate_targets(result)
    ]
    text = render_markdown(result, [Path("e2e-latency.png")])
    assert "| service | 1,000 | 20 | 20,000 | 100 | 15.0 |" in text
    assert "| yes | 0.05 | 1.0 | 0.50 / 0.25 / 0.12 |" in text
    assert "| drain vs no-op | >= 30% of the no-op pipeline | 25.0% | **no** |" in text
    assert "Not measured: benchmarks/routing_bench.py is not in this tree yet." in text
    assert "![e2e-latency](e2e-latency.png)" in text


def test_outputs_are_written_with_plots(tmp_path: Path) -> None:
    json_path, md_path, plots = write_outputs(copy.deepcopy(RESULT), tmp_path, "e2e-test")
    assert json_path.exists()
    assert md_path.read_text().startswith("# corespond end-to-end benchmark")
    assert [p.name for p in plots] == [
        "e2e-test-latency.png",
        "e2e-test-throughput.png",
        "e2e-test-burst.png",
    ]
    assert all(p.stat().st_size > 10_000 for p in plots)
