"""The pure core: triage, travel time, assignment and the region state machine.

Plain data in, plain data out: no asyncio, no Kafka, no HTTP, no clock reads (time is a parameter),
no globals, no logging. The same input gives the same output, so tests and replays call it directly.
"""
