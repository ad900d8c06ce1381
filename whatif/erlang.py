"""The Erlang-B loss model: the textbook baseline a staffing what-if is read against.

`erlang_b(c, a)` is the share of calls that find all `c` servers busy when calls arrive as a Poisson
process with offered load `a` = arrival rate x mean service time (erlangs) and a call that finds no
free server is lost (no waiting). It depends on the service time only through its mean (the model
is insensitive to the distribution). Computed by the stable recursion B(0) = 1,
B(k) = a B(k-1) / (k + a B(k-1)).

A day is not stationary (calls and shifts vary by hour), so `hourly_loss_coverage` applies Erlang B
hour by hour of the day (the stationary independent period-by-period approximation, SIPP): each
local hour's calls at that hour's arrival rate and number of teams on duty.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["erlang_b", "hourly_loss_coverage"]


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of an M/G/c/c queue with `servers` servers and `load` erlangs."""
    if servers < 0 or load < 0:
        raise ValueError("servers and load must not be negative")
    blocked = 1.0
    for k in range(1, servers + 1):
        blocked = load * blocked / (k + load * blocked)
    return blocked


def hourly_loss_coverage(
    calls_by_hour: Sequence[int], servers_by_hour: Sequence[int], days: int, mean_service_s: float
) -> float:
    """Share of calls served at once by the loss model, hour of day by hour of day (SIPP).

    `calls_by_hour[h]`: calls that arrived in local hour h over `days` days; `servers_by_hour[h]`:
    teams on duty in that hour.
    """
    if len(calls_by_hour) != 24 or len(servers_by_hour) != 24:
        raise ValueError("give 24 hours of calls and servers")
    total = sum(calls_by_hour)
    if total == 0 or days <= 0:
        return 0.0
    served = 0.0
    for calls, servers in zip(calls_by_hour, servers_by_hour, strict=True):
        load = calls / (days * 3600.0) * mean_service_s
        served += calls * (1.0 - erlang_b(servers, load))
    return served / total
