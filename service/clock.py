"""The clock adapter: the only place the service reads wall time for decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """UTC wall time."""

    def now(self) -> datetime:
        return datetime.now(UTC)
