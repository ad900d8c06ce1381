"""The one settings object of the service: every knob, read from `CORESPOND_*` environment variables.

Built once by the CLI (or by a test, directly) and passed to everything that needs it; never read at
import time, never held in a module global. Frozen: a changed setting is a new object.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service.access import ApiKey, parse_api_keys
from triage.rulebook import packaged_agency_rules

__all__ = ["Settings", "TravelProfile"]

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})

Port = Annotated[int, Field(ge=0, le=65535)]
Positive = Annotated[int, Field(ge=1)]
Threshold = Annotated[float, Field(gt=0.0, lt=1.0)]
Circuity = Annotated[
    float, Field(ge=1.0, le=3.0, description="Road km per straight-line km; a road is never shorter.")
]
Speed = Annotated[float, Field(gt=0, le=40, description="Mean driving speed in m/s (40 m/s = 89 mph).")]


class TravelProfile(BaseModel):
    """How a region drives: e.g. rural {"circuity": 1.25, "speed_mps": 20}, urban {1.4, 9}."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    circuity: Circuity = 1.35
    speed_mps: Speed = 13.4
    startup_s: Annotated[float, Field(ge=0, le=600)] = 60.0


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
    topic_changelog: str = Field(
        default="corespond.changelog",
        description="Region state records, partitioned like the events topic; restored on assignment.",
    )
    snapshot_every_events: Positive = Field(
        default=20_000,
        description="A region's full snapshot is written after this many events since the last.",
    )
    instance_id: str | None = Field(
        default=None,
        description="Stable id of this instance (Kafka static membership): a restart takes its partitions "
        "back at once instead of waiting for the session timeout. Unique per instance.",
    )
    session_timeout_ms: Annotated[int, Field(ge=1000, le=300_000)] = Field(
        default=10_000,
        description="Consumer group session timeout: how long a dead instance holds partitions.",
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

    # Decisions (assignment; seconds are seconds of a weight-1 call's ETA)
    on_scene_s: Annotated[float, Field(gt=0)] = 2700.0
    shift_buffer_s: Annotated[float, Field(ge=0)] = Field(
        default=900.0, description="No assignment whose ETA + on-scene time ends within this of shift end."
    )
    hysteresis_s: Annotated[float, Field(ge=0)] = Field(
        default=120.0, description="A recommendation moves only when the move gains more than this."
    )
    min_busy_s: Annotated[float, Field(ge=0)] = 300.0
    caseload_s: Annotated[float, Field(ge=0)] = Field(
        default=600.0, description="Marginal cost per call a unit already holds (convex caseload)."
    )
    k_nearest: Annotated[int, Field(ge=0)] = Field(
        default=12, description="Arcs kept per call: its k cheapest eligible units; 0 keeps every arc."
    )
    solver_budget_ms: Annotated[float, Field(gt=0, le=10_000)] = Field(
        default=50.0, description="Min-cost-flow budget, enforced by problem size (see routing.assignment)."
    )
    pricing_rounds: Annotated[int, Field(ge=0, le=100)] = Field(
        default=8, description="Re-solves that price pruned arcs to prove a plan optimal; 0 = one solve."
    )
    alternatives: Annotated[int, Field(ge=0, le=10)] = 2
    model_mismatch_s: Annotated[float, Field(ge=0)] = 600.0
    no_transport_s: Annotated[float, Field(ge=0)] = 900.0
    missing_skill_s: Annotated[float, Field(ge=0)] = 300.0
    unplaced_s: Annotated[float, Field(gt=0, le=1_000_000)] = 86_400.0

    # Travel time, as JSON: CORESPOND_TRAVEL='{"speed_mps": 11}', CORESPOND_TRAVEL_REGIONS='{"weld": {...}}'
    travel: TravelProfile = Field(default_factory=TravelProfile)
    travel_regions: dict[str, TravelProfile] = Field(default_factory=dict)

    # Triage rules
    triage_rules: Path | None = Field(
        default=None,
        description="Triage rule file (TOML). Default: the packaged triage/rules/default.toml.",
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
    def _buffer_within_a_shift(self) -> Self:
        if self.shift_buffer_s + self.on_scene_s >= 36 * 3600:
            raise ValueError(
                "CORESPOND_SHIFT_BUFFER_S + CORESPOND_ON_SCENE_S must be under 36 hours (the longest shift): "
                "otherwise no unit could ever be assigned"
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
        topics = {self.topic_events, self.topic_decisions, self.topic_dlq, self.topic_changelog}
        if len(topics) != 4:
            raise ValueError(
                "CORESPOND_TOPIC_EVENTS, _DECISIONS, _DLQ and _CHANGELOG must all differ: "
                "reading decisions or state back as events would loop"
            )
        return self
