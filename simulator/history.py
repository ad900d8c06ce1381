"""A synthetic call history for the staffing what-if: every call a county's CAD would log over some
days, with no units and no outcomes (the what-if plays those), in the shape of `corespond whatif
--calls` input.

Calibration (inputs, not measurements): the issue's county-year of about 100,000 calls
(`DEFAULT_CALLS_PER_DAY` = 274), of which about 3,000 (3%) triage asks a co-responder for: a share
`bh_share` of calls are written as crises, and with the packaged rules and the demo agencies' files
triage asks a co-responder for about 94% of those and for none of the routine calls (measured on 60
synthetic days), so the default `bh_share` of 0.032 gives about 3% eligible (the what-if prints the
count it got). Arrivals are Poisson within each local hour, at a
typical police calls-for-service daily shape (`HOURLY_SHAPE`: quietest 04:00-06:00, busiest
15:00-19:00, about 47% of calls between 07:00 and 17:00; an assumed shape, not fitted to data). Towns,
agencies and narratives are the demo county's (`simulator.geography`, `simulator.vocabulary`).
Deterministic in `seed`.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from schemas.calls import Disposition
from simulator.geography import TOWNS, scatter
from simulator.narratives import compose_call
from simulator.vocabulary import BEHAVIORAL_DISPOSITIONS, ROUTINE_DISPOSITIONS, TOWN_CUM
from whatif.calls import HistoricalCall

__all__ = ["DEFAULT_BH_SHARE", "DEFAULT_CALLS_PER_DAY", "HOURLY_SHAPE", "synthetic_history"]

DEFAULT_CALLS_PER_DAY: Final = 274.0
DEFAULT_BH_SHARE: Final = 0.032
HOURLY_SHAPE: Final = (
    4.0, 3.3, 2.8, 2.3, 1.9, 1.8, 2.3, 3.2, 3.9, 4.3, 4.6, 4.8,
    5.0, 5.1, 5.3, 5.6, 5.8, 5.9, 5.7, 5.4, 5.1, 4.9, 4.6, 4.2,
)  # fmt: skip
"""Relative call volume by local hour of day (0..23)."""


def synthetic_history(
    days: int,
    *,
    seed: int = 0,
    first_day: date = date(2020, 1, 1),
    timezone: ZoneInfo,
    calls_per_day: float = DEFAULT_CALLS_PER_DAY,
    bh_share: float = DEFAULT_BH_SHARE,
) -> list[HistoricalCall]:
    """`days` days of calls from `first_day` (local), in time order."""
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if not calls_per_day > 0:
        raise ValueError(f"calls_per_day must be positive, got {calls_per_day}")
    if not 0.0 <= bh_share <= 1.0:
        raise ValueError(f"bh_share is a share within 0..1, got {bh_share}")
    rng = random.Random(f"whatif-history/{seed}")
    total = sum(HOURLY_SHAPE)
    calls: list[HistoricalCall] = []
    for d in range(days):
        day = first_day + timedelta(days=d)
        for hour, weight in enumerate(HOURLY_SHAPE):
            start = datetime.combine(day, time(hour), timezone)
            rate = calls_per_day * weight / total
            calls.extend(
                _call(rng, start + timedelta(seconds=offset), bh_share)
                for offset in sorted(_poisson_offsets(rng, rate))
            )
    return calls


def _poisson_offsets(rng: random.Random, per_hour: float) -> list[float]:
    """Arrival seconds within one hour of a Poisson process of `per_hour` calls."""
    offsets, t = [], rng.expovariate(per_hour / 3600.0)
    while t < 3600.0:
        offsets.append(t)
        t += rng.expovariate(per_hour / 3600.0)
    return offsets


def _call(rng: random.Random, received_at: datetime, bh_share: float) -> HistoricalCall:
    behavioral = rng.random() < bh_share
    composed = compose_call(rng, behavioral)
    town = rng.choices(TOWNS, cum_weights=TOWN_CUM)[0]
    lat, lon = scatter(rng, town)
    priority = rng.choice(composed.kind.priorities)
    disposition = rng.choice(BEHAVIORAL_DISPOSITIONS if behavioral else ROUTINE_DISPOSITIONS)
    return HistoricalCall(
        received_at=received_at.replace(microsecond=0),
        nature_code=composed.kind.nature,
        priority=priority,
        narrative=composed.narrative,
        lat=lat,
        lon=lon,
        agency=town.agency,
        flags=tuple(sorted(composed.flags)),
        disposition=Disposition(disposition),
    )
