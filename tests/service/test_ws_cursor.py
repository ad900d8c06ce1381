"""The WebSocket resume cursor and the hub's ring: pure, no broker.

The property that matters: instances read the same partitions of the decisions topic in different
interleavings, and a client that read some frames from one instance and resumes with the last
frame's cursor on another receives every later frame exactly once.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.ws.cursor import CursorError, format_cursor, parse_after
from service.ws.hub import DecisionHub

positions = st.dictionaries(st.integers(0, 99), st.integers(0, 10**12), min_size=1, max_size=12)


@given(positions)
def test_a_cursor_reads_back_as_it_was_written(cursor: dict[int, int]) -> None:
    text = format_cursor(cursor)
    assert parse_after(text) == cursor
    assert not text.isdigit(), "never mistaken for a seq"


@pytest.mark.parametrize("text", ["", "0-", "-5", "0-1.0-2", "0:1", "a-1", "0-1,1-2", "1.5"])
def test_what_is_neither_a_seq_nor_a_cursor_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(CursorError):
        parse_after(text)


def test_digits_alone_are_a_seq() -> None:
    assert parse_after("1764345845000001") == 1764345845000001


def _decision(n: int, region: str = "r") -> bytes:
    return orjson.dumps({"call_id": f"C-{n}", "region": region, "revision": 1})


def _feed(hub: DecisionHub, order: list[tuple[int, int]]) -> None:
    for partition, offset in order:
        hub.publish("r", partition, offset, _decision(partition * 1000 + offset))


@st.composite
def two_interleavings(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    """Two orders of the same per-partition sequences, and how many frames the client read first."""
    lengths = draw(st.lists(st.integers(0, 8), min_size=1, max_size=4))
    records = [(p, o) for p, n in enumerate(lengths) for o in range(n)]

    def interleave() -> list[tuple[int, int]]:
        queues = {p: [o for q, o in records if q == p] for p in range(len(lengths))}
        order = []
        while any(queues.values()):
            p = draw(st.sampled_from([p for p, q in queues.items() if q]))
            order.append((p, queues[p].pop(0)))
        return order

    first, second = interleave(), interleave()
    read = draw(st.integers(1, max(1, len(records)))) if records else 0
    return first, second, read


@settings(max_examples=200)
@given(two_interleavings(), st.integers(0, 100))
def test_a_client_moving_between_instances_gets_every_frame_once(
    orders: tuple[list[tuple[int, int]], list[tuple[int, int]], int], progress: int
) -> None:
    first, second, read = orders
    if not first:
        return
    a, b = DecisionHub(1000, 1000, first_seq=1), DecisionHub(1000, 1000, first_seq=50)
    for hub in (a, b):
        for partition in {p for p, _ in first}:
            hub.start_partition(partition, 0)
    _feed(a, first)
    seen_on_a = [orjson.loads(frame.text) for frame in list(a._ring)[:read]]
    cursor = parse_after(seen_on_a[-1]["cursor"])
    # Instance B may be behind or ahead of A when the client arrives: it has read part of its order.
    cut = len(second) * progress // 100
    _feed(b, second[:cut])
    sub = b.subscribe(None, cursor)
    assert not sub.gap
    _feed(b, second[cut:])
    got = [orjson.loads(f.text)["call_id"] for f in sub.backlog]
    while not sub.queue.empty():
        got.append(orjson.loads(sub.queue.get_nowait().text)["call_id"])
    calls = [f["call_id"] for f in seen_on_a] + got
    assert len(calls) == len(set(calls)), "no frame twice"
    assert set(calls) == {f"C-{p * 1000 + o}" for p, o in first}, "no frame missed"


def test_a_cursor_older_than_the_ring_is_a_gap() -> None:
    hub = DecisionHub(ring_size=3, client_queue=10, first_seq=1)
    hub.start_partition(0, 0)
    _feed(hub, [(0, n) for n in range(5)])
    assert hub.subscribe(None, {0: 1}).gap, "offsets 1 and 2 are gone from the ring"
    kept = hub.subscribe(None, {0: 2})
    assert not kept.gap
    assert [f.offset for f in kept.backlog] == [2, 3, 4]


def test_frames_carry_seq_and_cursor_before_the_decision() -> None:
    hub = DecisionHub(ring_size=10, client_queue=10, first_seq=7)
    hub.start_partition(0, 40)
    hub.start_partition(1, 0)
    frame = hub.publish("r", 1, 3, _decision(1))
    body = orjson.loads(frame.text)
    assert body["seq"] == 7
    assert body["cursor"] == "0-40.1-4"
    assert body["call_id"] == "C-1"
