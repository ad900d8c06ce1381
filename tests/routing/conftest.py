"""Fixtures for the pure core: a CAD script that builds validated events at fixed times, and a region."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from routing.epoch import decide
from routing.region import Applied, RegionState, apply_event
from schemas.decisions import Decision
from schemas.events import EVENT_ADAPTER, CadEvent
from tests.builders import core_policy

T0 = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
"""Every script starts here; events and decisions are placed at T0 + seconds."""

FORT_COLLINS = (40.5853, -105.0844)
NORTH_FORT_COLLINS = (40.6100, -105.0800)
LOVELAND = (40.3978, -105.0750)
ESTES_PARK = (40.3772, -105.5217)
WELLINGTON = (40.7036, -105.0086)
BERTHOUD = (40.3083, -105.0811)


class CadScript:
    """Builds contract-valid CAD events through the same JSON validation the service applies.

    Times are seconds after `T0`; event ids are numbered unless a test names one.
    """

    def __init__(self, region: str = "larimer") -> None:
        self.region = region
        self._ids = itertools.count(1)
        self.policy = core_policy()

    @staticmethod
    def at(seconds: float) -> datetime:
        return T0 + timedelta(seconds=seconds)

    def event(
        self, kind: str, subject: str, body: dict[str, Any], *, at: float, event_id: str | None = None
    ) -> CadEvent:
        raw = {
            "event_id": event_id or f"e-{next(self._ids):06d}",
            "type": kind,
            "occurred_at": self.at(at).isoformat(),
            "region": self.region,
            subject: body,
        }
        return EVENT_ADAPTER.validate_json(orjson.dumps(raw))

    def call_created(
        self,
        call_id: str,
        *,
        at: float = 0.0,
        agency: str = "LCSO",
        nature_code: str = "SUICIDAL",
        priority: int = 2,
        location: tuple[float, float] = NORTH_FORT_COLLINS,
        narrative: str = "",
        flags: Sequence[str] = (),
        event_id: str | None = None,
    ) -> CadEvent:
        body = {
            "call_id": call_id,
            "agency": agency,
            "nature_code": nature_code,
            "priority": priority,
            "location": {"lat": location[0], "lon": location[1]},
            "narrative": narrative,
            "flags": list(flags),
        }
        return self.event("call.created", "call", body, at=at, event_id=event_id)

    def call_updated(
        self, call_id: str, *, at: float, event_id: str | None = None, **changes: Any
    ) -> CadEvent:
        return self.event("call.updated", "call", {"call_id": call_id, **changes}, at=at, event_id=event_id)

    def call_closed(self, call_id: str, *, at: float, disposition: str = "resolved_on_scene") -> CadEvent:
        return self.event("call.closed", "call", {"call_id": call_id, "disposition": disposition}, at=at)

    def unit_upsert(
        self,
        unit_id: str,
        *,
        at: float = 0.0,
        agency: str = "LCSO",
        model: str = "primary",
        capacity: int = 1,
        can_transport: bool = False,
        jurisdictions: Sequence[str] = ("LCSO",),
        location: tuple[float, float] = FORT_COLLINS,
        status: str = "available",
        call_id: str | None = None,
        shift_hours: tuple[float, float] = (-2.0, 8.0),
    ) -> CadEvent:
        body: dict[str, Any] = {
            "unit_id": unit_id,
            "agency": agency,
            "model": model,
            "capacity": capacity,
            "can_transport": can_transport,
            "jurisdictions": list(jurisdictions),
            "shift": {
                "start": (T0 + timedelta(hours=shift_hours[0])).isoformat(),
                "end": (T0 + timedelta(hours=shift_hours[1])).isoformat(),
            },
            "status": status,
            "location": {"lat": location[0], "lon": location[1]},
        }
        if call_id is not None:
            body["call_id"] = call_id
        return self.event("unit.upsert", "unit", body, at=at)

    def unit_status(self, unit_id: str, status: str, call_id: str | None = None, *, at: float) -> CadEvent:
        body: dict[str, Any] = {"unit_id": unit_id, "status": status}
        if call_id is not None:
            body["call_id"] = call_id
        return self.event("unit.status", "unit", body, at=at)

    def unit_location(self, unit_id: str, location: tuple[float, float], *, at: float) -> CadEvent:
        body = {"unit_id": unit_id, "location": {"lat": location[0], "lon": location[1]}}
        return self.event("unit.location", "unit", body, at=at)

    def ack(
        self,
        call_id: str,
        action: str,
        *,
        at: float,
        unit_id: str | None = None,
        revision: int | None = None,
        reason: str | None = None,
    ) -> CadEvent:
        body: dict[str, Any] = {"call_id": call_id, "action": action, "principal": "dispatcher-7"}
        if reason is not None or action != "accept":
            body["reason"] = reason or f"{action} by the dispatcher on duty"
        if unit_id is not None:
            body["unit_id"] = unit_id
        if revision is not None:
            body["revision"] = revision
        return self.event("call.acknowledged", "ack", body, at=at)

    @staticmethod
    def feed(state: RegionState, *events: CadEvent) -> list[Applied]:
        return [apply_event(state, event) for event in events]

    def decide(self, state: RegionState, *, at: float) -> list[Decision]:
        return decide(state, self.at(at), self.policy)


@pytest.fixture
def cad() -> CadScript:
    return CadScript()


@pytest.fixture
def region() -> RegionState:
    return RegionState("larimer")
