"""Builders for replay tests: calls at local times, a policy, replay options."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from whatif.calls import HistoricalCall

DENVER = ZoneInfo("America/Denver")
BASE = (40.3978, -105.0750)
"""Loveland: where the test teams are based."""
NEARBY = (40.4200, -105.0600)


def call_at(
    local: str,
    *,
    nature_code: str = "SUICIDAL",
    priority: int = 2,
    narrative: str = "",
    at: tuple[float, float] = NEARBY,
    flags: tuple[str, ...] = (),
    agency: str = "LPD",
) -> HistoricalCall:
    """A call received at a local Denver time such as `2020-06-01 10:00`."""
    return HistoricalCall(
        received_at=datetime.fromisoformat(local).replace(tzinfo=DENVER),
        nature_code=nature_code,
        priority=priority,
        narrative=narrative,
        lat=at[0],
        lon=at[1],
        agency=agency,
        flags=flags,
    )
