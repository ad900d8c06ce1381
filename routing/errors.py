"""Errors the core raises, as a tree:

RoutingError
└── EventRejected   an event that cannot be applied to the region state (reason code + detail)
"""

from __future__ import annotations

__all__ = ["EventRejected", "RoutingError"]


class RoutingError(Exception):
    """Base of every error the routing core raises."""


class EventRejected(RoutingError):
    """A valid-looking event that contradicts the region state, e.g. a status for an unknown unit."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
