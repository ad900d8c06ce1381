"""The regions this instance owns, and how a batch of input records becomes decisions.

`RegionHost.process(records)` decodes each record, applies it to its region's state and runs one
decision epoch per region touched: a micro-batch is decided jointly, in one solve per region. It is
synchronous and CPU-bound, so the consumer runs it off the event loop; a lock keeps HTTP readers
from seeing a region half-updated.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from routing.epoch import Policy, decide
from routing.errors import EventRejected
from routing.region import RegionState, UnitState, apply_event
from schemas.decisions import Decision
from service.clock import Clock
from service.kafka.codec import Rejection, decode_event

__all__ = ["BatchOutcome", "InputRecord", "RegionHost", "RejectedRecord"]


@dataclass(frozen=True, slots=True)
class InputRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    record: InputRecord
    rejection: Rejection


@dataclass(slots=True)
class BatchOutcome:
    decisions: list[Decision] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    """Applied / duplicate / stale / rejected counts, for metrics."""
    event_types: Counter[str] = field(default_factory=Counter)


class RegionHost:
    """Region states keyed by region id, and which partition each region arrived on."""

    def __init__(self, policy: Policy, clock: Clock, max_event_bytes: int) -> None:
        self._policy = policy
        self._clock = clock
        self._max_event_bytes = max_event_bytes
        self._regions: dict[str, RegionState] = {}
        self._partition_of: dict[str, int] = {}
        self.lock = threading.Lock()

    def process(self, records: Sequence[InputRecord]) -> BatchOutcome:
        outcome = BatchOutcome()
        with self.lock:
            touched: dict[str, RegionState] = {}
            for record in records:
                event = decode_event(record.value, self._max_event_bytes)
                if isinstance(event, Rejection):
                    outcome.rejected.append(RejectedRecord(record, event))
                    outcome.outcomes["rejected"] += 1
                    continue
                state = self._regions.get(event.region)
                if state is None:
                    state = self._regions[event.region] = RegionState(event.region)
                self._partition_of[event.region] = record.partition
                try:
                    applied = apply_event(state, event)
                except EventRejected as error:
                    outcome.rejected.append(RejectedRecord(record, Rejection(error.reason, error.detail)))
                    outcome.outcomes["rejected"] += 1
                    continue
                outcome.outcomes[applied.value] += 1
                outcome.event_types[event.type] += 1
                touched[event.region] = state
            now = self._clock.now()
            for region in sorted(touched):
                outcome.decisions.extend(decide(touched[region], now, self._policy))
        return outcome

    def drop_partitions(self, partitions: Iterable[int]) -> list[str]:
        """Forget the regions of partitions this instance no longer owns; return their ids."""
        gone = set(partitions)
        with self.lock:
            dropped = sorted(r for r, p in self._partition_of.items() if p in gone)
            for region in dropped:
                self._regions.pop(region, None)
                self._partition_of.pop(region, None)
        return dropped

    def units(self, region: str | None = None) -> list[tuple[str, UnitState]]:
        """A consistent copy of the units of one region, or of every region, with their region."""
        with self.lock:
            names = sorted(self._regions) if region is None else [region] if region in self._regions else []
            return [
                (name, _copy_unit(unit))
                for name in names
                for unit in sorted(self._regions[name].units.values(), key=lambda u: u.unit_id)
            ]

    def unit(self, unit_id: str) -> tuple[str, UnitState] | None:
        with self.lock:
            for name in sorted(self._regions):
                unit = self._regions[name].units.get(unit_id)
                if unit is not None:
                    return name, _copy_unit(unit)
        return None

    def regions(self) -> list[str]:
        with self.lock:
            return sorted(self._regions)


def _copy_unit(unit: UnitState) -> UnitState:
    return replace(unit, calls=set(unit.calls))
