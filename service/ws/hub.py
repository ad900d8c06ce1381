"""Fan-out of decisions to WebSocket subscribers, with a ring buffer so a reconnecting client resumes.

Frames come from the decisions topic as this instance reads it (`service.kafka.log_tail`), so every
instance carries every region's frames. Each frame has two positions:

- `seq`, increasing for the life of the hub and starting at its start time in microseconds, so it
  keeps increasing across restarts: `after=SEQ` resumes on the same instance;
- `cursor` (`service.ws.cursor`), the per-partition read positions of the decisions topic when the
  frame was sent: `after=CURSOR` resumes on any instance, without a gap or a duplicate.

A client resuming from a point no longer in the ring is told it has a gap (and should reload
`GET /calls`). A subscriber whose queue overflows is dropped; it reconnects with `after` and loses
nothing that is still in the ring.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from dataclasses import dataclass, field

import orjson

from service.ws.cursor import format_cursor

__all__ = ["DecisionHub", "Frame", "Subscription"]


@dataclass(frozen=True, slots=True)
class Frame:
    seq: int
    region: str
    partition: int
    offset: int
    """Where the decision lies in the decisions topic."""
    text: str
    """The decision JSON with its `seq` and `cursor`, decoded once, ready to send to every client."""


@dataclass(eq=False, slots=True)
class Subscription:
    region: str | None
    queue: asyncio.Queue[Frame]
    floor: dict[int, int] = field(default_factory=dict)
    """Per partition, the first offset this client has not seen (from its cursor): a frame below it was
    sent by the instance it read before, which may have been ahead of this one."""
    overflowed: bool = False
    backlog: list[Frame] = field(default_factory=list)
    gap: bool = False
    """The client asked to resume from a point no longer in the ring: it must reload via REST."""

    def wants(self, frame: Frame) -> bool:
        return (self.region is None or frame.region == self.region) and frame.offset >= self.floor.get(
            frame.partition, 0
        )


class DecisionHub:
    def __init__(self, ring_size: int, client_queue: int, first_seq: int) -> None:
        self._ring: deque[Frame] = deque(maxlen=ring_size)
        self._subscribers: set[Subscription] = set()
        self._client_queue = client_queue
        self._next_seq = first_seq
        self._positions: dict[int, int] = {}
        """Per partition of the decisions topic, the next offset to read."""
        self._covered_from: dict[int, int] = {}
        """Per partition, the first offset from which every frame is still in the ring (or to come)."""

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def start_partition(self, partition: int, offset: int) -> None:
        """The reader starts `partition` at `offset`; a first start is where the ring's coverage begins."""
        if partition not in self._positions or offset < self._positions[partition]:
            # First sight, or the log went back (a broker that lost it): coverage starts over here.
            self._covered_from[partition] = offset
        self._positions[partition] = offset

    def advance(self, partition: int, next_offset: int) -> None:
        """A record that makes no frame (an old revision, a re-publication) was read."""
        self._positions[partition] = next_offset

    def publish(self, region: str, partition: int, offset: int, decision_json: bytes) -> Frame:
        """A decision read at `partition`/`offset` goes out to every subscriber that wants it."""
        self._positions[partition] = offset + 1
        seq = self._next_seq
        self._next_seq += 1
        head = f'{{"seq":{seq},"cursor":"{format_cursor(self._positions)}",'
        frame = Frame(seq, region, partition, offset, head + decision_json[1:].decode())
        if len(self._ring) == self._ring.maxlen:
            evicted = self._ring[0]
            self._covered_from[evicted.partition] = evicted.offset + 1
        self._ring.append(frame)
        for sub in self._subscribers:
            if not sub.wants(frame):
                continue
            try:
                sub.queue.put_nowait(frame)
            except asyncio.QueueFull:
                sub.overflowed = True
        return frame

    def subscribe(self, region: str | None, after: int | dict[int, int] | None) -> Subscription:
        """Register a subscriber; frames after `after` (seq or cursor) still in the ring are its backlog."""
        sub = Subscription(region, asyncio.Queue(maxsize=self._client_queue))
        if isinstance(after, dict):
            sub.floor = dict(after)
            sub.gap = any(after.get(p, 0) < start for p, start in self._covered_from.items())
            sub.backlog = [f for f in self._ring if sub.wants(f)]
        elif after is not None and after < self.last_seq:
            oldest = self._ring[0].seq if self._ring else self._next_seq
            sub.gap = after + 1 < oldest
            sub.backlog = [f for f in self._ring if f.seq > after and (region is None or f.region == region)]
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

    def ring_text_bytes(self) -> int:
        """Bytes of the frame texts the ring holds (its memory, bar the frames' small records)."""
        return sum(sys.getsizeof(frame.text) for frame in self._ring)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def gap_notice(self) -> str:
        oldest = self._ring[0].seq if self._ring else self._next_seq
        return orjson.dumps(
            {
                "type": "gap",
                "oldest_seq": oldest,
                "detail": "frames before oldest_seq are no longer buffered; reload GET /calls",
            }
        ).decode()
