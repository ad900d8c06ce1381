"""Errors the routing core raises, as a tree:

RoutingError
├── EventRejected   an event that cannot be applied to the region state (reason code + detail)
└── SolveFailed     the min-cost flow gave no optimal plan (the planner falls back to greedy)

Triage has its own tree (`triage.errors`: TriageError > RulebookError).
"""

from __future__ import annotations

__all__ = ["EventRejected", "RoutingError", "SolveFailed"]


class RoutingError(Exception):
    """Base of every error the routing core raises."""


class EventRejected(RoutingError):
    """A valid-looking event that contradicts the region state, e.g. a status for an unknown unit."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class SolveFailed(RoutingError):
    """The min-cost flow gave no optimal plan; `reason` becomes the plan's `fallback_reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
