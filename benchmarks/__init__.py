"""Benchmarks of corespond, not shipped in the wheel: the core measured in-process (triage speed,
routing solves), the running service driven from outside (`python -m benchmarks`), chaos and fuzz."""
