"""Fan-out of decisions to WebSocket subscribers, with a ring buffer so a reconnecting client resumes.

Every published decision gets a `seq`, increasing for the life of the hub. Sequence numbers start at
the hub's start time in microseconds, so they keep increasing across service restarts: a client that
resumes with an `after` from an earlier run is told it has a gap instead of silently missing frames.
A subscriber whose queue overflows is dropped (it reconnects with `after` and loses nothing that is
still in the ring).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

import orjson

__all__ = ["DecisionHub", "Frame", "Subscription"]


@dataclass(frozen=True, slots=True)
class Frame:
    seq: int
    region: str
    text: str
    """The decision JSON with its `seq`, decoded once, ready to send to every client."""


@dataclass(eq=False, slots=True)
class Subscription:
    region: str | None
    queue: asyncio.Queue[Frame]
    overflowed: bool = False
    backlog: list[Frame] = field(default_factory=list)
    gap: bool = False
    """The client asked to resume from a point no longer in the ring: it must reload via REST."""


class DecisionHub:
    def __init__(self, ring_size: int, client_queue: int, first_seq: int) -> None:
        self._ring: deque[Frame] = deque(maxlen=ring_size)
        self._subscribers: set[Subscription] = set()
        self._client_queue = client_queue
        self._next_seq = first_seq

    @property
    def last_seq(self) -> int:
        return self._next_seq - 1

    def publish(self, region: str, decision_json: bytes) -> Frame:
        seq = self._next_seq
        self._next_seq += 1
        frame = Frame(seq, region, f'{{"seq":{seq},' + decision_json[1:].decode())
        self._ring.append(frame)
        for sub in self._subscribers:
            if sub.region is not None and sub.region != region:
                continue
            try:
                sub.queue.put_nowait(frame)
            except asyncio.QueueFull:
                sub.overflowed = True
        return frame

    def subscribe(self, region: str | None, after: int | None) -> Subscription:
        """Register a subscriber; frames after `after` still in the ring become its backlog."""
        sub = Subscription(region, asyncio.Queue(maxsize=self._client_queue))
        if after is not None and after < self.last_seq:
            oldest = self._ring[0].seq if self._ring else self._next_seq
            sub.gap = after + 1 < oldest
            sub.backlog = [f for f in self._ring if f.seq > after and (region is None or f.region == region)]
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscribers.discard(sub)

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
