"""One call of a history to replay (`HistoricalCall`), and how a CSV row becomes one.

CSV columns (header row required; other columns are ignored):
- required: `received_at` (RFC 3339 with zone), `nature_code`, `priority` (1..5), `narrative` (may be
  empty), `lat`, `lon` (WGS84 degrees), `agency`;
- optional: `time_on_scene_s` (seconds the call kept its responders, used by `--time-on-task history`
  and as the patrol time of calls no team is asked for), `disposition` (the contract's values:
  resolved_on_scene, referred, transported_voluntary, emergency_hold, er, arrest, cancelled,
  unfounded), `flags` (semicolon-separated CAD hazard flags such as `weapon;intoxicated`).
A bad value is refused with its line and column, never skipped or guessed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from schemas.calls import Disposition, NewCall

__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "CallRowError", "HistoricalCall", "parse_row"]

REQUIRED_COLUMNS = ("received_at", "nature_code", "priority", "narrative", "lat", "lon", "agency")
OPTIONAL_COLUMNS = ("time_on_scene_s", "disposition", "flags")


class CallRowError(ValueError):
    """A row that cannot be replayed: says the line, the column and what is expected."""


@dataclass(frozen=True, slots=True)
class HistoricalCall:
    received_at: datetime
    nature_code: str
    priority: int
    narrative: str
    lat: float
    lon: float
    agency: str
    flags: tuple[str, ...] = ()
    time_on_scene_s: float | None = None
    disposition: Disposition | None = None


def parse_row(row: Mapping[str, str | None], line: int) -> HistoricalCall:
    """The call of one CSV row (line numbers as the file shows them)."""

    def text(column: str) -> str:
        return (row.get(column) or "").strip()

    def number(column: str) -> float:
        raw = text(column)
        try:
            value = float(raw)
        except ValueError:
            raise CallRowError(f"line {line}: {column} must be a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise CallRowError(f"line {line}: {column} must be a finite number, got {raw!r}")
        return value

    raw_time = text("received_at")
    try:
        received_at = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
    except ValueError:
        raise CallRowError(
            f"line {line}: received_at must be an RFC 3339 time such as 2020-03-01T14:05:00-07:00, "
            f"got {raw_time!r}"
        ) from None
    if received_at.utcoffset() is None:
        raise CallRowError(f"line {line}: received_at {raw_time!r} has no time zone (add Z or an offset)")
    raw_priority = text("priority")
    if not raw_priority.isdigit() or not 1 <= int(raw_priority) <= 5:
        raise CallRowError(f"line {line}: priority must be a whole number from 1 to 5, got {raw_priority!r}")
    lat, lon = number("lat"), number("lon")
    time_on_scene = None
    if text("time_on_scene_s"):
        time_on_scene = number("time_on_scene_s")
        if time_on_scene < 0:
            raise CallRowError(f"line {line}: time_on_scene_s must not be negative, got {time_on_scene}")
    disposition = None
    if text("disposition"):
        try:
            disposition = Disposition(text("disposition"))
        except ValueError:
            allowed = ", ".join(d.value for d in Disposition)
            raise CallRowError(
                f"line {line}: disposition {text('disposition')!r} is not one of {allowed}"
            ) from None
    flags = tuple(f.strip().lower() for f in text("flags").split(";") if f.strip())
    call = HistoricalCall(
        received_at=received_at,
        nature_code=text("nature_code"),
        priority=int(raw_priority),
        narrative=text("narrative"),
        lat=lat,
        lon=lon,
        agency=text("agency"),
        flags=flags,
        time_on_scene_s=time_on_scene,
        disposition=disposition,
    )
    _check_contract(call, line)
    return call


def _check_contract(call: HistoricalCall, line: int) -> None:
    """The call must make a valid call.created: the same checks as the service's edge."""
    try:
        NewCall.model_validate(
            {
                "call_id": "check",
                "agency": call.agency,
                "nature_code": call.nature_code,
                "priority": call.priority,
                "location": {"lat": call.lat, "lon": call.lon},
                "narrative": call.narrative,
                "flags": list(call.flags),
            }
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise CallRowError(f"line {line}: {problems}") from None
