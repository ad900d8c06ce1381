"""What one synthetic run looks like (`FeedConfig`): region, seed, run id, the share of crises, the
call rate and the input faults to inject (late and duplicate events). Frozen and validated.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["FeedConfig"]

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,31}$")
"""Run ids and regions go into event and call ids: short, no spaces."""


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """What a synthetic run looks like. Frozen: build one per run and pass it in."""

    region: str = "larimer"
    seed: int = 0
    run_id: str = "r0"
    """Part of every event and call id, so two runs against one Kafka never share ids."""
    bh_share: float = 0.3
    """Share of new calls that are behavioral-health crises (ground truth, see `is_behavioral`)."""
    calls_per_hour: float = 30.0
    """New calls per story hour across the region."""
    dispatch_share: float = 0.8
    """Share of behavioral-health calls the synthetic dispatcher sends a co-responder team to."""
    avl_interval_s: float = 300.0
    """Story seconds between two AVL pings of one unit; 0 turns AVL pings off."""
    max_open_calls: int = 60
    """New calls are not taken while this many are open, so a long run stays bounded."""
    late_share: float = 0.0
    """Share of call.updated events delivered late, after newer events (out-of-order input)."""
    duplicate_share: float = 0.0
    """Share of events delivered a second time with the same event_id (at-least-once input)."""

    def __post_init__(self) -> None:
        if not RUN_ID.match(self.run_id):
            raise ValueError(f"run_id {self.run_id!r} must be 1-32 letters, digits or ._:- (it goes in ids)")
        if not RUN_ID.match(self.region):
            raise ValueError(f"region {self.region!r} must be 1-32 letters, digits or ._:-")
        for name in ("bh_share", "dispatch_share", "late_share", "duplicate_share"):
            share = getattr(self, name)
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} is a share and must be within 0..1, got {share}")
        if not (self.calls_per_hour > 0 and math.isfinite(self.calls_per_hour)):
            raise ValueError(f"calls_per_hour must be positive, got {self.calls_per_hour}")
        if not (self.avl_interval_s >= 0 and math.isfinite(self.avl_interval_s)):
            raise ValueError(f"avl_interval_s must be 0 (off) or positive, got {self.avl_interval_s}")
        if self.max_open_calls < 1:
            raise ValueError(f"max_open_calls must be at least 1, got {self.max_open_calls}")
