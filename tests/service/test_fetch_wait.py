"""The adaptive fetch wait: the pure rule, aiokafka's knob it turns, and a consumer that would starve.

The embedded Tansu broker answers a fetch with no records when finding the fetch's offset takes
longer than the fetch wait, and that time grows with the record batches in the partition (see
`service.kafka.fetch_wait`). At a 1 ms wait a few thousand single-record batches are enough.
"""

from __future__ import annotations

import inspect

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.consumer.fetcher import Fetcher
from hypothesis import given
from hypothesis import strategies as st

from service.broker import EmbeddedBroker
from service.kafka.fetch_wait import FetchWait, next_fetch_wait, starvation_grace_s
from tests.builders import call_created, next_id, unit_upsert
from tests.conftest import latest_decision, start_service, stop_service, unique_settings, until_ready

CEILING = 5000


def _after(state: FetchWait, seconds: float, *, progressed: bool = False, waiting: bool = True) -> FetchWait:
    now = state.since_s + seconds
    return next_fetch_wait(
        state, now_s=now, progressed=progressed, records_waiting=waiting, ceiling_ms=CEILING
    )


def test_the_wait_doubles_only_once_records_have_waited_unread_past_the_grace() -> None:
    start = FetchWait(10, 100.0)
    grace = starvation_grace_s(10)
    assert _after(start, grace * 0.9) == start
    assert _after(start, grace * 1.1) == FetchWait(20, 100.0 + grace * 1.1)


def test_records_arriving_or_nothing_waiting_keep_the_wait_and_restart_the_grace() -> None:
    start = FetchWait(40, 100.0)
    assert _after(start, 30.0, progressed=True) == FetchWait(40, 130.0)
    assert _after(start, 30.0, waiting=False) == FetchWait(40, 130.0)


def test_the_wait_stops_at_the_ceiling() -> None:
    assert _after(FetchWait(4000, 0.0), 60.0).ms == CEILING
    assert _after(FetchWait(CEILING, 0.0), 600.0).ms == CEILING


@given(
    st.integers(1, CEILING),
    st.lists(st.tuples(st.floats(0, 30), st.booleans(), st.booleans()), max_size=60),
)
def test_the_wait_never_falls_and_never_leaves_its_bounds(
    start_ms: int, polls: list[tuple[float, bool, bool]]
) -> None:
    state, now = FetchWait(start_ms, 0.0), 0.0
    for elapsed, progressed, waiting in polls:
        now += elapsed
        after = next_fetch_wait(
            state, now_s=now, progressed=progressed, records_waiting=waiting, ceiling_ms=CEILING
        )
        assert state.ms <= after.ms <= max(CEILING, start_ms)
        assert after.ms in (state.ms, min(CEILING, state.ms * 2))
        if after.ms != state.ms:
            assert not progressed
            assert waiting
            assert now - state.since_s > starvation_grace_s(state.ms)
        state = after


def test_aiokafka_builds_each_fetch_request_from_the_attribute_the_tuner_sets() -> None:
    # `_set_fetch_wait` writes Fetcher._fetch_max_wait_ms; a rename in aiokafka must fail here.
    assert "self._fetch_max_wait_ms" in inspect.getsource(Fetcher._get_actions_per_node)


async def test_a_consumer_starting_at_a_1ms_wait_reads_past_thousands_of_single_record_batches(
    broker: EmbeddedBroker,
) -> None:
    settings = unique_settings(broker.bootstrap, fetch_max_wait_ms=1, topic_partitions=1)
    region = next_id("region")
    service, task = await start_service(settings)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=0)
    await producer.start()
    try:
        async with httpx.AsyncClient(base_url=service.base_url) as client:
            await until_ready(client)
            # Each send waits for its acknowledgement, so each event is a record batch of its own.
            for n in range(6000):
                event = unit_upsert(f"{region}-U{n % 7}", region=region)
                await producer.send_and_wait(settings.topic_events, orjson.dumps(event), key=region.encode())
            last = next_id("LPD-26")
            await producer.send_and_wait(
                settings.topic_events, orjson.dumps(call_created(last, region=region)), key=region.encode()
            )
            decision = await latest_decision(client, last, 1, timeout=90.0)
            assert decision["call_id"] == last
    finally:
        await producer.stop()
        await stop_service(service, task)
