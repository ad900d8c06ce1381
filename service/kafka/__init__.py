"""Kafka I/O only: topic set-up, the consumer loop, decision and dead-letter publishing, the changelog,
the adaptive fetch wait and the no-auto-create guard."""
