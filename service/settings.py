"""The one settings object of the service: every knob, read from `CORESPOND_*` environment variables.

Built once by the CLI (or by a test, directly) and passed to everything that needs it; never read at
import time, never held in a module global. Frozen: a changed setting is a new object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from routing.plan import AssignmentOptions
from routing.travel import HaversineTravel
from service.access import ApiKey, parse_api_keys
from triage.facts import BandThresholds

__all__ = ["Settings"]

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

Port = Annotated[int, Field(ge=0, le=65535)]
Positive = Annotated[int, Field(ge=1)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CORESPOND_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    # Kafka
    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092",
        description="Comma-separated bootstrap servers: Apache Kafka, Redpanda, MSK, or the embedded broker.",
    )
    topic_events: str = "cad.events"
    topic_decisions: str = "triage.decisions"
    topic_dlq: str = "cad.events.dlq"
    topic_changelog: str = Field(
        default="corespond.changelog",
        description="Region state records, partitioned like the events topic; restored on assignment.",
    )
    topic_unit_views: str = Field(
        default="corespond.units",
        description="The latest view of every unit, keyed by unit id (compacted): every instance reads it "
        "whole into GET /units.",
    )
    read_side_lookback_s: Annotated[float, Field(gt=0)] = Field(
        default=86_400.0,
        description="At start, the decisions topic is read from this far back (by record timestamp) into "
        "GET /calls and the WebSocket ring: open calls whose last decision is older are not shown.",
    )
    snapshot_every_events: Positive = Field(
        default=20_000,
        description="A region's full snapshot is written after this many events since the last.",
    )
    instance_id: str | None = Field(
        default=None,
        description="Stable, unique id of this instance (e.g. the pod name): its Kafka client id, shown by "
        "/ready and the logs; with CORESPOND_STATIC_MEMBERSHIP also its group instance id.",
    )
    static_membership: bool = Field(
        default=False,
        description="Join the consumer group as a static member (group.instance.id = CORESPOND_INSTANCE_ID): "
        "a restart within the session timeout takes its partitions back without a rebalance. Off by "
        "default: the embedded Tansu broker does not settle a group of several static members.",
    )
    session_timeout_ms: Annotated[int, Field(ge=1000, le=300_000)] = Field(
        default=6_000,
        description="Consumer group session timeout: how long a killed instance holds its regions "
        "(Apache Kafka refuses less than its group.min.session.timeout.ms, 6000 by default).",
    )
    heartbeat_interval_ms: Annotated[int, Field(ge=100, le=100_000)] = Field(
        default=500,
        description="Consumer group heartbeat: the survivors learn of a dead member at their next "
        "heartbeat after its session timed out. At most a third of the session timeout.",
    )
    max_state_record_bytes: Annotated[int, Field(ge=16 * 1024, le=64 * 1024 * 1024)] = Field(
        default=900_000,
        description="Changelog records are split into parts of at most about this size (under the "
        "broker's message.max.bytes, 1 MB by default).",
    )
    ready_max_lag: Annotated[int, Field(ge=0)] = Field(
        default=2000,
        description="The service counts as caught up (and /ready as 200) while at most this many "
        "records of its partitions wait: under a steady stream the lag is rarely exactly 0.",
    )
    stall_timeout_s: Annotated[float, Field(gt=0)] = Field(
        default=60.0, description="Records waiting with none consumed for this long restart the consumer."
    )
    max_future_skew_s: Annotated[float, Field(ge=0)] = Field(
        default=300.0,
        description="Events whose occurred_at is further ahead of their Kafka timestamp are dead-lettered.",
    )
    consumer_group: str = "corespond"
    topic_partitions: Positive = Field(
        default=4, description="Partitions of topics the service creates when they are missing."
    )
    create_topics: bool = True
    fetch_max_wait_ms: Annotated[int, Field(ge=1, le=5000)] = Field(
        default=10, description="Broker-side wait for a fetch; end-to-end latency follows it."
    )
    fetch_max_wait_ceiling_ms: Annotated[int, Field(ge=1, le=30_000)] = Field(
        default=5000,
        description="The fetch wait doubles up to this while records wait on the broker and none arrive "
        "(the embedded Tansu broker answers empty when the wait is too short for its partition's size).",
    )
    max_batch_records: Positive = 2000
    batch_window_ms: Annotated[int, Field(ge=0, le=200)] = Field(
        default=5,
        description="After the first record of a batch, wait this long for more: a surge is decided in one "
        "solve. Adds at most this much latency; the broker-side fetch wait groups records as well.",
    )
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

    # Decisions: the core's own option models, validated by the core's ranges. Nested variables
    # (CORESPOND_ASSIGNMENT__ON_SCENE_S=1800) or JSON (CORESPOND_ASSIGNMENT='{"on_scene_s": 1800}').
    assignment: AssignmentOptions = Field(
        default_factory=AssignmentOptions,
        description="How the planner prices and limits a plan (routing.plan.AssignmentOptions).",
    )
    travel: HaversineTravel = Field(
        default_factory=HaversineTravel,
        description="Default travel model, e.g. CORESPOND_TRAVEL='{\"speed_mps\": 11}'.",
    )
    travel_regions: dict[str, HaversineTravel] = Field(
        default_factory=dict,
        description="Travel models of regions that drive differently, by region id, as JSON.",
    )

    # Triage rules
    triage_rules: Path | None = Field(
        default=None,
        description="Triage rule file (TOML). Default: the packaged triage/rules/default.toml.",
    )
    triage_agency_rules: dict[str, Path] = Field(
        default_factory=dict,
        description='Agency override files by agency id, as JSON: \'{"LPD": "/etc/corespond/lpd.toml"}\'. '
        "Default: none (the demo passes its own).",
    )
    triage_bands: BandThresholds | None = Field(
        default=None,
        description='Band thresholds, all three together: \'{"high": 0.7, "medium": 0.4, "low": 0.15}\'. '
        "Default: the rule file's [bands].",
    )

    # Demo feed
    demo_rate_per_s: Annotated[float, Field(gt=0, le=1000)] = 3.0
    demo_seed: int = 7

    log_level: str = "INFO"

    # Access control
    api_keys: Annotated[tuple[ApiKey, ...], NoDecode] = Field(
        default=(),
        description="role:token,role:token (roles: integration, dispatcher, observer, admin). "
        "When any key is set, every route but /health, /ready and the docs needs a bearer token.",
    )
    allow_insecure: bool = Field(
        default=False,
        description="Allow serving without API keys on an address other than loopback (never in production).",
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated browser origins allowed to call the API and open the WebSocket.",
    )
    ws_ticket_ttl_s: Annotated[float, Field(gt=0, le=300)] = 30.0
    append_timeout_s: Annotated[float, Field(gt=0, le=120)] = Field(
        default=5.0, description="POST /events answers 503 when the broker has not confirmed within this."
    )
    producer_close_timeout_s: Annotated[float, Field(gt=0, le=300)] = Field(
        default=10.0,
        description="At shutdown, records the broker has not taken within this are given up (events "
        "not committed are read again on the next start): a broker gone for good never holds the exit.",
    )

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_api_keys(cls, value: object) -> object:
        return parse_api_keys(value) if isinstance(value, str) else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return value

    @property
    def auth_enabled(self) -> bool:
        return bool(self.api_keys)

    @model_validator(mode="after")
    def _no_open_door(self) -> Self:
        if not self.api_keys and not self.allow_insecure and self.host not in _LOOPBACK:
            raise ValueError(
                f"serving on {self.host} without API keys would let anyone on the network read "
                "behavioral-health calls: set CORESPOND_API_KEYS=role:token,... (or bind to 127.0.0.1; "
                "CORESPOND_ALLOW_INSECURE=true only for a closed test network)"
            )
        return self

    @model_validator(mode="after")
    def _fetch_wait_ceiling_above_start(self) -> Self:
        if self.fetch_max_wait_ceiling_ms < self.fetch_max_wait_ms:
            raise ValueError(
                "CORESPOND_FETCH_MAX_WAIT_CEILING_MS must be at least CORESPOND_FETCH_MAX_WAIT_MS"
            )
        return self

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
    def _distinct_topics(self) -> Self:
        topics = {
            self.topic_events,
            self.topic_decisions,
            self.topic_dlq,
            self.topic_changelog,
            self.topic_unit_views,
        }
        if len(topics) != 5:
            raise ValueError(
                "CORESPOND_TOPIC_EVENTS, _DECISIONS, _DLQ, _CHANGELOG and _UNIT_VIEWS must all differ: "
                "reading decisions or state back as events would loop"
            )
        return self

    @model_validator(mode="after")
    def _heartbeat_within_session(self) -> Self:
        if self.heartbeat_interval_ms * 3 > self.session_timeout_ms:
            raise ValueError(
                f"CORESPOND_HEARTBEAT_INTERVAL_MS ({self.heartbeat_interval_ms}) must be at most a third of "
                f"CORESPOND_SESSION_TIMEOUT_MS ({self.session_timeout_ms}), or one late heartbeat loses the "
                "instance its regions"
            )
        return self

    @model_validator(mode="after")
    def _static_member_has_an_id(self) -> Self:
        if self.static_membership and not self.instance_id:
            raise ValueError(
                "CORESPOND_STATIC_MEMBERSHIP=true needs CORESPOND_INSTANCE_ID (unique per instance)"
            )
        return self
