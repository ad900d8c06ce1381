"""Fan-out spread per frame and memory per 10,000 calls: the arithmetic behind two report lines."""

from __future__ import annotations

import pytest

from benchmarks.memory_probe import per_10k_calls
from benchmarks.ws_fanout import frame_spreads


def test_spread_is_first_to_last_client_and_latency_is_from_the_scheduled_send() -> None:
    arrivals = [{"e1": 10.010, "e2": 20.030}, {"e1": 10.040, "e2": 20.031}]
    spreads, firsts, lasts, complete = frame_spreads(arrivals, {"e1": 10.000, "e2": 20.000})
    assert complete == 2
    assert spreads == pytest.approx([30.0, 1.0])
    assert firsts == pytest.approx([10.0, 30.0])
    assert lasts == pytest.approx([40.0, 31.0])


def test_a_frame_missing_at_some_client_is_not_measured() -> None:
    arrivals = [{"e1": 1.0}, {}]
    assert frame_spreads(arrivals, {"e1": 0.5}) == ([], [], [], 0)


def test_memory_per_10k_calls_in_megabytes() -> None:
    assert per_10k_calls(5_000_000, 10_000) == pytest.approx(5.0)
    assert per_10k_calls(1_000_000, 1_000) == pytest.approx(10.0)
    with pytest.raises(ValueError, match="positive"):
        per_10k_calls(1.0, 0)
