"""Creating the service's topics when they are missing (the embedded broker starts empty)."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from service.settings import Settings

__all__ = ["ensure_topics"]

log = logging.getLogger(__name__)


async def ensure_topics(settings: Settings) -> None:
    """Create the events, decisions and dead-letter topics that do not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [settings.topic_events, settings.topic_decisions, settings.topic_dlq]
        missing = [
            NewTopic(name, num_partitions=settings.topic_partitions, replication_factor=1)
            for name in wanted
            if name not in existing
        ]
        if not missing:
            return
        try:
            await admin.create_topics(missing)
        except TopicAlreadyExistsError:
            log.info("topics were created concurrently by another instance")
        log.info("created topics %s", ", ".join(t.name for t in missing))
    finally:
        await admin.close()
