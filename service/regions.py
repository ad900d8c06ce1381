"""The regions this instance owns, and how a batch of input records becomes decisions.

`RegionHost.process(records)` decodes each record, applies it to its region's state and runs one
decision epoch per region touched: a micro-batch is decided jointly, in one solve per region. The
ledger entries the epochs write (calls eligible for co-response that closed) come out with the
decisions, and also travel in the region's changelog record. It is synchronous and CPU-bound, so the
consumer runs it off the event loop. HTTP and WebSocket handlers never read a region: each batch
hands out immutable views (decision bytes, unit views) that the read model swaps in
(`service.read_model`). Every method here is called by the consumer alone, one at a time (its batch
lock), so no lock is needed and none is ever waited for on the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from routing.epoch import Policy, decide_encoded
from routing.errors import EventRejected
from routing.region import RegionState, apply_event
from routing.snapshot import RegionRecord, encode_parts, take_delta, take_snapshot
from schemas.ledger import encode_ledger_entry
from service.clock import Clock
from service.codec import Rejection, decode_event
from service.records import BatchOutcome, InputRecord, RejectedRecord, RestoredPartition, StateRecord
from service.views import UnitView, unit_view

__all__ = ["RegionHost"]


class RegionHost:
    """Region states keyed by region id, and which partition each region arrived on."""

    def __init__(
        self,
        policy: Policy,
        clock: Clock,
        *,
        max_event_bytes: int,
        max_future_skew_s: float,
        snapshot_every: int,
        max_state_record_bytes: int,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._max_event_bytes = max_event_bytes
        self._max_future_skew_s = max_future_skew_s
        self._snapshot_every = snapshot_every
        self._max_state_record_bytes = max_state_record_bytes
        self._regions: dict[str, RegionState] = {}
        self._partition_of: dict[str, int] = {}
        self._since_snapshot: dict[str, int] = {}
        self.owned_regions: tuple[str, ...] = ()
        """The regions held, replaced whole on every change (readers take it without a lock)."""

    def process(self, records: Sequence[InputRecord]) -> BatchOutcome:
        """Apply a micro-batch, decide each region it touched once, and record the state changes."""
        outcome = BatchOutcome()
        touched: dict[str, RegionState] = {}
        for record in records:
            state = self._apply(record, outcome)
            if state is not None:
                touched[state.region] = state
        now = self._clock.now()
        for region in sorted(touched):
            state = touched[region]
            outcome.decisions.extend(decide_encoded(state, now, self._policy))
            # Read before the changelog record below takes (and clears) the journal.
            outcome.ledger.extend((entry, encode_ledger_entry(entry)) for entry in state.journal.ledger)
            outcome.unit_views.extend(
                unit_view(region, state.units[u]) for u in sorted(state.journal.units) if u in state.units
            )
            outcome.state_records.extend(self._state_records(state, self._record_of(state)))
        if len(self._regions) != len(self.owned_regions):
            self.owned_regions = tuple(sorted(self._regions))
        return outcome

    def _apply(self, record: InputRecord, outcome: BatchOutcome) -> RegionState | None:
        """Decode and apply one record; a record that cannot be applied is added to the rejections."""
        event = decode_event(record.value, self._max_event_bytes)
        if isinstance(event, Rejection):
            return self._reject(outcome, record, event)
        skew_s = event.occurred_at.timestamp() - record.timestamp_ms / 1000.0
        if skew_s > self._max_future_skew_s:
            return self._reject(
                outcome,
                record,
                Rejection("clock_skew", f"occurred_at is {skew_s:.0f}s after the record was written"),
            )
        owner = self._partition_of.setdefault(event.region, record.partition)
        if owner != record.partition:
            return self._reject(
                outcome,
                record,
                Rejection(
                    "wrong_partition",
                    f"region {event.region} lives in partition {owner}, not {record.partition}: "
                    "key events by region",
                ),
            )
        state = self._regions.get(event.region)
        if state is None:
            state = self._regions[event.region] = RegionState(event.region)
        try:
            applied = apply_event(state, event)
        except EventRejected as error:
            return self._reject(outcome, record, Rejection(error.reason, error.detail))
        outcome.outcomes[applied.value] += 1
        outcome.event_types[event.type] += 1
        self._since_snapshot[event.region] = self._since_snapshot.get(event.region, 0) + 1
        return state

    @staticmethod
    def _reject(outcome: BatchOutcome, record: InputRecord, rejection: Rejection) -> None:
        outcome.rejected.append(RejectedRecord(record, rejection))
        outcome.outcomes["rejected"] += 1

    def _state_records(self, state: RegionState, record: RegionRecord) -> list[StateRecord]:
        partition = self._partition_of[state.region]
        return [
            StateRecord(partition, state.region, payload)
            for payload in encode_parts(record, self._max_state_record_bytes)
        ]

    def _record_of(self, state: RegionState) -> RegionRecord:
        if self._since_snapshot.get(state.region, 0) >= self._snapshot_every:
            self._since_snapshot[state.region] = 0
            return take_snapshot(state)
        delta = take_delta(state)
        return delta if delta is not None else take_snapshot(state)

    def install(self, restored: RestoredPartition) -> list[UnitView]:
        """Own the regions rebuilt from a partition's changelog; return the views of their units."""
        for region, state in restored.states.items():
            self._regions[region] = state
            self._partition_of[region] = restored.partition
            self._since_snapshot[region] = 0
        self.owned_regions = tuple(sorted(self._regions))
        return [
            unit_view(region, unit)
            for region, state in sorted(restored.states.items())
            for _, unit in sorted(state.units.items())
        ]

    def snapshot_all(self) -> list[StateRecord]:
        """A full snapshot of every region held, to re-seed a changelog the broker lost."""
        return [
            record
            for _, state in sorted(self._regions.items())
            for record in self._state_records(state, take_snapshot(state))
        ]

    def reset(self) -> None:
        """Forget every region: the next assignment restores them from the changelog."""
        self._regions.clear()
        self._partition_of.clear()
        self._since_snapshot.clear()
        self.owned_regions = ()

    def drop_partitions(self, partitions: Iterable[int]) -> list[str]:
        """Forget the regions of partitions this instance no longer owns; return their ids."""
        gone = set(partitions)
        dropped = sorted(r for r, p in self._partition_of.items() if p in gone)
        for region in dropped:
            self._regions.pop(region, None)
            self._partition_of.pop(region, None)
            self._since_snapshot.pop(region, None)
        self.owned_regions = tuple(sorted(self._regions))
        return dropped
