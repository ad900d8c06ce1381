"""The read model behind GET /calls: the latest decision of every open call and of recently closed ones.

Written only by the read side's tail of the decisions topic (`service.kafka.log_tail`), on the event
loop; read by HTTP handlers. Each entry keeps the decision's JSON as published, so a read is a lookup
and a decompression, never a serialization. Every instance keeps every open call's decision, so
the JSON is kept deflated against a preset dictionary of the decision's own keys and common values
(zlib's `zdict`): about 1,000 bytes become about 250, for ~5 us to pack and ~1.5 us to unpack
(measured on this machine over simulated decisions; a 2 KB window and the smallest memory level,
since a decision is about a kilobyte).
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from dataclasses import dataclass

import orjson

from schemas.decisions import AssignmentStatus, CallStatus

__all__ = ["DecisionStore", "StoredDecision"]

_WBITS = -11
"""Raw deflate, a 2 KB window: a decision's JSON is about 1 KB."""
_ZDICT = orjson.dumps(
    {
        "decision_id": "region/LPD-26-000001/1",
        "call_id": "LPD-26-000001",
        "region": "region",
        "revision": 1,
        "decided_at": "2026-01-01T00:00:00.000000Z",
        "source_event_id": "event",
        "call_status": "open",
        "triage": {
            "score": 0.5,
            "band": "medium",
            "response": "co_response_any",
            "reasons": [{"code": "NATURE_WELFARE_CHECK", "weight": -1.0, "evidence": "WELFARE CHECK"}],
            "safety": ["weapon_reported"],
        },
        "assignment": {
            "status": "recommended",
            "unit_id": "LCSO-CR1",
            "model": "primary",
            "eta_s": 600,
            "method": "min_cost_flow",
            "optimal": True,
            "fixed": False,
            "reason": "not_behavioral",
        },
        "alternatives": [{"unit_id": "LPD-CR2", "eta_s": 900}],
        "queue_position": None,
        "call": {
            "agency": "LPD",
            "nature_code": "DISTURBANCE",
            "priority": 3,
            "location": {"lat": 40.5, "lon": -105.0},
            "received_at": "2026-01-01T00:00:00Z",
            "eligible_since": None,
        },
    }
)
"""What decisions share: their keys and frequent values. In memory only (never stored elsewhere),
so it may change with the decision's shape at any release."""


def _pack(encoded: bytes) -> bytes:
    packer = zlib.compressobj(1, zlib.DEFLATED, _WBITS, 1, zlib.Z_DEFAULT_STRATEGY, zdict=_ZDICT)
    return packer.compress(encoded) + packer.flush()


def _unpack(packed: bytes) -> bytes:
    return zlib.decompressobj(_WBITS, zdict=_ZDICT).decompress(packed)


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """What reads and acks need of a decision, and its JSON; not the model tree (memory)."""

    call_id: str
    region: str
    revision: int
    status: CallStatus
    recommended_unit: str | None
    """The unit the decision recommends or holds (None when queued or not routed)."""
    packed: bytes
    """The decision's JSON as published, deflated (see the module docstring)."""

    @property
    def encoded(self) -> bytes:
        """The decision's JSON as published."""
        return _unpack(self.packed)

    @classmethod
    def parse(cls, encoded: bytes) -> StoredDecision:
        """The entry of a decision as published (the core's JSON); `ValueError`/`TypeError` if not one."""
        try:
            body = orjson.loads(encoded)
            assignment = body["assignment"]
            recommended = assignment["status"] == AssignmentStatus.RECOMMENDED.value
            entry = cls(
                body["call_id"],
                body["region"],
                body["revision"],
                CallStatus(body.get("call_status", CallStatus.OPEN.value)),
                assignment.get("unit_id") if recommended else None,
                _pack(encoded),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"not a decision: {error!r}") from error
        if not (isinstance(entry.call_id, str) and isinstance(entry.region, str)):
            raise TypeError("not a decision: call_id and region must be strings")
        if not isinstance(entry.revision, int) or isinstance(entry.revision, bool):
            raise TypeError("not a decision: revision must be an integer")
        return entry


class DecisionStore:
    def __init__(self, closed_capacity: int) -> None:
        self._open: dict[str, StoredDecision] = {}
        self._closed: OrderedDict[str, StoredDecision] = OrderedDict()
        self._closed_capacity = closed_capacity

    def put(self, entry: StoredDecision) -> bool:
        """Keep the newest revision per call; False (and nothing kept) for a revision already seen."""
        current = self.get(entry.call_id)
        if current is not None and current.revision >= entry.revision:
            return False
        if entry.status is CallStatus.CLOSED:
            self._open.pop(entry.call_id, None)
            self._closed[entry.call_id] = entry
            while len(self._closed) > self._closed_capacity:
                self._closed.popitem(last=False)
        else:
            self._open[entry.call_id] = entry
        return True

    def get(self, call_id: str) -> StoredDecision | None:
        return self._open.get(call_id) or self._closed.get(call_id)

    def open_calls(self, region: str | None = None) -> list[StoredDecision]:
        entries = sorted(self._open.values(), key=lambda e: e.call_id)
        if region is None:
            return entries
        return [e for e in entries if e.region == region]

    def __len__(self) -> int:
        return len(self._open)
