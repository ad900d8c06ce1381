"""Shutting down after the broker is gone: records the broker never took must not hold the exit.

A Ctrl-C in a terminal reaches the embedded broker and the service at once; aiokafka's producer
`stop()` then retries its unsent records for ever. Found by running `make run` and pressing Ctrl-C.
"""

from __future__ import annotations

import asyncio
import time

from service.broker import EmbeddedBroker
from service.demo import run_demo_feed
from service.kafka.topics import ensure_topics
from tests.conftest import read_topic, unique_settings

CLOSE_TIMEOUT_S = 2.0


async def test_the_demo_feed_stops_within_its_close_timeout_once_the_broker_is_gone() -> None:
    with EmbeddedBroker() as broker:
        settings = unique_settings(
            broker.bootstrap, demo_rate_per_s=500.0, producer_close_timeout_s=CLOSE_TIMEOUT_S
        )
        await ensure_topics(settings)
        feed = asyncio.create_task(run_demo_feed(settings))
        # The roster and a first stretch of the stream are on the broker: the feed is sending.
        await read_topic(broker.bootstrap, settings.topic_events, lambda records: len(records) > 200)
        broker.stop()
    feed.cancel()
    started = time.monotonic()
    done, _ = await asyncio.wait({feed}, timeout=CLOSE_TIMEOUT_S + 10)
    assert feed in done, "the demo feed still waits on a broker that is gone"
    assert feed.cancelled()
    assert time.monotonic() - started < CLOSE_TIMEOUT_S + 5
