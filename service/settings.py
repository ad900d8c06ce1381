"""The one settings object of the service: every knob, read from `CORESPOND_*` environment variables.

Built once by the CLI (or by a test, directly) and passed to everything that needs it; never read at
import time, never held in a module global. Frozen: a changed setting is a new object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

Port = Annotated[int, Field(ge=0, le=65535)]
Positive = Annotated[int, Field(ge=1)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CORESPOND_", frozen=True, extra="forbid")

    # Kafka
    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092",
        description="Comma-separated bootstrap servers: Apache Kafka, Redpanda, MSK, or the embedded broker.",
    )
    topic_events: str = "cad.events"
    topic_decisions: str = "triage.decisions"
    topic_dlq: str = "cad.events.dlq"
    consumer_group: str = "corespond"
    topic_partitions: Positive = Field(
        default=4, description="Partitions of topics the service creates when they are missing."
    )
    create_topics: bool = True
    fetch_max_wait_ms: Annotated[int, Field(ge=1, le=5000)] = Field(
        default=10, description="Broker-side wait for a fetch; end-to-end latency follows it."
    )
    max_batch_records: Positive = 2000
    producer_linger_ms: Annotated[int, Field(ge=0, le=1000)] = 2
    max_event_bytes: Annotated[int, Field(ge=1024, le=10 * 1024 * 1024)] = 64 * 1024

    # HTTP and WebSocket
    host: str = "127.0.0.1"
    port: Port = 8000
    ws_ring_size: Positive = 20_000
    ws_client_queue: Positive = 2_000
    decision_store_closed: Positive = Field(
        default=50_000, description="Closed calls whose final decision GET /calls/{id} still serves."
    )

    # Decisions
    on_scene_s: Annotated[float, Field(gt=0)] = 2700.0
    shift_buffer_s: Annotated[float, Field(ge=0)] = 900.0
    hysteresis_s: Annotated[float, Field(ge=0)] = 120.0

    # Demo feed
    demo_rate_per_s: Annotated[float, Field(gt=0, le=1000)] = 3.0
    demo_seed: int = 7

    log_level: str = "INFO"
    schema_dir: Path = Path("schemas/json")

    @model_validator(mode="after")
    def _distinct_topics(self) -> Self:
        topics = {self.topic_events, self.topic_decisions, self.topic_dlq}
        if len(topics) != 3:
            raise ValueError(
                "CORESPOND_TOPIC_EVENTS, CORESPOND_TOPIC_DECISIONS and CORESPOND_TOPIC_DLQ must differ: "
                "reading decisions back as events would loop"
            )
        return self
