"""Kafka adapters: topic set-up, event decoding, decision publishing, dead letters, the consumer loop."""
