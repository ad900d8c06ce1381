"""Persisting a region's state: full snapshots, entity-level deltas, and rebuilding a state from them.

A delta carries, for one region, the whole current record of every call and unit that changed since
the previous delta (and the last record of calls that closed and were forgotten), the event ids
applied, and which calls got a new decision. A call's placement is saved with each of its decisions;
between decisions only its ETA, alternatives and queue position drift, and the next epoch recomputes
those before any use, so they are not worth a record each. A full snapshot carries everything.
Replaying the latest full snapshot and the deltas after it, in order, rebuilds exactly the state
that produced them; entity records are whole, so applying one twice changes nothing.

Plain data in and out: bytes are produced and read here, but nothing is sent or stored.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import TypeAdapter

from routing.region import CallState, RegionState, UnitState
from schemas.decisions import Decision

__all__ = [
    "RegionRecord",
    "apply_record",
    "decided_in",
    "decode_record",
    "encode_record",
    "take_delta",
    "take_snapshot",
]

FORMAT_VERSION = 1


@dataclass(slots=True)
class RegionRecord:
    """One persisted change of a region: a full snapshot or a delta."""

    kind: Literal["snapshot", "delta"]
    region: str
    calls: list[CallState] = field(default_factory=list)
    units: list[UnitState] = field(default_factory=list)
    forgotten: list[CallState] = field(default_factory=list)
    """Calls closed and dropped from the live state, as they were last (with their final decision)."""
    event_ids: list[str] = field(default_factory=list)
    """Event ids applied, oldest first (a snapshot carries the whole dedupe window)."""
    decided: list[str] = field(default_factory=list)
    """Calls whose decision changed in the batch this delta records."""
    closed_ids: list[str] = field(default_factory=list)
    """Snapshot only: the remembered closed calls, oldest first."""
    version: int = FORMAT_VERSION


_RECORD = TypeAdapter(RegionRecord)


def take_delta(state: RegionState) -> RegionRecord | None:
    """What changed since the last delta, or None when nothing did; resets the journal."""
    journal = state.journal
    if not (journal.calls or journal.units or journal.event_ids or journal.forgotten):
        return None
    record = RegionRecord(
        kind="delta",
        region=state.region,
        calls=[state.calls[c] for c in sorted(journal.calls) if c in state.calls],
        units=[state.units[u] for u in sorted(journal.units) if u in state.units],
        forgotten=[journal.forgotten[c] for c in sorted(journal.forgotten)],
        event_ids=list(journal.event_ids),
        decided=sorted(set(journal.decided)),
    )
    journal.clear()
    return record


def take_snapshot(state: RegionState) -> RegionRecord:
    """The whole state, with the batch's new decisions; resets the journal."""
    journal = state.journal
    record = RegionRecord(
        kind="snapshot",
        region=state.region,
        calls=[state.calls[c] for c in sorted(state.calls)],
        units=[state.units[u] for u in sorted(state.units)],
        forgotten=[journal.forgotten[c] for c in sorted(journal.forgotten)],
        event_ids=list(state.seen),
        decided=sorted(set(journal.decided)),
        closed_ids=list(state.closed_ids),
    )
    journal.clear()
    return record


def apply_record(states: dict[str, RegionState], record: RegionRecord) -> RegionState:
    """Fold one record into the region states being rebuilt; return the region's state."""
    if record.kind == "snapshot" or record.region not in states:
        state = states[record.region] = RegionState(record.region)
        if record.kind == "snapshot":
            state.closed_ids = deque(record.closed_ids)
            state.closed_lookup = set(record.closed_ids)
    else:
        state = states[record.region]
    for call in record.calls:
        state.calls[call.call_id] = call
    for unit in record.units:
        state.units[unit.unit_id] = unit
    for call in record.forgotten:
        state.calls.pop(call.call_id, None)
        if call.call_id not in state.closed_lookup:
            state.calls[call.call_id] = call
            state.forget_closed(call.call_id)
    _remember(state.seen, record.event_ids, state.dedupe_window)
    state.journal.clear()
    return state


def _remember(seen: OrderedDict[str, None], event_ids: Iterable[str], window: int) -> None:
    for event_id in event_ids:
        seen[event_id] = None
    while len(seen) > window:
        seen.popitem(last=False)


def decided_in(record: RegionRecord) -> list[Decision]:
    """The decisions a delta recorded as new, from the calls it carries, ordered by call id."""
    wanted = set(record.decided)
    calls = [c for c in (*record.calls, *record.forgotten) if c.call_id in wanted and c.published is not None]
    return [c.published for c in sorted(calls, key=lambda c: c.call_id) if c.published is not None]


def encode_record(record: RegionRecord) -> bytes:
    return _RECORD.dump_json(record)


def decode_record(raw: bytes) -> RegionRecord:
    return _RECORD.validate_json(raw)
