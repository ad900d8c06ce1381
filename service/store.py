"""The read model behind GET /calls: the latest decision of every open call and of recently closed ones.

Written only by the consumer task after a decision is durable in Kafka; read by HTTP handlers.
Each entry keeps the encoded JSON, so a read is a lookup, not a serialization.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from schemas.decisions import AssignmentStatus, CallStatus, Decision

__all__ = ["DecisionStore", "StoredDecision"]


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """What reads and acks need of a decision, and its JSON; not the model tree (memory)."""

    call_id: str
    region: str
    revision: int
    status: CallStatus
    recommended_unit: str | None
    """The unit the decision recommends or holds (None when queued or not routed)."""
    encoded: bytes

    @classmethod
    def of(cls, decision: Decision, encoded: bytes) -> StoredDecision:
        return cls(
            decision.call_id,
            decision.region,
            decision.revision,
            decision.call_status,
            decision.assignment.unit_id
            if decision.assignment.status is AssignmentStatus.RECOMMENDED
            else None,
            encoded,
        )


class DecisionStore:
    def __init__(self, closed_capacity: int) -> None:
        self._open: dict[str, StoredDecision] = {}
        self._closed: OrderedDict[str, StoredDecision] = OrderedDict()
        self._closed_capacity = closed_capacity

    def put(self, decision: Decision, encoded: bytes) -> None:
        """Keep the newest revision per call; an older revision arriving late is ignored."""
        current = self.get(decision.call_id)
        if current is not None and current.revision >= decision.revision:
            return
        entry = StoredDecision.of(decision, encoded)
        if decision.call_status is CallStatus.CLOSED:
            self._open.pop(decision.call_id, None)
            self._closed[decision.call_id] = entry
            while len(self._closed) > self._closed_capacity:
                self._closed.popitem(last=False)
        else:
            self._open[decision.call_id] = entry

    def get(self, call_id: str) -> StoredDecision | None:
        return self._open.get(call_id) or self._closed.get(call_id)

    def open_calls(self, region: str | None = None) -> list[StoredDecision]:
        entries = sorted(self._open.values(), key=lambda e: e.call_id)
        if region is None:
            return entries
        return [e for e in entries if e.region == region]

    def __len__(self) -> int:
        return len(self._open)
