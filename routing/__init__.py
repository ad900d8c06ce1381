"""Routing, the second half of the pure core: the region state machine (apply one event), the decision
epoch (re-triage, re-plan, emit revisions), travel time, the assignment planner (OR-Tools min-cost
flow, greedy fallback), the ack rules and the state's snapshots.

Plain data in, plain data out: no asyncio, no Kafka, no HTTP, no clock reads (time is a parameter),
no globals, no logging. The same input gives the same output, so tests and replays call it directly.
"""
