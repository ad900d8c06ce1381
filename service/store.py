"""The read model behind GET /calls: the latest decision of every open call and of recently closed ones.

Written only by the read side's tail of the decisions topic (`service.kafka.log_tail`), on the event
loop; read by HTTP handlers. Each entry keeps the encoded JSON, so a read is a lookup, not a
serialization.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import orjson

from schemas.decisions import AssignmentStatus, CallStatus

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
                encoded,
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
