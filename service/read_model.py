"""The read side: what HTTP and WebSocket handlers answer from, and the one way it is written.

The latest decision of every call (`DecisionStore`), the latest view of every unit (`UnitStore`)
and the live feed (`DecisionHub`). Entries are immutable and replaced whole by the consumer task on
the event loop once a batch is durable, so a handler is a dictionary lookup: it never waits for a
batch, a solve or a lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from schemas.decisions import Decision
from service.metrics import Metrics
from service.store import DecisionStore
from service.views import UnitView
from service.ws.hub import DecisionHub

__all__ = ["ReadModel", "UnitStore"]


class UnitStore:
    """The latest view of every unit, by unit id."""

    def __init__(self) -> None:
        self._units: dict[str, UnitView] = {}

    def put(self, views: Iterable[UnitView]) -> None:
        for view in views:
            self._units[view.unit_id] = view

    def drop_regions(self, regions: Iterable[str]) -> None:
        gone = set(regions)
        self._units = {u: v for u, v in self._units.items() if v.region not in gone}

    def get(self, unit_id: str) -> UnitView | None:
        return self._units.get(unit_id)

    def in_region(self, region: str | None = None) -> list[UnitView]:
        """Every unit (or those of one region), ordered by unit id."""
        return sorted(
            (v for v in self._units.values() if region is None or v.region == region), key=lambda v: v.unit_id
        )


class ReadModel:
    def __init__(self, calls: DecisionStore, units: UnitStore, feed: DecisionHub, metrics: Metrics) -> None:
        self.calls = calls
        self.units = units
        self.feed = feed
        self._metrics = metrics

    def delivered(self, decisions: Sequence[tuple[Decision, bytes]], units: Sequence[UnitView]) -> None:
        """A batch is durable in Kafka: its decisions and units become visible, decisions go live."""
        for decision, encoded in decisions:
            self.calls.put(decision, encoded)
            self.feed.publish(decision.region, encoded)
        self.units.put(units)
        self._metrics.open_calls.set(len(self.calls))

    def restored(self, decisions: Sequence[tuple[Decision, bytes]], units: Sequence[UnitView]) -> None:
        """Regions restored from the changelog: their latest decisions (published before) and units."""
        for decision, encoded in decisions:
            self.calls.put(decision, encoded)
        self.units.put(units)
        self._metrics.open_calls.set(len(self.calls))

    def handed_over(self, regions: Iterable[str]) -> None:
        """Regions another instance owns now: their units are no longer ours to show."""
        self.units.drop_regions(regions)
