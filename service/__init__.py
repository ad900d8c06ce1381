"""Adapters around the core: settings, wiring (bootstrap), Kafka I/O, the region host, the read model,
REST and WebSocket, the embedded broker process, metrics, access control and the CLI."""
