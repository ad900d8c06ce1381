"""Builders of contract-valid CAD events as plain dicts, with ids unique per test run."""

from __future__ import annotations

import functools
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from routing.epoch import Policy
from triage.rulebook import default_triager
from triage.scoring import RuleTriager

_counter = itertools.count(1)

FORT_COLLINS = (40.5853, -105.0844)
LOVELAND = (40.3978, -105.0750)


def current_shift(hours_left: float = 8.0) -> dict[str, str]:
    """A shift that started 8 hours ago and ends `hours_left` from now (the service checks wall time)."""
    now = datetime.now(UTC)
    return {
        "start": (now - timedelta(hours=8)).isoformat(),
        "end": (now + timedelta(hours=hours_left)).isoformat(),
    }


def next_id(prefix: str) -> str:
    return f"{prefix}-{next(_counter):06d}"


def unit_upsert(
    unit_id: str,
    *,
    region: str = "larimer",
    agency: str = "LCSO",
    model: str = "primary",
    capacity: int = 1,
    can_transport: bool = False,
    jurisdictions: tuple[str, ...] = ("LCSO", "LPD", "EPPD"),
    at: tuple[float, float] = FORT_COLLINS,
    status: str = "available",
    occurred_at: str = "2026-11-28T20:00:00Z",
    shift: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "event_id": next_id("e-unit"),
        "type": "unit.upsert",
        "occurred_at": occurred_at,
        "region": region,
        "unit": {
            "unit_id": unit_id,
            "agency": agency,
            "model": model,
            "capacity": capacity,
            "can_transport": can_transport,
            "jurisdictions": list(jurisdictions),
            "shift": shift or current_shift(),
            "status": status,
            "location": {"lat": at[0], "lon": at[1]},
        },
    }


def call_created(
    call_id: str,
    *,
    region: str = "larimer",
    agency: str = "LPD",
    nature_code: str = "SUICIDAL",
    priority: int = 1,
    narrative: str = "",
    flags: tuple[str, ...] = (),
    at: tuple[float, float] = LOVELAND,
    occurred_at: str = "2026-11-28T21:04:05Z",
) -> dict[str, Any]:
    return {
        "event_id": next_id("e-call"),
        "type": "call.created",
        "occurred_at": occurred_at,
        "region": region,
        "call": {
            "call_id": call_id,
            "agency": agency,
            "nature_code": nature_code,
            "priority": priority,
            "location": {"lat": at[0], "lon": at[1]},
            "narrative": narrative,
            "flags": list(flags),
        },
    }


def call_closed(
    call_id: str,
    *,
    region: str = "larimer",
    occurred_at: str = "2026-11-28T22:00:00Z",
    disposition: str = "resolved_on_scene",
) -> dict[str, Any]:
    return {
        "event_id": next_id("e-close"),
        "type": "call.closed",
        "occurred_at": occurred_at,
        "region": region,
        "call": {"call_id": call_id, "disposition": disposition},
    }


def unit_status(
    unit_id: str,
    status: str,
    call_id: str | None = None,
    *,
    region: str = "larimer",
    occurred_at: str = "2026-11-28T21:10:00Z",
) -> dict[str, Any]:
    body: dict[str, Any] = {"unit_id": unit_id, "status": status}
    if call_id is not None:
        body["call_id"] = call_id
    return {
        "event_id": next_id("e-status"),
        "type": "unit.status",
        "occurred_at": occurred_at,
        "region": region,
        "unit": body,
    }


@functools.cache
def default_rules() -> RuleTriager:
    """The packaged default triage rules with their statistical reader, compiled once per test
    session (compiling takes seconds; a `RuleTriager` is immutable, so tests may share it)."""
    return default_triager()


@functools.cache
def rules_only() -> RuleTriager:
    """The packaged rules without the statistical reader (their regression suites): the same compiled
    rules as `default_rules()`, as `default_triager(second_reader=False)` would give them."""
    shipped = default_rules()
    return RuleTriager(
        default=replace(shipped.default, second_reader=None),
        agencies={agency: replace(rules, second_reader=None) for agency, rules in shipped.agencies.items()},
    )


def core_policy(**fields: Any) -> Policy:
    """The core's decision policy with the default rules; `fields` replace its other parts."""
    return Policy(triager=default_rules(), **fields)
