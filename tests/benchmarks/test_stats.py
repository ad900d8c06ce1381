"""Percentiles, windows, trends and ratios of the benchmark suite, checked against hand-computed values."""

from __future__ import annotations

import pytest

from benchmarks.stats import ratio, summarize, trend_ms_per_s, windows


def test_summary_of_one_to_hundred_interpolates_between_order_statistics() -> None:
    summary = summarize([float(v) for v in range(1, 101)])
    assert summary.count == 100
    assert summary.p50_ms == pytest.approx(50.5)
    assert summary.p90_ms == pytest.approx(90.1)
    assert summary.p99_ms == pytest.approx(99.01)
    assert summary.max_ms == 100.0
    assert summary.mean_ms == pytest.approx(50.5)


def test_summary_of_nothing_says_so_instead_of_inventing_zeros() -> None:
    summary = summarize([])
    assert summary.count == 0
    assert summary.p50_ms is None
    assert summary.p99_ms is None
    assert summary.max_ms is None


def test_windows_group_by_scheduled_time_and_keep_empty_windows() -> None:
    at = [0.1, 0.2, 0.9, 2.5]
    latency = [10.0, 20.0, 30.0, 40.0]
    result = windows(at, latency, 1.0)
    assert [w.start_s for w in result] == [0.0, 1.0, 2.0]
    assert [w.count for w in result] == [3, 0, 1]
    assert result[0].p50_ms == pytest.approx(20.0)
    assert result[1].p50_ms is None
    assert result[2].p99_ms == pytest.approx(40.0)


def test_windows_refuse_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="same length"):
        windows([1.0], [], 1.0)
    with pytest.raises(ValueError, match="positive"):
        windows([1.0], [1.0], 0.0)


def test_trend_of_a_growing_backlog_is_its_growth_rate() -> None:
    # Capacity 800/s under 1,000/s offered: each second adds 200 ms of queueing.
    at = [i / 10 for i in range(100)]
    latency = [5.0 + 200.0 * t for t in at]
    assert trend_ms_per_s(at, latency) == pytest.approx(200.0)


def test_trend_of_a_steady_service_is_flat_and_undefined_without_spread() -> None:
    assert trend_ms_per_s([0.0, 1.0, 2.0, 3.0], [9.0, 11.0, 9.0, 11.0]) == pytest.approx(0.4)
    assert trend_ms_per_s([1.0], [5.0]) is None
    assert trend_ms_per_s([2.0, 2.0], [5.0, 6.0]) is None


def test_ratio_is_undefined_when_a_side_is_missing() -> None:
    assert ratio(3.0, 4.0) == 0.75
    assert ratio(None, 4.0) is None
    assert ratio(3.0, 0.0) is None
