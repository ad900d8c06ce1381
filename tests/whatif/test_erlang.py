"""The Erlang-B formula against hand-computed values, and its hour-by-hour use."""

from __future__ import annotations

import math

import pytest

from whatif.erlang import erlang_b, hourly_loss_coverage


@pytest.mark.parametrize(
    ("servers", "load", "blocked"),
    [
        (0, 3.0, 1.0),
        (1, 1.0, 0.5),  # a / (1 + a)
        (2, 1.5, 1.125 / 3.625),  # (a^2/2) / (1 + a + a^2/2)
        (3, 2.0, (8 / 6) / (1 + 2 + 2 + 8 / 6)),
        (5, 0.0, 0.0),
    ],
)
def test_erlang_b_matches_the_closed_form(servers: int, load: float, blocked: float) -> None:
    assert math.isclose(erlang_b(servers, load), blocked, rel_tol=1e-12)


def test_erlang_b_of_many_servers_stays_finite_and_falls_with_servers() -> None:
    values = [erlang_b(c, 80.0) for c in range(60, 121, 10)]
    assert all(0.0 < v < 1.0 for v in values)
    assert values == sorted(values, reverse=True)


def test_hourly_coverage_counts_only_hours_with_teams() -> None:
    calls = [10] * 24
    servers = [1 if 7 <= h < 17 else 0 for h in range(24)]
    # 10 calls an hour over 10 days = 1 call an hour; 30 min each: a = 0.5, B = 1/3.
    coverage = hourly_loss_coverage(calls, servers, days=10, mean_service_s=1800.0)
    assert math.isclose(coverage, (10 / 24) * (1 - 1 / 3))


def test_hourly_coverage_refuses_a_day_that_is_not_24_hours() -> None:
    with pytest.raises(ValueError, match="24 hours"):
        hourly_loss_coverage([1] * 23, [1] * 24, days=1, mean_service_s=60.0)
