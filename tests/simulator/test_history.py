"""The synthetic call history of the what-if: deterministic, in time order, shaped by hour, calibrated."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from simulator import demo_agency_rules
from simulator.history import HOURLY_SHAPE, synthetic_history
from triage.facts import CallFacts
from triage.rulebook import load_triager

DENVER = ZoneInfo("America/Denver")


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    first = synthetic_history(2, seed=4, timezone=DENVER)
    assert first == synthetic_history(2, seed=4, timezone=DENVER)
    assert first != synthetic_history(2, seed=5, timezone=DENVER)


def test_calls_come_in_time_order_at_the_daily_volume_and_shape() -> None:
    calls = synthetic_history(20, seed=1, timezone=DENVER, calls_per_day=300)
    times = [c.received_at for c in calls]
    assert times == sorted(times)
    assert 300 * 20 * 0.95 < len(calls) < 300 * 20 * 1.05
    by_hour = Counter(c.received_at.astimezone(DENVER).hour for c in calls)
    quietest = min(range(24), key=HOURLY_SHAPE.__getitem__)
    busiest = max(range(24), key=HOURLY_SHAPE.__getitem__)
    assert by_hour[busiest] > 2 * by_hour[quietest]


def test_about_three_percent_are_eligible_for_co_response() -> None:
    triager = load_triager(agency_rules=demo_agency_rules())
    calls = synthetic_history(20, seed=2, timezone=DENVER)
    eligible = sum(
        triager.triage(
            CallFacts(
                agency=c.agency,
                nature_code=c.nature_code,
                priority=c.priority,
                narrative=c.narrative,
                flags=frozenset(c.flags),
            )
        ).response.wants_co_responder
        for c in calls
    )
    assert 0.02 < eligible / len(calls) < 0.04


def test_days_must_be_positive() -> None:
    with pytest.raises(ValueError, match="days"):
        synthetic_history(0, timezone=DENVER)
