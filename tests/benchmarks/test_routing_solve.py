"""The routing-solve hook reports "not measured" instead of a number when the routing benchmark is absent."""

from __future__ import annotations

from benchmarks.routing_solve import measure_routing_solve


def test_an_absent_routing_benchmark_is_reported_as_not_measured() -> None:
    result = measure_routing_solve(smoke=True, module="benchmarks.no_such_routing_bench")
    assert result == {
        "measured": False,
        "reason": "benchmarks.no_such_routing_bench (routing issue) is not in this tree yet",
    }
