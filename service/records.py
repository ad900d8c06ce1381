"""The records that pass between the Kafka adapters and the region host, in one place.

An input record in (`InputRecord`), what a micro-batch produced (`BatchOutcome`: decisions, dead
letters as `RejectedRecord`, changelog `StateRecord`s, counts), and a changelog partition rebuilt on
assignment (`RestoredPartition`). Plain data: `service.kafka` moves them, `service.regions` makes and
takes them, neither imports the other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from routing.decided import DecidedCall
from routing.region import RegionState
from schemas.decisions import Decision
from service.codec import Rejection
from service.views import UnitView

__all__ = ["BatchOutcome", "InputRecord", "RejectedRecord", "RestoredPartition", "StateRecord"]


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One record of the events topic, as read."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    """An input record that cannot be applied, and why: it goes to the dead-letter topic."""

    record: InputRecord
    rejection: Rejection


@dataclass(frozen=True, slots=True)
class StateRecord:
    """One changelog record of a region: a delta or a snapshot part, in its events partition."""

    partition: int
    region: str
    payload: bytes


@dataclass(slots=True)
class BatchOutcome:
    """What one micro-batch produced, in the order it must become durable."""

    decisions: list[DecidedCall] = field(default_factory=list)
    """New revisions, each with its JSON as the core encoded it."""
    unit_views: list[UnitView] = field(default_factory=list)
    """The units the batch changed, as the read side shows them."""
    rejected: list[RejectedRecord] = field(default_factory=list)
    state_records: list[StateRecord] = field(default_factory=list)
    """One changelog record per region the batch touched; durable before any decision is published."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """Applied / duplicate / stale / rejected counts, for metrics."""
    event_types: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class RestoredPartition:
    """The regions of one events partition, rebuilt from its changelog."""

    partition: int
    states: dict[str, RegionState] = field(default_factory=dict)
    republish: list[Decision] = field(default_factory=list)
    records: int = 0
