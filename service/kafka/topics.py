"""Creating the service's topics when they are missing (the embedded broker starts empty).

The changelog topic is partitioned exactly like the events topic: a region's state records live in
the partition number its events live in, so the instance that owns the events owns the state. The
unit-view topic is compacted (`cleanup.policy=compact`): only each unit's last view matters, and
every instance reads it whole at start.
"""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from service.settings import Settings

__all__ = ["TopicLayoutError", "ensure_topics"]

log = logging.getLogger(__name__)


class TopicLayoutError(RuntimeError):
    """Existing topics are laid out in a way the service cannot work with."""


async def _partitions(admin: AIOKafkaAdminClient, topic: str) -> int:
    described = await admin.describe_topics([topic])
    return len(described[0]["partitions"])


async def ensure_topics(settings: Settings) -> None:
    """Create the events, decisions, dead-letter, changelog and unit-view topics that do not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        events_partitions = settings.topic_partitions
        if settings.topic_events in existing:
            events_partitions = await _partitions(admin, settings.topic_events)
        if settings.topic_changelog in existing:
            changelog_partitions = await _partitions(admin, settings.topic_changelog)
            if changelog_partitions != events_partitions:
                raise TopicLayoutError(
                    f"{settings.topic_changelog} has {changelog_partitions} partitions but "
                    f"{settings.topic_events} has {events_partitions}: they must match, since a region's "
                    "state lives in the partition number of its events"
                )
        wanted = {
            settings.topic_events: events_partitions,
            settings.topic_decisions: settings.topic_partitions,
            settings.topic_dlq: settings.topic_partitions,
            settings.topic_changelog: events_partitions,
            settings.topic_unit_views: settings.topic_partitions,
        }
        compacted = {settings.topic_unit_views}
        missing = [
            NewTopic(
                name,
                num_partitions=count,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if name in compacted else {},
            )
            for name, count in wanted.items()
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
