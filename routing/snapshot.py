"""Persisting a region's state: full snapshots, entity-level deltas, and rebuilding a state from them.

A delta carries, for one region, the whole current record of every call and unit that changed since
the previous delta (and the last record of calls that closed and were forgotten), the event ids
applied, and the JSON of the decisions the batch published. A call's placement is saved with each
of its decisions; between decisions only its ETA, alternatives and queue position drift, and the
next epoch recomputes those before any use, so they are not worth a record each. A full snapshot
carries everything. Replaying the latest full snapshot and the deltas after it, in order, rebuilds
exactly the state that produced them; entity records are whole, so applying one twice changes
nothing. A record also carries the ledger entries its batch wrote (`routing.ledger`): those of the
last complete record are handed back for publishing again after a restart, like its decisions (the
same decision and entry, never a different one: the events after it are applied again to the state
it restores).

A record larger than the broker takes is written in parts. Entities come first and ids last, so an
event id is never persisted before the state it produced: a crash between parts leaves, at worst,
entities already updated for events that will be applied again (and are idempotent). A snapshot
replaces a region only once all its parts are read; an incomplete one is ignored.

Plain data in and out: bytes are produced and read here, but nothing is sent or stored.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import TypeAdapter

from routing.region import CallState, RegionState, UnitState, reindex
from schemas.decisions import Decision
from schemas.ledger import LedgerEntry

__all__ = ["Rebuilder", "RegionRecord", "encode_parts", "take_delta", "take_snapshot"]

FORMAT_VERSION = 1
_ENTITY_FIELDS = ("calls", "forgotten", "units", "ledger", "decisions")
_ID_FIELDS = ("closed_ids", "event_ids")


@dataclass(slots=True)
class RegionRecord:
    """One persisted change of a region (a snapshot or a delta), or one part of it."""

    kind: Literal["snapshot", "delta"]
    region: str
    calls: list[CallState] = field(default_factory=list)
    units: list[UnitState] = field(default_factory=list)
    forgotten: list[CallState] = field(default_factory=list)
    """Calls closed and dropped from the live state, as they were last (with their final decision)."""
    event_ids: list[str] = field(default_factory=list)
    """Event ids applied, oldest first (a snapshot carries the whole dedupe window)."""
    decisions: list[str] = field(default_factory=list)
    """The JSON of the decisions the batch this record closes published (spread over its parts like
    the entities): re-published after a restore from this record."""
    closed_ids: list[str] = field(default_factory=list)
    """Snapshot only: the remembered closed calls, oldest first."""
    ledger: list[LedgerEntry] = field(default_factory=list)
    """Ledger entries written by the batch this record closes (of calls it closed)."""
    part: int = 1
    parts: int = 1
    version: int = FORMAT_VERSION


_RECORD = TypeAdapter(RegionRecord)
_ITEM: dict[str, TypeAdapter[Any]] = {
    "calls": TypeAdapter(CallState),
    "forgotten": TypeAdapter(CallState),
    "units": TypeAdapter(UnitState),
    "ledger": TypeAdapter(LedgerEntry),
    "decisions": TypeAdapter(str),
    "closed_ids": TypeAdapter(str),
    "event_ids": TypeAdapter(str),
}


def take_delta(state: RegionState) -> RegionRecord | None:
    """What changed since the last delta, or None when nothing did; resets the journal."""
    journal = state.journal
    if not (journal.calls or journal.units or journal.event_ids or journal.forgotten or journal.ledger):
        return None
    record = RegionRecord(
        kind="delta",
        region=state.region,
        calls=[state.calls[c] for c in sorted(journal.calls) if c in state.calls],
        units=[state.units[u] for u in sorted(journal.units) if u in state.units],
        forgotten=[journal.forgotten[c] for c in sorted(journal.forgotten)],
        event_ids=list(journal.event_ids),
        decisions=list(journal.decisions),
        ledger=list(journal.ledger),
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
        decisions=list(journal.decisions),
        closed_ids=list(state.closed_ids),
        ledger=list(journal.ledger),
    )
    journal.clear()
    return record


def encode_parts(record: RegionRecord, max_bytes: int) -> list[bytes]:
    """The record as one or more encoded parts of at most about `max_bytes` each."""
    whole = _RECORD.dump_json(record)
    if len(whole) <= max_bytes:
        return [whole]
    budget = max(1024, max_bytes - 1024)
    parts: list[dict[str, list[Any]]] = [{}]
    used = 0
    for name in (*_ENTITY_FIELDS, *_ID_FIELDS):
        if name == _ID_FIELDS[0] and parts[-1]:
            parts.append({})  # ids never share a part with entities: they are written after all of them
            used = 0
        adapter = _ITEM[name]
        for item in getattr(record, name):
            size = len(adapter.dump_json(item)) + 1
            if used + size > budget and parts[-1]:
                parts.append({})
                used = 0
            parts[-1].setdefault(name, []).append(item)
            used += size
    last = len(parts)
    return [
        _RECORD.dump_json(
            RegionRecord(
                kind=record.kind,
                region=record.region,
                calls=lists.get("calls", []),
                units=lists.get("units", []),
                forgotten=lists.get("forgotten", []),
                event_ids=lists.get("event_ids", []),
                closed_ids=lists.get("closed_ids", []),
                ledger=lists.get("ledger", []),
                decisions=lists.get("decisions", []),
                part=n,
                parts=last,
            )
        )
        for n, lists in enumerate(parts, start=1)
    ]


class Rebuilder:
    """Folds records, in log order, back into region states; knows each region's last decisions."""

    def __init__(self) -> None:
        self.states: dict[str, RegionState] = {}
        self._staged: dict[str, list[RegionRecord]] = {}
        self._batch_ledger: dict[str, list[LedgerEntry]] = {}
        self._batch_decisions: dict[str, list[str]] = {}
        self._last_decided: dict[str, list[Decision]] = {}
        self._last_ledger: dict[str, list[LedgerEntry]] = {}

    def add(self, raw: bytes) -> None:
        record = _RECORD.validate_json(raw)
        if record.kind == "snapshot":
            self._add_snapshot_part(record)
        else:
            self._apply(record)

    def finish(self) -> dict[str, RegionState]:
        """The rebuilt states, with their derived indexes; incomplete snapshots are ignored."""
        for state in self.states.values():
            reindex(state)
        return self.states

    def republish(self) -> list[Decision]:
        """The decisions of each region's last complete record, by region then call id."""
        return [d for region in sorted(self._last_decided) for d in self._last_decided[region]]

    def republish_ledger(self) -> list[LedgerEntry]:
        """The ledger entries of each region's last complete record, by region, in written order."""
        return [e for region in sorted(self._last_ledger) for e in self._last_ledger[region]]

    def _add_snapshot_part(self, record: RegionRecord) -> None:
        staged = self._staged.setdefault(record.region, [])
        if record.part == 1:
            staged.clear()
        elif not staged or staged[-1].part != record.part - 1:
            return  # a part whose predecessors are missing: an interrupted snapshot
        staged.append(record)
        if record.part == record.parts:
            self.states.pop(record.region, None)
            self._batch_ledger.pop(record.region, None)
            self._batch_decisions.pop(record.region, None)
            for part in staged:
                self._apply(part)
            staged.clear()

    def _apply(self, record: RegionRecord) -> None:
        state = self.states.get(record.region)
        if state is None:
            state = self.states[record.region] = RegionState(record.region)
        if record.closed_ids:
            state.closed_ids.extend(record.closed_ids)
            state.closed_lookup.update(record.closed_ids)
        for call in record.calls:
            state.calls[call.call_id] = call
        for unit in record.units:
            state.units[unit.unit_id] = unit
        for call in record.forgotten:
            state.calls.pop(call.call_id, None)
            # A snapshot's closed ids already list its forgotten calls (maybe in a later part).
            if record.kind == "delta" and call.call_id not in state.closed_lookup:
                state.calls[call.call_id] = call
                state.forget_closed(call.call_id)
        ledger = self._batch_ledger.setdefault(record.region, [])
        ledger.extend(record.ledger)
        decisions = self._batch_decisions.setdefault(record.region, [])
        decisions.extend(record.decisions)
        _remember(state.seen, record.event_ids, state.dedupe_window)
        state.journal.clear()
        if record.part == record.parts:
            self._last_decided[record.region] = sorted(
                (Decision.model_validate_json(text) for text in decisions), key=lambda d: d.call_id
            )
            self._last_ledger[record.region] = list(ledger)
            ledger.clear()
            decisions.clear()


def _remember(seen: OrderedDict[str, None], event_ids: Iterable[str], window: int) -> None:
    for event_id in event_ids:
        seen[event_id] = None
    while len(seen) > window:
        seen.popitem(last=False)
