"""A new decision revision as the epoch hands it out: its JSON, and the few fields callers route by.

The decision's JSON is written straight from the call state with orjson, in the field order and
the formats of the contract's pydantic `Decision` (`schemas.decisions`), which stays the authority
for the shape (JSON Schema, validation of what integrators send back, tests). Building the pydantic
model tree of every new revision only to serialize it was a tenth of the service's CPU under load
and of a what-if replay's; `tests/routing/test_decided.py` holds the two encodings to the same
bytes over thousands of simulated decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from schemas.decisions import AssignmentMethod, AssignmentStatus, CallStatus, Decision
from schemas.units import ResponseModel

__all__ = ["DecidedCall", "encode_decision_fields"]


@dataclass(frozen=True, slots=True)
class DecidedCall:
    """One new revision of a call's decision: its JSON bytes (published, stored and served as they
    are) and what a caller needs without parsing them."""

    call_id: str
    region: str
    revision: int
    call_status: CallStatus
    status: AssignmentStatus
    unit_id: str | None
    fixed: bool
    method: AssignmentMethod
    encoded: bytes

    def decision(self) -> Decision:
        """The decision as the contract's model (tests, replays that want the tree): parsed again."""
        return Decision.model_validate_json(self.encoded)

    @classmethod
    def of(cls, decision: Decision) -> DecidedCall:
        """A decision model as the epoch would hand it out (restore paths, tests)."""
        assignment = decision.assignment
        return cls(
            call_id=decision.call_id,
            region=decision.region,
            revision=decision.revision,
            call_status=decision.call_status,
            status=assignment.status,
            unit_id=assignment.unit_id,
            fixed=assignment.fixed,
            method=assignment.method,
            encoded=decision.model_dump_json().encode(),
        )


def _time(moment: datetime) -> str:
    """RFC 3339 as pydantic writes an aware datetime: `Z` for UTC, the offset otherwise."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def encode_decision_fields(
    *,
    region: str,
    call_id: str,
    revision: int,
    decided_at: datetime,
    source_event_id: str,
    call_status: CallStatus,
    score: float,
    band: str,
    response: str,
    reasons_json: bytes,
    safety: tuple[str, ...],
    status: AssignmentStatus,
    unit_id: str | None,
    model: ResponseModel | None,
    eta_s: int | None,
    method: AssignmentMethod,
    optimal: bool | None,
    fixed: bool,
    reason: str | None,
    alternatives: tuple[tuple[str, int], ...],
    queue_position: int | None,
    agency: str,
    nature_code: str,
    priority: int,
    lat: float,
    lon: float,
    received_at: datetime,
    eligible_since: datetime | None,
) -> bytes:
    """The decision's JSON, byte for byte what `Decision(...).model_dump_json()` writes."""
    body: dict[str, Any] = {
        "decision_id": f"{region}/{call_id}/{revision}",
        "call_id": call_id,
        "region": region,
        "revision": revision,
        "decided_at": _time(decided_at),
        "source_event_id": source_event_id,
        "call_status": call_status.value,
        "triage": {
            "score": score,
            "band": band,
            "response": response,
            "reasons": orjson.Fragment(reasons_json),
            "safety": list(safety),
        },
        "assignment": {
            "status": status.value,
            "unit_id": unit_id,
            "model": None if model is None else model.value,
            "eta_s": eta_s,
            "method": method.value,
            "optimal": optimal,
            "fixed": fixed,
            "reason": reason,
        },
        "alternatives": [{"unit_id": u, "eta_s": e} for u, e in alternatives],
        "queue_position": queue_position,
        "call": {
            "agency": agency,
            "nature_code": nature_code,
            "priority": priority,
            "location": {"lat": lat, "lon": lon},
            "received_at": _time(received_at),
            "eligible_since": None if eligible_since is None else _time(eligible_since),
        },
    }
    return orjson.dumps(body)
