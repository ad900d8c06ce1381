"""The WebSocket resume cursor: a position in the decisions topic that every instance understands.

Every instance reads all partitions of the decisions topic, each in its own interleaving. A frame's
cursor is, for each partition, the offset the sending instance had read that partition up to (the
next offset) when it sent the frame. That is a cut of the log: every decision of partition `p` below
`cursor[p]` had been sent (or was not news) before the frame, none at or above it. So a client that
reconnects anywhere with `after=<cursor of the last frame it read>` is sent exactly the frames at or
past the cursor: no gap and no duplicate, whichever instance it reads from next.

Text form: `<partition>-<offset>` pairs joined by `.`, e.g. `0-1520.1-1388.2-0`. Only URL-unreserved
characters, and never a bare integer, so `after=` tells a cursor from a process-local `seq`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["CursorError", "format_cursor", "parse_after"]

_PAIR = re.compile(r"(\d{1,6})-(\d{1,19})")
_MAX_PARTITIONS = 10_000


class CursorError(ValueError):
    """`after=` is neither a sequence number nor a cursor."""


def format_cursor(positions: Mapping[int, int]) -> str:
    """The text form of per-partition positions, partitions in ascending order."""
    return ".".join(f"{p}-{o}" for p, o in sorted(positions.items()))


def parse_after(text: str) -> int | dict[int, int]:
    """`after=`: a process-local `seq` (digits only) or a cursor (`0-15.1-9`); `CursorError` otherwise."""
    if text.isdigit():
        return int(text)
    pairs = text.split(".")
    if len(pairs) > _MAX_PARTITIONS:
        raise CursorError(f"a cursor names at most {_MAX_PARTITIONS} partitions")
    positions: dict[int, int] = {}
    for pair in pairs:
        match = _PAIR.fullmatch(pair)
        if match is None:
            raise CursorError(
                f"after={text[:80]!r} is neither a seq (digits) nor a cursor like 0-1520.1-1388: "
                "send the `seq` or the `cursor` of the last frame read"
            )
        partition, offset = int(match[1]), int(match[2])
        if partition in positions:
            raise CursorError(f"the cursor names partition {partition} twice")
        positions[partition] = offset
    return positions
