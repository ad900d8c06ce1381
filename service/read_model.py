"""The read side: what HTTP and WebSocket handlers answer from, and the one way it is written.

The latest decision of every call (`DecisionStore`), the latest view of every unit (`UnitStore`)
and the live feed (`DecisionHub`), for every region, whichever instance decides it. They are written
only from the log, by this instance's tail of the decisions and unit-view topics
(`service.kafka.log_tail`, all partitions, outside the consumer group), through `read_topics()`:
one `TailedTopic` per topic, so another topic joins the read side as one more entry there. Entries
are immutable and replaced whole on the event loop, so a handler is a dictionary lookup: it never
waits for a batch, a solve or a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from service.metrics import Metrics
from service.settings import Settings
from service.store import DecisionStore, StoredDecision
from service.views import UnitView
from service.ws.hub import DecisionHub

__all__ = ["ReadModel", "TailedRecord", "TailedTopic", "UnitStore"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TailedRecord:
    """One record of a topic the read side tails."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class TailedTopic:
    """A topic the read side reads over all its partitions, and what each record does to the model."""

    topic: str
    lookback_s: float | None
    """Read from this far back (by record timestamp) at start; None: from the beginning (compacted)."""
    apply: Callable[[TailedRecord], None]
    started: Callable[[int, int], None] | None = None
    """Told (partition, offset) where reading starts, and again after a restart of the tail."""


class UnitStore:
    """The latest view of every unit, by unit id."""

    def __init__(self) -> None:
        self._units: dict[str, UnitView] = {}

    def put(self, view: UnitView) -> None:
        self._units[view.unit_id] = view

    def get(self, unit_id: str) -> UnitView | None:
        return self._units.get(unit_id)

    def in_region(self, region: str | None = None) -> list[UnitView]:
        """Every unit (or those of one region), ordered by unit id."""
        return sorted(
            (v for v in self._units.values() if region is None or v.region == region), key=lambda v: v.unit_id
        )

    def __len__(self) -> int:
        return len(self._units)


class ReadModel:
    def __init__(self, calls: DecisionStore, units: UnitStore, feed: DecisionHub, metrics: Metrics) -> None:
        self.calls = calls
        self.units = units
        self.feed = feed
        self._metrics = metrics

    def read_topics(self, settings: Settings) -> list[TailedTopic]:
        """The topics this model is built from: what the read side's tail reads, and where each goes."""
        return [
            TailedTopic(settings.topic_unit_views, None, self.unit_view_read),
            TailedTopic(
                settings.topic_decisions,
                settings.read_side_lookback_s,
                self.decision_read,
                started=self.feed.start_partition,
            ),
        ]

    def decision_read(self, record: TailedRecord) -> None:
        """A decision from the log: the newest revision of its call is stored and goes live."""
        if record.value is None:
            self.feed.advance(record.partition, record.offset + 1)
            return
        try:
            entry = StoredDecision.parse(record.value)
        except (ValueError, TypeError) as error:
            self.feed.advance(record.partition, record.offset + 1)
            self._metrics.read_side_skipped.inc()
            log.warning("decisions %d/%d skipped: %s", record.partition, record.offset, error)
            return
        if self.calls.put(entry):
            self.feed.publish(entry.region, record.partition, record.offset, record.value)
            self._metrics.open_calls.set(len(self.calls))
        else:
            # A re-publication (at-least-once) or an older revision: nothing new to show.
            self.feed.advance(record.partition, record.offset + 1)

    def unit_view_read(self, record: TailedRecord) -> None:
        """A unit's latest view from the compacted unit-view topic."""
        if record.value is None:
            return
        try:
            body = orjson.loads(record.value)
            view = UnitView(body["unit_id"], body["region"], record.value)
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            self._metrics.read_side_skipped.inc()
            log.warning("unit view %d/%d skipped: %r", record.partition, record.offset, error)
            return
        self.units.put(view)
