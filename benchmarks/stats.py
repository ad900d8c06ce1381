"""Latency and throughput arithmetic of the benchmark suite: percentiles, windows, trends, ratios.

Pure functions over plain numbers, so the figures in a report can be checked by hand and by tests.
Percentiles use linear interpolation between order statistics (numpy's default method).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["LatencySummary", "LatencyWindow", "ratio", "summarize", "trend_ms_per_s", "windows"]


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Percentiles of a set of latencies in milliseconds; `None` when there was nothing to measure."""

    count: int
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    mean_ms: float | None


@dataclass(frozen=True, slots=True)
class LatencyWindow:
    """Latencies of the events scheduled within [start_s, start_s + width)."""

    start_s: float
    count: int
    p50_ms: float | None
    p99_ms: float | None


def summarize(latencies_ms: Sequence[float]) -> LatencySummary:
    if len(latencies_ms) == 0:
        return LatencySummary(0, None, None, None, None, None)
    values = np.asarray(latencies_ms, dtype=np.float64)
    p50, p90, p99 = (float(v) for v in np.percentile(values, [50, 90, 99]))
    return LatencySummary(
        count=int(values.size),
        p50_ms=p50,
        p90_ms=p90,
        p99_ms=p99,
        max_ms=float(values.max()),
        mean_ms=float(values.mean()),
    )


def windows(
    scheduled_s: Sequence[float], latencies_ms: Sequence[float], width_s: float
) -> list[LatencyWindow]:
    """Percentiles per window of scheduled send time, from the first window to the last sample's."""
    if width_s <= 0:
        raise ValueError("width_s must be positive")
    if len(scheduled_s) != len(latencies_ms):
        raise ValueError("scheduled_s and latencies_ms must have the same length")
    if len(scheduled_s) == 0:
        return []
    at = np.asarray(scheduled_s, dtype=np.float64)
    lat = np.asarray(latencies_ms, dtype=np.float64)
    first = float(np.floor(at.min() / width_s) * width_s)
    index = np.floor((at - first) / width_s).astype(np.int64)
    result = []
    for i in range(int(index.max()) + 1):
        chosen = lat[index == i]
        if chosen.size == 0:
            result.append(LatencyWindow(first + i * width_s, 0, None, None))
            continue
        p50, p99 = (float(v) for v in np.percentile(chosen, [50, 99]))
        result.append(LatencyWindow(first + i * width_s, int(chosen.size), p50, p99))
    return result


def trend_ms_per_s(scheduled_s: Sequence[float], latencies_ms: Sequence[float]) -> float | None:
    """Least-squares slope of latency against scheduled send time.

    Under an open-loop load a service that cannot keep up builds a backlog, and the latency of each
    later event grows by (1 - capacity / offered) seconds per second: a slope near zero means no
    growing backlog.
    """
    if len(scheduled_s) != len(latencies_ms):
        raise ValueError("scheduled_s and latencies_ms must have the same length")
    if len(scheduled_s) < 2:
        return None
    at = np.asarray(scheduled_s, dtype=np.float64)
    if float(at.max() - at.min()) == 0.0:
        return None
    slope, _ = np.polyfit(at, np.asarray(latencies_ms, dtype=np.float64), 1)
    return float(slope)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
