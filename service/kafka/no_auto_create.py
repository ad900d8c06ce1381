"""No topic is ever created by asking about it: aiokafka's `allow.auto.create.topics=false`.

Kafka brokers (Tansu among them) create a topic that a client asks metadata for, with the broker's
default layout, unless the request says not to; aiokafka always lets them (its `MetadataRequest`
defaults to True and no client option changes it; the Java client has `allow.auto.create.topics`).
For this service an auto-created topic is wrong twice over: its partition count need not match the
changelog's, and after a broker restarted empty it hides the loss the service must see to re-seed
its state. `ensure_topics` creates the topics explicitly; everything else only asks.
"""

from __future__ import annotations

from typing import Any

from aiokafka.protocol import metadata

__all__ = ["forbid_topic_auto_creation"]

_original_init = metadata.MetadataRequest.__init__


def _no_auto_create_init(
    self: metadata.MetadataRequest, topics: list[str] | None = None, allow_auto_topic_creation: Any = None
) -> None:
    _original_init(self, topics, False if allow_auto_topic_creation is None else allow_auto_topic_creation)


def forbid_topic_auto_creation() -> None:
    """Make every aiokafka metadata request of this process ask for no auto-creation (idempotent)."""
    metadata.MetadataRequest.__init__ = _no_auto_create_init
