"""Prometheus metrics of one service instance, in a registry of its own (no process-global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics"]

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events = Counter(
            "corespond_events_total", "CAD events consumed, by outcome", ["outcome"], registry=r
        )
        self.event_types = Counter(
            "corespond_event_types_total", "Valid CAD events consumed, by type", ["type"], registry=r
        )
        self.dead_letters = Counter(
            "corespond_dead_letters_total",
            "Records sent to the dead-letter topic, by reason",
            ["reason"],
            registry=r,
        )
        self.decisions = Counter("corespond_decisions_total", "Decisions published", registry=r)
        self.decisions_by_method = Counter(
            "corespond_decisions_by_method_total",
            "Decisions published, by assignment method (greedy_fallback counts solver fallbacks)",
            ["method"],
            registry=r,
        )
        self.consumer_restarts = Counter(
            "corespond_consumer_restarts_total", "Consumer restarts after a failure", registry=r
        )
        self.batch_seconds = Histogram(
            "corespond_batch_seconds",
            "Apply + decide time of one micro-batch",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.batch_size = Histogram(
            "corespond_batch_records",
            "Records per micro-batch",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000),
            registry=r,
        )
        self.event_to_decision = Histogram(
            "corespond_event_to_decision_seconds",
            "From the input record's Kafka timestamp to its decision being durable in Kafka",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.ws_clients = Gauge("corespond_ws_clients", "Connected WebSocket clients", registry=r)
        self.ws_dropped = Counter(
            "corespond_ws_dropped_total", "WebSocket clients dropped for falling behind", registry=r
        )
        self.consumer_lag = Gauge(
            "corespond_consumer_lag", "Records behind the high watermark, all owned partitions", registry=r
        )
        self.ready = Gauge("corespond_ready", "1 when the instance is ready", registry=r)
        self.read_side_delay = Histogram(
            "corespond_read_side_delay_seconds",
            "From a decision's or unit view's Kafka timestamp (its owner appending it) to this instance's "
            "read model showing it",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.read_side_lag = Gauge(
            "corespond_read_side_lag", "Records of the tailed topics not yet in the read model", registry=r
        )
        self.read_side_skipped = Counter(
            "corespond_read_side_skipped_total",
            "Records of the decisions or unit-view topics that are not ours to read (malformed)",
            registry=r,
        )
        self.read_side_restarts = Counter(
            "corespond_read_side_restarts_total", "Read side restarts after a failure", registry=r
        )
        self.open_calls = Gauge("corespond_open_calls", "Open calls with a decision", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)
