"""Immutable views of a region's units for the read side, built by the batch that changed them.

A `UnitView` is the unit as `GET /units` shows it, already encoded: handlers serve its bytes and
never touch the region state a batch is changing.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

from routing.region import UnitState

__all__ = ["UnitView", "unit_view"]


@dataclass(frozen=True, slots=True)
class UnitView:
    unit_id: str
    region: str
    encoded: bytes
    """The unit as `schemas.api.UnitView` JSON."""


def unit_view(region: str, unit: UnitState) -> UnitView:
    """The unit's view as of now: called in the batch that changed it, off the event loop."""
    body = {
        "unit_id": unit.unit_id,
        "region": region,
        "agency": unit.agency,
        "model": unit.model,
        "capacity": unit.capacity,
        "can_transport": unit.can_transport,
        "jurisdictions": sorted(unit.jurisdictions),
        "skills": sorted(unit.skills),
        "shift": {"start": unit.shift_start, "end": unit.shift_end},
        "status": unit.status,
        "call_id": unit.status_call_id,
        "location": {"lat": unit.lat, "lon": unit.lon},
        "location_at": unit.location_at,
        "active_calls": sorted(unit.calls),
    }
    return UnitView(unit.unit_id, region, orjson.dumps(body, option=orjson.OPT_UTC_Z))
