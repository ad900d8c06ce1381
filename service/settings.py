"""The one settings object of the service: every knob, read from `CORESPOND_*` environment variables.

Built once by the CLI (or by a test, directly) and passed to everything that needs it; never read at
import time, never held in a module global. Frozen: a changed setting is a new object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from routing.rulebook import packaged_agency_rules

__all__ = ["Settings"]

Port = Annotated[int, Field(ge=0, le=65535)]
Positive = Annotated[int, Field(ge=1)]
Threshold = Annotated[float, Field(gt=0.0, lt=1.0)]


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

    # Triage rules
    triage_rules: Path | None = Field(
        default=None,
        description="Triage rule file (TOML). Default: the packaged routing/rules/default.toml.",
    )
    triage_agency_rules: dict[str, Path] = Field(
        default_factory=packaged_agency_rules,
        description='Agency override files by agency id, as JSON: \'{"LPD": "/etc/corespond/lpd.toml"}\'. '
        "Default: the packaged demo files for LPD, LCSO and EPPD; '{}' for none.",
    )
    triage_band_high: Threshold | None = Field(default=None, description="Score from which a call is high.")
    triage_band_medium: Threshold | None = Field(
        default=None, description="Score from which a call is medium (and, by default, co-responder)."
    )
    triage_band_low: Threshold | None = Field(default=None, description="Score from which a call is low.")

    # Demo feed
    demo_rate_per_s: Annotated[float, Field(gt=0, le=1000)] = 3.0
    demo_seed: int = 7

    log_level: str = "INFO"
    schema_dir: Path = Path("schemas/json")

    @field_validator("triage_rules")
    @classmethod
    def _rules_file_exists(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"CORESPOND_TRIAGE_RULES: no such file: {path}")
        return path

    @field_validator("triage_agency_rules")
    @classmethod
    def _agency_files_exist(cls, files: dict[str, Path]) -> dict[str, Path]:
        missing = {agency: str(path) for agency, path in files.items() if not path.is_file()}
        if missing:
            raise ValueError(f"CORESPOND_TRIAGE_AGENCY_RULES: no such file for {missing}")
        return files

    @model_validator(mode="after")
    def _bands_together(self) -> Self:
        bands = (self.triage_band_low, self.triage_band_medium, self.triage_band_high)
        given = [b for b in bands if b is not None]
        if given and len(given) != 3:
            raise ValueError(
                "CORESPOND_TRIAGE_BAND_HIGH, CORESPOND_TRIAGE_BAND_MEDIUM and CORESPOND_TRIAGE_BAND_LOW "
                "are set together or not at all"
            )
        if len(given) == 3 and not given[0] < given[1] < given[2]:
            raise ValueError("triage bands must rise: CORESPOND_TRIAGE_BAND_LOW < _MEDIUM < _HIGH")
        return self

    @model_validator(mode="after")
    def _distinct_topics(self) -> Self:
        topics = {self.topic_events, self.topic_decisions, self.topic_dlq}
        if len(topics) != 3:
            raise ValueError(
                "CORESPOND_TOPIC_EVENTS, CORESPOND_TOPIC_DECISIONS and CORESPOND_TOPIC_DLQ must differ: "
                "reading decisions back as events would loop"
            )
        return self
