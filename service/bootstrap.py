"""Wiring, in one place: from one `Settings` to a `Runtime` whose adapters surround the core.

`bootstrap(settings)` loads the triage rules, builds the decision policy from the settings' own
option models, and connects the write side (the consumer, the region host, the publisher, the
changelog) and the read side (the read model, ledger included, and the tail of the topics it is
built from).
Nothing else in the service builds an adapter or changes a library's behaviour; the one process-wide
change (no topic auto-creation, `service.kafka.no_auto_create`) is made here.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from pathlib import Path

from routing.epoch import Policy
from service.clock import Clock, SystemClock
from service.kafka.changelog import ChangelogWriter
from service.kafka.consumer import DecisionConsumer
from service.kafka.log_tail import LogTail
from service.kafka.no_auto_create import forbid_topic_auto_creation
from service.kafka.publisher import Publisher, new_producer
from service.ledger_store import LedgerStore
from service.metrics import Metrics
from service.read_model import ReadModel, UnitStore
from service.redaction import NatureScreen
from service.regions import RegionHost
from service.runtime import Runtime
from service.settings import Settings
from service.store import DecisionStore
from service.ws.hub import DecisionHub
from triage.facts import BandThresholds
from triage.rulebook import load_triager, packaged_rules_path
from triage.scoring import RuleTriager

__all__ = ["bootstrap", "policy_from", "region_host", "triager_from"]


def triager_from(settings: Settings) -> RuleTriager:
    """The triager the settings describe; raises `RulebookError` (file, line, rule) on a bad rule file.

    Compiled once per process for the same rule files (by content) and bands: compiling the rules
    takes seconds (thousands of regular expressions), and `serve` checks them before it starts the
    service that uses them. A `RuleTriager` is immutable, so sharing it is safe."""
    try:
        sources = _rule_sources(settings)
    except OSError:
        # A missing or unreadable file: the loader names it in its error.
        return load_triager(settings.triage_rules, settings.triage_agency_rules, settings.triage_bands)
    return _compiled_triager(sources, settings.triage_bands)


_RuleSources = tuple[tuple[str, Path, str], ...]
"""(agency, path, SHA-256 of the content): the base file first (agency ""), then agency files by agency."""


def _rule_sources(settings: Settings) -> _RuleSources:
    base = settings.triage_rules or packaged_rules_path()
    files = [("", base), *sorted(settings.triage_agency_rules.items())]
    model = _text_model_path(base)
    if model is not None:
        # the model the base file names is part of the rules: a retrained model is new rules
        files.append(("[text_model]", model))
    return tuple((agency, path, hashlib.sha256(path.read_bytes()).hexdigest()) for agency, path in files)


def _text_model_path(base: Path) -> Path | None:
    try:
        table = tomllib.loads(base.read_text(encoding="utf-8")).get("text_model")
    except tomllib.TOMLDecodeError:
        return None  # the loader names the bad line
    name = table.get("file") if isinstance(table, dict) else None
    return base.parent / name if isinstance(name, str) else None


@functools.lru_cache(maxsize=8)
def _compiled_triager(sources: _RuleSources, bands: BandThresholds | None) -> RuleTriager:
    (_, base, _), *others = sources
    agencies = {agency: path for agency, path, _ in others if agency != "[text_model]"}
    return load_triager(base, agencies, bands)


def policy_from(settings: Settings) -> Policy:
    """The decision policy of every region: the settings' triage rules, travel and assignment options."""
    return Policy(
        triager=triager_from(settings),
        travel=settings.travel,
        regional_travel=dict(sorted(settings.travel_regions.items())),
        options=settings.assignment,
    )


def region_host(settings: Settings, clock: Clock, policy: Policy | None = None) -> RegionHost:
    """The holder of the regions' state, deciding by the settings' policy at `clock`'s time."""
    return RegionHost(
        policy or policy_from(settings),
        clock,
        max_event_bytes=settings.max_event_bytes,
        max_future_skew_s=settings.max_future_skew_s,
        snapshot_every=settings.snapshot_every_events,
        max_state_record_bytes=settings.max_state_record_bytes,
    )


def bootstrap(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Every adapter of one service instance, connected and not yet started."""
    forbid_topic_auto_creation()
    clock = clock or SystemClock()
    metrics = Metrics(max_agencies=settings.metrics_max_agencies)
    policy = policy_from(settings)
    read_model = ReadModel(
        DecisionStore(settings.decision_store_closed),
        UnitStore(),
        DecisionHub(
            settings.ws_ring_size,
            settings.ws_client_queue,
            first_seq=int(clock.now().timestamp() * 1_000_000),
        ),
        # Observers' entries withhold substance-use nature codes, as the triage rules classify them.
        LedgerStore(NatureScreen(policy.triager)),
        metrics,
    )
    host = region_host(settings, clock, policy)
    producer = new_producer(settings)
    changelog = ChangelogWriter(producer, settings.topic_changelog)
    consumer = DecisionConsumer(
        settings,
        host,
        publisher=Publisher(producer, settings),
        changelog=changelog,
        metrics=metrics,
    )
    return Runtime(
        settings=settings,
        clock=clock,
        metrics=metrics,
        host=host,
        read_model=read_model,
        producer=producer,
        changelog=changelog,
        consumer=consumer,
        tail=LogTail(settings, read_model.read_topics(settings), metrics),
    )
