"""Adapters around the core: Kafka, HTTP, WebSocket, broker process, settings, metrics, CLI."""
