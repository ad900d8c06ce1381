"""Benchmarks of corespond: the routing core measured in-process, the running service from outside."""
