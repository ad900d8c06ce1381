"""The `--demo` feed: a synthetic Northern Colorado CAD stream written to the events topic.

It goes through Kafka like any CAD integration would, at `CORESPOND_DEMO_RATE_PER_S` events per
second, after the demo roster of co-responder teams.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaProducer

from service.kafka.publisher import stop_producer
from service.settings import Settings
from simulator import FeedConfig, SyntheticFeed, demo_roster

__all__ = ["run_demo_feed"]

log = logging.getLogger(__name__)


async def run_demo_feed(settings: Settings) -> None:
    start = datetime.now(UTC)
    config = FeedConfig(seed=settings.demo_seed, run_id=f"{int(start.timestamp()):x}")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=5)
    await producer.start()
    try:
        roster = demo_roster(config, start)
        for event in roster:
            await producer.send(settings.topic_events, orjson.dumps(event), key=config.region.encode())
        await producer.flush()
        log.info("demo feed: %d units on shift, %.1f events/s", len(roster), settings.demo_rate_per_s)
        began = time.monotonic()
        for offset, event in SyntheticFeed(config, start, roster).events(settings.demo_rate_per_s):
            delay = began + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            event["occurred_at"] = datetime.now(UTC).isoformat()
            await producer.send(settings.topic_events, orjson.dumps(event), key=config.region.encode())
    finally:
        await stop_producer(producer, settings.producer_close_timeout_s, name="demo feed")
